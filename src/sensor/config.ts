/**
 * The sensor's settings, from three places: the config file (YAML, or JSON when it ends in .json), the
 * environment (STRATA_SENSOR_<KEY>, and STRATA_TOKEN for the token) and the command line. The command line
 * wins over the environment, which wins over the file. An unknown or bad setting is an InputError that
 * names it as it was written there.
 */
import { constants } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";
import { load } from "js-yaml";
import { z } from "zod";
import { errorMessage, InputError } from "../errors.ts";
import { loadTls } from "../source/registry/tls.ts";
import { uploadEndpoint } from "../upload/upload.ts";

export const sensorModes = ["general", "registry", "ci"] as const;
export const sensorRuntimes = ["docker", "containerd", "crio"] as const;
const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const severities = ["low", "medium", "high", "critical"] as const;

const maxConfigBytes = 1024 * 1024;

const text = z.string({ error: "expected a text value" }).min(1, { error: "must not be empty" });

const flag = z.union([z.boolean(), z.string()]).transform((value, context) => {
  if (typeof value === "boolean") return value;
  const lowered = value.trim().toLowerCase();
  if (["true", "yes", "on", "1"].includes(lowered)) return true;
  if (["false", "no", "off", "0"].includes(lowered)) return false;
  context.addIssue({ code: "custom", message: "expected true or false" });
  return z.NEVER;
});

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "500ms", "30s", "5m", "1h", "1h30m", or a number of seconds; milliseconds out. */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value * 1000 : undefined;
  const trimmed = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return parseDuration(Number(trimmed));
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(amount) * (durationUnits[unit ?? ""] ?? 0);
  }
  return total > 0 ? total : undefined;
}

const duration = z.union([z.number(), z.string()]).transform((value, context) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    context.addIssue({ code: "custom", message: "expected a duration such as 30s, 5m, 1h or a number of seconds" });
    return z.NEVER;
  }
  return ms;
});

const sizeUnits: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** "256MiB", "1GB", or a number of bytes. */
export function parseSize(value: number | string): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const factor = sizeUnits[(match?.[2] ?? "?").toLowerCase()];
  if (!match || factor === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * factor);
  return bytes > 0 ? bytes : undefined;
}

const size = z.union([z.number(), z.string()]).transform((value, context) => {
  const bytes = parseSize(value);
  if (bytes === undefined) {
    context.addIssue({ code: "custom", message: "expected a size such as 256MiB, 1GB or a number of bytes" });
    return z.NEVER;
  }
  return bytes;
});

const count = z.union([z.number(), z.string()]).transform((value, context) => {
  const number = typeof value === "number" ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1) {
    context.addIssue({ code: "custom", message: "expected a whole number, at least 1" });
    return z.NEVER;
  }
  return number;
});

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .string({ error: `expected one of: ${values.join(", ")}` })
    .transform((value) => value.trim().toLowerCase())
    .pipe(z.enum(values, { error: `expected one of: ${values.join(", ")}` }));
}

/** A list: a YAML/JSON array, or comma-separated text from the environment or repeated flags. */
const runtimeList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(",")).map((item) => item.trim()))
  .transform((items) => items.filter((item) => item !== ""))
  .pipe(z.array(oneOf(sensorRuntimes)).min(1, { error: "name at least one runtime" }));

/** Glob filters for registry mode. */
const patternList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(",")).map((item) => item.trim()))
  .transform((items) => items.filter((item) => item !== ""));

const settingsSchema = z.object({
  mode: oneOf(sensorModes).default("general"),
  url: text.optional(),
  token: text.optional(),
  interval: duration.default(5 * 60_000),
  once: flag.default(false),
  dataDir: text.optional(),
  logLevel: oneOf(logLevels).default("info"),
  runtimes: runtimeList.optional(),
  dockerHost: text.optional(),
  containerdRoot: text.optional(),
  namespace: text.optional(),
  storageRoot: text.optional(),
  registry: text.optional(),
  repositories: patternList.optional(),
  tags: patternList.optional(),
  registryUsername: text.optional(),
  registryPassword: text.optional(),
  insecure: flag.default(false),
  caFile: text.optional(),
  certFile: text.optional(),
  keyFile: text.optional(),
  image: text.optional(),
  platform: text.optional(),
  failOn: oneOf(severities).optional(),
  flushTimeout: duration.default(30_000),
  db: text.optional(),
  offline: flag.default(false),
  ignoreFile: text.optional(),
  cacheDir: text.optional(),
  queueMaxEntries: count.default(1000),
  queueMaxBytes: size.default(256 * 1024 * 1024),
});

type SettingKey = keyof typeof settingsSchema.shape;

function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(settingsSchema.shape, key);
}

const settingKeys: readonly SettingKey[] = Object.keys(settingsSchema.shape).filter(isSettingKey);

/** Settings that name files: relative ones in the config file are read from the config file's folder. */
const pathKeys = new Set<SettingKey>([
  "dataDir",
  "containerdRoot",
  "storageRoot",
  "db",
  "ignoreFile",
  "cacheDir",
  "caFile",
  "certFile",
  "keyFile",
]);

/** Files read when a registry is reached; checked at start-up rather than on the first pass. */
const tlsFileKeys = ["caFile", "certFile", "keyFile"] as const satisfies readonly SettingKey[];

export type SensorConfig = z.output<typeof settingsSchema> & { url: string; token: string; dataDir: string };

/** Command-line values as commander gives them (camelCase keys; `runtime` may repeat). */
export type SensorFlags = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

export interface ConfigSources {
  flags: SensorFlags;
  env: Readonly<Record<string, string | undefined>>;
}

type Origin = { kind: "flag" } | { kind: "env"; name: string } | { kind: "file"; path: string };

const envPrefix = "STRATA_SENSOR_";

function envName(key: SettingKey): string {
  return `${envPrefix}${key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

function flagName(key: SettingKey): string {
  if (key === "runtimes") return "--runtime";
  if (key === "repositories") return "--repository";
  if (key === "tags") return "--tag";
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

function describe(key: SettingKey, origin: Origin): string {
  switch (origin.kind) {
    case "flag":
      return flagName(key);
    case "env":
      return origin.name;
    case "file":
      return `${origin.path}: ${key}`;
  }
}

/** Repeatable flags, named in the singular. */
const flagAliases: Record<string, string> = { runtime: "runtimes", repository: "repositories", tag: "tags" };

/** Reads and checks the settings; the config file comes from --config or STRATA_SENSOR_CONFIG. */
export async function loadSensorConfig(sources: ConfigSources): Promise<SensorConfig> {
  const raw = new Map<SettingKey, { value: unknown; origin: Origin }>();
  const configFlag = sources.flags["config"];
  const configPath = typeof configFlag === "string" ? configFlag : nonEmpty(sources.env[`${envPrefix}CONFIG`]);
  if (configPath !== undefined) {
    const path = resolve(configPath);
    for (const [key, value] of Object.entries(await readConfigFile(path))) {
      if (!isSettingKey(key)) {
        throw new InputError(`${path}: unknown setting "${key}"; the settings are: ${settingKeys.join(", ")}`);
      }
      if (value === null || value === undefined) continue;
      const resolved = pathKeys.has(key) && typeof value === "string" ? resolve(dirname(path), value) : value;
      raw.set(key, { value: resolved, origin: { kind: "file", path } });
    }
  }
  const token = nonEmpty(sources.env["STRATA_TOKEN"]);
  if (token !== undefined) raw.set("token", { value: token, origin: { kind: "env", name: "STRATA_TOKEN" } });
  for (const [name, value] of Object.entries(sources.env)) {
    if (!name.startsWith(envPrefix) || name === `${envPrefix}CONFIG` || nonEmpty(value) === undefined) continue;
    const key = settingKeys.find((candidate) => envName(candidate) === name);
    if (key === undefined) {
      throw new InputError(
        `unknown setting ${name} in the environment; the sensor reads ${settingKeys.map(envName).join(", ")}`,
      );
    }
    raw.set(key, { value, origin: { kind: "env", name } });
  }
  for (const [name, value] of Object.entries(sources.flags)) {
    if (name === "config" || value === undefined) continue;
    const key = flagAliases[name] ?? name;
    if (!isSettingKey(key)) throw new InputError(`unknown sensor option ${name}`);
    raw.set(key, { value, origin: { kind: "flag" } });
  }

  const parsed = settingsSchema.safeParse(Object.fromEntries([...raw].map(([key, { value }]) => [key, value])));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0];
    const where = typeof key === "string" && isSettingKey(key) ? raw.get(key) : undefined;
    const name = where && typeof key === "string" && isSettingKey(key) ? describe(key, where.origin) : String(key);
    throw new InputError(`bad sensor setting ${name}: ${issue?.message ?? "invalid"}`);
  }
  const config = complete(parsed.data, sources.env, raw);
  await checkTlsFiles(config, raw);
  return config;
}

/** Each TLS file must be a readable file, and what they hold must be usable PEM (as the registry client reads it). */
async function checkTlsFiles(config: SensorConfig, raw: ReadonlyMap<SettingKey, { origin: Origin }>): Promise<void> {
  for (const key of tlsFileKeys) {
    const path = config[key];
    if (path === undefined) continue;
    const origin = raw.get(key)?.origin;
    const name = origin ? describe(key, origin) : key;
    try {
      await access(path, constants.R_OK);
      if (!(await stat(path)).isFile()) throw new Error("not a file");
    } catch (error) {
      throw new InputError(`bad sensor setting ${name}: cannot read ${path}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }
  const files = Object.fromEntries(
    tlsFileKeys.flatMap((key) => (config[key] === undefined ? [] : [[key, config[key]]])),
  );
  if (Object.keys(files).length === 0) return;
  const named = (key: (typeof tlsFileKeys)[number]): string => {
    const origin = raw.get(key)?.origin;
    return origin ? describe(key, origin) : key;
  };
  try {
    await loadTls(files, {}, { caFile: named("caFile"), certFile: named("certFile"), keyFile: named("keyFile") });
  } catch (error) {
    throw new InputError(`bad sensor TLS setting: ${errorMessage(error)}`, { cause: error });
  }
}

function complete(
  settings: z.output<typeof settingsSchema>,
  env: ConfigSources["env"],
  raw: ReadonlyMap<SettingKey, { origin: Origin }>,
): SensorConfig {
  const where = (key: SettingKey): string =>
    `set ${key} in the config file, ${key === "token" ? "STRATA_TOKEN" : envName(key)} or ${flagName(key)}`;
  const { url, token } = settings;
  if (url === undefined) throw new InputError(`no backend URL for the sensor: ${where("url")}`);
  if (token === undefined) throw new InputError(`no upload token for the sensor: ${where("token")}`);
  try {
    uploadEndpoint({ url, token });
  } catch (error) {
    const origin = raw.get("url")?.origin;
    const name = origin ? describe("url", origin) : "url";
    throw new InputError(`bad sensor setting ${name} or token: ${errorMessage(error)}`, { cause: error });
  }
  if (settings.mode === "registry" && settings.registry === undefined) {
    throw new InputError(`--mode registry needs a registry to crawl: ${where("registry")}`);
  }
  if (settings.mode === "ci" && settings.image === undefined) {
    throw new InputError(`--mode ci needs an image to scan: ${where("image")}`);
  }
  if ((settings.registryUsername === undefined) !== (settings.registryPassword === undefined)) {
    throw new InputError("registryUsername and registryPassword go together: set both or neither");
  }
  if ((settings.certFile === undefined) !== (settings.keyFile === undefined)) {
    throw new InputError(
      `certFile and keyFile go together (a client certificate and its key): ${where(settings.certFile === undefined ? "certFile" : "keyFile")}`,
    );
  }
  return { ...settings, url, token, dataDir: settings.dataDir ?? defaultDataDir(env) };
}

/** $XDG_STATE_HOME/strata/sensor, or ~/.local/state/strata/sensor. */
export function defaultDataDir(env: ConfigSources["env"]): string {
  const state = nonEmpty(env["XDG_STATE_HOME"]) ?? resolve(homedir(), ".local", "state");
  return resolve(state, "strata", "sensor");
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let content: string;
  try {
    content = await readFile(path, "utf8");
  } catch (error) {
    throw new InputError(`cannot read the sensor config file ${path}: ${errorMessage(error)}`, { cause: error });
  }
  if (Buffer.byteLength(content) > maxConfigBytes) {
    throw new InputError(`${path}: a sensor config file is at most ${maxConfigBytes} bytes`);
  }
  let value: unknown;
  try {
    value = path.toLowerCase().endsWith(".json") ? JSON.parse(content) : load(content);
  } catch (error) {
    throw new InputError(`${path} is not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InputError(`${path} must hold a mapping of settings, such as "mode: general"`);
  }
  return Object.fromEntries(Object.entries(value));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
