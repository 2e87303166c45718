import { createHash, randomBytes } from "node:crypto";
import { InputError } from "../../src/errors.ts";
import type { StrataDb } from "../db/tables.ts";
import { newTokenId } from "../db/migrations/0002-upkeep.ts";

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

/** A token as it is listed: never its secret, nor its hash. */
export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  created: string;
  lastUsed: string | null;
}

export interface CreatedToken extends TokenInfo {
  /** The secret: shown once, here, and never again. */
  token: string;
}

/** lastUsed is written at most this often per token, so that reads do not turn into writes. */
export const lastUsedResolutionMs = 60_000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function tokenStore(db: StrataDb, now: () => Date = () => new Date()): TokenStore {
  return {
    roleOf: async (token) => {
      const hash = hashToken(token);
      const row = await db
        .selectFrom("tokens")
        .select(["role", "last_used_at"])
        .where("hash", "=", hash)
        .executeTakeFirst();
      if (!row || !isRole(row.role)) return undefined;
      const at = now();
      const stale = new Date(at.getTime() - lastUsedResolutionMs).toISOString();
      if (row.last_used_at === null || row.last_used_at < stale) {
        // The condition is checked again in SQL: of several servers that saw the same old value, one writes.
        await db
          .updateTable("tokens")
          .set({ last_used_at: at.toISOString() })
          .where("hash", "=", hash)
          .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", stale)]))
          .execute();
      }
      return row.role;
    },
  };
}

/** Creates a token; the result carries the secret, which is the only time it is seen in clear. */
export async function issueToken(db: StrataDb, role: Role, name: string, now = new Date()): Promise<CreatedToken> {
  const token = `strata_${randomBytes(32).toString("base64url")}`;
  const info: TokenInfo = { id: newTokenId(), name, role, created: now.toISOString(), lastUsed: null };
  await db
    .insertInto("tokens")
    .values({ hash: hashToken(token), id: info.id, role, name, created_at: info.created })
    .execute();
  return { ...info, token };
}

/** Creates a token and returns only the secret. */
export async function createToken(db: StrataDb, role: Role, name: string, now = new Date()): Promise<string> {
  return (await issueToken(db, role, name, now)).token;
}

const infoColumns = ["id", "name", "role", "created_at", "last_used_at"] as const;

function tokenInfo(row: {
  id: string;
  name: string;
  role: string;
  created_at: string;
  last_used_at: string | null;
}): TokenInfo | undefined {
  if (!isRole(row.role)) return undefined;
  return { id: row.id, name: row.name, role: row.role, created: row.created_at, lastUsed: row.last_used_at };
}

/** Every token, oldest first. */
export async function listTokens(db: StrataDb): Promise<TokenInfo[]> {
  const rows = await db.selectFrom("tokens").select(infoColumns).orderBy("created_at").orderBy("id").execute();
  return rows.flatMap((row) => tokenInfo(row) ?? []);
}

/** Deletes a token by id; the next request that presents it gets 401. Undefined when there is no such token. */
export async function revokeToken(db: StrataDb, id: string): Promise<TokenInfo | undefined> {
  const row = await db.selectFrom("tokens").select(infoColumns).where("id", "=", id).executeTakeFirst();
  if (!row) return undefined;
  await db.deleteFrom("tokens").where("id", "=", id).execute();
  return tokenInfo(row);
}

/**
 * Finds the one token an operator means: by id, else by name. A name that several tokens share is an
 * InputError listing their ids.
 */
export async function findToken(db: StrataDb, idOrName: string): Promise<TokenInfo> {
  const tokens = await listTokens(db);
  const byId = tokens.find((token) => token.id === idOrName);
  if (byId) return byId;
  const named = tokens.filter((token) => token.name === idOrName);
  const [only] = named;
  if (only && named.length === 1) return only;
  if (named.length === 0) throw new InputError(`no token has the id or name "${idOrName}"`);
  throw new InputError(
    `${named.length} tokens are named "${idOrName}" (${named.map((token) => token.id).join(", ")}): revoke one by its id`,
  );
}
