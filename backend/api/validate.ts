import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import { z } from "zod";
import { ecosystemNames } from "../../src/model/ecosystem.ts";
import { severityRatings } from "../../src/model/finding.ts";
import { digestPattern } from "../inventory/inventory-schema.ts";
import { imageSorts } from "../store/read-images.ts";
import { packageSorts } from "../store/read-packages.ts";
import { vulnerabilitySorts } from "../store/read-vulnerabilities.ts";

/** zod-validated request parts; a failure is a 400 naming the parameter. */
export function validated<T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) {
  return zValidator(target, schema, (result, c) => {
    if (result.success) return undefined;
    const problems = result.error.issues.map((issue) => ({
      path: issue.path.map(String).join(".") || "(root)",
      message: issue.message,
    }));
    const first = problems[0];
    return c.json({ error: `invalid ${target}${first ? `: ${first.path}: ${first.message}` : ""}`, problems }, 400);
  });
}

/** Repeated (`?severity=high&severity=critical`) or comma-separated (`?severity=high,critical`) values. */
function many<T extends z.ZodType>(item: T) {
  return z.preprocess((value) => {
    if (value === undefined) return undefined;
    const values: unknown[] = Array.isArray(value) ? value : [value];
    return values.flatMap((entry) =>
      typeof entry === "string"
        ? entry
            .split(",")
            .map((part) => part.trim())
            .filter((part) => part !== "")
        : [entry],
    );
  }, z.array(item).optional());
}

const trueOrFalse = z.enum(["true", "false"]).transform((value) => value === "true");

function paging(maxPageSize: number) {
  return {
    page: z.coerce.number().int().min(1).default(1),
    limit: z.coerce.number().int().min(1).max(maxPageSize).default(50),
  };
}

export function imageListQuery(maxPageSize: number) {
  return z.strictObject({
    q: z.string().max(200).optional(),
    sort: z.enum(imageSorts).default("reference"),
    order: z.enum(["asc", "desc"]).optional(),
    ...paging(maxPageSize),
  });
}

export function packageQuery(maxPageSize: number) {
  return z.strictObject({
    ecosystem: many(z.enum(ecosystemNames)),
    layer: z.coerce.number().int().min(0).optional(),
    q: z.string().max(200).optional(),
    sort: z.enum(packageSorts).default("layer"),
    order: z.enum(["asc", "desc"]).optional(),
    ...paging(maxPageSize),
  });
}

export function vulnerabilityQuery(maxPageSize: number) {
  return z.strictObject({
    detection: z.enum(["os", "sca"]).optional(),
    severity: many(z.enum(severityRatings)),
    ecosystem: many(z.enum(ecosystemNames)),
    layer: z.coerce.number().int().min(0).optional(),
    fixable: trueOrFalse.optional(),
    q: z.string().max(200).optional(),
    sort: z.enum(vulnerabilitySorts).default("severity"),
    order: z.enum(["asc", "desc"]).optional(),
    ...paging(maxPageSize),
  });
}

const bareSha256 = /^[a-f0-9]{64}$/;

/** An image is named by its digest ("sha256:…"); a bare sha256 hex is taken as one too. */
export const imageParam = z.object({
  id: z
    .string()
    .refine((id) => bareSha256.test(id) || digestPattern.test(id), "not an image digest")
    .transform((id) => (bareSha256.test(id) ? `sha256:${id}` : id)),
});
