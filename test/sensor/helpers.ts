/**
 * For the sensor tests: a real backend on a SQLite file, the real `strata sensor` command in a child process
 * with its JSON log lines collected, and two small images that differ (so that they have different ids).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { z } from "zod";
import { createServerToken, type RunningServer, startServer } from "../../backend/main.ts";
import type { TestImage } from "../image-builder/index.ts";
import { testImage } from "../backend/fixtures.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));

export interface Backend {
  server: RunningServer;
  databaseFile: string;
  sensorToken: string;
  userToken: string;
}

/** A backend on `databaseFile`; the tokens are made once per file and kept across restarts. */
export async function startBackend(
  work: string,
  options: { port?: number; databaseFile?: string; tokens?: { sensor: string; user: string } } = {},
): Promise<Backend> {
  const databaseFile = options.databaseFile ?? join(work, "strata.db");
  const database = `sqlite:${databaseFile}`;
  const server = await startServer({
    port: options.port ?? 0,
    database,
    advisoryDb: join(work, "advisories.db"),
    log: () => undefined,
  });
  const sensorToken =
    options.tokens?.sensor ?? (await createServerToken({ database, role: "sensor", name: "sensor test" }));
  const userToken = options.tokens?.user ?? (await createServerToken({ database, role: "user", name: "reader" }));
  return { server, databaseFile, sensorToken, userToken };
}

/** One JSON line of the sensor's log (pino's fields plus `event` and the event's own). */
export type LogLine = Readonly<Record<string, unknown>>;

const logLineSchema = z.record(z.string(), z.unknown());

export interface SensorProcess {
  child: ChildProcess;
  lines: LogLine[];
  /** Everything the sensor wrote on stderr. */
  stderr(): string;
  /** Resolves once `count` lines with this event have been logged; rejects after `timeoutMs` or on exit. */
  waitFor(event: string, count?: number, timeoutMs?: number): Promise<LogLine[]>;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** How long a sensor process may live in a test before it is killed (a hung sensor fails its test, not the run). */
const maxLifetimeMs = 240_000;

/** Runs `strata sensor ARGS` with the given environment (the token in STRATA_TOKEN). */
export function spawnSensor(args: string[], env: Record<string, string | undefined>): SensorProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(repo, "src/cli/main.ts"), "sensor", ...args], {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: LogLine[] = [];
  let text = "";
  let pending = "";
  const listeners = new Set<() => void>();
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
    pending += chunk.toString("utf8");
    const complete = pending.split("\n");
    pending = complete.pop() ?? "";
    for (const line of complete) {
      if (line.trim() === "") continue;
      try {
        const parsed = logLineSchema.safeParse(JSON.parse(line));
        lines.push(parsed.success ? parsed.data : { msg: line });
      } catch {
        lines.push({ msg: line });
      }
    }
    for (const listener of listeners) listener();
  });
  let running = true;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      running = false;
      for (const listener of listeners) listener();
      resolve(code);
    });
  });
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const lifetime = setTimeout(killOnExit, maxLifetimeMs);
  lifetime.unref();
  void exited.then(() => {
    clearTimeout(lifetime);
    process.off("exit", killOnExit);
  });
  const waitFor = (event: string, count = 1, timeoutMs = 60_000): Promise<LogLine[]> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.filter((line) => line["event"] === event);
        if (found.length >= count) {
          done();
          resolve(found);
        } else if (!running) {
          done();
          reject(new Error(`the sensor exited before logging ${count} "${event}" lines:\n${text}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${count} "${event}" lines within ${timeoutMs / 1000} s:\n${text}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  return { child, lines, stderr: () => text, waitFor, exited };
}

export function events(lines: readonly LogLine[], event: string): LogLine[] {
  return lines.filter((line) => line["event"] === event);
}

/** The images the backend stored, read straight from its SQLite file; `revision` counts the uploads of each. */
export function storedImages(databaseFile: string): { id: string; revision: number; tags: string[] }[] {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const rows = z
      .array(z.object({ id: z.string(), revision: z.number(), tags: z.string() }))
      .parse(db.prepare("SELECT id, revision, tags FROM images ORDER BY id").all());
    return rows.map((row) => ({ ...row, tags: z.array(z.string()).parse(JSON.parse(row.tags)) }));
  } finally {
    db.close();
  }
}

/** Two images: the backend fixture's four layers, and a second one with only its first two. */
export async function twoTestImages(): Promise<[TestImage, TestImage]> {
  const full = await testImage("localhost/strata-sensor/app:full");
  const small: TestImage = {
    ...full,
    repoTags: ["localhost/strata-sensor/app:small"],
    layers: full.layers.slice(0, 2),
  };
  return [full, small];
}

/** Options for a general-mode sensor that reads the crio images of a private containers-storage. */
export function crioSensorArgs(
  where: { storageRoot: string; cacheDir: string; url: string; dataDir: string },
  extra: string[] = [],
): string[] {
  return [
    "--mode",
    "general",
    "--runtime",
    "crio",
    "--storage-root",
    where.storageRoot,
    "--url",
    where.url,
    "--data-dir",
    where.dataDir,
    "--cache-dir",
    where.cacheDir,
    ...extra,
  ];
}

/** The inventories waiting in a sensor's upload queue, by file name, oldest first. */
export async function queuedUploads(dataDir: string): Promise<string[]> {
  return (await readdir(join(dataDir, "queue"))).filter((name) => name.endsWith(".json.gz")).sort();
}

/** Another pass over images the backend already has: it scans and uploads nothing, and each stays at revision 1. */
export async function assertNothingNew(args: string[], backend: Backend, images: number): Promise<void> {
  const again = spawnSensor(args, { STRATA_TOKEN: backend.sensorToken });
  assert.equal(await again.exited, 0, again.stderr());
  assert.equal(events(again.lines, "scanned").length, 0);
  assert.equal(events(again.lines, "uploaded").length, 0);
  assert.deepEqual(
    storedImages(backend.databaseFile).map((image) => image.revision),
    Array<number>(images).fill(1),
  );
}
