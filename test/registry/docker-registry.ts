/**
 * Runs Debian's `docker-registry` (the CNCF distribution registry) on 127.0.0.1 for tests: a free port, a
 * temporary storage directory and a YAML config, with no auth, htpasswd (bcrypt, from `htpasswd -Bbn`) or
 * token auth (a self-signed certificate from openssl and the token server beside this file), over plain
 * HTTP or TLS (optionally requiring client certificates). Images go in with `skopeo copy`. Tests call
 * `registrySkipReason()` first and skip when the tools are missing.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startTokenServer, type TokenServer } from "./token-server.ts";

const run = promisify(execFile);

export interface User {
  username: string;
  password: string;
}

export type RegistryAuth =
  | { kind: "none" }
  | { kind: "htpasswd"; users: User[] }
  | {
      kind: "token";
      users: User[];
      refreshTokens?: Record<string, string>;
      /** PEM files of a certificate (valid for localhost) and key: the realm is then https://localhost:PORT. */
      realmTls?: { certificate: string; key: string };
    };

/** PEM files for `http.tls`: the server's certificate and key, and the CAs client certificates must chain to. */
export interface RegistryTls {
  certificate: string;
  key: string;
  clientCas?: string[];
}

export interface RunningRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** The registry's filesystem storage root. */
  storage: string;
  /** Set for token auth. */
  tokenServer?: TokenServer;
  /** What the registry printed, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

async function onPath(program: string): Promise<boolean> {
  try {
    await run("sh", ["-c", `command -v ${program}`]);
    return true;
  } catch {
    return false;
  }
}

/** Why the registry tests cannot run here, or undefined when they can. */
export async function registrySkipReason(extra: string[] = []): Promise<string | undefined> {
  const needed: [string, string][] = [
    ["docker-registry", "docker-registry"],
    ["skopeo", "skopeo"],
    ...extra.map((program): [string, string] => [program, program === "htpasswd" ? "apache2-utils" : program]),
  ];
  const missing: string[] = [];
  for (const [program, pkg] of needed) if (!(await onPath(program))) missing.push(`${program} (Debian package ${pkg})`);
  return missing.length === 0 ? undefined : `not installed: ${missing.join(", ")}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.setTimeout(1000);
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => {
      resolve(false);
    });
    socket.on("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function tlsSection(tls: RegistryTls | undefined): string {
  if (tls === undefined) return "";
  const clientCas = (tls.clientCas ?? []).map((path) => `\n      - ${path}`).join("");
  return (
    `  tls:\n    certificate: ${tls.certificate}\n    key: ${tls.key}\n` +
    (clientCas === "" ? "" : `    clientcas:${clientCas}\n`)
  );
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request(url, { timeout: 1000 }, (response) => {
      response.resume();
      resolve(true);
    });
    probe.on("error", () => {
      resolve(false);
    });
    probe.on("timeout", () => {
      probe.destroy();
      resolve(false);
    });
    probe.end();
  });
}

async function authSection(auth: RegistryAuth, dir: string): Promise<{ yaml: string; tokenServer?: TokenServer }> {
  if (auth.kind === "none") return { yaml: "" };
  if (auth.kind === "htpasswd") {
    const lines: string[] = [];
    for (const { username, password } of auth.users) {
      const { stdout } = await run("htpasswd", ["-Bbn", username, password]);
      lines.push(stdout.trim());
    }
    const path = join(dir, "htpasswd");
    await writeFile(path, `${lines.join("\n")}\n`);
    return { yaml: `auth:\n  htpasswd:\n    realm: strata-test\n    path: ${path}\n` };
  }
  const key = join(dir, "token-key.pem");
  const cert = join(dir, "token-cert.pem");
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "2",
    "-subj",
    "/CN=strata-test-token",
  ]);
  const service = "strata-test-registry";
  const issuer = "strata-test-issuer";
  const tokenServer = await startTokenServer({
    service,
    issuer,
    key: await readFile(key),
    cert: await readFile(cert),
    users: Object.fromEntries(auth.users.map((user) => [user.username, user.password])),
    ...(auth.refreshTokens === undefined ? {} : { refreshTokens: auth.refreshTokens }),
    ...(auth.realmTls === undefined
      ? {}
      : { tls: { cert: await readFile(auth.realmTls.certificate), key: await readFile(auth.realmTls.key) } }),
  });
  const yaml =
    `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: ${service}\n    issuer: ${issuer}\n` +
    `    rootcertbundle: ${cert}\n`;
  return { yaml, tokenServer };
}

/** Starts a registry and waits until it answers (with TLS: listens); stop() ends it and removes its storage. */
export async function startRegistry(
  auth: RegistryAuth = { kind: "none" },
  options: { tls?: RegistryTls } = {},
): Promise<RunningRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "strata-registry-"));
  const storage = join(dir, "storage");
  const { yaml: authYaml, tokenServer } = await authSection(auth, dir);
  const port = await freePort();
  const config = join(dir, "config.yml");
  await writeFile(
    config,
    `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n` +
      `storage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\n` +
      `http:\n  addr: 127.0.0.1:${port}\n${tlsSection(options.tls)}${authYaml}`,
  );
  const child: ChildProcess = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString("utf8")).slice(-16_384);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      resolve();
    }),
  );
  let running = true;
  // If the test process ends without stop() (a crash), the registry must not outlive it.
  const killOnExit = (): void => {
    if (running) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  void exited.then(() => {
    running = false;
    process.off("exit", killOnExit);
  });

  const stop = async (): Promise<void> => {
    if (running) {
      child.kill("SIGTERM");
      await exited;
    }
    await tokenServer?.stop();
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  const ready = (): Promise<boolean> =>
    options.tls === undefined ? answers(`http://127.0.0.1:${port}/v2/`) : listens(port);
  while (!(await ready())) {
    if (!running || Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not start on 127.0.0.1:${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    storage,
    ...(tokenServer === undefined ? {} : { tokenServer }),
    logs: () => output,
    stop,
  };
}

/** `skopeo copy` of an OCI archive into the registry (`all` copies every platform of an index). */
export async function pushArchive(
  archive: string,
  target: string,
  options: { all?: boolean; user?: User; certDir?: string } = {},
): Promise<void> {
  const args = [
    "--insecure-policy",
    "copy",
    "--quiet",
    "--dest-tls-verify=false",
    "--preserve-digests",
    ...(options.all === true ? ["--all"] : []),
    // A directory with client.cert and client.key (and ca.crt), for registries that ask for a client certificate.
    ...(options.certDir === undefined ? [] : ["--dest-cert-dir", options.certDir]),
    ...(options.user === undefined
      ? ["--dest-no-creds"]
      : ["--dest-creds", `${options.user.username}:${options.user.password}`]),
    `oci-archive:${archive}`,
    `docker://${target}`,
  ];
  await run("skopeo", args);
}

/** Where the registry keeps a blob's bytes on disk. */
export function blobDataPath(storage: string, digest: string): string {
  const hex = digest.slice("sha256:".length);
  return join(storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
}
