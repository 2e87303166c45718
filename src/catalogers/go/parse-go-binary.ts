import type { PackageDraft, ParseResult } from "../../catalog/cataloger.ts";
import type { GoMetadata } from "../../model/package.ts";
import { packageUrl } from "../purl.ts";
import { type RawBuildInfo, readBuildInfo } from "./build-info.ts";
import { openExecutable } from "./executable.ts";
import { versionFromLdflags } from "./ldflags.ts";
import { type BuildSetting, type Module, parseModuleInfo } from "./modinfo.ts";

/**
 * The Go toolchain ("stdlib"), the main module and every module a Go binary was built with, from
 * the build info the linker embeds. An executable that is not a Go binary gives nothing and no
 * issue; a file that is no executable, or whose build info cannot be read, gives an issue.
 */
export function parseGoBinary(content: Buffer): ParseResult {
  const opened = openExecutable(content);
  if ("problem" in opened) return { packages: [], issues: [opened.problem] };

  const packages: PackageDraft[] = [];
  const issues: string[] = [];
  const damage: string[] = [];
  const seen = new Set<string>();
  let found = false;
  // One image, or one per architecture of a fat Mach-O (the same modules, told apart by GOARCH only).
  for (const image of opened.images) {
    const raw = readBuildInfo(content, image);
    if (raw === undefined) {
      damage.push(...image.problems);
      continue;
    }
    if ("problem" in raw) {
      issues.push(raw.problem);
      continue;
    }
    found = true;
    const result = buildPackages(raw);
    issues.push(...result.issues);
    for (const draft of result.packages) {
      const key = `${draft.name}@${draft.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      packages.push(draft);
    }
  }
  // Damaged headers matter only when they hid the build info; a non-Go executable is no issue.
  if (!found) issues.push(...damage);
  return { packages, issues };
}

/** The packages one build info describes. */
export function buildPackages(raw: RawBuildInfo): ParseResult {
  const { info, problems } = parseModuleInfo(raw.modinfo);
  const issues = [...problems];
  const packages: PackageDraft[] = [];
  const setting = (key: string) => info.settings.find((s) => s.key === key)?.value ?? "";
  const goos = setting("GOOS");
  const goarch = setting("GOARCH");
  const experimentList = experiments(raw.goVersion, setting("GOEXPERIMENT"));
  const mainModule = info.main?.path ?? "";
  const common: Omit<GoMetadata, "role"> = {
    kind: "go",
    goVersion: raw.goVersion,
    ...(goos ? { goos } : {}),
    ...(goarch ? { goarch } : {}),
    ...(experimentList.length > 0 ? { experiments: experimentList } : {}),
    ...(info.path ? { mainPackage: info.path } : {}),
    ...(mainModule ? { mainModule } : {}),
  };
  const settings: Pick<GoMetadata, "buildSettings"> = info.settings.length > 0 ? { buildSettings: info.settings } : {};
  const add = (path: string, version: string, metadata: GoMetadata): void => {
    const draft = goPackage(path, version, metadata);
    if (typeof draft === "string") issues.push(draft);
    else packages.push(draft);
  };

  add("stdlib", stdlibVersion(raw.goVersion), { ...common, role: "stdlib", ...settings });

  if (info.main && info.main.path !== "") {
    const { version, versionSource } = mainVersion(info.main, info.settings);
    add(info.main.path, version, {
      ...common,
      role: "main",
      ...(info.main.sum ? { h1Digest: info.main.sum } : {}),
      ...(version ? { versionSource } : {}),
      ...settings,
    });
  }

  for (const dep of info.deps) {
    const replacement = dep.replace;
    if (replacement && isDirectory(replacement.path)) {
      add(dep.path, "", { ...common, role: "dependency", replacedByDirectory: replacement.path });
      continue;
    }
    const built = replacement ?? dep;
    add(built.path, moduleVersion(built.version), {
      ...common,
      role: "dependency",
      ...(built.sum ? { h1Digest: built.sum } : {}),
      ...(replacement ? { replaces: { path: dep.path, version: dep.version } } : {}),
    });
  }
  return { packages, issues };
}

function goPackage(path: string, version: string, metadata: GoMetadata): PackageDraft | string {
  // The module path's last element is the purl name, the elements before it the namespace.
  const slash = path.lastIndexOf("/");
  const purl = packageUrl({
    type: "golang",
    namespace: slash > 0 ? path.slice(0, slash) : undefined,
    name: path.slice(slash + 1),
    version,
  });
  if (purl instanceof Error) return `module ${path}: no purl: ${purl.message}`;
  return { name: path, version, purl, licenses: [], metadata };
}

/** "go1.22.1" and "go1.22.1 X:loopvar" → "v1.22.1" (Trivy's form); a development toolchain has no version. */
export function stdlibVersion(goVersion: string): string {
  const match = /^go(\d[^\s]*)/.exec(goVersion);
  return match?.[1] === undefined ? "" : `v${match[1]}`;
}

/** The module line's version, else one stamped with -ldflags -X; "" when neither says (Trivy's rule). */
function mainVersion(
  main: Module,
  settings: readonly BuildSetting[],
): Pick<GoMetadata, "versionSource"> & { version: string } {
  const declared = moduleVersion(main.version);
  if (declared !== "") return { version: declared, versionSource: "module" };
  const ldflags = settings.find((s) => s.key === "-ldflags")?.value;
  const stamped = ldflags === undefined ? undefined : versionFromLdflags(ldflags, main.path);
  return { version: stamped ?? "", versionSource: "ldflags" };
}

/** "(devel)" says no version is known. */
function moduleVersion(version: string): string {
  return version === "(devel)" ? "" : version;
}

/** GOEXPERIMENT as a build setting (Go 1.18+), else the " X:a,b" suffix of the version string. */
function experiments(goVersion: string, setting: string): string[] {
  const list = setting || (/\sX:(\S+)/.exec(goVersion)?.[1] ?? "");
  return list.split(",").filter((name) => name !== "");
}

/** A replacement that is a file-system path (go.mod's rule: "./", "../", "/" or a Windows path), not a module. */
function isDirectory(path: string): boolean {
  return /^(?:\.{1,2}(?:[/\\]|$)|[/\\]|[A-Za-z]:[/\\])/.test(path);
}
