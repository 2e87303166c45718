import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { defaultLimits } from "../../limits.ts";
import type { CargoMetadata, PackageMetadata } from "../../model/package.ts";
import { cargoAuditable } from "./index.ts";
import { maxAuditJsonBytes, parseCargoAuditable } from "./parse-cargo-auditable.ts";
import { buildElf, buildFat, buildMachO, buildPe } from "./synthetic-executables.ts";

function cargo(metadata: PackageMetadata | undefined): CargoMetadata {
  assert.ok(metadata?.kind === "cargo");
  return metadata;
}

/** Audit data as cargo-auditable writes it: a root crate, a crates.io dependency, a build-time crate. */
const audit = {
  packages: [
    { name: "app", version: "0.1.0", source: "local", dependencies: [1, 2, 3], root: true },
    { name: "serde", version: "1.0.200", source: "crates.io", dependencies: [2] },
    { name: "serde_derive", version: "1.0.200", source: "crates.io", kind: "build" },
    { name: "forked", version: "0.3.0", source: "git", kind: "runtime" },
  ],
};

const elfWith = (data: Buffer): Buffer =>
  buildElf({
    bits: 64,
    littleEndian: true,
    sections: [
      { name: ".text", data: Buffer.from("code") },
      { name: ".dep-v0", data },
    ],
  });

test("reads the runtime crates of the .dep-v0 section; build-time crates are left out", () => {
  const { packages, issues } = parseCargoAuditable(elfWith(deflateSync(JSON.stringify(audit))));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => [p.name, p.version, p.purl]),
    [
      ["app", "0.1.0", ""],
      ["serde", "1.0.200", "pkg:cargo/serde@1.0.200"],
      ["forked", "0.3.0", "pkg:cargo/forked@0.3.0"],
    ],
  );
  assert.deepEqual(cargo(packages[0]?.metadata), {
    kind: "cargo",
    source: "local",
    dependencies: ["forked@0.3.0", "serde@1.0.200"],
    root: true,
  });
  assert.deepEqual(cargo(packages[1]?.metadata), { kind: "cargo", source: "crates.io", dependencies: [] });
  assert.deepEqual(packages[0]?.licenses, []);
});

test("the same audit data is found in PE and Mach-O files", () => {
  const data = deflateSync(JSON.stringify(audit));
  for (const file of [
    buildPe({ bits: 64, sections: [{ name: ".dep-v0", data }] }),
    buildMachO({ bits: 64, littleEndian: true, sections: [{ name: ".dep-v0", segment: "__DATA", data }] }),
  ]) {
    const { packages, issues } = parseCargoAuditable(file);
    assert.deepEqual(issues, []);
    assert.deepEqual(
      packages.map((p) => p.name),
      ["app", "serde", "forked"],
    );
  }
});

test("a universal Mach-O: crates of every architecture, each once", () => {
  const arm = {
    packages: [
      { name: "app", version: "1.0.0", source: "local", dependencies: [1], root: true },
      { name: "neon", version: "0.1.0", source: "crates.io" },
    ],
  };
  const x86 = {
    packages: [
      { name: "app", version: "1.0.0", source: "local", dependencies: [1], root: true },
      { name: "sse", version: "0.2.0", source: "crates.io" },
    ],
  };
  const slice = (data: object): Buffer =>
    buildMachO({
      bits: 64,
      littleEndian: true,
      sections: [{ name: ".dep-v0", data: deflateSync(JSON.stringify(data)) }],
    });
  const { packages, issues } = parseCargoAuditable(buildFat([slice(arm), slice(x86)]));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    packages.map((p) => p.name),
    ["app", "neon", "sse"],
  );
  assert.deepEqual(cargo(packages[0]?.metadata).dependencies, ["neon@0.1.0", "sse@0.2.0"]);
});

test("an executable without the section gives nothing, and no issue", () => {
  assert.deepEqual(parseCargoAuditable(buildElf({ bits: 64, littleEndian: true, sections: [] })), {
    packages: [],
    issues: [],
  });
  assert.deepEqual(parseCargoAuditable(Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34])), {
    packages: [],
    issues: [],
  });
});

test("a file that is no executable gives an issue", () => {
  assert.deepEqual(parseCargoAuditable(Buffer.from("AAAAAAAAAAAAAAAA")), {
    packages: [],
    issues: ["unrecognized executable format"],
  });
});

test("a zlib bomb is stopped at the cap", () => {
  const bomb = deflateSync(Buffer.alloc(maxAuditJsonBytes * 4, 0x20));
  const { packages, issues } = parseCargoAuditable(elfWith(bomb));
  assert.deepEqual(packages, []);
  assert.equal(issues.length, 1);
  assert.match(issues[0] ?? "", /inflates to more than 8388608 bytes/);
});

test("broken audit data gives issues", () => {
  const cases: Array<[Buffer, RegExp]> = [
    [Buffer.from("not zlib"), /not zlib-compressed/],
    [deflateSync("{not json"), /not JSON/],
    [deflateSync('{"format": 1}'), /no "packages" array/],
    [deflateSync("[]"), /no "packages" array/],
  ];
  for (const [data, message] of cases) {
    const { packages, issues } = parseCargoAuditable(elfWith(data));
    assert.deepEqual(packages, []);
    assert.equal(issues.length, 1);
    assert.match(issues[0] ?? "", message);
  }
});

test("unusable entries are skipped and bad dependency indices dropped, the rest is kept", () => {
  const data = {
    packages: [
      { name: "app", version: "1.0.0", source: "local", dependencies: [1, 7, -1, "x", 2], root: true },
      { name: "", version: "1.0.0" },
      { name: "itoa", version: "1.0.11" },
      "not an object",
    ],
  };
  const { packages, issues } = parseCargoAuditable(elfWith(deflateSync(JSON.stringify(data))));
  assert.deepEqual(
    packages.map((p) => [p.name, p.purl]),
    [
      ["app", ""],
      ["itoa", "pkg:cargo/itoa@1.0.11"],
    ],
  );
  assert.deepEqual(cargo(packages[0]?.metadata).dependencies, ["itoa@1.0.11"]);
  assert.deepEqual(cargo(packages[1]?.metadata), { kind: "cargo", dependencies: [] });
  assert.deepEqual(issues, [
    ".dep-v0: crate app 1.0.0: dependencies that are not package indices were ignored",
    ".dep-v0: package 1 has no name or version; skipped",
    ".dep-v0: package 3 is not an object",
  ]);
});

test("truncated executables and sections past the end give an issue, never an exception", () => {
  const file = elfWith(deflateSync(JSON.stringify(audit)));
  for (let length = 0; length < file.length; length += 7) {
    const result = parseCargoAuditable(file.subarray(0, length));
    assert.ok(Array.isArray(result.packages));
  }
  const truncated = parseCargoAuditable(file.subarray(0, file.length - 200));
  assert.equal(truncated.packages.length, 0);
  assert.match(truncated.issues[0] ?? "", /beyond the end of the file/);
});

test("the cataloger is eager, wants executables and bounds their size", async () => {
  assert.equal(cargoAuditable.eager, true);
  assert.equal(cargoAuditable.wants.executables, true);
  assert.ok((cargoAuditable.wants.maxBytes ?? 0) >= 64 * 1024 * 1024);
  const layer = { index: 0, digest: "sha256:0", diffId: "sha256:0" };
  const result = await cargoAuditable.parse(
    { path: "/usr/local/bin/app", layer, content: elfWith(deflateSync(JSON.stringify(audit))) },
    { distro: undefined, view: { get: () => undefined, list: () => [] }, limits: defaultLimits },
  );
  assert.equal(result.packages.length, 3);
});

const missing = ["cc", "objcopy"].filter((tool) => {
  try {
    execFileSync(tool, ["--version"], { stdio: "ignore" });
    return false;
  } catch {
    return true;
  }
});

test("a real ELF with the audit data added by objcopy, as cargo-auditable's section", {
  skip: missing.length > 0 ? `needs ${missing.join(" and ")} (Debian packages gcc, binutils)` : false,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "strata-auditable-"));
  try {
    writeFileSync(join(dir, "main.c"), "int main(void) { return 0; }\n");
    writeFileSync(join(dir, "audit.zlib"), deflateSync(JSON.stringify(audit)));
    execFileSync("cc", ["-o", join(dir, "plain"), join(dir, "main.c")]);
    execFileSync("objcopy", [
      "--add-section",
      `.dep-v0=${join(dir, "audit.zlib")}`,
      "--set-section-flags",
      ".dep-v0=noload,readonly",
      join(dir, "plain"),
      join(dir, "app"),
    ]);
    assert.deepEqual(parseCargoAuditable(readFileSync(join(dir, "plain"))), { packages: [], issues: [] });
    const { packages, issues } = parseCargoAuditable(readFileSync(join(dir, "app")));
    assert.deepEqual(issues, []);
    assert.deepEqual(
      packages.map((p) => `${p.name}@${p.version}`),
      ["app@0.1.0", "serde@1.0.200", "forked@0.3.0"],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
