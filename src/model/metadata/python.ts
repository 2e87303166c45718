/** Python distributions (dist-info, egg-info, egg, wheel). Owned by the python cataloger folder; fields are filled in by it. */
export interface PythonMetadata {
  kind: "python";
  /** The distribution name as the metadata writes it ("Pygments"); the package name is its PEP 503 form ("pygments"). */
  name: string;
  /** Where the metadata was read: an installed `.dist-info` or `.egg-info`, or a `.egg` / `.whl` archive. */
  format: "dist-info" | "egg-info" | "egg" | "wheel";
  metadataVersion?: string;
  summary?: string;
  author?: string;
  authorEmail?: string;
  homePage?: string;
  platform?: string;
  requiresPython?: string;
  /** Requires-Dist entries as written ("soupsieve (>1.2)", "lxml ; extra == 'lxml'"). */
  requiresDist: string[];
  providesExtra: string[];
  /** License-File entries, relative to the metadata directory (their texts are not classified). */
  licenseFiles: string[];
  /** Importable top-level names from top_level.txt. */
  topLevelPackages: string[];
  /** PEP 610 direct_url.json: how pip installed it when not from an index. */
  directUrl?: PythonDirectUrl;
  /** The INSTALLER file ("pip", "uv", "debian"). */
  installer?: string;
}

export interface PythonDirectUrl {
  url: string;
  /** vcs_info.vcs ("git", "hg", "svn", "bzr"). */
  vcs?: string;
  commitId?: string;
  requestedRevision?: string;
  /** dir_info.editable: an editable (development) install of a local project. */
  editable?: boolean;
  /** archive_info.hash, e.g. "sha256=…". */
  archiveHash?: string;
}
