import { quotedPrefix, unquote } from "./go-quote.ts";

export interface Module {
  path: string;
  /** "v1.2.3", a pseudo-version, "(devel)" for a main module built from a checkout, "" for a directory replacement. */
  version: string;
  /** The go.sum checksum, "h1:…"; "" when not recorded. */
  sum: string;
  /** The module a replace directive put in this one's place. */
  replace?: Module;
}

export interface BuildSetting {
  key: string;
  value: string;
}

/** The module info text cmd/go embeds in a binary (the format of runtime/debug.BuildInfo.String). */
export interface ModuleInfo {
  /** The main package's import path ("path" line). */
  path: string;
  /** The main module ("mod" line); absent for a binary built from files outside a module. */
  main: Module | undefined;
  deps: Module[];
  settings: BuildSetting[];
}

/** Lines read at most; a real binary has one per module plus a dozen settings. */
const maxLines = 100_000;

/**
 * Reads the module info lines: `path`, `mod`, `dep`, `=>` (the replacement of the module on the
 * line before) and `build key=value`. Lines that do not fit are skipped with a problem; unknown
 * line kinds (later Go versions may add some) are ignored.
 */
export function parseModuleInfo(text: string): { info: ModuleInfo; problems: string[] } {
  const info: ModuleInfo = { path: "", main: undefined, deps: [], settings: [] };
  const problems: string[] = [];
  let last: Module | undefined;
  const lines = text.split("\n");
  if (lines.length > maxLines) problems.push(`module info has ${lines.length} lines; read the first ${maxLines}`);
  for (const [index, line] of lines.slice(0, maxLines).entries()) {
    if (line === "") continue;
    const tab = line.indexOf("\t");
    const kind = tab < 0 ? line : line.slice(0, tab);
    const rest = tab < 0 ? "" : line.slice(tab + 1);
    const bad = (why: string) => problems.push(`module info line ${index + 1}: ${why}`);
    switch (kind) {
      case "path":
        info.path = rest;
        last = undefined;
        break;
      case "mod":
      case "dep": {
        const module = moduleColumns(rest);
        if (!module) {
          bad(`expected path, version and checksum in "${line}"`);
          last = undefined;
          break;
        }
        if (kind === "mod") info.main = module;
        else if (module.path !== "") info.deps.push(module);
        last = module;
        break;
      }
      case "=>": {
        const module = moduleColumns(rest);
        if (!module || !last) bad(module ? "replacement with no module before it" : `bad replacement "${line}"`);
        else last.replace = module;
        last = undefined;
        break;
      }
      case "build": {
        const setting = buildSetting(rest);
        if (setting) info.settings.push(setting);
        else bad(`bad build setting "${line}"`);
        last = undefined;
        break;
      }
      default:
        last = undefined;
    }
  }
  return { info, problems };
}

function moduleColumns(rest: string): Module | undefined {
  const columns = rest.split("\t");
  if (columns.length !== 2 && columns.length !== 3) return undefined;
  const [path = "", version = "", sum = ""] = columns;
  return { path, version, sum };
}

/** `key=value`, either side possibly a Go string literal (when it holds "=", spaces, quotes or control characters). */
function buildSetting(text: string): BuildSetting | undefined {
  let key: string;
  let raw: string;
  if (text.startsWith('"') || text.startsWith("`")) {
    const quoted = quotedPrefix(text);
    if (!quoted?.rest.startsWith("=")) return undefined;
    key = quoted.value;
    raw = quoted.rest.slice(1);
  } else {
    const equals = text.indexOf("=");
    if (equals < 0) return undefined;
    key = text.slice(0, equals);
    raw = text.slice(equals + 1);
  }
  if (key === "") return undefined;
  if (!raw.startsWith('"') && !raw.startsWith("`")) return { key, value: raw };
  const value = unquote(raw);
  return value === undefined ? undefined : { key, value };
}
