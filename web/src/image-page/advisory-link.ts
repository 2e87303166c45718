import type { VulnerabilityRow } from "../api/responses.ts";

function isWebAddress(reference: string): boolean {
  try {
    const { protocol } = new URL(reference);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}

/**
 * Where the finding's id links to: one of the advisory's own references, preferring one that names the id
 * (its page, rather than a fix or a report), else the first. Undefined when it gave none. References that
 * are not web addresses (a `javascript:` one, say) are never linked.
 */
export function advisoryLink(finding: Pick<VulnerabilityRow, "id" | "references">): string | undefined {
  const web = finding.references.filter(isWebAddress);
  const id = finding.id.toLowerCase();
  return web.find((reference) => reference.toLowerCase().includes(id)) ?? web[0];
}
