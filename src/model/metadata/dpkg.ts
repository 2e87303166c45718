export interface DpkgMetadata {
  kind: "dpkg";
  source?: string;
  sourceVersion?: string;
  architecture?: string;
  maintainer?: string;
  /** Installed-Size as written: dpkg writes KiB; a value with a unit ("4KB") is converted to bytes, as Syft does. */
  installedSize?: number;
  provides: string[];
  depends: string[];
  preDepends: string[];
  /** dpkg or opkg: opkg status files carry a License field. */
  database: "dpkg" | "opkg";
}
