/**
 * Image references as docker reads them: `[registry/]repository[:tag][@digest]`, with Docker Hub as the
 * default registry and `library/` as its default namespace. `registry:`, `oci://` and `docker://` prefixes
 * say "this is a registry reference" explicitly.
 */
import { InputError } from "../../errors.ts";
import { isDigest } from "../digest.ts";

export interface RegistryReference {
  /** The registry as named: "docker.io", "registry.example:5000", "127.0.0.1:5000". */
  registry: string;
  /** The repository inside it: "library/alpine". */
  repository: string;
  /** Absent when the reference names only a digest. */
  tag?: string;
  digest?: string;
}

export const dockerHub = "docker.io";
const dockerHubEndpoint = "registry-1.docker.io";
const dockerHubAliases = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
const defaultTag = "latest";
const maxNameLength = 255;

const prefixes = ["registry://", "registry:", "oci://", "docker://"];

const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainPattern = new RegExp(
  `^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]{1,5})?$`,
);
const pathComponentPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^\w[\w.-]{0,127}$/;

/** Paths people scan by mistake as references: these never go to a registry without a prefix. */
const pathLike = /^(?:\/|\.|~)|\\|\.(?:tar|tar\.gz|tgz|tar\.zst|tar\.xz|zip)$/i;

function stripPrefix(text: string): { rest: string; prefixed: boolean } {
  for (const prefix of prefixes) {
    if (text.startsWith(prefix)) return { rest: text.slice(prefix.length), prefixed: true };
  }
  return { rest: text, prefixed: false };
}

/** Parses a reference; throws InputError saying which part is malformed. */
export function parseRegistryReference(text: string): RegistryReference {
  const { rest } = stripPrefix(text);
  if (rest === "") throw new InputError(`"${text}" names no image`);
  const at = rest.indexOf("@");
  const named = at === -1 ? rest : rest.slice(0, at);
  const digest = at === -1 ? undefined : rest.slice(at + 1);
  if (digest !== undefined && !isDigest(digest)) {
    throw new InputError(`"${text}": "${digest}" is not a sha256 or sha512 digest`);
  }
  const lastColon = named.lastIndexOf(":");
  const hasTag = lastColon > named.lastIndexOf("/");
  const name = hasTag ? named.slice(0, lastColon) : named;
  const tag = hasTag ? named.slice(lastColon + 1) : undefined;
  if (tag !== undefined && !tagPattern.test(tag)) throw new InputError(`"${text}": "${tag}" is not a valid tag`);

  const { registry, path } = splitRegistry(name);
  if (!domainPattern.test(registry)) throw new InputError(`"${text}": "${registry}" is not a registry host`);
  const repository = registry === dockerHub && !path.includes("/") ? `library/${path}` : path;
  for (const component of repository.split("/")) {
    if (!pathComponentPattern.test(component)) {
      throw new InputError(
        `"${text}": repository "${repository}" is not valid (lowercase letters, digits and . _ - between them)`,
      );
    }
  }
  if (registry.length + 1 + repository.length > maxNameLength) {
    throw new InputError(`"${text}": the name is longer than ${maxNameLength} characters`);
  }
  const resolvedTag = tag ?? (digest === undefined ? defaultTag : undefined);
  return {
    registry,
    repository,
    ...(resolvedTag === undefined ? {} : { tag: resolvedTag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** The first path component is a registry when it has a dot or a port, is localhost, or has capitals. */
function splitRegistry(name: string): { registry: string; path: string } {
  const slash = name.indexOf("/");
  if (slash === -1) return { registry: dockerHub, path: name };
  const first = name.slice(0, slash);
  const isRegistry =
    first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase();
  if (!isRegistry) return { registry: dockerHub, path: name };
  const registry = dockerHubAliases.has(first.toLowerCase()) ? dockerHub : first;
  return { registry, path: name.slice(slash + 1) };
}

/**
 * Whether a text the user gave (and which is not an existing path) should be read as a registry
 * reference: a prefix says so, and anything that parses does too unless it looks like a file path.
 */
export function looksLikeRegistryReference(text: string): boolean {
  const { rest, prefixed } = stripPrefix(text);
  if (!prefixed && (pathLike.test(rest) || /\s/.test(rest))) return false;
  try {
    parseRegistryReference(text);
    return true;
  } catch {
    return false;
  }
}

/** "host[:port]" that requests go to: Docker Hub's API lives on its own host. */
export function registryEndpoint(registry: string): string {
  return registry === dockerHub ? dockerHubEndpoint : registry;
}

/** "registry/repository:tag", "registry/repository@digest" or both: the canonical name. */
export function formatReference(reference: RegistryReference): string {
  const tag = reference.tag === undefined ? "" : `:${reference.tag}`;
  const digest = reference.digest === undefined ? "" : `@${reference.digest}`;
  return `${reference.registry}/${reference.repository}${tag}${digest}`;
}

/** The host name without port or IPv6 brackets. */
export function hostOf(registry: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(registry);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const colon = registry.lastIndexOf(":");
  return colon === -1 ? registry : registry.slice(0, colon);
}

/** Loopback registries may be spoken to over plain HTTP without being asked (as docker does). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = hostOf(registry).toLowerCase();
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}
