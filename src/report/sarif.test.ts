import assert from "node:assert/strict";
import { test } from "node:test";
import { relativeUri, renderSarif } from "./sarif.ts";
import { assertGolden, redact, sampleReport, schemaErrors, sharedSchema } from "./test-fixtures.ts";

const schemaFile = "sarif-2.1.0.schema.json";

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function recordsOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function parse(json: string): Json {
  const value: unknown = JSON.parse(json);
  assert.ok(isRecord(value));
  return value;
}

function path(value: unknown, ...keys: (string | number)[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof key === "number") current = Array.isArray(current) ? current[key] : undefined;
    else current = isRecord(current) ? current[key] : undefined;
  }
  return current;
}

/**
 * What SARIF 2.1.0 (§3.13–3.27, 3.49) and GitHub code scanning ask of the parts strata writes,
 * checked without the JSON schema: every problem found, as text.
 */
function sarifProblems(log: Json): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, problem: string): void => {
    if (!ok) problems.push(problem);
  };
  need(log["version"] === "2.1.0", "version must be 2.1.0");
  const runs = recordsOf(log["runs"]);
  need(runs.length === 1, "one run");
  const run = runs[0];
  const driver = path(run, "tool", "driver");
  need(isRecord(driver) && driver["name"] === "strata", "tool.driver.name must be strata");
  const rules = recordsOf(path(driver, "rules"));
  const ruleIds = rules.map((rule) => rule["id"]);
  need(new Set(ruleIds).size === ruleIds.length, "rule ids must be unique");
  for (const rule of rules) {
    const label = `rule ${String(rule["id"])}`;
    need(typeof rule["id"] === "string" && rule["id"] !== "", `${label}: needs an id`);
    need(typeof path(rule, "shortDescription", "text") === "string", `${label}: needs shortDescription.text`);
    const helpUri = rule["helpUri"];
    need(
      helpUri === undefined || (typeof helpUri === "string" && URL.canParse(helpUri)),
      `${label}: helpUri must be a URI`,
    );
    const severity = path(rule, "properties", "security-severity");
    need(
      severity === undefined ||
        (typeof severity === "string" &&
          /^\d+(\.\d)?$/.test(severity) &&
          Number(severity) >= 0 &&
          Number(severity) <= 10),
      `${label}: security-severity must be a number 0-10 written as a string`,
    );
  }
  for (const [n, result] of recordsOf(run?.["results"]).entries()) {
    const label = `result ${n}`;
    need(ruleIds.includes(result["ruleId"]), `${label}: ruleId must name a rule`);
    if (result["ruleIndex"] !== undefined)
      need(ruleIds[Number(result["ruleIndex"])] === result["ruleId"], `${label}: ruleIndex must point at its rule`);
    need(["none", "note", "warning", "error"].includes(String(result["level"])), `${label}: bad level`);
    const text = path(result, "message", "text");
    need(typeof text === "string" && text !== "", `${label}: needs message.text`);
    const locations = recordsOf(result["locations"]);
    need(locations.length > 0, `${label}: code scanning needs a location`);
    for (const location of locations) {
      const uri = path(location, "physicalLocation", "artifactLocation", "uri");
      need(
        typeof uri === "string" && uri !== "" && !uri.startsWith("/") && !/[\s?#]/.test(uri),
        `${label}: artifact uri ${String(uri)} must be a relative path`,
      );
    }
    need(isRecord(result["partialFingerprints"]), `${label}: needs partialFingerprints`);
  }
  return problems;
}

/** The OASIS schema is draft-04; ajv 8 reads it as draft-07 once the draft-04 `id` is renamed. */
function sarifSchema(): unknown {
  const schema = sharedSchema(schemaFile);
  if (!isRecord(schema)) return undefined;
  const { $schema: _draft, id, ...rest } = schema;
  return { $id: id, ...rest };
}

test("the sample findings render as the golden SARIF log, which passes the SARIF checks", () => {
  const json = renderSarif(sampleReport());
  assertGolden("sample.sarif.json.golden", redact(json));
  assert.deepEqual(sarifProblems(parse(json)), []);
});

test("the log validates against the official SARIF 2.1.0 schema, and a broken one does not", (t) => {
  const schema = sarifSchema();
  if (schema === undefined) {
    t.skip(`shared/schemas/${schemaFile} is not present (the SARIF 2.1.0 schema is kept in the shared repository)`);
    return;
  }
  const log = parse(renderSarif(sampleReport()));
  assert.deepEqual(schemaErrors(schema, log), []);
  const result = recordsOf(path(log, "runs", 0, "results"))[0];
  assert.ok(result);
  result["level"] = "critical";
  assert.notDeepEqual(schemaErrors(schema, log), []);
});

test("the checks catch a broken log", () => {
  const log = parse(renderSarif(sampleReport()));
  const [first, second] = recordsOf(path(log, "runs", 0, "results"));
  assert.ok(first && second);
  first["level"] = "critical";
  first["ruleId"] = "CVE-0000-0000";
  second["locations"] = [{ physicalLocation: { artifactLocation: { uri: "/var/lib/dpkg/status" } } }];
  const problems = sarifProblems(log);
  assert.ok(problems.includes("result 0: bad level"));
  assert.ok(problems.includes("result 0: ruleId must name a rule"));
  assert.ok(problems.some((problem) => problem.startsWith("result 1: artifact uri /var/lib/dpkg/status")));
});

test("severity decides the level: critical and high are errors, medium warnings, the rest notes", () => {
  const log = parse(renderSarif(sampleReport()));
  const levels = Object.fromEntries(
    recordsOf(path(log, "runs", 0, "results")).map((result) => [
      `${String(result["ruleId"])} ${String(path(result, "properties", "purl"))}`,
      result["level"],
    ]),
  );
  assert.deepEqual(levels, {
    "CVE-2020-14343 pkg:pypi/pyyaml@6.0": "error",
    "CVE-2023-5678 pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12": "error",
    "CVE-2023-5678 pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12": "error",
    "CVE-2021-23337 pkg:npm/lodash@4.17.20": "error",
    "CVE-2010-4756 pkg:deb/debian/libc6@2.36-9%2Bdeb12u3?arch=amd64&distro=debian-12": "warning",
    "GHSA-j288-q9x7-2f5v pkg:maven/org.apache.commons/commons-lang3@3.12.0": "warning",
    "CVE-2019-9192 pkg:deb/debian/libc6@2.36-9%2Bdeb12u3?arch=amd64&distro=debian-12": "note",
    "GO-2023-2185 pkg:golang/stdlib@go1.21.0": "note",
  });
});

test("one rule per vulnerability id, with its CVSS score as security-severity and a help link", () => {
  const log = parse(renderSarif(sampleReport()));
  const rules = recordsOf(path(log, "runs", 0, "tool", "driver", "rules"));
  assert.deepEqual(
    rules.map((rule) => rule["id"]),
    [
      "CVE-2010-4756",
      "CVE-2019-9192",
      "CVE-2020-14343",
      "CVE-2021-23337",
      "CVE-2023-5678",
      "GHSA-j288-q9x7-2f5v",
      "GO-2023-2185",
    ],
  );
  const openssl = rules.find((rule) => rule["id"] === "CVE-2023-5678");
  assert.equal(path(openssl, "properties", "security-severity"), "9.8");
  assert.equal(openssl?.["helpUri"], "https://security-tracker.debian.org/tracker/CVE-2023-5678");
  assert.deepEqual(path(openssl, "properties", "tags"), ["security", "vulnerability", "os", "deb"]);
  const lang = rules.find((rule) => rule["id"] === "GHSA-j288-q9x7-2f5v");
  assert.equal(path(lang, "properties", "security-severity"), undefined, "no score, no security-severity");
  const glibc = rules.find((rule) => rule["id"] === "CVE-2010-4756");
  assert.equal(glibc?.["helpUri"], undefined, "a reference that is not a URL is no help link");
  assert.equal(path(log, "runs", 0, "tool", "driver", "informationUri"), undefined);
});

test("a result names the package, its versions and layer, and points at the file it was read from", () => {
  const log = parse(renderSarif(sampleReport()));
  const results = recordsOf(path(log, "runs", 0, "results"));
  const jar = results.find((result) => result["ruleId"] === "GHSA-j288-q9x7-2f5v");
  assert.equal(
    path(jar, "message", "text"),
    "commons-lang3 3.12.0 is affected by GHSA-j288-q9x7-2f5v: Uncontrolled Recursion vulnerability in Apache " +
      `Commons Lang. Fixed in 3.18.0. Introduced in layer 2 (sha256:${"d2".repeat(32)}; COPY app/ /app/ # buildkit).` +
      " Read from /app/app.jar (inside: BOOT-INF/lib/commons-lang3-3.12.0.jar).",
  );
  assert.equal(path(jar, "locations", 0, "physicalLocation", "artifactLocation", "uri"), "app/app.jar");
  const go = results.find((result) => result["ruleId"] === "GO-2023-2185");
  assert.match(String(path(go, "message", "text")), /Fixed in 1\.20\.11, 1\.21\.4\./);
  const fingerprints = results.map((result) => JSON.stringify(result["partialFingerprints"]));
  assert.equal(new Set(fingerprints).size, fingerprints.length, "each result has its own fingerprint");
});

test("paths become relative URIs: no leading slash, spaces and fragment marks escaped", () => {
  assert.equal(relativeUri("/var/lib/dpkg/status"), "var/lib/dpkg/status");
  assert.equal(
    relativeUri("/app/node_modules/@acme/dual #1/package.json"),
    "app/node_modules/@acme/dual%20%231/package.json",
  );
  assert.equal(relativeUri("/a?b/100%"), "a%3Fb/100%25");
});

test("without advisories the log has a run with no rules and no results, and order does not matter", () => {
  const report = sampleReport();
  delete report.vulnerabilities;
  const log = parse(renderSarif(report));
  assert.deepEqual(path(log, "runs", 0, "results"), []);
  assert.deepEqual(path(log, "runs", 0, "tool", "driver", "rules"), []);
  assert.deepEqual(sarifProblems(log), []);
  const shuffled = sampleReport();
  shuffled.vulnerabilities?.findings.reverse();
  shuffled.packages.reverse();
  assert.equal(renderSarif(shuffled), renderSarif(sampleReport()));
});
