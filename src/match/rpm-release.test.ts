import assert from "node:assert/strict";
import { test } from "node:test";
import type { Distro } from "../model/distro.ts";
import type { RpmMetadata } from "../model/package.ts";
import { rpmAdvisorySource, rpmEvr, sourceRpmParts } from "./rpm-release.ts";

const distro = (id: string, versionId?: string): Distro => ({
  id,
  ...(versionId === undefined ? {} : { versionId }),
  idLike: [],
});

test("each RPM distro release maps to the OSV ecosystem its records use", () => {
  const release = (id: string, versionId?: string): string | undefined =>
    rpmAdvisorySource(distro(id, versionId))?.release;
  assert.equal(release("almalinux", "9.4"), "AlmaLinux:9");
  assert.equal(release("almalinux", "10.0"), "AlmaLinux:10");
  assert.equal(release("rocky", "8.10"), "Rocky Linux:8");
  assert.equal(release("opensuse-leap", "15.5"), "openSUSE:Leap 15.5");
  assert.equal(release("opensuse-tumbleweed", "20240905"), "openSUSE:Tumbleweed");
  assert.equal(release("opensuse-tumbleweed"), "openSUSE:Tumbleweed");
  assert.equal(release("almalinux"), undefined, "no VERSION_ID");
  assert.equal(release("opensuse-leap", "15"), undefined);
  for (const id of ["rhel", "sles", "centos", "fedora", "ol", "mageia", "openeuler", "azurelinux"]) {
    assert.equal(release(id, "9"), undefined, id);
  }
  assert.equal(rpmAdvisorySource(undefined), undefined);
  assert.equal(rpmAdvisorySource(distro("almalinux", "9.4"))?.names, "binary");
  assert.equal(rpmAdvisorySource(distro("rocky", "9.4"))?.names, "source");
});

test("a source RPM's file name gives its name, version and release", () => {
  assert.deepEqual(sourceRpmParts("util-linux-2.32.1-42.el8_8.src.rpm"), {
    name: "util-linux",
    version: "2.32.1",
    release: "42.el8_8",
  });
  assert.equal(sourceRpmParts("openssl-1_1-1.1.1l-150500.17.34.1.src.rpm")?.name, "openssl-1_1");
  assert.equal(sourceRpmParts("python3.11-3.11.7-1.el9.src.rpm")?.version, "3.11.7");
  assert.equal(sourceRpmParts("kernel-5.14.0-427.13.1.el9_4.nosrc.rpm")?.release, "427.13.1.el9_4");
  assert.equal(sourceRpmParts("util-linux.src.rpm"), undefined);
  assert.equal(sourceRpmParts("(none)"), undefined);
});

test("an RPM version is [epoch:]version-release", () => {
  const meta: Omit<RpmMetadata, "version" | "release"> = {
    kind: "rpm",
    provides: [],
    requires: [],
    database: "sqlite",
  };
  assert.equal(rpmEvr({ ...meta, version: "3.0.7", release: "27.el9", epoch: 1 }), "1:3.0.7-27.el9");
  assert.equal(rpmEvr({ ...meta, version: "3.0.7", release: "27.el9", epoch: 0 }), "0:3.0.7-27.el9");
  assert.equal(rpmEvr({ ...meta, version: "3.0.7", release: "27.el9" }), "3.0.7-27.el9");
  assert.equal(rpmEvr({ ...meta, version: "3.0.7", release: "" }), "3.0.7");
});
