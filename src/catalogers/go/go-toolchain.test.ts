// Real Go binaries, built here with the local Go toolchain (Debian: golang-go), stripped with
// -ldflags "-s -w"; the test skips when there is no `go` on the PATH. Nothing is downloaded: the
// one dependency is a local directory (a replace directive), and GOPROXY=off.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { GoMetadata, PackageMetadata } from "../../model/package.ts";
import { parseGoBinary } from "./parse-go-binary.ts";

const run = promisify(execFile);

function goVersion(): string | undefined {
  const result = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8", env: goEnv(undefined) });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function goEnv(cache: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GOFLAGS: "-mod=mod",
    GOPROXY: "off",
    GOTOOLCHAIN: "local",
    GOWORK: "off",
    CGO_ENABLED: "0",
  };
  // Go keeps its build cache under $HOME; a machine without one gets a throw-away cache.
  if (
    cache !== undefined &&
    env["GOCACHE"] === undefined &&
    env["HOME"] === undefined &&
    env["XDG_CACHE_HOME"] === undefined
  ) {
    env["GOCACHE"] = cache;
  }
  return env;
}

function go(metadata: PackageMetadata | undefined): GoMetadata {
  assert.ok(metadata?.kind === "go");
  return metadata;
}

const files: Record<string, string> = {
  "go.mod":
    "module example.com/strata/hello\n\nrequire example.com/strata/lib v1.2.3\n\nreplace example.com/strata/lib => ./lib\n",
  "main.go":
    'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/strata/lib"\n)\n\nvar version = "dev"\n\nfunc main() { fmt.Println(lib.Greeting(), version) }\n',
  "lib/go.mod": "module example.com/strata/lib\n",
  "lib/lib.go": 'package lib\n\nfunc Greeting() string { return "hello" }\n',
};

test("stripped Go binaries built here: ELF (also without section headers), PE, Mach-O", async (t) => {
  const version = goVersion();
  if (version === undefined) {
    t.skip("no Go toolchain on the PATH (Debian package golang-go)");
    return;
  }
  const minor = Number(/^go1\.(\d+)/.exec(version)?.[1] ?? "0");
  if (minor < 18) {
    t.skip(`${version} records no build settings (-ldflags); Go 1.18 or later is needed`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "strata-go-"));
  try {
    await mkdir(join(dir, "lib"));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const env = goEnv(join(dir, "cache"));
    const targets = [
      { name: "hello.elf", goos: "linux", goarch: "amd64", format: "ELF" },
      { name: "hello.exe", goos: "windows", goarch: "amd64", format: "PE" },
      { name: "hello.macho", goos: "darwin", goarch: "arm64", format: "Mach-O" },
    ];
    await Promise.all(
      targets.map(({ name, goos, goarch }) =>
        run("go", ["build", "-buildvcs=false", "-ldflags=-s -w -X main.version=v2.3.4", "-o", name, "."], {
          cwd: dir,
          env: { ...env, GOOS: goos, GOARCH: goarch },
          timeout: 15 * 60 * 1000,
        }),
      ),
    );

    const elf = await readFile(join(dir, "hello.elf"));
    // As sstrip leaves it: no section headers, so the build info is found by searching the writable segment.
    const sectionless = Buffer.from(elf);
    sectionless.writeBigUInt64LE(0n, 0x28);
    sectionless.writeUInt16LE(0, 0x3c);
    sectionless.writeUInt16LE(0, 0x3e);

    const inputs: [string, Buffer, string][] = [
      ["ELF", elf, "amd64"],
      ["ELF without section headers", sectionless, "amd64"],
      ["PE", await readFile(join(dir, "hello.exe")), "amd64"],
      ["Mach-O", await readFile(join(dir, "hello.macho")), "arm64"],
    ];
    const stdlib = `v${version.slice(2).split(" ")[0] ?? ""}`;
    for (const [what, content, goarch] of inputs) {
      const { packages, issues } = parseGoBinary(content);
      assert.deepEqual(issues, [], what);
      assert.deepEqual(
        packages.map((p) => [p.name, p.version, p.purl]),
        [
          ["stdlib", stdlib, `pkg:golang/stdlib@${stdlib}`],
          ["example.com/strata/hello", "v2.3.4", "pkg:golang/example.com/strata/hello@v2.3.4"],
          ["example.com/strata/lib", "", "pkg:golang/example.com/strata/lib"],
        ],
        what,
      );
      const [, main, lib] = packages.map((p) => go(p.metadata));
      assert.equal(main?.versionSource, "ldflags", what);
      assert.equal(main?.goarch, goarch, what);
      assert.equal(lib?.replacedByDirectory, "./lib", what);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
