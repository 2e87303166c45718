/** The operating system of the final image, from os-release and friends. */
export interface Distro {
  /** os-release ID: "debian", "alpine", "ubuntu"... */
  id: string;
  versionId?: string;
  versionCodename?: string;
  prettyName?: string;
  idLike: string[];
}
