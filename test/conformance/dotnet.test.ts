import { dotnetDepsJson, nugetPackagesConfig, nugetPackagesLockJson } from "../../src/catalogers/dotnet/index.ts";
import type { DotnetMetadata } from "../../src/model/package.ts";
import { conformanceSuite, type Reported } from "./harness.ts";

const dotnet = (p: Reported): DotnetMetadata | undefined => (p.metadata.kind === "dotnet" ? p.metadata : undefined);

const projectsAreNotPackages =
  "projects (the application and its project references) are not NuGet packages and match no advisory; " +
  "we report only packages and keep the root project's name and version in each package's metadata";

conformanceSuite({
  ecosystem: "dotnet",
  parserKinds: {
    "dotnet-deps-json": "dotnet-deps-json",
    "nuget-packages-lock-json": "nuget-packages-lock-json",
    "nuget-packages-config": "nuget-packages-config",
  },
  catalogers: [dotnetDepsJson, nugetPackagesLockJson, nugetPackagesConfig],

  fields: {
    // Trivy's package IDs: "name/version" for deps.json, "name@version" for NuGet files.
    id: (p, e) => `${p.name}${dotnet(p)?.source === "deps.json" ? "/" : "@"}${p.version}` === e,
    relationship: (p, e) => dotnet(p)?.relationship === e,
  },
  unmodelled: { locations: "line positions inside the file are not in the model" },

  disagreements: [
    {
      key: "dotnet/trivy-deps-json-happy packages",
      reason: `Trivy reports the root project ExampleApp1: ${projectsAreNotPackages}`,
    },
    {
      key: "dotnet/trivy-deps-json-without-runtime packages",
      reason: `Trivy reports the root project hello2: ${projectsAreNotPackages}`,
    },
    {
      key: "dotnet/trivy-deps-json-missing-target packages",
      reason: `Trivy reports the root project ExampleApp1: ${projectsAreNotPackages}`,
    },
    {
      key: "dotnet/trivy-deps-json-self-contained packages",
      reason: `Trivy reports the root project ExampleApp1: ${projectsAreNotPackages}`,
    },
    {
      key: "dotnet/trivy-deps-json-multi-project packages",
      reason: `Trivy reports the root project Web and the project references Api and Data (workspace): ${projectsAreNotPackages}`,
    },
    {
      key: "dotnet/trivy-deps-json-ambiguous-root packages",
      reason: `Trivy reports the projects Web and Worker: ${projectsAreNotPackages}`,
    },
    {
      key: "dotnet/trivy-analyzer-deps-json-datacollector packages",
      reason: `Trivy reports the root project Microsoft.VisualStudio.TestPlatform.Common: ${projectsAreNotPackages}`,
    },
    {
      key: "dotnet/syft-deps-json-project-reference packages",
      reason:
        `Syft reports the root project TestLibrary and the project reference TestCommon: ${projectsAreNotPackages}. ` +
        "Syft also reports System.Diagnostics.DiagnosticSource and System.Runtime.CompilerServices.Unsafe, which the " +
        "target lists without runtime, runtimeTargets or native assets (the framework provides them, nothing is " +
        "deployed); we follow Trivy and leave such libraries out",
    },
  ],
});
