import { test } from "node:test";
import assert from "node:assert/strict";
import picomatch from "picomatch";
import type { Cataloger, CollectedFile, FileView, ParseContext } from "../../catalog/cataloger.ts";
import { defaultLimits } from "../../limits.ts";
import type { LayerRef } from "../../model/layer.ts";
import { insideNodeModules, npmPackageLock, pnpmLock, yarnLock } from "./index.ts";
import { LockPackages, maxLockPackages } from "./lock-packages.ts";

const layer: LayerRef = { index: 0, digest: "sha256:test", diffId: "sha256:test" };

/** As the layer walker matches: globs against the path without its leading "/". */
function wants(globs: readonly string[] | undefined, path: string): boolean {
  return (globs ?? []).some((glob) => picomatch(glob.replace(/^\/+/, ""), { dot: true })(path.slice(1)));
}

function viewOf(files: Record<string, string>): FileView {
  const collected = Object.entries(files).map(
    ([path, text]): CollectedFile => ({
      path,
      layer,
      content: Buffer.from(text),
    }),
  );
  return {
    get: (path) => collected.find((file) => file.path === path),
    list: (dir) => collected.filter((file) => file.path.startsWith(`${dir}/`)),
  };
}

async function run(cataloger: Cataloger, path: string, content: string, files: Record<string, string> = {}) {
  const ctx: ParseContext = { distro: undefined, view: viewOf(files), limits: defaultLimits };
  return cataloger.parse({ path, layer, content: Buffer.from(content) }, ctx);
}

test("lock catalogers: the files they want", () => {
  const npm = npmPackageLock.wants.globs;
  assert.ok(wants(npm, "/package-lock.json"));
  assert.ok(wants(npm, "/app/package-lock.json"));
  assert.ok(wants(npm, "/usr/src/app/npm-shrinkwrap.json"));
  assert.ok(wants(npm, "/app/node_modules/.package-lock.json"));
  assert.ok(wants(npm, "/usr/local/lib/node_modules/.package-lock.json"));
  assert.ok(!wants(npm, "/app/package.json"));
  assert.ok(wants(yarnLock.wants.globs, "/srv/web/yarn.lock"));
  assert.ok(wants(yarnLock.wants.context?.globs, "/srv/web/package.json"));
  assert.ok(wants(pnpmLock.wants.globs, "/pnpm-lock.yaml"));
  assert.ok(!wants(pnpmLock.wants.globs, "/app/pnpm-lock.yml"));
  for (const cataloger of [npmPackageLock, yarnLock, pnpmLock]) assert.equal(cataloger.ecosystem, "npm");
});

test("lock files inside installed packages are not read; the hidden lockfile is", () => {
  assert.ok(!insideNodeModules("/app/package-lock.json"));
  assert.ok(!insideNodeModules("/app/node_modules/.package-lock.json"));
  assert.ok(!insideNodeModules("/node_modules/.package-lock.json"));
  assert.ok(insideNodeModules("/app/node_modules/left-pad/package-lock.json"));
  assert.ok(insideNodeModules("/app/node_modules/left-pad/node_modules/.package-lock.json"));
  assert.ok(insideNodeModules("/app/node_modules/@s/tool/yarn.lock"));
  assert.ok(insideNodeModules("/app/node_modules/.pnpm/lock.yaml"));
  assert.ok(!insideNodeModules("/app/node_modules_old/yarn.lock"));
});

test("npm-package-lock reads package-lock.json and the hidden lockfile, skips a dependency's own lock", async () => {
  const lock = JSON.stringify({ lockfileVersion: 3, packages: { "node_modules/ms": { version: "2.1.3" } } });
  assert.deepEqual(
    (await run(npmPackageLock, "/app/package-lock.json", lock)).packages.map((p) => p.purl),
    ["pkg:npm/ms@2.1.3"],
  );
  assert.equal((await run(npmPackageLock, "/app/node_modules/.package-lock.json", lock)).packages.length, 1);
  assert.deepEqual(await run(npmPackageLock, "/app/node_modules/debug/npm-shrinkwrap.json", lock), {
    packages: [],
    issues: [],
  });
  assert.deepEqual(await run(pnpmLock, "/app/node_modules/x/pnpm-lock.yaml", "lockfileVersion: '9.0'"), {
    packages: [],
    issues: [],
  });
});

test("yarn-lock takes dev flags from the package.json beside it and its workspaces'", async () => {
  const lock = [
    "# yarn lockfile v1",
    "",
    "express@^4.19.0:",
    '  version "4.19.2"',
    "",
    "jest@^29.0.0:",
    '  version "29.7.0"',
    "",
    "react@^18.3.0:",
    '  version "18.3.1"',
    "",
    "eslint@^9.0.0:",
    '  version "9.1.0"',
    "",
  ].join("\n");
  const manifest = (fields: object) => JSON.stringify(fields);
  const files = {
    "/app/package.json": manifest({
      name: "app",
      private: true,
      workspaces: { packages: ["./packages/*", "!packages/ignored"] },
      dependencies: { express: "^4.19.0" },
      devDependencies: { jest: "^29.0.0" },
    }),
    "/app/packages/ui/package.json": manifest({ name: "ui", dependencies: { react: "^18.3.0" } }),
    "/app/packages/ignored/package.json": manifest({ name: "ignored", dependencies: { eslint: "^9.0.0" } }),
    "/app/packages/ui/node_modules/eslint/package.json": manifest({ name: "eslint", version: "9.1.0" }),
    "/app/tools/lint/package.json": manifest({ name: "lint", dependencies: { eslint: "^9.0.0" } }),
  };
  const dev = async (view: Record<string, string>) =>
    Object.fromEntries(
      (await run(yarnLock, "/app/yarn.lock", lock, view)).packages.map((p) => [
        p.name,
        p.metadata.kind === "npm" ? p.metadata.dev : "not npm",
      ]),
    );
  assert.deepEqual(await dev(files), { express: false, jest: true, react: false, eslint: false });
  // No package.json beside the lock: nobody can tell.
  assert.deepEqual(await dev({}), { express: undefined, jest: undefined, react: undefined, eslint: undefined });
  assert.deepEqual(await dev({ "/app/package.json": "{ not json" }), {
    express: undefined,
    jest: undefined,
    react: undefined,
    eslint: undefined,
  });
  const root = await run(yarnLock, "/yarn.lock", lock, {
    "/package.json": manifest({ devDependencies: { jest: "*" } }),
  });
  assert.deepEqual(
    root.packages.map((p) => (p.metadata.kind === "npm" ? p.metadata.dev : undefined)),
    [false, true, false, false],
  );
});

test("LockPackages: distinct packages are capped with one issue", () => {
  const out = new LockPackages();
  for (let i = 0; i <= maxLockPackages + 5; i += 1) out.add({ name: "p", version: `1.0.${i}` });
  out.add({ name: "p", version: "1.0.0", dev: true });
  const { packages, issues } = out.result({ devKnown: false });
  assert.equal(packages.length, maxLockPackages);
  assert.deepEqual(issues, [`more than ${maxLockPackages} packages: the rest are left out`]);
});

test("LockPackages: problems past the first twenty are counted", () => {
  const out = new LockPackages();
  for (let i = 0; i < 25; i += 1) out.problem(`problem ${i}`);
  const { issues } = out.result({ devKnown: true });
  assert.equal(issues.length, 21);
  assert.equal(issues[20], "5 more problems not listed");
});
