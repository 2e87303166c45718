import { createHash, randomBytes } from "node:crypto";
import type { StrataDb } from "../db/tables.ts";

export const roles = ["sensor", "user", "admin"] as const;
/** sensor: uploads only. user: reads. admin: reads, uploads and administers. */
export type Role = (typeof roles)[number];

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

/** Looks bearer tokens up; only their sha256 is stored. */
export interface TokenStore {
  roleOf(token: string): Promise<Role | undefined>;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function tokenStore(db: StrataDb): TokenStore {
  return {
    roleOf: async (token) => {
      const row = await db.selectFrom("tokens").select("role").where("hash", "=", hashToken(token)).executeTakeFirst();
      return row && isRole(row.role) ? row.role : undefined;
    },
  };
}

/** Creates a token and returns it: this is the only time it is seen in clear. */
export async function createToken(db: StrataDb, role: Role, name: string, now = new Date()): Promise<string> {
  const token = `strata_${randomBytes(32).toString("base64url")}`;
  await db
    .insertInto("tokens")
    .values({ hash: hashToken(token), role, name, created_at: now.toISOString() })
    .execute();
  return token;
}
