import { ecosystems } from "../ecosystem/index.ts";
import type { Distro } from "../model/distro.ts";
import { type Ecosystem, ecosystemNames } from "../model/ecosystem.ts";
import type { Package } from "../model/package.ts";
import { normalizePackageName } from "../vulndb/package-names.ts";
import { rpmAdvisorySource, rpmEvr, rpmOsvEcosystems, sourceRpmParts } from "./rpm-release.ts";

/** What to look up in the advisory database for one package. */
export interface PackageQuery {
  /** OSV ecosystem without release: "Debian", "PyPI". */
  baseEcosystem: string;
  /** For OS packages: the `affected[].package.ecosystem` that applies ("Debian:12"), or that starts it ("Ubuntu:22.04:"). */
  release?: { exact: string; prefix?: string };
  name: string;
  version: string;
}

/**
 * OS packages are looked up by their source package and the distro release (advisories name
 * source packages); language packages by their registry name.
 */
export function queryFor(pkg: Package, distro: Distro | undefined): PackageQuery | undefined {
  const base = ecosystems[pkg.ecosystem].osvName;
  const meta = pkg.metadata;
  if (meta.kind === "dpkg") {
    const release = debianRelease(distro);
    if (!release) return undefined;
    return {
      baseEcosystem: release.base,
      release: release.release,
      name: meta.source ?? pkg.name,
      version: meta.sourceVersion ?? pkg.version,
    };
  }
  if (meta.kind === "apk") {
    const minor = /^(\d+)\.(\d+)/.exec(distro?.versionId ?? "");
    if (!minor || distro?.id !== "alpine") return undefined;
    const release = `Alpine:v${minor[1] ?? ""}.${minor[2] ?? ""}`;
    return {
      baseEcosystem: "Alpine",
      release: { exact: release },
      name: meta.origin ?? pkg.name,
      version: pkg.version,
    };
  }
  if (meta.kind === "rpm") {
    const source = rpmAdvisorySource(distro);
    if (!source) return undefined;
    const built =
      source.names === "source" && meta.sourceRpm !== undefined ? sourceRpmParts(meta.sourceRpm) : undefined;
    // Records that name the source RPM give its versions: a subpackage with a version of its own
    // (perl-Errno 1.28 from perl 5.26.3) is compared as the source it was built from, with its own epoch,
    // as the source's is not in the file name. A package without a source RPM (gpg-pubkey) is itself.
    return {
      baseEcosystem: source.baseEcosystem,
      release: { exact: source.release },
      name: built?.name ?? pkg.name,
      version: built ? rpmEvr({ ...meta, version: built.version, release: built.release }) : rpmEvr(meta),
    };
  }
  return { baseEcosystem: base, name: normalizePackageName(base, pkg.name), version: pkg.version };
}

function debianRelease(
  distro: Distro | undefined,
): { base: string; release: { exact: string; prefix?: string } } | undefined {
  if (!distro?.versionId) return undefined;
  if (distro.id === "debian") {
    const major = /^\d+/.exec(distro.versionId)?.[0];
    if (!major) return undefined;
    return { base: "Debian", release: { exact: `Debian:${major}` } };
  }
  if (distro.id === "ubuntu") {
    const version = distro.versionId;
    return { base: "Ubuntu", release: { exact: `Ubuntu:${version}`, prefix: `Ubuntu:${version}:` } };
  }
  return undefined;
}

/**
 * The package ecosystem whose queries name this OSV ecosystem ("Ubuntu" → deb), the inverse of
 * queryFor; undefined when no package is ever looked up there.
 */
export function ecosystemOfOsv(baseEcosystem: string): Ecosystem | undefined {
  if (baseEcosystem === "Ubuntu") return "deb";
  if (rpmOsvEcosystems.includes(baseEcosystem)) return "rpm";
  return ecosystemNames.find((ecosystem) => ecosystems[ecosystem].osvName === baseEcosystem);
}
