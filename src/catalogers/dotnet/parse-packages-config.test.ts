import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePackagesConfig } from "./parse-packages-config.ts";

const parse = (xml: string) => parsePackagesConfig(Buffer.from(xml));

test("reads id, version, target framework and allowed versions; dev dependencies are left out", () => {
  const { packages, issues } = parse(`\uFEFF<?xml version="1.0" encoding="utf-8"?>
<packages>
  <package id="Microsoft.Net.Compilers" version="1.0.0" targetFramework="net46" developmentDependency="true" />
  <package id="StyleCop.Analyzers" version="1.1.0" developmentDependency="True" />
  <package id="Newtonsoft.Json" version="8.0.3" allowedVersions="[8,10)" targetFramework="net46" />
  <package id="Newtonsoft.Json" version="8.0.3" targetFramework="net48" />
  <package id="log4net" version="2.0.5" developmentDependency="false" />
</packages>`);
  assert.deepEqual(issues, []);
  assert.deepEqual(packages, [
    {
      name: "Newtonsoft.Json",
      version: "8.0.3",
      purl: "pkg:nuget/Newtonsoft.Json@8.0.3",
      licenses: [],
      metadata: {
        kind: "dotnet",
        source: "packages.config",
        targetFrameworks: ["net46", "net48"],
        requested: "[8,10)",
        dependencies: [],
      },
    },
    {
      name: "log4net",
      version: "2.0.5",
      purl: "pkg:nuget/log4net@2.0.5",
      licenses: [],
      metadata: { kind: "dotnet", source: "packages.config", targetFrameworks: [], dependencies: [] },
    },
  ]);
});

test("UTF-16 files and namespace prefixes are read", () => {
  const xml =
    '<?xml version="1.0" encoding="utf-16"?><n:packages xmlns:n="urn:x"><n:package id="A" version="1.0.0"/></n:packages>';
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, "utf16le")]);
  const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(xml, "utf16le").swap16()]);
  for (const content of [le, be]) {
    const { packages, issues } = parsePackagesConfig(content);
    assert.deepEqual(issues, []);
    assert.deepEqual(
      packages.map((p) => p.purl),
      ["pkg:nuget/A@1.0.0"],
    );
  }
});

test("licenses come from the lookup", () => {
  const { packages } = parsePackagesConfig(Buffer.from('<packages><package id="A" version="1.0.0"/></packages>'), {
    licenses: (name) => (name === "A" ? ["MIT"] : []),
  });
  assert.deepEqual(packages[0]?.licenses, ["MIT"]);
});

test("malformed XML: the packages read before the problem, and an issue", () => {
  const { packages, issues } = parse('<packages>\n  <package id="A" version="1.0.0" />\n  <package id="B"');
  assert.deepEqual(
    packages.map((p) => p.name),
    ["A"],
  );
  assert.equal(issues.length, 1);
  assert.match(issues[0] ?? "", /^malformed XML/);
});

test("a DOCTYPE is refused: no entity is ever expanded", () => {
  const laughs = `<?xml version="1.0"?>
<!DOCTYPE packages [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<packages><package id="&b;" version="1.0.0" /></packages>`;
  assert.deepEqual(parse(laughs), { packages: [], issues: ["DOCTYPE declarations are not accepted"] });
  const external = `<!DOCTYPE packages [<!ENTITY x SYSTEM "file:///etc/passwd">]><packages><package id="&x;" version="1"/></packages>`;
  assert.deepEqual(parse(external), { packages: [], issues: ["DOCTYPE declarations are not accepted"] });
});

test("other problems give issues", () => {
  assert.deepEqual(parse("<configuration/>"), {
    packages: [],
    issues: ["root element <configuration> is not <packages>"],
  });
  assert.deepEqual(parse(""), { packages: [], issues: ["malformed XML: 1:0: document must contain a root element."] });
  assert.deepEqual(
    parse('<packages><package version="1.0.0"/><package id="B"/><package id="C" version=" "/></packages>'),
    {
      packages: [],
      issues: ["a <package> without an id", "package B: no version", "package C: no version"],
    },
  );
  const deep = `${"<a>".repeat(100)}${"</a>".repeat(100)}`;
  assert.deepEqual(parse(deep), {
    packages: [],
    issues: ["XML nested deeper than 64 elements", "root element <a> is not <packages>"],
  });
});
