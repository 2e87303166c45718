/** Go modules from binary build info. Owned by the go cataloger folder; fields are filled in by it. */
export interface GoMetadata {
  kind: "go";
}
