/** Python distributions (dist-info, egg-info, egg, wheel). Owned by the python cataloger folder; fields are filled in by it. */
export interface PythonMetadata {
  kind: "python";
}
