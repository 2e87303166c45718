import { Hono } from "hono";
import { type AppDeps, type AppEnv, type BackendLimits, defaultLimits } from "./deps.ts";
import { errorResponse } from "./errors.ts";
import { adminRoutes } from "./routes/admin.ts";
import { healthRoutes } from "./routes/health.ts";
import { imageRoutes } from "./routes/images.ts";
import { inventoryRoutes } from "./routes/inventories.ts";
import { defaultUiDir, serveUi } from "../web/serve-ui.ts";

/** The HTTP API under /api/v1, and the web UI everywhere else. Every route but /health names the token roles it accepts. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const limits: BackendLimits = { ...defaultLimits, ...deps.limits };
  const log =
    deps.log ??
    ((line: string) => {
      process.stderr.write(`${line}\n`);
    });
  const app = new Hono<AppEnv>();
  app.use("/api/*", async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
  });
  app.route("/api/v1", healthRoutes(deps));
  app.route("/api/v1", inventoryRoutes(deps, limits));
  app.route("/api/v1", imageRoutes(deps, limits));
  app.route("/api/v1", adminRoutes(deps));
  app.get("*", serveUi(deps.uiDir ?? defaultUiDir()));
  app.notFound((c) => c.json({ error: "not found" }, 404));
  app.onError((error, c) => errorResponse(error, c, log));
  return app;
}
