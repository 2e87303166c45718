export const ecosystemNames = [
  "deb",
  "apk",
  "rpm",
  "pypi",
  "npm",
  "nuget",
  "maven",
  "golang",
  "composer",
  "gem",
  "cargo",
] as const;

export type Ecosystem = (typeof ecosystemNames)[number];
