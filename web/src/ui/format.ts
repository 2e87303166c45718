import type { Distro } from "../api/responses.ts";

const units = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/** 1536 → "1.5 KiB". */
export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit] ?? "B"}`;
}

/** An ISO timestamp as "2025-01-01 12:30 UTC": the same for every reader, whatever their zone. */
export function dateTime(iso: string | null): string {
  if (iso === null) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "sha256:0123456789abcdef…" → "sha256:0123456789ab". */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(":");
  return colon < 0 ? digest.slice(0, 12) : digest.slice(0, colon + 13);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

/** "Debian GNU/Linux 11 (bullseye)", or "debian 11" when os-release had no pretty name. */
export function distroLabel(distro: Distro | null): string {
  if (distro === null) return "—";
  return distro.name ?? [distro.id, distro.version].filter((part) => part !== null).join(" ");
}
