/** .NET packages (packages.lock.json, packages.config, *.deps.json). Owned by the dotnet cataloger folder; fields are filled in by it. */
export interface DotnetMetadata {
  kind: "dotnet";
}
