import type { MiddlewareHandler } from "hono";
import type { Role, TokenStore } from "../store/tokens.ts";
import type { AppEnv } from "./deps.ts";

const bearer = /^Bearer\s+(\S+)\s*$/i;

/**
 * Lets a request through only with a bearer token of one of the `allowed` roles: no or an unknown
 * token is 401, a known token of another role is 403.
 */
export function allow(tokens: TokenStore, ...allowed: readonly Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearer.exec(c.req.header("authorization") ?? "")?.[1];
    const role = token === undefined ? undefined : await tokens.roleOf(token);
    if (role === undefined) {
      c.header("WWW-Authenticate", 'Bearer realm="strata"');
      return c.json({ error: "a valid bearer token is required" }, 401);
    }
    if (!allowed.includes(role)) return c.json({ error: `a ${role} token may not use this endpoint` }, 403);
    c.set("role", role);
    await next();
    return undefined;
  };
}
