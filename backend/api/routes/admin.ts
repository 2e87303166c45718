import { Hono } from "hono";
import { type ReevaluationResult, reevaluateAll } from "../../posture/reevaluate.ts";
import { allow } from "../auth.ts";
import type { AppDeps, AppEnv } from "../deps.ts";
import { tokenRoutes } from "./tokens.ts";

/** Administration: admin tokens only. */
export function adminRoutes(deps: AppDeps) {
  const { db, advisories, tokens } = deps;
  // Without the server's keeper: one re-evaluation at a time, a second request gets the running one's result.
  let running: Promise<ReevaluationResult> | undefined;
  const reevaluate =
    deps.reevaluate ??
    (() => {
      running ??= reevaluateAll(db, advisories).finally(() => {
        running = undefined;
      });
      return running;
    });
  return new Hono<AppEnv>()
    .post("/admin/reevaluate", allow(tokens, "admin"), async (c) => c.json(await reevaluate()))
    .route("/admin/tokens", tokenRoutes(deps));
}
