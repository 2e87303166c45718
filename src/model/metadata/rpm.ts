/** RPM database entries. Owned by the rpm cataloger folder; fields are filled in by it. */
export interface RpmMetadata {
  kind: "rpm";
}
