import assert from "node:assert/strict";
import { test } from "node:test";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { licenseChoices, renderCycloneDx } from "./cyclonedx.ts";
import { assertGolden, redact, sampleReport } from "./test-fixtures.ts";

const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

async function schemaErrors(json: string): Promise<unknown> {
  const errors: unknown = await validator.validate(json);
  return errors;
}

function parse(json: string): Record<string, unknown> {
  const value: unknown = JSON.parse(json);
  assert.ok(typeof value === "object" && value !== null && !Array.isArray(value));
  return Object.fromEntries(Object.entries(value));
}

function records(value: unknown): Record<string, unknown>[] {
  assert.ok(Array.isArray(value));
  return value.map((item: unknown) => {
    assert.ok(typeof item === "object" && item !== null && !Array.isArray(item));
    return Object.fromEntries(Object.entries(item));
  });
}

test("the sample report renders as the golden CycloneDX 1.6 BOM, valid against the strict 1.6 schema", async () => {
  const json = renderCycloneDx(sampleReport());
  assertGolden("sample.cdx.json.golden", redact(json));
  assert.equal(await schemaErrors(json), null);
});

test("the strict validator rejects a BOM with a component lacking its type and a made-up severity", async () => {
  const bom = parse(renderCycloneDx(sampleReport()));
  const [first] = records(bom["components"]);
  assert.ok(first);
  delete first["type"];
  bom["components"] = [first];
  assert.notEqual(await schemaErrors(JSON.stringify(bom)), null);

  const other = parse(renderCycloneDx(sampleReport()));
  const vulnerabilities = records(other["vulnerabilities"]);
  const [rating] = records(vulnerabilities[0]?.["ratings"]);
  assert.ok(rating);
  rating["severity"] = "severe";
  other["vulnerabilities"] = [{ ...vulnerabilities[0], ratings: [rating] }];
  assert.notEqual(await schemaErrors(JSON.stringify(other)), null);
});

test("every package is a component named by its id, with layer, location and ownership properties", () => {
  const report = sampleReport();
  const bom = parse(renderCycloneDx(report));
  const components = records(bom["components"]);
  const refs = components.map((component) => component["bom-ref"]);
  assert.equal(new Set(refs).size, refs.length);
  for (const pkg of report.packages) {
    const component = components.find((candidate) => candidate["bom-ref"] === pkg.id);
    assert.ok(component, pkg.name);
    assert.equal(component["purl"], pkg.purl);
    const properties = records(component["properties"]).map(
      (property) => `${String(property["name"])}=${String(property["value"])}`,
    );
    assert.ok(properties.includes(`strata:layer:index=${pkg.layer.index}`));
    assert.ok(properties.includes(`strata:layer:diffId=${pkg.layer.diffId}`));
    assert.ok(properties.includes(`strata:foundBy=${pkg.foundBy}`));
    assert.ok(properties.includes(`strata:location:0:path=${pkg.locations[0]?.path ?? ""}`));
  }
  const pyyaml = components.find((component) => component["name"] === "pyyaml");
  assert.ok(
    records(pyyaml?.["properties"]).some((p) => p["name"] === "strata:ownedBy" && p["value"] === "1b00000000000001"),
  );
  const jar = components.find((component) => component["name"] === "commons-lang3");
  assert.equal(jar?.["group"], "org.apache.commons");
  assert.ok(
    records(jar?.["properties"]).some(
      (p) => p["name"] === "strata:location:0:inside" && p["value"] === "BOOT-INF/lib/commons-lang3-3.12.0.jar",
    ),
  );
  assert.deepEqual(components[0], {
    type: "operating-system",
    "bom-ref": "os:debian@12",
    name: "debian",
    version: "12",
    description: "Debian GNU/Linux 12 (bookworm)",
  });
});

test("the image is the BOM's container component, with its digests, tag and layers", () => {
  const bom = parse(renderCycloneDx(sampleReport()));
  const metadata = bom["metadata"];
  assert.ok(typeof metadata === "object" && metadata !== null && "component" in metadata && "timestamp" in metadata);
  assert.equal(metadata.timestamp, "2026-11-20T10:11:12.345Z");
  const [image] = records([metadata.component]);
  assert.equal(image?.["type"], "container");
  assert.equal(image?.["version"], `sha256:${"e1".repeat(32)}`);
  const properties = records(image?.["properties"]);
  assert.ok(properties.some((p) => p["name"] === "strata:image:tag" && p["value"] === "example/app:1.0"));
  assert.ok(
    properties.some((p) => p["name"] === "strata:layer:2:diffId" && p["value"] === `sha256:${"d2".repeat(32)}`),
  );
  assert.ok(properties.some((p) => p["name"] === "strata:image:configDigest"));
});

test("findings become vulnerabilities that point at their component, rated by the CVSS version they came from", () => {
  const bom = parse(renderCycloneDx(sampleReport()));
  const components = new Set(records(bom["components"]).map((component) => component["bom-ref"]));
  const vulnerabilities = records(bom["vulnerabilities"]);
  assert.equal(vulnerabilities.length, 8);
  for (const vulnerability of vulnerabilities)
    for (const affect of records(vulnerability["affects"])) assert.ok(components.has(affect["ref"]));
  const methods = new Map(
    vulnerabilities.map((vulnerability) => [vulnerability["id"], records(vulnerability["ratings"])[0]?.["method"]]),
  );
  assert.equal(methods.get("CVE-2023-5678"), "CVSSv31");
  assert.equal(methods.get("CVE-2019-9192"), "CVSSv3");
  assert.equal(methods.get("CVE-2010-4756"), "CVSSv2");
  assert.equal(methods.get("CVE-2020-14343"), "CVSSv4");
  assert.equal(methods.get("GHSA-j288-q9x7-2f5v"), "other");
  assert.equal(methods.get("GO-2023-2185"), undefined);
  const lodash = vulnerabilities.find((vulnerability) => vulnerability["id"] === "CVE-2021-23337");
  assert.equal(lodash?.["recommendation"], "Upgrade lodash to 4.17.21.");
  assert.deepEqual(lodash?.["references"], [
    { id: "GHSA-35jh-r3h4-6jhm", source: { name: "GitHub", url: "https://github.com/advisories/GHSA-35jh-r3h4-6jhm" } },
  ]);
  assert.ok(records(lodash?.["properties"]).some((p) => p["name"] === "strata:detection" && p["value"] === "sca"));
  const glibc = vulnerabilities.find((vulnerability) => vulnerability["id"] === "CVE-2010-4756");
  assert.equal(glibc?.["advisories"], undefined, "a reference that is not a URL is left out");
  assert.ok(records(glibc?.["properties"]).some((p) => p["name"] === "strata:detection" && p["value"] === "os"));
});

test("licenses: listed SPDX ids stay ids, other names stay names, and compound expressions become one expression", () => {
  assert.deepEqual(licenseChoices(["MIT", "GPL-2+", " MIT "]), [
    { license: { id: "MIT", acknowledgement: "declared" } },
    { license: { name: "GPL-2+", acknowledgement: "declared" } },
  ]);
  assert.deepEqual(licenseChoices(["Apache-2.0", "MIT OR BSD-3-Clause"]), [
    { expression: "Apache-2.0 AND (MIT OR BSD-3-Clause)", acknowledgement: "declared" },
  ]);
  assert.deepEqual(licenseChoices(["LicenseRef-Acme"]), [
    { expression: "LicenseRef-Acme", acknowledgement: "declared" },
  ]);
  assert.deepEqual(licenseChoices(["MIT OR BSD-3-Clause", "Public Domain"]), [
    { license: { name: "MIT OR BSD-3-Clause", acknowledgement: "declared" } },
    { license: { name: "Public Domain", acknowledgement: "declared" } },
  ]);
  assert.deepEqual(licenseChoices(["", "  "]), []);
});

test("a report without advisories has no vulnerabilities; an empty image is still a valid BOM", async () => {
  const report = sampleReport();
  delete report.vulnerabilities;
  report.packages = [];
  delete report.distro;
  const json = renderCycloneDx(report);
  const bom = parse(json);
  assert.equal("vulnerabilities" in bom, false);
  assert.deepEqual(bom["components"], []);
  assert.equal(await schemaErrors(json), null);
});

test("output does not depend on input order, and the serial number changes only with the scan", () => {
  const report = sampleReport();
  const shuffled = sampleReport();
  shuffled.packages.reverse();
  shuffled.vulnerabilities?.findings.reverse();
  assert.equal(renderCycloneDx(shuffled), renderCycloneDx(report));
  const later = sampleReport();
  later.scannedAt = "2026-11-21T10:11:12.345Z";
  assert.notEqual(parse(renderCycloneDx(later))["serialNumber"], parse(renderCycloneDx(report))["serialNumber"]);
  assert.match(
    String(parse(renderCycloneDx(report))["serialNumber"]),
    /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab]/,
  );
});
