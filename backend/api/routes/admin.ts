import { Hono } from "hono";
import { type ReevaluationResult, reevaluateAll } from "../../posture/reevaluate.ts";
import { allow } from "../auth.ts";
import type { AppDeps, AppEnv } from "../deps.ts";

/** Administration: admin tokens only. */
export function adminRoutes({ db, advisories, tokens }: AppDeps) {
  // One re-evaluation at a time: a second request while one runs gets the running one's result.
  let running: Promise<ReevaluationResult> | undefined;
  return new Hono<AppEnv>().post("/admin/reevaluate", allow(tokens, "admin"), async (c) => {
    running ??= reevaluateAll(db, advisories).finally(() => {
      running = undefined;
    });
    return c.json(await running);
  });
}
