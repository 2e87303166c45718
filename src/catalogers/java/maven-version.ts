/**
 * Whether two Maven versions are the same version in Maven's ordering, for the cases that matter
 * when removing duplicates: trailing zero components ("2.17.0" and "2.17"), leading zeros
 * ("1.01" and "1.1"), the release qualifiers "ga", "final" and "release", and letter case.
 */
export function sameMavenVersion(a: string, b: string): boolean {
  return a === b || canonical(a) === canonical(b);
}

const releaseQualifiers = new Set(["", "0", "ga", "final", "release"]);

function canonical(version: string): string {
  // Maven splits at "." and "-", and at each switch between digits and letters ("1rc1" = "1-rc-1").
  const items = version
    .toLowerCase()
    .replace(/(\d)(?=[a-z])|([a-z])(?=\d)/g, "$1$2-")
    .split(/[.-]/)
    .map((item) => (/^\d+$/.test(item) ? String(BigInt(item)) : item));
  while (items.length > 1 && releaseQualifiers.has(items[items.length - 1] ?? "")) items.pop();
  return items.join(".");
}
