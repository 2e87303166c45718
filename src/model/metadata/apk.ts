export interface ApkMetadata {
  kind: "apk";
  origin?: string;
  architecture?: string;
  maintainer?: string;
  url?: string;
  description?: string;
  checksum?: string;
  gitCommit?: string;
  size?: number;
  installedSize?: number;
  dependencies: string[];
  provides: string[];
}
