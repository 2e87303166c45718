/**
 * Where containers-storage lives: "[driver@root+runroot]" before the image name (skopeo's syntax), the
 * options, storage.conf ([storage] driver and graphroot, or rootless_storage_path), then the defaults.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { InputError, errorMessage } from "../../errors.ts";
import { isMissing } from "../directory-files.ts";
import { isJsonObject } from "../json.ts";
import { environmentOf, fromEnvironment, type RuntimeOptions } from "./options.ts";

export type StorageDriver = "overlay" | "vfs";

export interface StorageLocation {
  root: string;
  /** Undefined: whichever of overlay and vfs the root holds images for. */
  driver?: StorageDriver;
}

const rootDefault = "/var/lib/containers/storage";
const systemConfigs = ["/etc/containers/storage.conf", "/usr/share/containers/storage.conf"];

/** Splits "[driver@root+runroot]name" (each part optional, as skopeo reads it) into where and what. */
export function splitStorageReference(text: string): { root?: string; driver?: string; name: string } {
  if (!text.startsWith("[")) return { name: text };
  const close = text.indexOf("]");
  if (close === -1) throw new InputError(`"${text}" opens "[" for a storage location but never closes it`);
  const spec = text.slice(1, close);
  const name = text.slice(close + 1);
  const at = spec.indexOf("@");
  const driver = at === -1 ? undefined : spec.slice(0, at);
  const paths = at === -1 ? spec : spec.slice(at + 1);
  const plus = paths.indexOf("+");
  const root = plus === -1 ? paths : paths.slice(0, plus);
  if (root !== "" && !root.startsWith("/")) throw new InputError(`storage root "${root}" must be an absolute path`);
  return { name, ...(root === "" ? {} : { root }), ...(driver === undefined || driver === "" ? {} : { driver }) };
}

export async function storageLocation(
  options: RuntimeOptions,
  fromReference: { root?: string; driver?: string } = {},
): Promise<StorageLocation> {
  const config = await readStorageConfig(options);
  const root = fromReference.root ?? options.storageRoot ?? config.root ?? defaultRoot(options);
  const driverName = fromReference.driver ?? options.storageDriver ?? config.driver;
  const driver = driverName === undefined ? undefined : parseDriver(driverName);
  return { root, ...(driver === undefined ? {} : { driver }) };
}

export function parseDriver(name: string): StorageDriver {
  if (name === "overlay" || name === "overlay2") return "overlay";
  if (name === "vfs") return "vfs";
  throw new InputError(`containers-storage driver "${name}" is not supported; Strata reads overlay and vfs stores`);
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function defaultRoot(options: RuntimeOptions): string {
  if (isRoot()) return rootDefault;
  const dataHome = fromEnvironment(options, "XDG_DATA_HOME") ?? join(homeOf(options), ".local", "share");
  return join(dataHome, "containers", "storage");
}

function homeOf(options: RuntimeOptions): string {
  return fromEnvironment(options, "HOME") ?? homedir();
}

interface StorageConfig {
  root?: string;
  driver?: string;
}

async function readStorageConfig(options: RuntimeOptions): Promise<StorageConfig> {
  const explicit = fromEnvironment(options, "CONTAINERS_STORAGE_CONF");
  const userConfig = join(
    fromEnvironment(options, "XDG_CONFIG_HOME") ?? join(homeOf(options), ".config"),
    "containers",
    "storage.conf",
  );
  const candidates = explicit !== undefined ? [explicit] : isRoot() ? systemConfigs : [userConfig, ...systemConfigs];
  for (const path of candidates) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if (isMissing(error)) continue;
      throw new InputError(`cannot read ${path}: ${errorMessage(error)}`, { cause: error });
    }
    return parseStorageConfig(text, path, path === userConfig, options);
  }
  return {};
}

/** Rootless users get rootless_storage_path, or graphroot from their own storage.conf only. */
function parseStorageConfig(text: string, path: string, ownConfig: boolean, options: RuntimeOptions): StorageConfig {
  let document: unknown;
  try {
    document = parseToml(text);
  } catch (error) {
    throw new InputError(`${path} is not valid TOML: ${errorMessage(error)}`, { cause: error });
  }
  const storage = isJsonObject(document) ? document["storage"] : undefined;
  if (!isJsonObject(storage)) return {};
  const { driver, graphroot, rootless_storage_path: rootless } = storage;
  const useRootless = !isRoot() && typeof rootless === "string" && rootless !== "";
  const root = useRootless ? rootless : isRoot() || ownConfig ? graphroot : undefined;
  return {
    ...(typeof root === "string" && root !== "" ? { root: expandVariables(root, options) } : {}),
    ...(typeof driver === "string" && driver !== "" ? { driver } : {}),
  };
}

/** rootless_storage_path may use $HOME, $UID and $USER. */
function expandVariables(path: string, options: RuntimeOptions): string {
  const env = environmentOf(options);
  const values: Record<string, string> = {
    HOME: homeOf(options),
    UID: String(process.getuid?.() ?? ""),
    USER: env["USER"] ?? "",
  };
  return path.replace(/\$(HOME|UID|USER)\b/g, (_, name: string) => values[name] ?? "");
}
