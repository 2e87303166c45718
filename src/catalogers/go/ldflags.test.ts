import { test } from "node:test";
import assert from "node:assert/strict";
import { isSemver, versionFromLdflags } from "./ldflags.ts";

const module = "github.com/acme/tool";

test("-X forms and quoting", () => {
  assert.equal(versionFromLdflags("-s -w -X main.version=v1.0.0", module), "v1.0.0");
  assert.equal(versionFromLdflags("-X=main.version=1.2.3", module), "v1.2.3");
  assert.equal(versionFromLdflags("-Xmain.Version=1.2.3-rc.1", module), "v1.2.3-rc.1");
  assert.equal(versionFromLdflags("--X 'main.version=2.0.0'", module), "v2.0.0");
  assert.equal(versionFromLdflags('-X "main.version=3.0.0+build.5"', module), "v3.0.0+build.5");
  assert.equal(versionFromLdflags("-X main.commit=abc,main.ver=4.1", module), "v4.1");
});

test("keys that are not versions, and values that are not semver, give nothing", () => {
  assert.equal(versionFromLdflags("-X main.commit=1.0.0", module), undefined);
  assert.equal(versionFromLdflags("-X main.version=dev", module), undefined);
  assert.equal(versionFromLdflags("-X main.version=01.2.3", module), undefined);
  assert.equal(versionFromLdflags("-s -w", module), undefined);
  assert.equal(versionFromLdflags("-X", module), undefined);
});

test("the module's own cmd/ tree wins, then main/common/version/cmd packages, then the rest", () => {
  assert.equal(
    versionFromLdflags(
      `-X github.com/dep/x.version=9.0.0 -X main.version=1.0.0 -X ${module}/cmd/tool.version=2.0.0`,
      module,
    ),
    "v2.0.0",
  );
  assert.equal(
    versionFromLdflags("-X github.com/dep/x.version=9.0.0 -X github.com/acme/tool/pkg/version.Version=1.5.0", module),
    "v1.5.0",
  );
  assert.equal(versionFromLdflags("-X github.com/dep/x.version=9.0.0", module), "v9.0.0");
  // Two different versions in the winning group: no telling which.
  assert.equal(versionFromLdflags("-X main.version=1.0.0 -X common.version=2.0.0", module), undefined);
  assert.equal(versionFromLdflags("-X main.version=1.0.0 -X main.Version=v1.0.0", module), "v1.0.0");
});

test("Go's semver validity", () => {
  for (const valid of [
    "v1",
    "v1.2",
    "v1.2.3",
    "v1.2.3-alpha.1",
    "v1.2.3-0.a",
    "v1.2.3+meta",
    "v0.0.0-20210121094942-22b2f8951d46",
  ]) {
    assert.ok(isSemver(valid), valid);
  }
  for (const invalid of ["1.2.3", "v1.2-pre", "v1.2.3-01", "v1.2.3.4", "v01.2.3", "v1.2.3+", "v"]) {
    assert.ok(!isSemver(invalid), invalid);
  }
});
