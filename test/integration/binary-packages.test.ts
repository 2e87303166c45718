import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { deflateSync } from "node:zlib";
import { unzipSync, zipSync } from "fflate";
import type { Inventory } from "../../src/model/inventory.ts";
import type { Package } from "../../src/model/package.ts";
import { scanImage } from "../../src/scan.ts";
import { openSource } from "../../src/source/open.ts";
import { type TestFile, writeOciArchive } from "../image-builder/index.ts";
import { hostFile } from "./host-debian.ts";

/**
 * Archives and binaries in one image: Debian's lib*-java jars, an uber jar holding them, a Go
 * binary and a cargo-auditable binary, each built or taken from this machine at test time.
 */
const debianJars = ["/usr/share/java/commons-lang3.jar", "/usr/share/java/commons-io.jar"];

interface Gav {
  group: string;
  artifact: string;
  version: string;
}

let work = "";
let inventory: Inventory;
const jars = new Map<string, { bytes: Buffer; gav: Gav }>();
let goBuilt = false;
let auditableBuilt = false;

function pomProperties(jar: Buffer): Gav | undefined {
  const files = unzipSync(jar, { filter: (file) => file.name.endsWith("/pom.properties") });
  const text = Object.values(files)[0];
  if (!text) return undefined;
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(Buffer.from(text).toString())?.[1]?.trim() ?? "";
  return { group: value("groupId"), artifact: value("artifactId"), version: value("version") };
}

function tool(name: string): boolean {
  return spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0 || spawnSync("which", [name]).status === 0;
}

async function goBinary(dir: string): Promise<Buffer | undefined> {
  if (spawnSync("go", ["version"], { stdio: "ignore" }).status !== 0) return undefined;
  await writeFile(join(dir, "go.mod"), "module example.com/strata/tool\n\ngo 1.19\n");
  await writeFile(join(dir, "main.go"), 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("tool") }\n');
  const env = { ...process.env, GOPROXY: "off", GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local", CGO_ENABLED: "0" };
  execFileSync("go", ["build", "-ldflags=-s -w", "-o", "tool", "."], { cwd: dir, env, stdio: "ignore" });
  return readFile(join(dir, "tool"));
}

async function auditableBinary(dir: string): Promise<Buffer | undefined> {
  if (!tool("cc") || !tool("objcopy")) return undefined;
  await writeFile(join(dir, "main.c"), "int main(void) { return 0; }\n");
  execFileSync("cc", ["-o", join(dir, "app"), join(dir, "main.c")], { stdio: "ignore" });
  const audit = {
    packages: [
      { name: "app", version: "0.1.0", source: "local", kind: "runtime", dependencies: [1], root: true },
      { name: "serde", version: "1.0.193", source: "crates.io", kind: "runtime" },
    ],
  };
  await writeFile(join(dir, "audit.bin"), deflateSync(JSON.stringify(audit)));
  execFileSync("objcopy", [
    "--add-section",
    `.dep-v0=${join(dir, "audit.bin")}`,
    "--set-section-flags",
    ".dep-v0=noload,readonly",
    join(dir, "app"),
  ]);
  return readFile(join(dir, "app"));
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-binaries-"));
  for (const path of debianJars) {
    const bytes = await hostFile(path);
    const gav = bytes ? pomProperties(bytes) : undefined;
    if (bytes && gav) jars.set(path.slice(path.lastIndexOf("/") + 1), { bytes, gav });
  }
  const base: Record<string, TestFile> = {};
  const nested: Record<string, Uint8Array> = {
    "META-INF/MANIFEST.MF": new TextEncoder().encode(
      "Manifest-Version: 1.0\nMain-Class: org.springframework.boot.loader.JarLauncher\n",
    ),
    "META-INF/maven/com.example/app/pom.properties": new TextEncoder().encode(
      "groupId=com.example\nartifactId=app\nversion=2.0.1\n",
    ),
  };
  for (const [name, jar] of jars) {
    base[`usr/share/java/${name}`] = jar.bytes;
    nested[`BOOT-INF/lib/${name}`] = new Uint8Array(jar.bytes);
  }
  const uber = Buffer.from(zipSync(nested, { level: 0 }));
  const layers: { createdBy: string; files: Record<string, TestFile> }[] = [
    { createdBy: "apt-get install libcommons-lang3-java libcommons-io-java", files: base },
    { createdBy: "COPY app.jar /opt/app/app.jar", files: { "opt/app/app.jar": uber } },
  ];
  const go = await goBinary(await mkdtemp(join(work, "go-")));
  goBuilt = go !== undefined;
  layers.push({
    createdBy: "COPY tool /usr/local/bin/tool",
    files: go ? { "usr/local/bin/tool": { content: go, mode: 0o755 } } : {},
  });
  const rust = await auditableBinary(await mkdtemp(join(work, "rust-")));
  auditableBuilt = rust !== undefined;
  layers.push({
    createdBy: "COPY app /usr/local/bin/app",
    files: rust ? { "usr/local/bin/app": { content: rust, mode: 0o755 } } : {},
  });
  const file = join(work, "binaries.tar");
  await writeOciArchive({ layers }, file);
  const source = await openSource(`oci-archive:${file}`);
  try {
    inventory = await scanImage(source, { now: new Date(0) });
  } finally {
    await source.close();
  }
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

const maven = (gav: Gav): Package[] =>
  inventory.packages.filter(
    (pkg) => pkg.ecosystem === "maven" && pkg.name === `${gav.group}:${gav.artifact}` && pkg.version === gav.version,
  );

test("Debian lib*-java jars are identified by their pom.properties in the layer that installed them", (t) => {
  if (jars.size === 0) {
    t.skip("no Debian lib*-java jars on this machine (Debian packages libcommons-lang3-java, libcommons-io-java)");
    return;
  }
  for (const [name, { gav }] of jars) {
    const found = maven(gav).find((pkg) => pkg.locations[0]?.path === `/usr/share/java/${name}`);
    assert.ok(found, `${name}: ${gav.group}:${gav.artifact}@${gav.version}`);
    assert.equal(found.layer.index, 0);
    assert.equal(found.metadata.kind === "java" ? found.metadata.evidence : undefined, "pom.properties");
    assert.equal(found.purl, `pkg:maven/${gav.group}/${gav.artifact}@${gav.version}`);
  }
});

test("an uber jar reports itself and every nested jar, with the path inside it", (t) => {
  const inUber = inventory.packages.filter((pkg) => pkg.locations[0]?.path === "/opt/app/app.jar");
  const app = inUber.find((pkg) => pkg.name === "com.example:app");
  assert.equal(app?.version, "2.0.1");
  assert.equal(app?.layer.index, 1);
  if (jars.size === 0) {
    t.skip("no Debian jars to nest");
    return;
  }
  for (const [name, { gav }] of jars) {
    const found = inUber.find((pkg) => pkg.name === `${gav.group}:${gav.artifact}`);
    assert.equal(found?.version, gav.version, name);
    assert.equal(found?.layer.index, 1);
    assert.match(
      found?.locations[0]?.inside ?? "",
      new RegExp(`^BOOT-INF/lib/${name.replace(".", "\\.")}!META-INF/maven/`),
    );
  }
});

test("a stripped Go binary reports its toolchain and main module", (t) => {
  if (!goBuilt) {
    t.skip("no Go toolchain on the PATH (Debian package golang-go)");
    return;
  }
  const fromTool = inventory.packages.filter((pkg) => pkg.locations[0]?.path === "/usr/local/bin/tool");
  assert.ok(fromTool.some((pkg) => pkg.name === "stdlib" && pkg.foundBy === "go-binary"));
  assert.ok(fromTool.some((pkg) => pkg.name === "example.com/strata/tool"));
  assert.ok(fromTool.every((pkg) => pkg.layer.index === 2));
});

test("a cargo-auditable binary reports the crates built into it", (t) => {
  if (!auditableBuilt) {
    t.skip("needs cc and objcopy (Debian packages gcc, binutils)");
    return;
  }
  const serde = inventory.packages.find((pkg) => pkg.name === "serde" && pkg.foundBy === "cargo-auditable-binary");
  assert.equal(serde?.version, "1.0.193");
  assert.equal(serde?.layer.index, 3);
  assert.equal(serde?.locations[0]?.path, "/usr/local/bin/app");
});

test("no issues", () => {
  assert.deepEqual(inventory.issues, []);
});
