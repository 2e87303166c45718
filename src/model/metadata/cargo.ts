/** Rust crates (Cargo.lock, cargo-auditable binaries). Owned by the cargo cataloger folder; fields are filled in by it. */
export interface CargoMetadata {
  kind: "cargo";
  /**
   * Where the crate came from, as the file writes it. Cargo.lock: "registry+<index url>" or
   * "git+<repo url>?<ref>#<commit>", absent for workspace members and path dependencies.
   * cargo-auditable: "crates.io", "git", "local", "registry" or another word.
   */
  source?: string;
  /** The SHA-256 of the .crate archive (hex), from Cargo.lock: inline, or the v1 [metadata] table. */
  checksum?: string;
  /** The crates this one depends on, resolved to "name@version" (cargo-auditable: runtime ones only). */
  dependencies: string[];
  /** cargo-auditable: the crate the binary was built from. */
  root?: boolean;
}
