/** The parts of an OSV record (schema 1.7) the matcher uses, read from untrusted JSON. */
export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  lastAffected?: string;
  limit?: string;
}

export interface OsvRange {
  type: "SEMVER" | "ECOSYSTEM" | "GIT";
  events: OsvEvent[];
}

export interface OsvSeverity {
  type: string;
  score: string;
}

export interface OsvAffected {
  ecosystem: string;
  name: string;
  purl?: string;
  ranges: OsvRange[];
  versions: string[];
  severity: OsvSeverity[];
  /** GHSA-style label from database_specific.severity, when present. */
  severityLabel?: string;
}

export interface OsvRecord {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  summary?: string;
  aliases: string[];
  upstream: string[];
  related: string[];
  severity: OsvSeverity[];
  severityLabel?: string;
  affected: OsvAffected[];
  references: string[];
}

type JsonObject = { readonly [key: string]: unknown };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

const texts = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

function severities(value: unknown): OsvSeverity[] {
  if (!Array.isArray(value)) return [];
  const out: OsvSeverity[] = [];
  for (const item of value) {
    if (!isObject(item)) continue;
    const type = text(item["type"]);
    const score = text(item["score"]);
    if (type && score) out.push({ type, score });
  }
  return out;
}

function severityLabel(databaseSpecific: unknown): string | undefined {
  return isObject(databaseSpecific) ? text(databaseSpecific["severity"])?.toUpperCase() : undefined;
}

function events(value: unknown): OsvEvent[] {
  if (!Array.isArray(value)) return [];
  const out: OsvEvent[] = [];
  for (const item of value) {
    if (!isObject(item)) continue;
    const event: OsvEvent = {};
    const introduced = text(item["introduced"]);
    const fixed = text(item["fixed"]);
    const lastAffected = text(item["last_affected"]);
    const limit = text(item["limit"]);
    if (introduced !== undefined) event.introduced = introduced;
    if (fixed !== undefined) event.fixed = fixed;
    if (lastAffected !== undefined) event.lastAffected = lastAffected;
    if (limit !== undefined) event.limit = limit;
    if (Object.keys(event).length > 0) out.push(event);
  }
  return out;
}

function ranges(value: unknown): OsvRange[] {
  if (!Array.isArray(value)) return [];
  const out: OsvRange[] = [];
  for (const item of value) {
    if (!isObject(item)) continue;
    const type = text(item["type"]);
    if (type !== "SEMVER" && type !== "ECOSYSTEM" && type !== "GIT") continue;
    out.push({ type, events: events(item["events"]) });
  }
  return out;
}

function affected(value: unknown): OsvAffected[] {
  if (!Array.isArray(value)) return [];
  const out: OsvAffected[] = [];
  for (const item of value) {
    if (!isObject(item) || !isObject(item["package"])) continue;
    const ecosystem = text(item["package"]["ecosystem"]);
    const name = text(item["package"]["name"]);
    if (!ecosystem || !name) continue;
    const entry: OsvAffected = {
      ecosystem,
      name,
      ranges: ranges(item["ranges"]),
      versions: texts(item["versions"]),
      severity: severities(item["severity"]),
    };
    const purl = text(item["package"]["purl"]);
    if (purl) entry.purl = purl;
    const label = severityLabel(item["database_specific"]) ?? severityLabel(item["ecosystem_specific"]);
    if (label) entry.severityLabel = label;
    out.push(entry);
  }
  return out;
}

/** Narrows one parsed JSON document; undefined when it lacks an id, a modified time or affected packages. */
export function readOsvRecord(value: unknown): OsvRecord | undefined {
  if (!isObject(value)) return undefined;
  const id = text(value["id"]);
  const modified = text(value["modified"]);
  if (!id || !modified) return undefined;
  const record: OsvRecord = {
    id,
    modified,
    aliases: texts(value["aliases"]),
    upstream: texts(value["upstream"]),
    related: texts(value["related"]),
    severity: severities(value["severity"]),
    affected: affected(value["affected"]),
    references: Array.isArray(value["references"])
      ? value["references"].flatMap((ref) => (isObject(ref) && typeof ref["url"] === "string" ? [ref["url"]] : []))
      : [],
  };
  const published = text(value["published"]);
  if (published) record.published = published;
  const withdrawn = text(value["withdrawn"]);
  if (withdrawn) record.withdrawn = withdrawn;
  const summary = text(value["summary"]) ?? text(value["details"])?.split("\n")[0]?.slice(0, 300);
  if (summary) record.summary = summary;
  const label = severityLabel(value["database_specific"]);
  if (label) record.severityLabel = label;
  return record;
}
