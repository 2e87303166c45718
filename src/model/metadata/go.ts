/**
 * Go modules from binary build info. Owned by the go cataloger folder; fields are filled in by it.
 * The go-binary cataloger always sets `role` and `goVersion`; they are optional only so that a bare
 * `{ kind: "go" }` stays valid for test doubles.
 */
export interface GoMetadata {
  kind: "go";
  /** The Go toolchain's standard library, the binary's main module, or a module it was built with. */
  role?: "stdlib" | "main" | "dependency";
  /** The toolchain version as embedded in the binary: "go1.22.1", "go1.22.1 X:loopvar". */
  goVersion?: string;
  /** GOOS and GOARCH build settings (recorded since Go 1.18). */
  goos?: string;
  goarch?: string;
  /** GOEXPERIMENT values the toolchain was built or run with ("loopvar", "boringcrypto"). */
  experiments?: string[];
  /** The main package's import path: "go.etcd.io/bbolt/cmd/bbolt", "command-line-arguments". */
  mainPackage?: string;
  /** The main module's path, on every package of the binary. */
  mainModule?: string;
  /** The go.sum checksum of the module as built: "h1:…". */
  h1Digest?: string;
  /** The module as required, when a replace directive put another module (this package) in its place. */
  replaces?: { path: string; version: string };
  /**
   * The directory a replace directive pointed this module at: the code did not come from any
   * module version, so the package carries the required path and no version.
   */
  replacedByDirectory?: string;
  /** For the main module: where its version came from (the module line, or `-ldflags -X …version=`). */
  versionSource?: "module" | "ldflags";
  /** Every `build` setting in order (-ldflags, CGO_ENABLED, vcs.revision, …), on the stdlib and main-module packages. */
  buildSettings?: { key: string; value: string }[];
}
