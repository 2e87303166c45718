import { ecosystems } from "../ecosystem/index.ts";
import type { Distro } from "../model/distro.ts";
import { type Finding, type Severity, severityRatings } from "../model/finding.ts";
import type { Package } from "../model/package.ts";
import { versionSchemes } from "../version/by-ecosystem.ts";
import type { OsvSeverity } from "../vulndb/osv-record.ts";
import type { AdvisoryStore, StoredAdvisory, StoredAffected } from "./advisory-store.ts";
import { evaluateAffected } from "./osv-ranges.ts";
import { type PackageQuery, queryFor } from "./package-query.ts";
import { severityOf } from "./severity.ts";

interface Hit {
  advisory: StoredAdvisory;
  fixed: string[];
  severity: Severity;
}

/** Every finding for every package: advisories that alias each other become one finding. */
export function matchPackages(
  store: AdvisoryStore,
  packages: readonly Package[],
  distro: Distro | undefined,
): Finding[] {
  const findings: Finding[] = [];
  const lookups = new Map<string, StoredAffected[]>();
  const affectedBy = (query: PackageQuery): StoredAffected[] => {
    const key = `${query.baseEcosystem}\0${query.name}\0${query.release?.exact ?? ""}\0${query.release?.prefix ?? ""}`;
    let entries = lookups.get(key);
    if (!entries) {
      entries = store.affectedBy(query.baseEcosystem, query.name, query.release);
      lookups.set(key, entries);
    }
    return entries;
  };
  for (const pkg of packages) {
    const query = queryFor(pkg, distro);
    if (!query) continue;
    const schemes = versionSchemes[pkg.ecosystem];
    const hits: Hit[] = [];
    for (const entry of affectedBy(query)) {
      const advisory = store.advisory(entry.advisoryId);
      if (!advisory || advisory.withdrawn !== undefined) continue;
      const verdict = evaluateAffected(query.version, entry, schemes);
      if (!verdict.affected) continue;
      const vectors: OsvSeverity[] = entry.severity.length > 0 ? entry.severity : advisory.severity;
      hits.push({
        advisory,
        fixed: verdict.fixed,
        severity: severityOf(vectors, entry.severityLabel ?? advisory.severityLabel),
      });
    }
    for (const group of groupByAlias(hits))
      findings.push(findingOf(pkg, group, schemes.ecosystem.compare.bind(schemes.ecosystem)));
  }
  return findings;
}

function identifiers(advisory: StoredAdvisory): string[] {
  return [advisory.id, ...advisory.aliases, ...advisory.upstream];
}

/** Joins hits that share any identifier (id, alias or upstream), transitively. */
function groupByAlias(hits: readonly Hit[]): Hit[][] {
  const groups: { ids: Set<string>; hits: Hit[] }[] = [];
  for (const hit of hits) {
    const ids = new Set(identifiers(hit.advisory));
    const joined = groups.filter((group) => [...ids].some((id) => group.ids.has(id)));
    const merged = { ids, hits: [hit] };
    for (const group of joined) {
      for (const id of group.ids) merged.ids.add(id);
      merged.hits.push(...group.hits);
      groups.splice(groups.indexOf(group), 1);
    }
    groups.push(merged);
  }
  return groups.map((group) => group.hits);
}

function findingOf(pkg: Package, hits: readonly Hit[], compare: (a: string, b: string) => number | undefined): Finding {
  const ids = [...new Set(hits.flatMap((hit) => identifiers(hit.advisory)))];
  const cves = ids.filter((id) => id.startsWith("CVE-"));
  const advisories = hits.map((hit) => hit.advisory.id).sort();
  const primary = cves.length === 1 && cves[0] !== undefined ? cves[0] : (advisories[0] ?? ids[0] ?? "");
  const fixed = [...new Set(hits.flatMap((hit) => hit.fixed))].sort((a, b) => compare(a, b) ?? 0);
  const severity = hits.map((hit) => hit.severity).sort(bySeverity)[0] ?? { rating: "unknown", source: "none" };
  const summary = hits.find((hit) => hit.advisory.summary !== undefined)?.advisory.summary;
  return {
    id: primary,
    aliases: ids.filter((id) => id !== primary).sort(),
    advisories,
    ...(summary === undefined ? {} : { summary }),
    packageId: pkg.id,
    packageName: pkg.name,
    ecosystem: pkg.ecosystem,
    purl: pkg.purl,
    installedVersion: pkg.version,
    fixedVersions: fixed,
    severity,
    layer: pkg.layer,
    detection: ecosystems[pkg.ecosystem].detection,
    references: [...new Set(hits.flatMap((hit) => hit.advisory.references))].slice(0, 10),
  };
}

/** Worst rating first; within a rating, a computed score beats a label. */
function bySeverity(a: Severity, b: Severity): number {
  return severityRatings.indexOf(a.rating) - severityRatings.indexOf(b.rating) || (b.score ?? -1) - (a.score ?? -1);
}
