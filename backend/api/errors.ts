import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { InputError, LimitError, errorMessage } from "../../src/errors.ts";
import { InvalidInventoryError } from "../inventory/inventory-schema.ts";

/** Strata's error classes become HTTP statuses here, and only here. */
export function errorResponse(error: Error, c: Context, log: (line: string) => void): Response {
  if (error instanceof HTTPException) return c.json({ error: error.message }, error.status);
  if (error instanceof InvalidInventoryError) return c.json({ error: error.message, problems: error.problems }, 400);
  if (error instanceof InputError) return c.json({ error: error.message }, 400);
  if (error instanceof LimitError) return c.json({ error: error.message }, 413);
  log(`strata server: internal error on ${c.req.method} ${c.req.path}: ${error.stack ?? errorMessage(error)}`);
  return c.json({ error: "internal error" }, 500);
}
