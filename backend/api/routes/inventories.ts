import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { parseInventory } from "../../inventory/inventory-schema.ts";
import { ingestInventory } from "../../posture/ingest.ts";
import { allow } from "../auth.ts";
import { readJsonBody } from "../body.ts";
import type { AppDeps, AppEnv, BackendLimits } from "../deps.ts";

/** Uploads: a sensor (or admin) posts a schemaVersion 1 inventory; the server computes its findings. */
export function inventoryRoutes({ db, advisories, tokens }: AppDeps, limits: BackendLimits) {
  return new Hono<AppEnv>().post(
    "/inventories",
    allow(tokens, "sensor", "admin"),
    bodyLimit({
      maxSize: limits.maxBodyBytes,
      onError: (c) => c.json({ error: `the body is over the ${limits.maxBodyBytes}-byte limit` }, 413),
    }),
    async (c) => {
      const inventory = parseInventory(await readJsonBody(c, limits.maxBodyBytes));
      const result = await ingestInventory(db, advisories, inventory);
      return c.json(result, result.created ? 201 : 200);
    },
  );
}
