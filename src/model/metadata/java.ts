/** Java archives (JAR, WAR, EAR, PAR, nested). Owned by the java cataloger folder; fields are filled in by it. */
export interface JavaMetadata {
  kind: "java";
  /**
   * What identified the package: a pom.properties file, the archive's MANIFEST.MF main section,
   * or only the archive's file name ("name-1.2.3.jar").
   */
  evidence: "pom.properties" | "manifest" | "filename";
  /** Absent when only the file name identified the archive (the purl then repeats the artifactId, as Syft does). */
  groupId?: string;
  artifactId: string;
  /**
   * The nested archive that holds the package, as entry paths joined by "!"
   * ("WEB-INF/lib/a.jar", "BOOT-INF/lib/a.jar!META-INF/jars/b.jar"); absent for the scanned file itself.
   */
  archive?: string;
}
