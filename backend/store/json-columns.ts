/** JSON columns are written by this backend; reading them back still checks their shape. */
export function stringList(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

export interface PackageOwner {
  id: string;
  name: string;
  purl: string;
}

export function packageOwner(text: string | null): PackageOwner | null {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || !("id" in value && "name" in value && "purl" in value))
    return null;
  const { id, name, purl } = value;
  return typeof id === "string" && typeof name === "string" && typeof purl === "string" ? { id, name, purl } : null;
}
