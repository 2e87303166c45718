export interface NpmMetadata {
  kind: "npm";
  author?: string;
  homepage?: string;
  description?: string;
  url?: string;
  private: boolean;
}
