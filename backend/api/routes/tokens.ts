import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { issueToken, listTokens, revokeToken, roles } from "../../store/tokens.ts";
import { allow } from "../auth.ts";
import type { AppDeps, AppEnv } from "../deps.ts";
import { validated } from "../validate.ts";

const newToken = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: z.enum(roles),
});

const tokenParam = z.object({ id: z.string().regex(/^tok_[0-9a-f]{12}$/, "not a token id") });

/** Token management under /admin/tokens: the secret is returned once, by POST, and never listed. */
export function tokenRoutes({ db, tokens }: AppDeps) {
  const admin = allow(tokens, "admin");
  return new Hono<AppEnv>()
    .post(
      "/",
      admin,
      bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.json({ error: "the body is over 16 KiB" }, 413) }),
      validated("json", newToken),
      async (c) => {
        const { name, role } = c.req.valid("json");
        return c.json(await issueToken(db, role, name), 201);
      },
    )
    .get("/", admin, async (c) => c.json({ items: await listTokens(db) }))
    .delete("/:id", admin, validated("param", tokenParam), async (c) => {
      const revoked = await revokeToken(db, c.req.valid("param").id);
      return revoked ? c.json(revoked) : c.json({ error: "no such token" }, 404);
    });
}
