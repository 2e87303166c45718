/**
 * A private PostgreSQL cluster for tests and benchmarks: initdb into a temporary directory, listening on
 * 127.0.0.1 and a socket in that directory only, stopped and deleted afterwards. Uses Debian's
 * `postgresql` package (/usr/lib/postgresql/<version>/bin); as root, the server runs as the postgres user.
 */
import { execFile } from "node:child_process";
import { access, chown, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);
const debianRoot = "/usr/lib/postgresql";

export interface PostgresCluster {
  /** A new, empty database; returns its postgres:// URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

interface Binaries {
  bin: string;
  /** Command prefix that runs a program as the cluster's owner. */
  asOwner: string[];
  owner?: { uid: number; gid: number };
}

/** Why no cluster can be started here, or undefined when one can. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const found = await binaries();
  return typeof found === "string" ? found : undefined;
}

async function binaries(): Promise<Binaries | string> {
  let versions: string[];
  try {
    versions = (await readdir(debianRoot)).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  } catch {
    return `PostgreSQL is not installed (no ${debianRoot}; apt-get install postgresql)`;
  }
  for (const version of versions) {
    const bin = join(debianRoot, version, "bin");
    try {
      await access(join(bin, "initdb"));
      await access(join(bin, "pg_ctl"));
    } catch {
      continue;
    }
    if (process.getuid?.() !== 0) return { bin, asOwner: [] };
    try {
      const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
      const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
      return { bin, asOwner: ["runuser", "-u", "postgres", "--"], owner: { uid, gid } };
    } catch {
      return "running as root, but there is no postgres user to run the server as";
    }
  }
  return `no initdb and pg_ctl under ${debianRoot}/<version>/bin (apt-get install postgresql)`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * Starts a cluster. `durable: false` (tests) turns fsync off; benchmarks keep PostgreSQL's defaults.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<PostgresCluster> {
  const found = await binaries();
  if (typeof found === "string") throw new Error(found);
  const dir = await mkdtemp(join(tmpdir(), "strata-pg-"));
  if (found.owner) await chown(dir, found.owner.uid, found.owner.gid);
  const data = join(dir, "data");
  const asOwner = (program: string, args: string[]) => {
    const [command, ...prefix] = [...found.asOwner, join(found.bin, program)];
    return run(command ?? program, [...prefix, ...args], { cwd: dir });
  };
  const port = await freePort();
  const serverOptions = [`-k ${dir}`, `-p ${port}`, "-h 127.0.0.1", ...(options.durable ? [] : ["-F"])].join(" ");
  try {
    await asOwner("initdb", ["-D", data, "-A", "trust", "-U", "strata", "-E", "UTF8", "--locale=C", "--no-sync"]);
    await asOwner("pg_ctl", ["-D", data, "-o", serverOptions, "-l", join(dir, "server.log"), "-w", "start"]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const base = `postgres://strata@127.0.0.1:${port}`;
  return {
    createDatabase: async (name) => {
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    },
    stop: async () => {
      try {
        await asOwner("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
