import { ecosystems } from "../ecosystem/index.ts";
import type { Distro } from "../model/distro.ts";
import { type Finding, type Severity, severityRatings } from "../model/finding.ts";
import type { Package } from "../model/package.ts";
import { versionSchemes } from "../version/by-ecosystem.ts";
import { type AdvisoryStore, type StoredAdvisory, referenceCount } from "./advisory-store.ts";
import { evaluateOrdered } from "./osv-ranges.ts";
import { type PackageQuery, queryFor } from "./package-query.ts";

interface Hit {
  advisory: StoredAdvisory;
  fixed: readonly string[];
  severity: Severity;
}

interface Matched {
  pkg: Package;
  hits: { advisoryId: string; severity: Severity; fixed: readonly string[] }[];
}

/**
 * Every finding for every package: advisories that alias each other become one finding. All
 * packages are looked up at once, and advisories are read only for the entries that matched.
 */
export function matchPackages(
  store: AdvisoryStore,
  packages: readonly Package[],
  distro: Distro | undefined,
): Finding[] {
  const queried = packages.flatMap((pkg) => {
    const query = queryFor(pkg, distro);
    return query ? [{ pkg, query }] : [];
  });
  const readers = store.affectedBy(queried.map(({ query }): PackageQuery => query));
  const matched: Matched[] = [];
  const ids = new Set<string>();
  for (let index = 0; index < queried.length; index++) {
    const item = queried[index];
    if (!item) continue;
    const { pkg, query } = item;
    const schemes = versionSchemes[pkg.ecosystem];
    const hits: Matched["hits"] = [];
    for (const entry of readers[index]?.() ?? []) {
      const verdict = evaluateOrdered(query.version, entry, schemes);
      if (!verdict.affected) continue;
      hits.push({ advisoryId: entry.advisoryId, severity: entry.severity, fixed: verdict.fixed });
      ids.add(entry.advisoryId);
    }
    if (hits.length > 0) matched.push({ pkg, hits });
  }
  const advisories = store.advisories(ids);
  const findings: Finding[] = [];
  for (const { pkg, hits } of matched) {
    const resolved: Hit[] = [];
    for (const { advisoryId, severity, fixed } of hits) {
      const advisory = advisories.get(advisoryId);
      if (advisory) resolved.push({ advisory, fixed, severity });
    }
    const scheme = versionSchemes[pkg.ecosystem].ecosystem;
    for (const group of groupByAlias(resolved)) findings.push(findingOf(pkg, group, scheme.compare.bind(scheme)));
  }
  return findings;
}

/** A group of hits: its latest hit, then the groups that hit joined, oldest first. */
interface Group {
  stamp: number;
  hit: Hit;
  joined: Group[];
  /** The group this one was joined into. */
  into?: Group;
}

function rootOf(group: Group): Group {
  let root = group;
  while (root.into) root = root.into;
  // Later lookups go straight to the root.
  for (let step = group; step.into && step.into !== root; ) {
    const next: Group = step.into;
    step.into = root;
    step = next;
  }
  return root;
}

/** A group's hits: its own first, then each joined group's, depth first. */
function hitsOf(group: Group): Hit[] {
  const out: Hit[] = [];
  const stack = [group];
  for (let next = stack.pop(); next; next = stack.pop()) {
    out.push(next.hit);
    for (let at = next.joined.length - 1; at >= 0; at--) {
      const joined = next.joined[at];
      if (joined) stack.push(joined);
    }
  }
  return out;
}

/**
 * Joins hits that share any identifier (id, alias or upstream), transitively. Each hit starts a
 * group that takes in the groups it shares an identifier with; groups come out in the order they
 * were last formed, each with its newest hit first and then the hits of the groups it took in.
 */
function groupByAlias(hits: readonly Hit[]): Hit[][] {
  if (hits.length < 2) return hits.map((hit) => [hit]);
  const byId = new Map<string, Group>();
  const formed: Group[] = [];
  for (const hit of hits) {
    const joined: Group[] = [];
    for (const id of hit.advisory.identifiers) {
      const known = byId.get(id);
      const root = known && rootOf(known);
      if (root && !joined.includes(root)) joined.push(root);
    }
    joined.sort((a, b) => a.stamp - b.stamp);
    const group: Group = { stamp: formed.length, hit, joined };
    for (const taken of joined) taken.into = group;
    for (const id of hit.advisory.identifiers) byId.set(id, group);
    formed.push(group);
  }
  return formed.filter((group) => !group.into).map(hitsOf);
}

const distinct = <T>(items: readonly T[]): T[] => [...new Set(items)];

function findingOf(pkg: Package, hits: readonly Hit[], compare: (a: string, b: string) => number | undefined): Finding {
  // Most findings come from one advisory: its lists are already distinct.
  const only = hits.length === 1 ? hits[0] : undefined;
  const ids = only ? only.advisory.identifiers : distinct(hits.flatMap((hit) => hit.advisory.identifiers));
  let cve: string | undefined;
  let cves = 0;
  for (const id of ids) {
    if (!id.startsWith("CVE-")) continue;
    cves += 1;
    cve ??= id;
  }
  const advisories = hits.map((hit) => hit.advisory.id);
  if (advisories.length > 1) advisories.sort();
  const primary = cves === 1 && cve !== undefined ? cve : (advisories[0] ?? ids[0] ?? "");
  const fixed = only ? [...only.fixed] : distinct(hits.flatMap((hit) => hit.fixed));
  if (fixed.length > 1) fixed.sort((a, b) => compare(a, b) ?? 0);
  const severity = (only ? only.severity : hits.map((hit) => hit.severity).sort(bySeverity)[0]) ?? {
    rating: "unknown",
    source: "none",
  };
  const summary = hits.find((hit) => hit.advisory.summary !== undefined)?.advisory.summary;
  const references = only
    ? [...only.advisory.references]
    : distinct(hits.flatMap((hit) => hit.advisory.references)).slice(0, referenceCount);
  const aliases = ids.filter((id) => id !== primary);
  if (aliases.length > 1) aliases.sort();
  return {
    id: primary,
    aliases,
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
    references,
  };
}

/** Worst rating first; within a rating, a computed score beats a label. */
function bySeverity(a: Severity, b: Severity): number {
  return severityRatings.indexOf(a.rating) - severityRatings.indexOf(b.rating) || (b.score ?? -1) - (a.score ?? -1);
}
