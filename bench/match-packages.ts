import { sqliteAdvisoryStore } from "../src/match/advisory-store.ts";
import { matchPackages } from "../src/match/matcher.ts";
import type { Distro } from "../src/model/distro.ts";
import type { Ecosystem } from "../src/model/ecosystem.ts";
import type { Package, PackageMetadata } from "../src/model/package.ts";
import type { VulnDatabase } from "../src/vulndb/database.ts";
import { sampleAdvisoryPackages } from "./advisory-sample.ts";

const layer = { index: 0, digest: "sha256:bench", diffId: "sha256:bench" };

/** How many packages of each ecosystem, and the OSV ecosystem their names come from (10,000 in all). */
const mix: { ecosystem: Ecosystem; osv: string; count: number }[] = [
  { ecosystem: "deb", osv: "Debian", count: 2500 },
  { ecosystem: "apk", osv: "Alpine", count: 1000 },
  { ecosystem: "golang", osv: "Go", count: 1500 },
  { ecosystem: "pypi", osv: "PyPI", count: 1500 },
  { ecosystem: "npm", osv: "npm", count: 1000 },
  { ecosystem: "cargo", osv: "crates.io", count: 1000 },
  { ecosystem: "gem", osv: "RubyGems", count: 800 },
  { ecosystem: "composer", osv: "Packagist", count: 700 },
];

const debian: Distro = { id: "debian", versionId: "11", idLike: [] };
const alpine: Distro = { id: "alpine", versionId: "3.11.6", idLike: [] };

function metadataFor(ecosystem: Ecosystem, name: string, version: string): PackageMetadata {
  switch (ecosystem) {
    case "deb":
      return {
        kind: "dpkg",
        source: name,
        sourceVersion: version,
        provides: [],
        depends: [],
        preDepends: [],
        database: "dpkg",
      };
    case "apk":
      return { kind: "apk", origin: name, dependencies: [], provides: [] };
    case "golang":
      return { kind: "go", role: "dependency" };
    case "pypi":
      return {
        kind: "python",
        name,
        format: "dist-info",
        requiresDist: [],
        providesExtra: [],
        licenseFiles: [],
        topLevelPackages: [],
      };
    case "npm":
      return { kind: "npm", private: false };
    case "cargo":
      return { kind: "cargo", dependencies: [] };
    case "gem":
      return { kind: "gem" };
    case "composer":
      return { kind: "composer", dev: false };
    case "maven":
    case "nuget":
    case "rpm":
      throw new Error(`no benchmark packages for ${ecosystem}: the corpus has no advisories for it`);
  }
}

/** 10,000 packages named after real advisories' packages, OS packages split by the distro they need. */
export function benchPackages(db: VulnDatabase): { distro: Distro; packages: Package[] }[] {
  const groups: { distro: Distro; packages: Package[] }[] = [
    { distro: debian, packages: [] },
    { distro: alpine, packages: [] },
  ];
  for (const { ecosystem, osv, count } of mix) {
    const target = ecosystem === "apk" ? groups[1] : groups[0];
    for (const [index, { name, version }] of sampleAdvisoryPackages(db, osv, count).entries()) {
      const purl = `pkg:${ecosystem}/${encodeURIComponent(name)}@${encodeURIComponent(version)}`;
      target?.packages.push({
        id: `${purl}#${index}`,
        name,
        version,
        ecosystem,
        purl,
        licenses: [],
        foundBy: "bench",
        layer,
        locations: [{ path: `/bench/${ecosystem}/${index}`, layer }],
        metadata: metadataFor(ecosystem, name, version),
      });
    }
  }
  return groups;
}

/** Matches every group against the database; the store is made afresh, as a scan would. */
export function matchAll(db: VulnDatabase, groups: readonly { distro: Distro; packages: Package[] }[]): number {
  const store = sqliteAdvisoryStore(db);
  let findings = 0;
  for (const { distro, packages } of groups) findings += matchPackages(store, packages, distro).length;
  return findings;
}
