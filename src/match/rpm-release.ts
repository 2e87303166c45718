import type { Distro } from "../model/distro.ts";
import type { RpmMetadata } from "../model/package.ts";

/** Where one RPM distro release's advisories are in OSV, and which package name they use. */
export interface RpmAdvisorySource {
  /** The OSV ecosystem without release: "Rocky Linux". */
  baseEcosystem: string;
  /** The `affected[].package.ecosystem` of the release: "Rocky Linux:9". */
  release: string;
  /** Whether records name the source RPM (`util-linux`) or each binary RPM (`libblkid`). */
  names: "source" | "binary";
}

/** The OSV ecosystems that hold RPM advisories the matcher reads. */
export const rpmOsvEcosystems: readonly string[] = ["AlmaLinux", "Rocky Linux", "openSUSE"];

/**
 * The OSV advisories of an RPM distro release, from os-release, for the distros whose records are
 * known in shape. Left out on purpose:
 * - Red Hat (RHEL, UBI): records are keyed by a product stream CPE ("Red Hat:enterprise_linux:9::appstream",
 *   "rhel_eus:9.2::baseos", ...) that os-release does not give (CPE_NAME names only baseos; Red Hat
 *   derives the stream from the image's content sets), and records may name binary or source RPMs.
 * - SUSE Linux Enterprise: packages are filed under the module that ships them ("SUSE:Linux Enterprise
 *   Module for Basesystem 15 SP5") or under support-phase names (LTSS), neither of which os-release
 *   says; keying by the PRETTY_NAME alone would find few advisories and look clean.
 * - Mageia, openEuler, Azure Linux: no real records of theirs could be checked; openEuler's
 *   records are said to leave the epoch out, which would need its own version handling.
 * CentOS, Fedora and Oracle Linux publish nothing to OSV.
 *
 * EL8 modular packages (AppStream streams such as nodejs:16) are matched like any other: AlmaLinux
 * and Rocky records name no stream, so an advisory for one stream can match a package of an older
 * stream of the same module. That over-reports, and the finding's fixed version shows the stream.
 */
export function rpmAdvisorySource(distro: Distro | undefined): RpmAdvisorySource | undefined {
  if (!distro) return undefined;
  const versionId = distro.versionId ?? "";
  const major = /^\d+/.exec(versionId)?.[0];
  switch (distro.id) {
    case "almalinux":
      // ALSA/ALBA/ALEA records list every binary RPM of an update under "AlmaLinux:<major>", with
      // the epoch when there is one ("1:3.5.5-3.el9_8").
      return major ? { baseEcosystem: "AlmaLinux", release: `AlmaLinux:${major}`, names: "binary" } : undefined;
    case "rocky":
      // RLSA/RXSA records (Rocky's Apollo) name the source RPM under "Rocky Linux:<major>" and always
      // write the epoch ("0:2.32.1-42.el8_8").
      return major ? { baseEcosystem: "Rocky Linux", release: `Rocky Linux:${major}`, names: "source" } : undefined;
    case "opensuse-leap":
      // SUSE keys a release by its os-release PRETTY_NAME, "openSUSE Leap 15.5", and names source RPMs.
      return /^\d+\.\d+$/.test(versionId)
        ? { baseEcosystem: "openSUSE", release: `openSUSE:Leap ${versionId}`, names: "source" }
        : undefined;
    case "opensuse-tumbleweed":
      return { baseEcosystem: "openSUSE", release: "openSUSE:Tumbleweed", names: "source" };
    default:
      return undefined;
  }
}

/**
 * "util-linux-2.32.1-42.el8_8.src.rpm" → name "util-linux", version "2.32.1", release "42.el8_8". The file
 * name carries no epoch.
 */
export function sourceRpmParts(sourceRpm: string): { name: string; version: string; release: string } | undefined {
  const match = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(sourceRpm);
  const [, name, version, release] = match ?? [];
  return name && version && release ? { name, version, release } : undefined;
}

/** "[epoch:]version[-release]" from the header's tags; no EPOCH tag is epoch 0, as rpm compares. */
export function rpmEvr(metadata: RpmMetadata): string {
  const versionRelease = metadata.release === "" ? metadata.version : `${metadata.version}-${metadata.release}`;
  return metadata.epoch === undefined ? versionRelease : `${metadata.epoch}:${versionRelease}`;
}
