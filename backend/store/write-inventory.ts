import type { Finding } from "../../src/model/finding.ts";
import type { ImageDescription, Inventory } from "../../src/model/inventory.ts";
import type { ImagesTable, LayersTable, PackagesTable, StrataDb } from "../db/tables.ts";
import { chunks } from "./chunks.ts";
import { encodeInventory } from "./inventory-blob.ts";
import { replaceFindings } from "./write-findings.ts";

/** What the findings were computed against, kept with the image. */
export interface Evaluation {
  /** The advisory database's data version, read before matching. */
  advisoryVersion: number;
  /** The OSV ecosystems the inventory's packages need (src/vulndb/ecosystems-for.ts). */
  ecosystems: readonly string[];
}

export interface StoredImage {
  id: string;
  /** False when the upload replaced an inventory the server already had. */
  created: boolean;
  revision: number;
}

/** Images are keyed by their config digest (the image ID, the same in every transport), else the manifest digest. */
export function imageKey(image: ImageDescription): string | undefined {
  return image.configDigest ?? image.manifestDigest;
}

/**
 * Stores an inventory and its findings in one transaction: a re-upload of the same image replaces
 * everything it had, and a failure anywhere leaves the previous state untouched.
 */
export async function writeInventory(
  db: StrataDb,
  id: string,
  inventory: Inventory,
  findings: readonly Finding[],
  evaluation: Evaluation,
  now: Date,
): Promise<StoredImage> {
  const seen = now.toISOString();
  const image = imageRow(id, inventory, findings.length, evaluation, seen);
  const layers = layerRows(id, inventory);
  const packages = inventory.packages.map((pkg) => packageRow(id, pkg));
  return db.transaction().execute(async (trx) => {
    const { first_seen: _firstSeen, ...update } = image;
    const stored = await trx
      .insertInto("images")
      .values(image)
      .onConflict((conflict) =>
        conflict.column("id").doUpdateSet((eb) => ({ ...update, revision: eb(eb.ref("images.revision"), "+", 1) })),
      )
      .returning(["revision"])
      .executeTakeFirstOrThrow();
    await trx.deleteFrom("findings").where("image_id", "=", id).execute();
    await trx.deleteFrom("packages").where("image_id", "=", id).execute();
    await trx.deleteFrom("layers").where("image_id", "=", id).execute();
    for (const chunk of chunks(layers)) await trx.insertInto("layers").values(chunk).execute();
    for (const chunk of chunks(packages)) await trx.insertInto("packages").values(chunk).execute();
    await replaceFindings(trx, id, findings);
    return { id, created: stored.revision === 1, revision: stored.revision };
  });
}

function imageRow(
  id: string,
  inventory: Inventory,
  findingCount: number,
  evaluation: Evaluation,
  seen: string,
): ImagesTable {
  const { image, distro } = inventory;
  const platform = image.platform
    ? [image.platform.os, image.platform.architecture, image.platform.variant].filter(Boolean).join("/")
    : null;
  return {
    id,
    reference: image.reference,
    kind: image.kind,
    manifest_digest: image.manifestDigest ?? null,
    config_digest: image.configDigest ?? null,
    tags: JSON.stringify(image.tags),
    search: [image.reference, ...image.tags].join("\n").toLowerCase(),
    platform,
    distro_id: distro?.id ?? null,
    distro_version: distro?.versionId ?? null,
    distro_name: distro?.prettyName ?? null,
    created: image.created ?? null,
    scanned_at: inventory.scannedAt,
    scanner_version: inventory.scanner.version,
    first_seen: seen,
    last_seen: seen,
    revision: 1,
    evaluated_at: seen,
    advisory_version: evaluation.advisoryVersion,
    advisory_ecosystems: JSON.stringify(evaluation.ecosystems),
    package_count: inventory.packages.length,
    finding_count: findingCount,
    inventory: encodeInventory(inventory),
  };
}

function layerRows(id: string, inventory: Inventory): LayersTable[] {
  const introduced = new Map<number, number>();
  for (const pkg of inventory.packages) introduced.set(pkg.layer.index, (introduced.get(pkg.layer.index) ?? 0) + 1);
  return inventory.layers.map((layer) => ({
    image_id: id,
    layer_index: layer.index,
    digest: layer.digest,
    diff_id: layer.diffId,
    size: layer.size,
    media_type: layer.mediaType,
    created_by: layer.createdBy ?? null,
    created: layer.created ?? null,
    package_count: introduced.get(layer.index) ?? 0,
  }));
}

function packageRow(id: string, pkg: Inventory["packages"][number]): PackagesTable {
  return {
    image_id: id,
    package_id: pkg.id,
    name: pkg.name,
    version: pkg.version,
    ecosystem: pkg.ecosystem,
    purl: pkg.purl,
    licenses: JSON.stringify(pkg.licenses),
    found_by: pkg.foundBy,
    layer_index: pkg.layer.index,
    path: pkg.locations[0]?.path ?? null,
    owned_by: pkg.ownedBy ? JSON.stringify(pkg.ownedBy) : null,
  };
}
