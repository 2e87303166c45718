import { test } from "node:test";
import assert from "node:assert/strict";
import type { CollectedFile, FileView, ParseContext } from "../../catalog/cataloger.ts";
import { defaultLimits } from "../../limits.ts";
import { dotnetDepsJson, nugetPackagesConfig, nugetPackagesLockJson } from "./index.ts";
import { packageFolderLicenses } from "./package-folder.ts";

/** A .nuspec with the given <metadata> content. */
const nuspec = (metadata: string): Buffer =>
  Buffer.from(
    `\uFEFF<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata>${metadata}</metadata></package>`,
  );

/** A view over in-memory files, listing like the image view does. */
function view(files: Record<string, string | Buffer>): FileView {
  const collected = (path: string, content: string | Buffer): CollectedFile => ({
    path,
    layer: { index: 0, digest: "sha256:0", diffId: "sha256:0" },
    content: Buffer.from(content),
  });
  return {
    get: (path) => (files[path] === undefined ? undefined : collected(path, files[path])),
    list: (dir) =>
      Object.entries(files)
        .filter(([path]) => path.startsWith(dir === "/" ? "/" : `${dir}/`))
        .map(([path, content]) => collected(path, content)),
  };
}

const folder = {
  "/root/.nuget/packages/newtonsoft.json/13.0.1/newtonsoft.json.nuspec": nuspec(
    '<license type="expression">MIT</license>',
  ),
  "/home/app/.nuget/packages/newtonsoft.json/13.0.1/newtonsoft.json.nuspec": nuspec(
    '<license type="expression">Apache-2.0</license>',
  ),
  "/home/app/.nuget/packages/serilog/2.10.0/serilog.nuspec": nuspec('<license type="expression">Apache-2.0</license>'),
  "/home/app/.nuget/packages/serilog/2.10.0/other.nuspec": nuspec('<license type="expression">GPL-3.0-only</license>'),
  "/home/app/.nuget/packages/awssdk.core/3.7.0/awssdk.core.nuspec": nuspec(
    '<license type="expression">Apache-2.0</license>',
  ),
};

test("package folder lookups: lower-case folders, normalized versions, first folder in path order", () => {
  const licenses = packageFolderLicenses(view(folder));
  assert.deepEqual(licenses("Newtonsoft.Json", "13.0.1"), ["Apache-2.0"], "/home/app sorts before /root");
  assert.deepEqual(licenses("Serilog", "2.10.0"), ["Apache-2.0"]);
  assert.deepEqual(licenses("AWSSDK.Core", "3.7.0.0"), ["Apache-2.0"]);
  assert.deepEqual(licenses("Serilog", "2.9.0"), []);
  assert.deepEqual(packageFolderLicenses(view({}))("Serilog", "2.10.0"), []);
});

test("the catalogers read licenses from the image's package folders", async () => {
  const files = {
    ...folder,
    "/app/App.deps.json": JSON.stringify({ libraries: { "Serilog/2.10.0": { type: "package" } } }),
    "/src/packages.lock.json": JSON.stringify({
      version: 1,
      dependencies: { "net8.0": { Serilog: { type: "Direct", resolved: "2.10.0" } } },
    }),
    "/src/packages.config": '<packages><package id="Serilog" version="2.10.0"/></packages>',
  };
  const fileView = view(files);
  const ctx: ParseContext = { distro: undefined, view: fileView, limits: defaultLimits };
  for (const [cataloger, path] of [
    [dotnetDepsJson, "/app/App.deps.json"],
    [nugetPackagesLockJson, "/src/packages.lock.json"],
    [nugetPackagesConfig, "/src/packages.config"],
  ] as const) {
    const file = fileView.get(path);
    assert.ok(file);
    const { packages, issues } = await cataloger.parse(file, ctx);
    assert.deepEqual(issues, []);
    assert.deepEqual(
      packages.map((p) => [p.purl, p.licenses]),
      [["pkg:nuget/Serilog@2.10.0", ["Apache-2.0"]]],
      cataloger.name,
    );
  }
});
