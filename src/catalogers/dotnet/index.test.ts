import { test } from "node:test";
import assert from "node:assert/strict";
import picomatch from "picomatch";
import { dotnetDepsJson, nugetPackagesConfig, nugetPackagesLockJson } from "./index.ts";

test("interests: the files each cataloger reads, and the nuspec context", () => {
  // As the layer walk matches globs: relative to "/", dot files included.
  const wants = (globs: readonly string[] | undefined, path: string) =>
    (globs ?? []).some((glob) => picomatch(glob.replace(/^\/+/, ""), { dot: true })(path.slice(1)));
  const deps = dotnetDepsJson.wants.globs;
  assert.ok(wants(deps, "/app/MyApp.deps.json"));
  assert.ok(wants(deps, "/MyApp.deps.json"));
  assert.ok(wants(deps, "/usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.11/Microsoft.NETCore.App.deps.json"));
  assert.ok(!wants(deps, "/app/MyApp.runtimeconfig.json"));
  assert.ok(wants(nugetPackagesLockJson.wants.globs, "/src/app/packages.lock.json"));
  assert.ok(!wants(nugetPackagesLockJson.wants.globs, "/src/app/package-lock.json"));
  assert.ok(wants(nugetPackagesConfig.wants.globs, "/src/app/packages.config"));
  for (const cataloger of [dotnetDepsJson, nugetPackagesLockJson, nugetPackagesConfig]) {
    const context = cataloger.wants.context?.globs;
    assert.ok(wants(context, "/root/.nuget/packages/newtonsoft.json/13.0.1/newtonsoft.json.nuspec"));
    assert.ok(wants(context, "/home/u/.local/.nuget/packages/a/1.0.0/a.nuspec"));
    assert.ok(!wants(context, "/root/.nuget/packages/a/1.0.0/lib/a.nuspec"));
  }
});
