import type { ParseResult } from "../../catalog/cataloger.ts";
import type { PythonMetadata } from "../../model/package.ts";
import { packageUrl } from "../purl.ts";
import { field, fieldValues, readCoreMetadata } from "./core-metadata.ts";
import { declaredLicenses } from "./licenses.ts";
import { type Sidecars, vcsUrlQualifier } from "./sidecars.ts";

export interface MetadataSource {
  format: PythonMetadata["format"];
  /** What the files beside the metadata file add (installed distributions only). */
  sidecars?: Sidecars;
  /** For metadata read inside an archive: its path there. */
  inside?: string;
}

/** PEP 503 / packaging "name normalization": lower case, every run of "-", "_" and "." as one "-". */
export function normalizedName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/**
 * The distribution a core metadata file (METADATA, PKG-INFO, a `.egg-info` file) describes.
 * No Name gives an issue and no package; no Version gives the package with an empty version and
 * an issue (Syft keeps such a package). The Python interpreter's own `Python-X.Y.egg-info`
 * (Name "Python") is not a package and gives nothing.
 */
export function parseMetadata(content: Uint8Array, source: MetadataSource): ParseResult {
  const metadata = readCoreMetadata(content);
  const issues = [...(source.sidecars?.issues ?? [])];
  if (metadata.truncated !== undefined) issues.push(`metadata header cut: ${metadata.truncated}`);

  const name = field(metadata, "name");
  if (name === undefined || name.includes("\n")) {
    issues.push(content.length === 0 ? "empty metadata file" : "no Name field: not a distribution's metadata");
    return { packages: [], issues };
  }
  const normalized = normalizedName(name);
  if (normalized === "python") return { packages: [], issues };

  const version = field(metadata, "version") ?? "";
  if (version === "") issues.push(`${name}: no Version field; reported without a version`);

  const sidecars = source.sidecars;
  const purl = packageUrl({
    type: "pypi",
    name: normalized,
    version,
    qualifiers: { vcs_url: vcsUrlQualifier(sidecars?.directUrl) },
  });
  if (purl instanceof Error) {
    issues.push(`${name}: no purl: ${purl.message}`);
    return { packages: [], issues };
  }

  const optional = (key: string): string | undefined => field(metadata, key);
  const metadataVersion = optional("metadataversion");
  const summary = optional("summary");
  const author = optional("author");
  const authorEmail = optional("authoremail");
  const homePage = optional("homepage");
  const platform = optional("platform");
  const requiresPython = optional("requirespython");
  const pythonMetadata: PythonMetadata = {
    kind: "python",
    name,
    format: source.format,
    ...(metadataVersion !== undefined && { metadataVersion }),
    ...(summary !== undefined && { summary }),
    ...(author !== undefined && { author }),
    ...(authorEmail !== undefined && { authorEmail }),
    ...(homePage !== undefined && { homePage }),
    ...(platform !== undefined && { platform }),
    ...(requiresPython !== undefined && { requiresPython }),
    requiresDist: fieldValues(metadata, "requiresdist"),
    providesExtra: fieldValues(metadata, "providesextra"),
    licenseFiles: fieldValues(metadata, "licensefile"),
    topLevelPackages: sidecars?.topLevelPackages ?? [],
    ...(sidecars?.directUrl !== undefined && { directUrl: sidecars.directUrl }),
    ...(sidecars?.installer !== undefined && { installer: sidecars.installer }),
  };
  return {
    packages: [
      {
        name: normalized,
        version,
        purl,
        licenses: declaredLicenses(metadata),
        metadata: pythonMetadata,
        ...(source.inside !== undefined && { inside: source.inside }),
      },
    ],
    issues,
  };
}
