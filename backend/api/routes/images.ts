import { Hono } from "hono";
import type { AppDeps, AppEnv, BackendLimits } from "../deps.ts";
import { allow } from "../auth.ts";
import { imageDetails, imageExists, listImages } from "../../store/read-images.ts";
import { listPackages } from "../../store/read-packages.ts";
import { listVulnerabilities } from "../../store/read-vulnerabilities.ts";
import { imageListQuery, imageParam, packageQuery, validated, vulnerabilityQuery } from "../validate.ts";

const notFound = { error: "no such image" };

/** Reading images, their packages and their findings: user and admin tokens. */
export function imageRoutes({ db, tokens }: AppDeps, limits: BackendLimits) {
  const read = allow(tokens, "user", "admin");
  return new Hono<AppEnv>()
    .get("/images", read, validated("query", imageListQuery(limits.maxPageSize)), async (c) =>
      c.json(await listImages(db, c.req.valid("query"))),
    )
    .get("/images/:id", read, validated("param", imageParam), async (c) => {
      const details = await imageDetails(db, c.req.valid("param").id);
      return details ? c.json(details) : c.json(notFound, 404);
    })
    .get(
      "/images/:id/packages",
      read,
      validated("param", imageParam),
      validated("query", packageQuery(limits.maxPageSize)),
      async (c) => {
        const { id } = c.req.valid("param");
        if (!(await imageExists(db, id))) return c.json(notFound, 404);
        return c.json(await listPackages(db, id, c.req.valid("query")));
      },
    )
    .get(
      "/images/:id/vulnerabilities",
      read,
      validated("param", imageParam),
      validated("query", vulnerabilityQuery(limits.maxPageSize)),
      async (c) => {
        const { id } = c.req.valid("param");
        if (!(await imageExists(db, id))) return c.json(notFound, 404);
        return c.json(await listVulnerabilities(db, id, c.req.valid("query")));
      },
    );
}
