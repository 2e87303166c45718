import { z } from "zod";
import { InputError } from "../../src/errors.ts";
import { ecosystemNames } from "../../src/model/ecosystem.ts";
import { type Inventory, inventorySchemaVersion, type SourceKind } from "../../src/model/inventory.ts";
import { type Accepts, packageMetadataSchema } from "./metadata-schema.ts";

const text = z.string();
const optionalText = z.string().exactOptional();

/** Every SourceKind; InventorySchemaAcceptsModel below fails to compile when the model gains one. */
const sourceKinds = [
  "docker-archive",
  "oci-layout",
  "oci-archive",
  "rootfs",
  "registry",
  "docker-daemon",
  "containerd",
  "containers-storage",
] as const satisfies readonly SourceKind[];

/** OCI digest grammar (algorithm ":" encoded); image digests become API identifiers, so they are checked. */
export const digestPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const digest = z.string().regex(digestPattern, "not a digest (algorithm:hex)");

const layerRef = z.object({ index: z.int().min(0), digest: text, diffId: text });

const layer = z.object({
  index: z.int().min(0),
  digest: text,
  diffId: text,
  size: z.number().min(0),
  mediaType: text,
  created: optionalText,
  createdBy: optionalText,
  comment: optionalText,
});

const pkg = z.object({
  id: z.string().min(1),
  name: text,
  version: text,
  ecosystem: z.enum(ecosystemNames),
  purl: text,
  licenses: z.array(text),
  foundBy: text,
  layer: layerRef,
  locations: z.array(z.object({ path: text, layer: layerRef, inside: optionalText })),
  metadata: packageMetadataSchema,
  ownedBy: z.object({ id: text, name: text, purl: text }).exactOptional(),
});

const issue = z.object({
  severity: z.enum(["warning", "error"]),
  scope: z.enum(["image", "layer", "file"]),
  message: text,
  path: optionalText,
  layer: layerRef.exactOptional(),
  cataloger: optionalText,
});

const inventoryObject = z.object({
  schemaVersion: z.literal(inventorySchemaVersion),
  scanner: z.object({ name: z.literal("strata"), version: text }),
  scannedAt: text,
  image: z.object({
    kind: z.enum(sourceKinds),
    reference: text,
    manifestDigest: digest.exactOptional(),
    configDigest: digest.exactOptional(),
    tags: z.array(text),
    platform: z.object({ os: text, architecture: text, variant: optionalText }).exactOptional(),
    created: optionalText,
  }),
  distro: z
    .object({
      id: text,
      versionId: optionalText,
      versionCodename: optionalText,
      prettyName: optionalText,
      idLike: z.array(text),
    })
    .exactOptional(),
  layers: z.array(layer),
  packages: z.array(pkg),
  issues: z.array(issue),
});

type Holds<T extends true> = T;
export type InventorySchemaAcceptsModel = Holds<Accepts<typeof inventoryObject, Inventory>>;

/** Cross-field rules the shapes alone cannot say. */
const inventorySchema: z.ZodType<Inventory> = inventoryObject.superRefine((inventory, ctx) => {
  if (inventory.image.configDigest === undefined && inventory.image.manifestDigest === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["image"],
      message:
        "has neither configDigest nor manifestDigest; images are stored by digest (a root filesystem scan has none)",
    });
  }
  for (const [position, entry] of inventory.layers.entries()) {
    if (entry.index !== position)
      ctx.addIssue({ code: "custom", path: ["layers", position, "index"], message: `must be ${position}` });
  }
  const ids = new Set<string>();
  for (const [position, entry] of inventory.packages.entries()) {
    if (ids.has(entry.id))
      ctx.addIssue({ code: "custom", path: ["packages", position, "id"], message: `duplicate package id ${entry.id}` });
    ids.add(entry.id);
    if (entry.layer.index >= inventory.layers.length)
      ctx.addIssue({
        code: "custom",
        path: ["packages", position, "layer", "index"],
        message: `names layer ${entry.layer.index}, but the image has ${inventory.layers.length}`,
      });
  }
});

/** Shown in a 400 response: enough issues to fix the sensor, not a novel. */
const maxReportedIssues = 10;

export interface InventoryProblem {
  path: string;
  message: string;
}

/** Raised for an upload that is not a valid schemaVersion 1 inventory; `problems` lists where. */
export class InvalidInventoryError extends InputError {
  readonly problems: InventoryProblem[];

  constructor(message: string, problems: InventoryProblem[], options?: ErrorOptions) {
    super(message, options);
    this.problems = problems;
  }
}

/** Narrows parsed JSON to an Inventory, or throws InvalidInventoryError saying what is wrong. */
export function parseInventory(json: unknown): Inventory {
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new InvalidInventoryError("the body is not a JSON object", []);
  if (!("schemaVersion" in json))
    throw new InvalidInventoryError("not a Strata inventory: it has no schemaVersion", []);
  if (json.schemaVersion !== inventorySchemaVersion) {
    throw new InvalidInventoryError(
      `unsupported inventory schemaVersion ${JSON.stringify(json.schemaVersion)}: this server reads ${inventorySchemaVersion}`,
      [],
    );
  }
  const result = inventorySchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, maxReportedIssues).map((issue) => ({
    path: pathText(issue.path),
    message: issue.message,
  }));
  const first = problems[0];
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : "";
  throw new InvalidInventoryError(
    `invalid inventory: ${first ? `${first.path}: ${first.message}` : "unknown problem"}${more}`,
    problems,
    { cause: result.error },
  );
}

function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}
