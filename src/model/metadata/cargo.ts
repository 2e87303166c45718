/** Rust crates (Cargo.lock, cargo-auditable binaries). Owned by the cargo cataloger folder; fields are filled in by it. */
export interface CargoMetadata {
  kind: "cargo";
}
