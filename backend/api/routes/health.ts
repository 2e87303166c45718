import { Hono } from "hono";
import { sql } from "kysely";
import type { AppDeps, AppEnv } from "../deps.ts";

/** Liveness for load balancers: no token, no data, 503 when the database does not answer. */
export function healthRoutes({ db }: AppDeps) {
  return new Hono<AppEnv>().get("/health", async (c) => {
    try {
      await sql`select 1`.execute(db);
      return c.json({ status: "ok" });
    } catch {
      return c.json({ status: "unavailable" }, 503);
    }
  });
}
