/** RPM database entries. Owned by the rpm cataloger folder; fields are filled in by it. */
export interface RpmMetadata {
  kind: "rpm";
  /** The VERSION tag alone; the package version is "[epoch:]version-release". */
  version: string;
  /** The RELEASE tag ("" when the header has none). */
  release: string;
  /** The EPOCH tag, when the header has one (absent is not the same as 0 for display). */
  epoch?: number;
  arch?: string;
  /** The source package's file name, "util-linux-2.32.1-42.el8_8.src.rpm". */
  sourceRpm?: string;
  vendor?: string;
  /** Installed size in bytes (SIZE, or LONGSIZE for packages over 4 GiB). */
  size?: number;
  /** Modular builds (RHEL/CentOS 8 AppStream): "nodejs:18:8080020230613:ad008a3a". */
  modularityLabel?: string;
  /** MD5 of header and payload (SIGMD5), lower-case hex. */
  sigmd5?: string;
  /** PROVIDENAME: capabilities the package provides (names only, no versions). */
  provides: string[];
  /** REQUIRENAME: capabilities it requires (names only, no versions). */
  requires: string[];
  /** The database format it was read from. */
  database: "bdb" | "ndb" | "sqlite";
}
