/**
 * Registry credentials from docker's client config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`):
 * `credHelpers` for this registry, else `credsStore`, else `auths` (base64 `auth` or `identitytoken`).
 * Helpers run as `docker-credential-<name> get` with the server address on stdin. No secret ever goes into
 * a message: errors name the file, the key or the helper, never a value.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { InputError, SourceError } from "../../errors.ts";
import { isMissing } from "../directory-files.ts";
import { isJsonObject, type JsonObject } from "../json.ts";
import { dockerHub } from "./reference.ts";

export type Credential =
  | { kind: "basic"; username: string; password: string; origin: string }
  | { kind: "identity-token"; token: string; origin: string };

/** The environment the lookup reads: DOCKER_CONFIG, HOME, and PATH for credential helpers. */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface CredentialLookupOptions {
  env: Environment;
  /** How long a credential helper may run; default 10 s. */
  helperTimeoutMs?: number;
}

const dockerHubServerAddress = "https://index.docker.io/v1/";
const dockerHubKeys = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
const helperNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const maxHelperOutput = 64 * 1024;
const maxConfigBytes = 4 * 1024 * 1024;

export function dockerConfigPath(env: Environment): string {
  const dir = env["DOCKER_CONFIG"] || join(env["HOME"] || homedir(), ".docker");
  return join(dir, "config.json");
}

/** The credential docker would use for this registry ("docker.io", "host:port"), if any. */
export async function findDockerCredential(
  registry: string,
  options: CredentialLookupOptions,
): Promise<Credential | undefined> {
  const path = dockerConfigPath(options.env);
  const config = await readConfig(path);
  if (config === undefined) return undefined;
  const wanted = normaliseServer(registry);
  const serverAddress = wanted === dockerHub ? dockerHubServerAddress : registry;

  const helper = findByServer(stringRecord(config, "credHelpers", path), wanted);
  if (helper !== undefined) return runHelper(helper, serverAddress, options);
  const store = config["credsStore"];
  if (typeof store === "string" && store !== "") {
    const stored = await runHelper(store, serverAddress, options);
    if (stored !== undefined) return stored;
  }
  const auths = config["auths"];
  if (!isJsonObject(auths)) return undefined;
  for (const [key, entry] of Object.entries(auths)) {
    if (normaliseServer(key) === wanted && isJsonObject(entry)) {
      const credential = fromAuthEntry(entry, `${path} auths["${key}"]`);
      if (credential !== undefined) return credential;
    }
  }
  return undefined;
}

async function readConfig(path: string): Promise<JsonObject | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new SourceError(`cannot read the docker config ${path}`, { cause: error });
  }
  if (text.length > maxConfigBytes) throw new InputError(`the docker config ${path} is larger than 4 MiB`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's message quotes the text around the error, which may be a secret.
    throw new InputError(`the docker config ${path} is not valid JSON`);
  }
  if (!isJsonObject(value)) throw new InputError(`the docker config ${path} is not a JSON object`);
  return value;
}

/** "https://index.docker.io/v1/" → "docker.io"; "http://host:5000/x" → "host:5000". */
function normaliseServer(server: string): string {
  const host = (server.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split("/")[0] ?? "").toLowerCase();
  return dockerHubKeys.has(host) ? dockerHub : host;
}

function findByServer(record: Record<string, string>, wanted: string): string | undefined {
  for (const [key, value] of Object.entries(record)) if (normaliseServer(key) === wanted) return value;
  return undefined;
}

function stringRecord(config: JsonObject, key: string, path: string): Record<string, string> {
  const value = config[key];
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw new InputError(`the docker config ${path}: "${key}" must be an object`);
  const record: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value)) if (typeof entry === "string") record[name] = entry;
  return record;
}

function fromAuthEntry(entry: JsonObject, where: string): Credential | undefined {
  const identityToken = entry["identitytoken"];
  if (typeof identityToken === "string" && identityToken !== "") {
    return { kind: "identity-token", token: identityToken, origin: where };
  }
  const auth = entry["auth"];
  if (typeof auth === "string" && auth !== "") {
    const decoded = Buffer.from(auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) throw new InputError(`${where}: "auth" is not base64 of user:password`);
    return { kind: "basic", username: decoded.slice(0, colon), password: decoded.slice(colon + 1), origin: where };
  }
  const username = entry["username"];
  const password = entry["password"];
  if (typeof username === "string" && username !== "" && typeof password === "string") {
    return { kind: "basic", username, password, origin: where };
  }
  return undefined;
}

async function runHelper(
  name: string,
  serverAddress: string,
  options: CredentialLookupOptions,
): Promise<Credential | undefined> {
  const program = `docker-credential-${name}`;
  if (!helperNamePattern.test(name)) throw new InputError(`the docker config names an invalid credential helper`);
  const result = await runWithInput(program, serverAddress, options);
  if (result.code !== 0) {
    // Helpers say "credentials not found in native keychain" on stdout or stderr when they have none.
    if (/not found/i.test(result.output)) return undefined;
    throw new SourceError(`${program} get failed for ${serverAddress} (exit code ${result.code ?? "none"})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(result.stdout);
  } catch {
    throw new SourceError(`${program} get printed something that is not JSON`);
  }
  if (!isJsonObject(value)) throw new SourceError(`${program} get printed something that is not a JSON object`);
  const username = value["Username"];
  const secret = value["Secret"];
  if (typeof secret !== "string" || secret === "") return undefined;
  if (username === "<token>") return { kind: "identity-token", token: secret, origin: program };
  if (typeof username !== "string") throw new SourceError(`${program} get printed no Username`);
  return { kind: "basic", username, password: secret, origin: program };
}

interface HelperResult {
  code: number | null;
  stdout: string;
  /** stdout and stderr together, only to recognise "not found". */
  output: string;
}

function runWithInput(program: string, input: string, options: CredentialLookupOptions): Promise<HelperResult> {
  const timeoutMs = options.helperTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    // Its own process group, so that a timeout also ends whatever the helper started.
    const child = spawn(program, ["get"], { env: { ...options.env }, stdio: ["pipe", "pipe", "pipe"], detached: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let settled = false;
    const stop = (error: SourceError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      child.stdout.destroy();
      child.stderr.destroy();
      reject(error);
    };
    const timer = setTimeout(() => {
      stop(new SourceError(`${program} get did not finish within ${timeoutMs} ms; killed`));
    }, timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxHelperOutput)
        stop(new SourceError(`${program} get printed more than ${maxHelperOutput} bytes; killed`));
      else into.push(chunk);
    };
    child.stdout.on("data", collect(stdout));
    child.stderr.on("data", collect(stderr));
    child.stdin.on("error", () => {
      // A helper that exits without reading stdin is judged by its exit code.
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      stop(
        error.code === "ENOENT"
          ? new SourceError(`the docker config names credential helper ${program}, which is not on PATH`)
          : new SourceError(`cannot run ${program}`, { cause: error }),
      );
    });
    child.on("close", (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const out = Buffer.concat(stdout).toString("utf8");
      resolve({ code, stdout: out, output: `${out}\n${Buffer.concat(stderr).toString("utf8")}` });
    });
    child.stdin.end(input);
  });
}
