import type { ApkMetadata } from "../../src/model/package.ts";
import { apkDigest, conformanceSuite, type Reported, sameSet, stringList } from "./harness.ts";

const apk = (p: Reported): ApkMetadata | undefined => (p.metadata.kind === "apk" ? p.metadata : undefined);

conformanceSuite({
  ecosystem: "apk",
  parserKinds: { "apk-installed": "apk-installed" },
  rootfsKinds: { "apk-installed-rootfs": "apk-installed" },
  fields: {
    origin_package: (p, e) => apk(p)?.origin === e,
    src_name: (p, e) => apk(p)?.origin === e,
    // apk origins are built at the package's own version.
    src_version: (p, e) => p.version === e,
    architecture: (p, e) => apk(p)?.architecture === e,
    arch: (p, e) => apk(p)?.architecture === e,
    maintainer: (p, e) => apk(p)?.maintainer === e,
    dependencies_raw: (p, e) => sameSet(apk(p)?.dependencies, stringList(e)),
    provides: (p, e) => sameSet(apk(p)?.provides, stringList(e)),
    checksum: (p, e) => apk(p)?.checksum === e,
    // Trivy's digest is the C: checksum ("Q1" + base64 SHA-1) written as "sha1:<hex>".
    digest: (p, e) => apkDigest(apk(p)?.checksum) === e,
  },

  disagreements: [
    {
      key: "apk/trivy-apk-installed licenses",
      reason:
        "we keep apk L: tokens as written (Syft); Trivy normalises them to SPDX ids (GPL2 -> GPL-2.0-only). " +
        "Names, versions, origin, arch, maintainer and checksum are still compared",
    },
    {
      key: "apk/syft-apk-single purl",
      reason:
        "Syft leaves the purl empty when it knows no distro; we always give one (namespace alpine, no distro qualifier)",
    },
    {
      key: "apk/syft-apk-empty-deps-and-provides purl",
      reason:
        "Syft leaves the purl empty when it knows no distro; we always give one (namespace alpine, no distro qualifier)",
    },
    {
      key: "apk/syft-apk-base purl",
      reason:
        "Syft leaves the purl empty when it knows no distro; we always give one (namespace alpine, no distro qualifier)",
    },
  ],
});
