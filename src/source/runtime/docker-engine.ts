/** A small client for the Docker Engine API (also served by Podman's Docker-compatible socket), over node:http. */
import { request as httpRequest, type IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { InputError, SourceError, errorMessage } from "../../errors.ts";
import {
  expectArray,
  expectObject,
  type JsonObject,
  optionalObject,
  optionalString,
  optionalStringArray,
} from "../json.ts";
import { defaultDockerSocket, fromEnvironment, type RuntimeOptions } from "./options.ts";

export type EngineAddress =
  | { kind: "unix"; socketPath: string; label: string }
  | { kind: "tcp"; host: string; port: number; label: string };

export interface EngineImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  os?: string;
  architecture?: string;
  variant?: string;
  created?: string;
  /** Diff IDs, base layer first. */
  layers: string[];
}

export interface EngineImageSummary {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  /** Seconds since the epoch. */
  created?: number;
  size?: number;
}

const metadataTimeoutMs = 30_000;
/** `docker save` may pause while the daemon prepares a large layer, so its stream gets longer. */
const streamIdleTimeoutMs = 300_000;
const maxErrorBodyBytes = 64 * 1024;
const maxListBytes = 64 * 1024 * 1024;

/** DOCKER_HOST as the docker CLI reads it: unix:///path or tcp://host:port (plain HTTP). */
export function engineAddress(options: RuntimeOptions): EngineAddress {
  const host = options.dockerHost ?? fromEnvironment(options, "DOCKER_HOST") ?? `unix://${defaultDockerSocket}`;
  if (host.startsWith("unix://")) {
    const socketPath = host.slice("unix://".length);
    if (socketPath === "") throw new InputError(`Docker host "${host}" names no socket`);
    return { kind: "unix", socketPath, label: `Docker Engine socket ${socketPath}` };
  }
  if (host.startsWith("/")) return { kind: "unix", socketPath: host, label: `Docker Engine socket ${host}` };
  const tcp = /^(?:tcp|http):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d{1,5}))?\/?$/.exec(host);
  if (tcp) {
    if (fromEnvironment(options, "DOCKER_TLS_VERIFY") !== undefined) {
      throw new InputError(`Docker host ${host} wants TLS (DOCKER_TLS_VERIFY is set), which Strata does not speak`);
    }
    const hostname = (tcp[1] ?? "").replace(/^\[|\]$/g, "");
    const port = Number(tcp[2] ?? "2375");
    if (port < 1 || port > 65535) throw new InputError(`Docker host "${host}" has no valid port`);
    return { kind: "tcp", host: hostname, port, label: `Docker Engine at ${hostname}:${port}` };
  }
  throw new InputError(
    `Docker host "${host}" is not supported; use unix:///path/to/docker.sock or tcp://host:port (plain HTTP)`,
  );
}

export class DockerEngine {
  readonly address: EngineAddress;
  private apiPrefix: Promise<string> | undefined;

  constructor(address: EngineAddress) {
    this.address = address;
  }

  /** Image inspect; an unknown image is an InputError. */
  async inspectImage(name: string, maxBytes: number): Promise<EngineImage> {
    const value = await this.json(`/images/${encodeName(name)}/json`, maxBytes, name);
    return parseEngineImage(value, `${this.address.label}: image ${name}`);
  }

  async listImages(): Promise<EngineImageSummary[]> {
    const value = await this.json("/images/json", maxListBytes, undefined);
    const what = `${this.address.label}: image list`;
    return expectArray(value, what).map((entry, i) => parseSummary(entry, `${what}[${i}]`));
  }

  /** The `docker save` tar stream of one image. */
  async saveImage(name: string): Promise<Readable> {
    const response = await this.get(`/images/${encodeName(name)}/get`, streamIdleTimeoutMs);
    await this.requireOk(response, name);
    return response;
  }

  private async json(path: string, maxBytes: number, image: string | undefined): Promise<unknown> {
    const response = await this.get(path, metadataTimeoutMs);
    await this.requireOk(response, image);
    const body = await readBody(response, maxBytes, this.address.label);
    try {
      return JSON.parse(body.toString("utf8"));
    } catch (error) {
      throw new SourceError(`${this.address.label} sent invalid JSON for ${path}`, { cause: error });
    }
  }

  private async requireOk(response: IncomingMessage, image: string | undefined): Promise<void> {
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return;
    const body = await readBody(response, maxErrorBodyBytes, this.address.label).catch(() => Buffer.alloc(0));
    const message = daemonMessage(body);
    if (status === 404 && image !== undefined) {
      throw new InputError(`the Docker Engine (${this.address.label}) has no image "${image}"`);
    }
    throw new SourceError(`${this.address.label} answered ${status}${message ? `: ${message}` : ""}`);
  }

  private async get(path: string, timeoutMs: number): Promise<IncomingMessage> {
    const prefix = await this.versionPrefix();
    return this.send(`${prefix}${path}`, timeoutMs);
  }

  /** Asks the daemon its API version once and speaks it; every field read here exists in all versions. */
  private versionPrefix(): Promise<string> {
    this.apiPrefix ??= this.send("/_ping", metadataTimeoutMs).then(async (response) => {
      const version = response.headers["api-version"];
      await readBody(response, maxErrorBodyBytes, this.address.label);
      if ((response.statusCode ?? 0) !== 200) {
        throw new SourceError(`${this.address.label} answered ${response.statusCode ?? 0} to a ping`);
      }
      return typeof version === "string" && /^\d+\.\d+$/.test(version) ? `/v${version}` : "";
    });
    return this.apiPrefix;
  }

  private send(path: string, timeoutMs: number): Promise<IncomingMessage> {
    const target =
      this.address.kind === "unix"
        ? { socketPath: this.address.socketPath }
        : { host: this.address.host, port: this.address.port };
    return new Promise((resolve, reject) => {
      const request = httpRequest({ ...target, path, method: "GET", headers: { host: "docker" } }, resolve);
      request.setTimeout(timeoutMs, () => {
        request.destroy(new SourceError(`${this.address.label} did not answer ${path} within ${timeoutMs / 1000} s`));
      });
      request.on("error", (error) => {
        reject(connectionError(error, this.address));
      });
      request.end();
    });
  }
}

function connectionError(error: Error, address: EngineAddress): Error {
  if (error instanceof SourceError) return error;
  const code = "code" in error ? error.code : undefined;
  const hint = "Set DOCKER_HOST=unix:///path/to/docker.sock to use another daemon.";
  if (address.kind === "unix") {
    if (code === "ENOENT")
      return new SourceError(`no Docker Engine socket at ${address.socketPath}: is dockerd running? ${hint}`, {
        cause: error,
      });
    if (code === "ECONNREFUSED")
      return new SourceError(`the ${address.label} refused the connection: dockerd is not running. ${hint}`, {
        cause: error,
      });
    if (code === "EACCES")
      return new SourceError(
        `permission denied on the ${address.label}: run as root or as a member of the docker group`,
        { cause: error },
      );
  }
  return new SourceError(`cannot reach the ${address.label}: ${errorMessage(error)}`, { cause: error });
}

function readBody(response: IncomingMessage, maxBytes: number, label: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy(new SourceError(`${label} sent more than ${maxBytes} bytes of metadata`));
        return;
      }
      chunks.push(chunk);
    });
    response.on("end", () => {
      resolve(Buffer.concat(chunks));
    });
    response.on("error", (error) => {
      reject(
        error instanceof SourceError ? error : new SourceError(`${label}: ${errorMessage(error)}`, { cause: error }),
      );
    });
  });
}

function daemonMessage(body: Buffer): string | undefined {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    if (typeof value === "object" && value !== null && "message" in value && typeof value.message === "string")
      return value.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = body.toString("utf8").trim();
  return text === "" ? undefined : text.slice(0, 500);
}

/** Names go into the URL path as they are, "/" and ":" included, with anything else unsafe escaped. */
function encodeName(name: string): string {
  return name
    .split("/")
    .map((part) => encodeURIComponent(part).replace(/%3A/gi, ":"))
    .join("/");
}

function parseEngineImage(value: unknown, what: string): EngineImage {
  const object = expectObject(value, what);
  const id = optionalString(object, "Id", what);
  if (id === undefined) throw new SourceError(`${what}: the daemon sent no image ID`);
  const rootfs = optionalObject(object, "RootFS", what);
  const os = optionalString(object, "Os", what);
  const architecture = optionalString(object, "Architecture", what);
  const variant = optionalString(object, "Variant", what);
  const created = optionalString(object, "Created", what);
  return {
    id,
    repoTags: realNames(optionalStringArray(object, "RepoTags", what)),
    repoDigests: realNames(optionalStringArray(object, "RepoDigests", what)),
    ...(os ? { os } : {}),
    ...(architecture ? { architecture } : {}),
    ...(variant ? { variant } : {}),
    ...(created ? { created } : {}),
    layers: rootfs === undefined ? [] : (optionalStringArray(rootfs, "Layers", `${what} RootFS`) ?? []),
  };
}

function parseSummary(value: unknown, what: string): EngineImageSummary {
  const object = expectObject(value, what);
  const id = optionalString(object, "Id", what);
  if (id === undefined) throw new SourceError(`${what}: the daemon sent no image ID`);
  const created = optionalNumber(object, "Created");
  const size = optionalNumber(object, "Size");
  return {
    id,
    repoTags: realNames(optionalStringArray(object, "RepoTags", what)),
    repoDigests: realNames(optionalStringArray(object, "RepoDigests", what)),
    ...(created === undefined ? {} : { created }),
    ...(size === undefined ? {} : { size }),
  };
}

function optionalNumber(object: JsonObject, key: string): number | undefined {
  const value = object[key];
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Old daemons write "<none>:<none>" and "<none>@<none>" for untagged images. */
function realNames(names: string[] | undefined): string[] {
  return (names ?? []).filter((name) => !name.startsWith("<none>"));
}
