/** Java archives (JAR, WAR, EAR, PAR, nested). Owned by the java cataloger folder; fields are filled in by it. */
export interface JavaMetadata {
  kind: "java";
}
