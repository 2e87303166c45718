import type { VulnDatabase } from "../vulndb/database.ts";
import type { OsvRange, OsvSeverity } from "../vulndb/osv-record.ts";

export interface StoredAffected {
  advisoryId: string;
  ecosystem: string;
  ranges: OsvRange[];
  versions: string[];
  severity: OsvSeverity[];
  severityLabel?: string;
}

export interface StoredAdvisory {
  id: string;
  modified: string;
  withdrawn?: string;
  summary?: string;
  aliases: string[];
  upstream: string[];
  severity: OsvSeverity[];
  severityLabel?: string;
  references: string[];
}

/** Read access to imported advisories, as the matcher needs it. */
export interface AdvisoryStore {
  /** Affected entries of a package; with `release`, only those of that distro release. */
  affectedBy(baseEcosystem: string, name: string, release?: { exact: string; prefix?: string }): StoredAffected[];
  advisory(id: string): StoredAdvisory | undefined;
}

interface AffectedRow {
  advisory_id: string;
  ecosystem: string;
  ranges: string;
  versions: string;
  severity: string;
  severity_label: string | null;
}

interface AdvisoryRow {
  id: string;
  modified: string;
  withdrawn: string | null;
  summary: string | null;
  aliases: string;
  upstream: string;
  severity: string;
  severity_label: string | null;
  refs: string;
}

/**
 * One affected row; `versions` and `severity` are parsed only when read: long enumerated version
 * lists (GIT ranges) are rarely needed, and severity only for hits.
 */
function storedAffected(row: AffectedRow): StoredAffected {
  let versions: string[] | undefined;
  let severity: OsvSeverity[] | undefined;
  return {
    advisoryId: row.advisory_id,
    ecosystem: row.ecosystem,
    ranges: JSON.parse(row.ranges) as OsvRange[],
    get versions(): string[] {
      versions ??= JSON.parse(row.versions) as string[];
      return versions;
    },
    get severity(): OsvSeverity[] {
      severity ??= JSON.parse(row.severity) as OsvSeverity[];
      return severity;
    },
    ...(row.severity_label === null ? {} : { severityLabel: row.severity_label }),
  };
}

/** The SQLite-backed store; JSON columns were written by the importer from validated records. */
export function sqliteAdvisoryStore(db: VulnDatabase): AdvisoryStore {
  const columns = "advisory_id, ecosystem, ranges, versions, severity, severity_label";
  const byPackage = db.prepare<[string, string], AffectedRow>(
    `SELECT ${columns} FROM affected WHERE base_ecosystem = ? AND name = ?`,
  );
  const byRelease = db.prepare<[{ base: string; name: string; exact: string; prefix: string }], AffectedRow>(
    `SELECT ${columns} FROM affected WHERE base_ecosystem = @base AND name = @name
       AND (ecosystem = @exact OR substr(ecosystem, 1, length(@prefix)) = @prefix)`,
  );
  const byId = db.prepare<[string], AdvisoryRow>(
    "SELECT id, modified, withdrawn, summary, aliases, upstream, severity, severity_label, refs FROM advisories WHERE id = ?",
  );
  const cache = new Map<string, StoredAdvisory | undefined>();
  return {
    affectedBy: (baseEcosystem, name, release) =>
      (release
        ? byRelease.all({ base: baseEcosystem, name, exact: release.exact, prefix: release.prefix ?? release.exact })
        : byPackage.all(baseEcosystem, name)
      ).map(storedAffected),
    advisory: (id) => {
      if (cache.has(id)) return cache.get(id);
      const row = byId.get(id);
      const advisory = row
        ? {
            id: row.id,
            modified: row.modified,
            ...(row.withdrawn === null ? {} : { withdrawn: row.withdrawn }),
            ...(row.summary === null ? {} : { summary: row.summary }),
            aliases: JSON.parse(row.aliases) as string[],
            upstream: JSON.parse(row.upstream) as string[],
            severity: JSON.parse(row.severity) as OsvSeverity[],
            ...(row.severity_label === null ? {} : { severityLabel: row.severity_label }),
            references: JSON.parse(row.refs) as string[],
          }
        : undefined;
      cache.set(id, advisory);
      return advisory;
    },
  };
}
