/** .NET packages (packages.lock.json, packages.config, *.deps.json). Owned by the dotnet cataloger folder; fields are filled in by it. */
export interface DotnetMetadata {
  kind: "dotnet";
  /** The kind of file the package was read from. */
  source: "deps.json" | "packages.lock.json" | "packages.config";
  /**
   * "direct" when the project itself asks for the package, "indirect" when it comes through
   * another package; absent when the file does not tell (a deps.json whose root project or
   * target section cannot be found, packages.config).
   */
  relationship?: "direct" | "indirect";
  /** deps.json: the application the file belongs to (its root project), when it can be told. */
  project?: { name: string; version: string };
  /** deps.json: "package", or "runtimepack" for the .NET runtime bundled into a self-contained app. */
  libraryType?: "package" | "runtimepack";
  /** The SHA-512 of the .nupkg, base64 (deps.json `sha512` without its "sha512-" prefix, packages.lock.json `contentHash`). */
  sha512?: string;
  /** deps.json: the package's folder in the NuGet packages folder, "newtonsoft.json/13.0.1". */
  path?: string;
  /** packages.lock.json and packages.config: the target frameworks the package is resolved for. */
  targetFrameworks: string[];
  /** The version range asked for (packages.lock.json `requested`, packages.config `allowedVersions`). */
  requested?: string;
  /** The reported packages this one depends on, as "Name@version" (deps.json, packages.lock.json). */
  dependencies: string[];
}
