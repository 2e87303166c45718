import type { Transaction } from "kysely";
import { type Finding, severityRatings } from "../../src/model/finding.ts";
import type { FindingsTable, Tables } from "../db/tables.ts";
import { chunks } from "./chunks.ts";

export function findingRow(imageId: string, finding: Finding): FindingsTable {
  return {
    image_id: imageId,
    package_id: finding.packageId,
    vulnerability_id: finding.id,
    aliases: JSON.stringify(finding.aliases),
    advisories: JSON.stringify(finding.advisories),
    summary: finding.summary ?? null,
    package_name: finding.packageName,
    package_version: finding.installedVersion,
    ecosystem: finding.ecosystem,
    purl: finding.purl,
    severity: finding.severity.rating,
    severity_rank: severityRatings.indexOf(finding.severity.rating),
    score: finding.severity.score ?? null,
    severity_vector: finding.severity.vector ?? null,
    severity_source: finding.severity.source,
    fixed_versions: JSON.stringify(finding.fixedVersions),
    fixable: finding.fixedVersions.length > 0 ? 1 : 0,
    detection: finding.detection,
    layer_index: finding.layer.index,
    refs: JSON.stringify(finding.references),
  };
}

/** Replaces an image's findings; call inside the transaction that owns the image row. */
export async function replaceFindings(
  trx: Transaction<Tables>,
  imageId: string,
  findings: readonly Finding[],
): Promise<void> {
  await trx.deleteFrom("findings").where("image_id", "=", imageId).execute();
  const rows = findings.map((finding) => findingRow(imageId, finding));
  for (const chunk of chunks(rows)) await trx.insertInto("findings").values(chunk).execute();
}
