/**
 * An exclusive lock file for one process at a time. It records the holder's pid, host and a random token,
 * and the holder touches it every few seconds. A lock whose holder is gone (its pid is dead on this host)
 * or that has not been touched for `staleMs` is taken over.
 */
import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { isJsonObject } from "../source/json.ts";
import { errorCode, isProcessAlive } from "./error-code.ts";

export interface LockOptions {
  /** A lock untouched for this long is abandoned; default 60 s. */
  staleMs?: number;
}

export interface HeldLock {
  /** Stops the heartbeat and removes the lock if it is still this one. */
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  host: string;
  token: string;
}

/** Takes the lock, or returns undefined while another live process holds it. */
export async function tryLock(path: string, options: LockOptions = {}): Promise<HeldLock | undefined> {
  const staleMs = options.staleMs ?? 60_000;
  const me: Holder = { pid: process.pid, host: hostname(), token: randomBytes(12).toString("hex") };
  for (let round = 0; round < 3; round++) {
    if (await create(path, me)) return held(path, me, staleMs);
    const current = await readHolder(path);
    if (current === "missing") continue;
    if (!(await isStale(path, current, staleMs))) return undefined;
    await takeOver(path, current);
  }
  return undefined;
}

async function create(path: string, holder: Holder): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "wx", 0o600);
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(holder));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

function held(path: string, me: Holder, staleMs: number): HeldLock {
  const beat = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    },
    Math.max(1000, Math.floor(staleMs / 4)),
  );
  beat.unref();
  return {
    release: async () => {
      clearInterval(beat);
      const current = await readHolder(path);
      if (current !== "missing" && current !== undefined && current.token === me.token) {
        await unlink(path).catch(() => undefined);
      }
    },
  };
}

/** The holder written in the lock; undefined when unreadable (being written, or damaged). */
async function readHolder(path: string): Promise<Holder | undefined | "missing"> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return "missing";
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(value)) return undefined;
  const { pid, host, token } = value;
  if (typeof pid !== "number" || typeof host !== "string" || typeof token !== "string") return undefined;
  return { pid, host, token };
}

async function isStale(path: string, holder: Holder | undefined, staleMs: number): Promise<boolean> {
  if (holder !== undefined && holder.host === hostname() && !isProcessAlive(holder.pid)) return true;
  let modified: number;
  try {
    const handle = await open(path, "r");
    try {
      modified = (await handle.stat()).mtimeMs;
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (errorCode(error) === "ENOENT") return true;
    throw error;
  }
  return Date.now() - modified > staleMs;
}

/**
 * Moves the stale lock aside under a unique name. If what was moved is not the lock judged stale (another
 * process took it over meanwhile), it is put back.
 */
async function takeOver(path: string, stale: Holder | undefined): Promise<void> {
  const aside = `${path}.stale-${randomBytes(6).toString("hex")}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  const moved = await readHolder(aside);
  const same =
    moved === undefined || stale === undefined ? moved === stale : moved !== "missing" && moved.token === stale.token;
  if (!same) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}
