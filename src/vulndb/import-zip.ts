import yauzl from "yauzl";
import { InputError, errorMessage } from "../errors.ts";
import type { VulnDatabase } from "./database.ts";
import { type OsvRecord, readOsvRecord } from "./osv-record.ts";
import { baseEcosystemOf, normalizePackageName } from "./package-names.ts";

export interface ImportStats {
  source: string;
  /** Records written (new or newer than the stored copy). */
  imported: number;
  /** Records whose stored copy is as new. */
  unchanged: number;
  /** Entries that were not OSV records, with the first few reasons. */
  invalid: number;
  problems: string[];
}

const maxRecordBytes = 16 * 1024 * 1024;
const batchSize = 2000;

/** Imports an osv.dev `<Ecosystem>/all.zip` into the database; records not newer than the stored ones are skipped. */
export async function importOsvZip(db: VulnDatabase, zipPath: string, source: string): Promise<ImportStats> {
  const stats: ImportStats = { source, imported: 0, unchanged: 0, invalid: 0, problems: [] };
  const writer = recordWriter(db, source);
  let batch: OsvRecord[] = [];
  const flush = (): void => {
    const { imported, unchanged } = writer(batch);
    stats.imported += imported;
    stats.unchanged += unchanged;
    batch = [];
  };
  await forEachZipEntry(zipPath, async (name, read) => {
    if (!name.endsWith(".json")) return;
    const invalid = (reason: string): void => {
      stats.invalid += 1;
      if (stats.problems.length < 10) stats.problems.push(`${name}: ${reason}`);
    };
    let record: OsvRecord | undefined;
    try {
      record = readOsvRecord(JSON.parse((await read()).toString("utf8")));
    } catch (error) {
      invalid(errorMessage(error));
      return;
    }
    if (!record) {
      invalid("not an OSV record (no id or modified)");
      return;
    }
    batch.push(record);
    if (batch.length >= batchSize) flush();
  });
  flush();
  db.prepare(
    "INSERT INTO sources (name, imported_at, records) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET imported_at = excluded.imported_at, records = excluded.records",
  ).run(source, new Date().toISOString(), stats.imported + stats.unchanged);
  return stats;
}

function recordWriter(
  db: VulnDatabase,
  source: string,
): (records: readonly OsvRecord[]) => { imported: number; unchanged: number } {
  const stored = db.prepare<[string], { modified: string }>("SELECT modified FROM advisories WHERE id = ?");
  const removeAffected = db.prepare("DELETE FROM affected WHERE advisory_id = ?");
  const upsert = db.prepare(
    `INSERT INTO advisories (id, modified, published, withdrawn, summary, aliases, upstream, severity, severity_label, refs, source)
     VALUES (@id, @modified, @published, @withdrawn, @summary, @aliases, @upstream, @severity, @severityLabel, @refs, @source)
     ON CONFLICT(id) DO UPDATE SET modified = excluded.modified, published = excluded.published, withdrawn = excluded.withdrawn,
       summary = excluded.summary, aliases = excluded.aliases, upstream = excluded.upstream, severity = excluded.severity,
       severity_label = excluded.severity_label, refs = excluded.refs, source = excluded.source`,
  );
  const insertAffected = db.prepare(
    `INSERT INTO affected (advisory_id, ecosystem, base_ecosystem, name, ranges, versions, severity, severity_label)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return db.transaction((records: readonly OsvRecord[]) => {
    let imported = 0;
    let unchanged = 0;
    for (const record of records) {
      const previous = stored.get(record.id);
      if (previous && Date.parse(previous.modified) >= Date.parse(record.modified)) {
        unchanged += 1;
        continue;
      }
      removeAffected.run(record.id);
      upsert.run({
        id: record.id,
        modified: record.modified,
        published: record.published ?? null,
        withdrawn: record.withdrawn ?? null,
        summary: record.summary ?? null,
        aliases: JSON.stringify(record.aliases),
        upstream: JSON.stringify(record.upstream),
        severity: JSON.stringify(record.severity),
        severityLabel: record.severityLabel ?? null,
        refs: JSON.stringify(record.references.slice(0, 20)),
        source,
      });
      for (const entry of record.affected) {
        const base = baseEcosystemOf(entry.ecosystem);
        insertAffected.run(
          record.id,
          entry.ecosystem,
          base,
          normalizePackageName(base, entry.name),
          JSON.stringify(entry.ranges),
          JSON.stringify(entry.versions),
          JSON.stringify(entry.severity),
          entry.severityLabel ?? null,
        );
      }
      imported += 1;
    }
    return { imported, unchanged };
  });
}

type ReadEntry = () => Promise<Buffer>;

/** Visits every entry of a zip file in order, reading an entry's bytes only when asked (capped). */
function forEachZipEntry(path: string, visit: (name: string, read: ReadEntry) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (openError, zip) => {
      if (openError) {
        reject(new InputError(`${path} is not a readable zip: ${openError.message}`, { cause: openError }));
        return;
      }
      zip.on("error", (error: Error) => {
        reject(new InputError(`${path}: ${error.message}`, { cause: error }));
      });
      zip.on("end", () => {
        resolve();
      });
      zip.on("entry", (entry: yauzl.Entry) => {
        const read: ReadEntry = () =>
          new Promise((done, fail) => {
            if (entry.uncompressedSize > maxRecordBytes) {
              fail(new Error(`entry of ${entry.uncompressedSize} bytes is over the ${maxRecordBytes}-byte limit`));
              return;
            }
            zip.openReadStream(entry, (streamError, stream) => {
              if (streamError) {
                fail(streamError);
                return;
              }
              const chunks: Buffer[] = [];
              stream.on("data", (chunk: Buffer) => chunks.push(chunk));
              stream.on("end", () => {
                done(Buffer.concat(chunks));
              });
              stream.on("error", fail);
            });
          });
        visit(entry.fileName, read).then(
          () => {
            zip.readEntry();
          },
          (error: unknown) => {
            reject(error instanceof Error ? error : new Error(errorMessage(error)));
            zip.close();
          },
        );
      });
      zip.readEntry();
    });
  });
}
