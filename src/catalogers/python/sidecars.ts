import type { PythonDirectUrl } from "../../model/metadata/python.ts";
import { parseJson } from "../json-values.ts";

/** The files an installer writes beside METADATA / PKG-INFO that this cataloger reads. */
export const sidecarNames = ["top_level.txt", "direct_url.json", "INSTALLER"] as const;

export type SidecarName = (typeof sidecarNames)[number];

/** What the sidecar files add to a package. */
export interface Sidecars {
  topLevelPackages: string[];
  directUrl?: PythonDirectUrl;
  installer?: string;
  issues: string[];
}

const decoder = new TextDecoder("utf-8");

/** Reads the sidecars found beside a metadata file; `read` gives a sidecar's bytes when it exists. */
export function readSidecars(read: (name: SidecarName) => Uint8Array | undefined): Sidecars {
  const issues: string[] = [];
  const topLevel = read("top_level.txt");
  const directUrlFile = read("direct_url.json");
  const installerFile = read("INSTALLER");
  const directUrl = directUrlFile === undefined ? undefined : parseDirectUrl(directUrlFile, issues);
  const installer = installerFile === undefined ? undefined : lines(installerFile)[0];
  return {
    topLevelPackages: topLevel === undefined ? [] : lines(topLevel),
    ...(directUrl !== undefined && { directUrl }),
    ...(installer !== undefined && { installer }),
    issues,
  };
}

/** Non-empty trimmed lines. */
export function lines(content: Uint8Array): string[] {
  return decoder
    .decode(content)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

type JsonObject = { readonly [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** PEP 610 direct_url.json: {url, vcs_info: {vcs, commit_id, requested_revision}, archive_info, dir_info}. */
function parseDirectUrl(content: Uint8Array, issues: string[]): PythonDirectUrl | undefined {
  const document = parseJson(content);
  if ("problem" in document) {
    issues.push(`direct_url.json: ${document.problem}`);
    return undefined;
  }
  const parsed = document.value;
  const url = isObject(parsed) ? text(parsed["url"]) : undefined;
  if (!isObject(parsed) || url === undefined) {
    issues.push("direct_url.json: no url");
    return undefined;
  }
  const vcsInfo = isObject(parsed["vcs_info"]) ? parsed["vcs_info"] : {};
  const archiveInfo = isObject(parsed["archive_info"]) ? parsed["archive_info"] : {};
  const dirInfo = isObject(parsed["dir_info"]) ? parsed["dir_info"] : {};
  const vcs = text(vcsInfo["vcs"]);
  const commitId = text(vcsInfo["commit_id"]);
  const requestedRevision = text(vcsInfo["requested_revision"]);
  const archiveHash = text(archiveInfo["hash"]);
  return {
    url,
    ...(vcs !== undefined && { vcs }),
    ...(commitId !== undefined && { commitId }),
    ...(requestedRevision !== undefined && { requestedRevision }),
    ...(dirInfo["editable"] === true && { editable: true }),
    ...(archiveHash !== undefined && { archiveHash }),
  };
}

/**
 * The purl `vcs_url` qualifier for a VCS install, in Syft's form "<vcs>+<url>@<commit>"
 * (the purl spec's vcs_url). Nothing for installs from archives or local directories.
 */
export function vcsUrlQualifier(directUrl: PythonDirectUrl | undefined): string | undefined {
  if (directUrl?.vcs === undefined) return undefined;
  const base = `${directUrl.vcs}+${directUrl.url}`;
  return directUrl.commitId === undefined ? base : `${base}@${directUrl.commitId}`;
}
