/**
 * Token management, run once per database: the admin API in process through `app.request()`, and the
 * CLI's --list-tokens and --revoke-token against the same database.
 */
import assert from "node:assert/strict";
import { Kysely, type KyselyPlugin, Migrator, PostgresDialect, SqliteDialect, TableNode } from "kysely";
import Database from "better-sqlite3";
import pg from "pg";
import { after, before, test } from "node:test";
import { createApp } from "../../backend/api/app.ts";
import { type BackendDatabase, openDatabase } from "../../backend/db/connect.ts";
import * as initial from "../../backend/db/migrations/0001-initial.ts";
import { type AdvisorySource, openAdvisorySource } from "../../backend/posture/advisory-source.ts";
import { createToken, hashToken, listTokens, tokenStore } from "../../backend/store/tokens.ts";
import { runServer } from "../../src/cli/commands/server.ts";
import { exitCodes } from "../../src/cli/exit.ts";
import { field } from "./upkeep-suite.ts";

/** Counts UPDATEs of the tokens table: lastUsed must not turn every request into a write. */
function tokenWrites(): { plugin: KyselyPlugin; count: () => number } {
  let writes = 0;
  return {
    plugin: {
      transformQuery: (args) => {
        const node = args.node;
        if (node.kind === "UpdateQueryNode" && node.table && TableNode.is(node.table)) {
          if (node.table.table.identifier.name === "tokens") writes += 1;
        }
        return node;
      },
      transformResult: (args) => Promise.resolve(args.result),
    },
    count: () => writes,
  };
}

/** A database at the first schema only, as a server before token ids existed left it. */
async function atFirstSchema(url: string): Promise<void> {
  const dialect = url.startsWith("sqlite:") ? "sqlite" : "postgres";
  const db = new Kysely<unknown>({
    dialect:
      dialect === "sqlite"
        ? new SqliteDialect({ database: new Database(url.slice("sqlite:".length)) })
        : new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
  });
  try {
    const migrator = new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve({ "0001-initial": { up: (k) => initial.up(k, dialect) } }) },
    });
    const { error } = await migrator.migrateToLatest();
    assert.equal(error, undefined);
    const tokens = db.withTables<{ tokens: { hash: string; role: string; name: string; created_at: string } }>();
    await tokens
      .insertInto("tokens")
      .values({
        hash: hashToken("strata_old"),
        role: "user",
        name: "from before",
        created_at: "2025-01-01T00:00:00.000Z",
      })
      .execute();
  } finally {
    await db.destroy();
  }
}

export function tokenSuite(newDatabase: (name: string) => Promise<string>, advisoryDbPath: () => Promise<string>) {
  let url = "";
  let database: BackendDatabase;
  let advisories: AdvisorySource;
  let app: ReturnType<typeof createApp>;
  let clock = new Date("2026-05-01T10:00:00.000Z");
  const writes = tokenWrites();
  let admin = "";

  before(async () => {
    url = await newDatabase(`tokens_${Math.random().toString(36).slice(2, 8)}`);
    database = await openDatabase(url);
    advisories = openAdvisorySource(await advisoryDbPath());
    app = createApp({
      db: database.db,
      advisories,
      tokens: tokenStore(database.db.withPlugin(writes.plugin), () => clock),
      log: () => undefined,
    });
    admin = await createToken(database.db, "admin", "root");
  });

  after(async () => {
    advisories.close();
    await database.close();
  });

  const call = async (method: string, path: string, token: string | undefined, body?: unknown) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token !== undefined) headers["authorization"] = `Bearer ${token}`;
    const response = await app.request(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json: unknown = await response.json();
    return { status: response.status, json };
  };

  test("an admin creates a token: it is shown once, works at once, and is listed without its secret", async () => {
    const created = await call("POST", "/api/v1/admin/tokens", admin, { name: "ci reader", role: "user" });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const secret = String(field(created.json, "token"));
    const id = String(field(created.json, "id"));
    assert.match(secret, /^strata_[A-Za-z0-9_-]{43}$/);
    assert.match(id, /^tok_[0-9a-f]{12}$/);
    assert.equal(field(created.json, "name"), "ci reader");
    assert.equal(field(created.json, "role"), "user");
    assert.equal(field(created.json, "lastUsed"), null);

    assert.equal((await call("GET", "/api/v1/images", secret)).status, 200);
    assert.equal((await call("POST", "/api/v1/admin/tokens", secret, { name: "x", role: "admin" })).status, 403);

    const listed = await call("GET", "/api/v1/admin/tokens", admin);
    assert.equal(listed.status, 200);
    const text = JSON.stringify(listed.json);
    assert.ok(!text.includes(secret) && !text.includes(hashToken(secret)), "neither the secret nor its hash is listed");
    const items = field(listed.json, "items");
    assert.ok(Array.isArray(items));
    const mine: unknown = items.find((item) => field(item, "id") === id);
    assert.ok(typeof mine === "object" && mine !== null);
    assert.deepEqual(Object.keys(mine).sort(), ["created", "id", "lastUsed", "name", "role"]);
    assert.equal(field(mine, "created"), field(created.json, "created"));
    assert.equal(field(mine, "lastUsed"), clock.toISOString(), "it was used once, just now");
    assert.deepEqual(
      items.map((item) => field(item, "name")),
      ["root", "ci reader"],
    );
  });

  test("lastUsed is written at most once a minute per token", async () => {
    const secret = await createToken(database.db, "user", "busy");
    const lastUsed = async () => {
      const tokens = await listTokens(database.db);
      return tokens.find((token) => token.name === "busy")?.lastUsed;
    };
    const before = writes.count();
    const start = clock;
    for (let second = 0; second < 60; second += 6) {
      clock = new Date(start.getTime() + second * 1000);
      assert.equal((await call("GET", "/api/v1/images", secret)).status, 200);
    }
    assert.equal(await lastUsed(), start.toISOString());
    clock = new Date(start.getTime() + 61_000);
    assert.equal((await call("GET", "/api/v1/images", secret)).status, 200);
    assert.equal(await lastUsed(), clock.toISOString());
    // The admin token was used in those requests' minute too; it adds at most its own one write.
    assert.ok(writes.count() - before <= 3, `${writes.count() - before} writes for 11 requests`);
    assert.ok(writes.count() - before >= 2);
  });

  test("a revoked token gets 401 on its very next request", async () => {
    const created = await call("POST", "/api/v1/admin/tokens", admin, { name: "leaked", role: "sensor" });
    const secret = String(field(created.json, "token"));
    const id = String(field(created.json, "id"));
    assert.equal((await call("POST", "/api/v1/inventories", secret, {})).status, 400, "known token, bad body");
    const revoked = await call("DELETE", `/api/v1/admin/tokens/${id}`, admin);
    assert.equal(revoked.status, 200);
    assert.equal(field(revoked.json, "id"), id);
    assert.equal(field(revoked.json, "name"), "leaked");
    assert.equal((await call("POST", "/api/v1/inventories", secret, {})).status, 401);
    assert.equal((await call("DELETE", `/api/v1/admin/tokens/${id}`, admin)).status, 404);
    const listed = await call("GET", "/api/v1/admin/tokens", admin);
    assert.ok(!JSON.stringify(listed.json).includes(id));
  });

  test("token management is for admins, and bad requests are 400", async () => {
    const user = await createToken(database.db, "user", "reader");
    const sensor = await createToken(database.db, "sensor", "sensor");
    for (const [method, path] of [
      ["GET", "/api/v1/admin/tokens"],
      ["POST", "/api/v1/admin/tokens"],
      ["DELETE", "/api/v1/admin/tokens/tok_000000000000"],
    ] as const) {
      const body = method === "POST" ? { name: "x", role: "user" } : undefined;
      assert.equal((await call(method, path, undefined, body)).status, 401, path);
      assert.equal((await call(method, path, user, body)).status, 403, path);
      assert.equal((await call(method, path, sensor, body)).status, 403, path);
    }
    for (const body of [
      { name: "x", role: "root" },
      { name: " ", role: "user" },
      { role: "user" },
      { name: "x", role: "user", hash: "y" },
    ]) {
      const response = await call("POST", "/api/v1/admin/tokens", admin, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.match(String(field(response.json, "error")), /^invalid json/);
    }
    assert.equal((await call("DELETE", "/api/v1/admin/tokens/not-an-id", admin)).status, 400);
  });

  test("strata server --list-tokens and --revoke-token, by id or by an unambiguous name", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (text: string) => out.push(text), stderr: (text: string) => err.push(text) };
    const base = { database: url, host: "127.0.0.1", port: "0" };
    const secret = await createToken(database.db, "sensor", "build farm");
    assert.equal(await runServer({ ...base, listTokens: true }, io), exitCodes.ok);
    const table = out.join("");
    const [header, ...lines] = table.trimEnd().split("\n");
    assert.match(header ?? "", /^ID\s+NAME\s+ROLE\s+CREATED\s+LAST USED$/);
    const farm = lines.find((line) => line.includes("build farm"));
    assert.match(farm ?? "", /^tok_[0-9a-f]{12}\s+build farm\s+sensor\s+\S+\s+never$/);
    assert.ok(!table.includes(secret) && !table.includes(hashToken(secret)));
    const id = (farm ?? "").split(/\s+/)[0] ?? "";

    await createToken(database.db, "user", "twin");
    await createToken(database.db, "user", "twin");
    assert.notEqual(await runServer({ ...base, revokeToken: "twin" }, io), exitCodes.ok, "two tokens are named twin");
    assert.equal((await listTokens(database.db)).filter((token) => token.name === "twin").length, 2);
    assert.notEqual(await runServer({ ...base, revokeToken: "nobody" }, io), exitCodes.ok);

    assert.equal(await runServer({ ...base, revokeToken: "build farm" }, io), exitCodes.ok);
    assert.match(err.join(""), new RegExp(`revoked token ${id} \\(build farm, sensor\\)`));
    assert.equal((await call("POST", "/api/v1/inventories", secret, {})).status, 401);
    const twin = (await listTokens(database.db)).find((token) => token.name === "twin");
    assert.equal(await runServer({ ...base, revokeToken: twin?.id ?? "" }, io), exitCodes.ok);
    assert.equal((await listTokens(database.db)).filter((token) => token.name === "twin").length, 1);
  });

  test("tokens made before token ids existed get one when the schema is migrated, and keep working", async () => {
    const older = await newDatabase(`tokens_old_${Math.random().toString(36).slice(2, 8)}`);
    await atFirstSchema(older);
    const migrated = await openDatabase(older);
    try {
      const [token] = await listTokens(migrated.db);
      assert.match(token?.id ?? "", /^tok_[0-9a-f]{12}$/);
      assert.equal(token?.name, "from before");
      assert.equal(token?.lastUsed, null);
      assert.equal(await tokenStore(migrated.db).roleOf("strata_old"), "user");
      assert.notEqual((await listTokens(migrated.db))[0]?.lastUsed, null);
    } finally {
      await migrated.close();
    }
  });
}
