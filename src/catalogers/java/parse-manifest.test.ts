import { test } from "node:test";
import assert from "node:assert/strict";
import { attribute, manifestIdentity, manifestLicenses, parseManifest } from "./parse-manifest.ts";

const parse = (text: string) => parseManifest(Buffer.from(text));

test("main section, continuation lines (one space dropped) and later sections", () => {
  const manifest = parse(
    "Manifest-Version: 1.0\r\nImplementation-URL: https://example.org/very/lo\r\n ng/path\r\nImplementation-Title: Spring\r\n  Framework\r\n\r\nName: org/example/\r\nSealed: true\r\n",
  );
  assert.deepEqual(manifest, {
    main: [
      ["Manifest-Version", "1.0"],
      ["Implementation-URL", "https://example.org/very/long/path"],
      ["Implementation-Title", "Spring Framework"],
    ],
    sections: [
      [
        ["Name", "org/example/"],
        ["Sealed", "true"],
      ],
    ],
  });
});

test("lone CR line ends, a BOM, junk lines and blank runs", () => {
  const manifest = parse("\uFEFFA: 1\rjunk\r :tail\r\r\r\r: empty name\rB: 2");
  assert.deepEqual(manifest, { main: [["A", "1:tail"]], sections: [[["B", "2"]]] });
  assert.deepEqual(parse(""), { main: [], sections: [] });
});

test("attributes: case-insensitive, the last one wins, localized (%) and empty values are absent", () => {
  const { main } = parse("bundle-name: first\nBundle-Name: second\nBundle-Vendor: %vendor\nX-Empty:\n");
  assert.equal(attribute(main, "Bundle-Name"), "second");
  assert.equal(attribute(main, "BUNDLE-VENDOR"), undefined);
  assert.equal(attribute(main, "X-Empty"), undefined);
});

test("identity: Trivy's field order for groupId, artifactId and version", () => {
  const identity = (text: string) => manifestIdentity(parse(text).main);
  assert.deepEqual(
    identity(
      "Implementation-Vendor-Id: org.apache\nBundle-SymbolicName: x.y.z\nImplementation-Title: commons\nImplementation-Version: 2\n",
    ),
    { groupId: "org.apache", artifactId: "commons", version: "2" },
  );
  assert.deepEqual(
    identity("Bundle-SymbolicName: org.springframework.core\nBundle-Name: Spring Core\nBundle-Version: 2.5.6\n"),
    {
      groupId: "org.springframework",
      artifactId: "Spring Core",
      version: "2.5.6",
    },
  );
  assert.deepEqual(
    identity("Bundle-SymbolicName: single;singleton:=true\nSpecification-Title: t\nSpecification-Version: 1\n"),
    {
      groupId: "single",
      artifactId: "t",
      version: "1",
    },
  );
  assert.deepEqual(identity("Specification-Vendor: Sun\nSpecification-Title: JSR\nSpecification-Version: 1.1\n"), {
    groupId: "Sun",
    artifactId: "JSR",
    version: "1.1",
  });
  assert.equal(identity("Implementation-Title: t\nImplementation-Version: 1\n"), undefined);
  assert.equal(identity("Implementation-Vendor: v\nImplementation-Version: 1\n"), undefined);
  assert.equal(identity("Implementation-Vendor: v\nImplementation-Title: t\n"), undefined);
});

test("licenses: Jenkins Plugin-License-Name first, else OSGi Bundle-License", () => {
  const licenses = (text: string) => manifestLicenses(parse(text).main);
  assert.deepEqual(
    licenses("Plugin-License-Name: MIT License\nPlugin-License-Name-2: Apache-2.0\nBundle-License: EPL-2.0\n"),
    ["MIT License", "Apache-2.0"],
  );
  assert.deepEqual(
    licenses(
      'Bundle-License: Apache-2.0;link="https://www.apache.org/licenses/LICENSE-2.0", ' +
        '"https://opensource.org/licenses/MIT", free text;link=https://www.eclipse.org/legal/epl-v10.html, <<EXTERNAL>>, ' +
        "https://example.org/own-license\n",
    ),
    ["Apache-2.0", "MIT", "EPL-1.0"],
  );
  assert.deepEqual(licenses("Manifest-Version: 1.0\n"), []);
});
