import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { defineCataloger } from "../../src/catalog/cataloger.ts";
import { javaArchive } from "../../src/catalogers/java/index.ts";
import { parseManifest } from "../../src/catalogers/java/parse-manifest.ts";
import { parsePomProperties } from "../../src/catalogers/java/parse-pom-properties.ts";
import type { JavaMetadata } from "../../src/model/package.ts";
import { conformanceSuite, type Reported } from "./harness.ts";

const java = (p: Reported): JavaMetadata | undefined => (p.metadata.kind === "java" ? p.metadata : undefined);

/**
 * The pom-properties and java-manifest cases are parser-level: they list no packages, only what
 * the parser returns (expected_properties, expected_manifest), which the last test below compares.
 * For the harness, these two parsers run as catalogers that report no packages.
 */
const pomPropertiesParser = defineCataloger({
  name: "java-pom-properties-parser",
  ecosystem: "maven",
  version: 1,
  wants: {},
  parse: (file) => {
    parsePomProperties(file.content);
    return { packages: [], issues: [] };
  },
});

const manifestParser = defineCataloger({
  name: "java-manifest-parser",
  ecosystem: "maven",
  version: 1,
  wants: {},
  parse: (file) => {
    parseManifest(file.content);
    return { packages: [], issues: [] };
  },
});

const offlineOnly =
  "offline only: the peer identified this jar through (mocked) Maven Central searches; we never look anything up";

conformanceSuite({
  ecosystem: "java",
  parserKinds: {
    jar: "java-archive",
    "pom-properties": "java-pom-properties-parser",
    "java-manifest": "java-manifest-parser",
  },
  catalogers: [javaArchive, pomPropertiesParser, manifestParser],
  fields: {
    // Trivy's file_path is the scanned file's name, then the nested archives' paths joined by "/".
    file_path: (p, e) => {
      if (typeof e !== "string") return false;
      const nested = e.slice(e.indexOf("/") + 1);
      const archive = java(p)?.archive;
      return e.includes("/") ? archive?.split("!").join("/") === nested : archive === undefined;
    },
  },
  unmodelled: { digest: "archives are not hashed (Trivy asserts the SHA-1 only with checksums enabled)" },
  disagreements: [
    {
      key: "java/trivy-jar-no-pom-sha1-lookup packages",
      reason: `${offlineOnly} (by SHA-1); offline we report the MANIFEST.MF identity, as Trivy's own offline case does`,
    },
    {
      key: "java/trivy-jar-artifactid-heuristic packages",
      reason:
        `${offlineOnly} (the groupId by artifactId); offline we report the file name's artifactId and version ` +
        "without a groupId (Syft's fallback), where Trivy offline reports nothing",
    },
  ],
});

// ---- parser-level cases: expected_properties and expected_manifest ----

/** Where our parsers deliberately differ from a parser-level expectation: "<case id>" → reason. */
const parserDisagreements: Record<string, string> = {
  "syft-manifest-leading-space":
    "a continuation line loses exactly one leading space (JAR File Specification, java.util.jar and Trivy); " +
    "Syft trims every leading blank",
};

interface ParserCase {
  id: string;
  input: string;
  properties?: unknown;
  manifest?: unknown;
}

function parserCases(): ParserCase[] {
  const folder = new URL("../../../shared/conformance/java/", import.meta.url);
  const file = new URL("cases.json", folder);
  assert.ok(existsSync(file), "the java conformance corpus is missing");
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  const cases = isRecord(parsed) && Array.isArray(parsed["cases"]) ? parsed["cases"] : [];
  const out: ParserCase[] = [];
  for (const c of cases) {
    if (!isRecord(c) || typeof c["id"] !== "string" || typeof c["input"] !== "string") continue;
    if (!("expected_properties" in c) && !("expected_manifest" in c)) continue;
    out.push({
      id: c["id"],
      input: fileURLToPath(new URL(c["input"], folder)),
      ...("expected_properties" in c && { properties: c["expected_properties"] }),
      ...("expected_manifest" in c && { manifest: c["expected_manifest"] }),
    });
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Our parse, in the shape of the case's expectation. */
function ours(c: ParserCase): unknown {
  const content = readFileSync(c.input);
  if (c.properties !== undefined) {
    const { groupId, artifactId, version, name, extra } = parsePomProperties(content);
    return {
      group_id: groupId,
      artifact_id: artifactId,
      version,
      ...(name !== undefined && { name }),
      ...(Object.keys(extra).length > 0 && { extra }),
    };
  }
  const { main, sections } = parseManifest(content);
  return { main, ...(sections.length > 0 && { sections }) };
}

test("conformance java: parser-level cases (pom.properties, MANIFEST.MF)", async (t) => {
  const cases = parserCases();
  assert.ok(cases.length > 0);
  for (const c of cases) {
    await t.test(c.id, () => {
      const expected = c.properties ?? c.manifest;
      const same = isDeepStrictEqual(ours(c), expected);
      if (c.id in parserDisagreements) {
        assert.ok(!same, "a listed disagreement no longer occurs: remove it from the list");
      } else {
        assert.deepEqual(ours(c), expected);
      }
    });
  }
  for (const id of Object.keys(parserDisagreements)) {
    assert.ok(
      cases.some((c) => c.id === id),
      `unknown case ${id}`,
    );
  }
});
