import assert from "node:assert/strict";
import { test } from "node:test";
import { isSpdxExpression, licenseRefsIn } from "./licenses.ts";
import { renderSpdx } from "./spdx.ts";
import { assertGolden, redact, sampleReport, schemaErrors, sharedSchema } from "./test-fixtures.ts";

const schemaFile = "spdx-2.3.schema.json";

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

/**
 * What SPDX 2.3 requires of the parts strata writes (spec clauses 6, 7, 10 and 11, and Annex D for
 * license expressions), checked without the JSON schema: every problem found, as text.
 */
function spdxProblems(doc: Json): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, problem: string): void => {
    if (!ok) problems.push(problem);
  };
  need(doc["spdxVersion"] === "SPDX-2.3", "spdxVersion must be SPDX-2.3");
  need(doc["dataLicense"] === "CC0-1.0", "dataLicense must be CC0-1.0");
  need(doc["SPDXID"] === "SPDXRef-DOCUMENT", "the document's SPDXID must be SPDXRef-DOCUMENT");
  need(typeof doc["name"] === "string" && doc["name"] !== "", "the document needs a name");
  const namespace = doc["documentNamespace"];
  need(
    typeof namespace === "string" && URL.canParse(namespace) && !namespace.includes("#"),
    "documentNamespace must be an absolute URI without #",
  );
  const creation = doc["creationInfo"];
  need(
    isRecord(creation) &&
      typeof creation["created"] === "string" &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(creation["created"]),
    "creationInfo.created must be YYYY-MM-DDThh:mm:ssZ",
  );
  need(
    isRecord(creation) &&
      Array.isArray(creation["creators"]) &&
      creation["creators"].length > 0 &&
      creation["creators"].every(
        (creator) => typeof creator === "string" && /^(Tool|Organization|Person): \S/.test(creator),
      ),
    "creationInfo.creators must name at least one Tool:, Organization: or Person:",
  );
  const extracted = new Set(recordsOf(doc["hasExtractedLicensingInfos"]).map((info) => info["licenseId"]));
  for (const info of recordsOf(doc["hasExtractedLicensingInfos"]))
    need(
      typeof info["licenseId"] === "string" &&
        /^LicenseRef-[A-Za-z0-9.-]+$/.test(info["licenseId"]) &&
        typeof info["extractedText"] === "string" &&
        info["extractedText"] !== "",
      `extracted license ${String(info["licenseId"])} needs a LicenseRef- id and its text`,
    );
  const ids = new Set<unknown>(["SPDXRef-DOCUMENT"]);
  const packages = recordsOf(doc["packages"]);
  need(Array.isArray(doc["packages"]) && packages.length === doc["packages"].length, "packages must be objects");
  for (const pkg of packages) {
    const id = pkg["SPDXID"];
    const label = `package ${String(id)}`;
    need(
      typeof id === "string" && /^SPDXRef-[A-Za-z0-9.-]+$/.test(id),
      `${label}: SPDXID must be SPDXRef-[A-Za-z0-9.-]+`,
    );
    need(!ids.has(id), `${label}: SPDXID is not unique`);
    ids.add(id);
    need(typeof pkg["name"] === "string" && pkg["name"] !== "", `${label}: needs a name`);
    need(pkg["downloadLocation"] === "NOASSERTION", `${label}: downloadLocation must be NOASSERTION`);
    need(pkg["filesAnalyzed"] === false, `${label}: filesAnalyzed must be false`);
    need(!("packageVerificationCode" in pkg), `${label}: no verification code without files`);
    for (const field of ["licenseConcluded", "licenseDeclared"]) {
      const value = pkg[field];
      need(
        value === "NOASSERTION" || value === "NONE" || (typeof value === "string" && isSpdxExpression(value)),
        `${label}: ${field} ${String(value)} is not an SPDX expression`,
      );
      if (typeof value === "string")
        for (const ref of licenseRefsIn(value)) need(extracted.has(ref), `${label}: ${ref} is not declared`);
    }
    for (const externalRef of recordsOf(pkg["externalRefs"]))
      need(
        externalRef["referenceCategory"] === "PACKAGE-MANAGER" &&
          externalRef["referenceType"] === "purl" &&
          typeof externalRef["referenceLocator"] === "string" &&
          externalRef["referenceLocator"].startsWith("pkg:") &&
          !/\s/.test(externalRef["referenceLocator"]),
        `${label}: externalRefs must be PACKAGE-MANAGER purls without spaces`,
      );
  }
  const relationships = recordsOf(doc["relationships"]);
  need(
    relationships.some(
      (relationship) =>
        relationship["spdxElementId"] === "SPDXRef-DOCUMENT" && relationship["relationshipType"] === "DESCRIBES",
    ),
    "the document must DESCRIBE something",
  );
  for (const relationship of relationships) {
    need(ids.has(relationship["spdxElementId"]), `relationship from unknown ${String(relationship["spdxElementId"])}`);
    need(
      ids.has(relationship["relatedSpdxElement"]),
      `relationship to unknown ${String(relationship["relatedSpdxElement"])}`,
    );
    need(
      ["DESCRIBES", "CONTAINS"].includes(String(relationship["relationshipType"])),
      `unexpected relationship ${String(relationship["relationshipType"])}`,
    );
  }
  return problems;
}

test("the sample report renders as the golden SPDX 2.3 document, which passes the SPDX checks", () => {
  const json = renderSpdx(sampleReport());
  assertGolden("sample.spdx.json.golden", redact(json));
  assert.deepEqual(spdxProblems(parse(json)), []);
});

test("the document validates against the official SPDX 2.3 JSON schema, and a broken one does not", (t) => {
  const schema = sharedSchema(schemaFile);
  if (schema === undefined) {
    t.skip(`shared/schemas/${schemaFile} is not present (the SPDX 2.3 schema is kept in the shared repository)`);
    return;
  }
  const doc = parse(renderSpdx(sampleReport()));
  assert.deepEqual(schemaErrors(schema, doc), []);
  const [image] = recordsOf(doc["packages"]);
  assert.ok(image);
  delete image["SPDXID"];
  assert.notDeepEqual(schemaErrors(schema, doc), []);
});

test("the checks catch a broken document", () => {
  const doc = parse(renderSpdx(sampleReport()));
  const packages = recordsOf(doc["packages"]);
  const [image, first, second] = packages;
  assert.ok(image && first && second);
  second["SPDXID"] = first["SPDXID"];
  first["licenseDeclared"] = "GPL-2+";
  doc["relationships"] = [
    ...recordsOf(doc["relationships"]),
    { spdxElementId: "SPDXRef-Image", relationshipType: "CONTAINS", relatedSpdxElement: "SPDXRef-Nowhere" },
  ];
  const problems = spdxProblems(doc);
  assert.ok(problems.some((problem) => problem.includes("SPDXID is not unique")));
  assert.ok(problems.some((problem) => problem.includes("GPL-2+ is not an SPDX expression")));
  assert.ok(problems.some((problem) => problem.includes("SPDXRef-Nowhere")));
});

test("the image is described by the document and contains every package; an OS package contains what it installed", () => {
  const report = sampleReport();
  const doc = parse(renderSpdx(report));
  const packages = recordsOf(doc["packages"]);
  const image = packages[0];
  assert.equal(image?.["SPDXID"], "SPDXRef-Image");
  assert.equal(image["name"], "example/app:1.0");
  assert.equal(image["versionInfo"], `sha256:${"e1".repeat(32)}`);
  assert.equal(image["primaryPackagePurpose"], "CONTAINER");
  assert.match(String(image["comment"]), /Layer 2: digest sha256:(a2)+, diffID sha256:(d2)+, 3100000 bytes\./);
  assert.equal(packages.length, report.packages.length + 1);
  const relationships = recordsOf(doc["relationships"]).map(
    (r) => `${String(r["spdxElementId"])} ${String(r["relationshipType"])} ${String(r["relatedSpdxElement"])}`,
  );
  assert.equal(relationships[0], "SPDXRef-DOCUMENT DESCRIBES SPDXRef-Image");
  for (const pkg of report.packages)
    assert.ok(relationships.includes(`SPDXRef-Image CONTAINS SPDXRef-Package-${pkg.id}`));
  assert.ok(relationships.includes("SPDXRef-Package-1b00000000000001 CONTAINS SPDXRef-Package-1b00000000000002"));
  assert.equal(doc["name"], "example/app:1.0");
  assert.match(
    String(doc["documentNamespace"]),
    /^https:\/\/spdx\.org\/spdxdocs\/strata\/example-app-1\.0-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  assert.deepEqual(doc["creationInfo"], { created: "2026-11-20T10:11:12Z", creators: ["Tool: strata-0.1.0"] });
});

test("each package names its purl, the layer that introduced it and where it was found", () => {
  const doc = parse(renderSpdx(sampleReport()));
  const jar = recordsOf(doc["packages"]).find((pkg) => pkg["name"] === "commons-lang3");
  assert.deepEqual(jar?.["externalRefs"], [
    {
      referenceCategory: "PACKAGE-MANAGER",
      referenceType: "purl",
      referenceLocator: "pkg:maven/org.apache.commons/commons-lang3@3.12.0",
    },
  ]);
  assert.equal(
    jar?.["sourceInfo"],
    `Introduced in layer 2 (sha256:${"d2".repeat(32)}; COPY app/ /app/ # buildkit); ` +
      "found by java-archive in /app/app.jar (BOOT-INF/lib/commons-lang3-3.12.0.jar).",
  );
  const stdlib = recordsOf(doc["packages"]).find((pkg) => pkg["name"] === "stdlib");
  assert.equal(stdlib?.["licenseDeclared"], "NOASSERTION");
});

test("licenses: SPDX expressions stay as written, other names become LicenseRefs with their text", () => {
  const doc = parse(renderSpdx(sampleReport()));
  const declared = new Map(recordsOf(doc["packages"]).map((pkg) => [pkg["name"], pkg["licenseDeclared"]]));
  assert.equal(declared.get("libc6"), "LicenseRef-GPL-2 AND LGPL-2.1+");
  assert.equal(declared.get("libssl3"), "Apache-2.0 AND LicenseRef-Artistic");
  assert.equal(declared.get("@acme/dual"), "Apache-2.0 AND (MIT OR BSD-3-Clause)");
  assert.equal(declared.get("commons-lang3"), "LicenseRef-Apache-License-Version-2.0");
  assert.equal(declared.get("example.com/acme/internal"), "LicenseRef-Acme-Proprietary");
  const extracted = recordsOf(doc["hasExtractedLicensingInfos"]);
  assert.deepEqual(
    extracted.map((info) => [info["licenseId"], info["extractedText"]]),
    [
      ["LicenseRef-Acme-Proprietary", "LicenseRef-Acme-Proprietary"],
      ["LicenseRef-Apache-License-Version-2.0", "Apache License, Version 2.0"],
      ["LicenseRef-Artistic", "Artistic"],
      ["LicenseRef-GPL-2", "GPL-2+"],
    ],
  );
});

test("names that clean up to the same LicenseRef, or to one an expression uses, get distinct ids", () => {
  const report = sampleReport();
  const [first, second, third] = report.packages;
  assert.ok(first && second && third);
  first.licenses = ["GPL 2+"];
  second.licenses = ["GPL-2+"];
  third.licenses = ["LicenseRef-GPL-2"];
  const doc = parse(renderSpdx(report));
  const declared = recordsOf(doc["packages"]).map((pkg) => pkg["licenseDeclared"]);
  assert.deepEqual(declared.slice(1, 4), ["LicenseRef-GPL-2-2", "LicenseRef-GPL-2-3", "LicenseRef-GPL-2"]);
  assert.deepEqual(spdxProblems(doc), []);
});

test("output does not depend on input order; an empty image is still a valid document", () => {
  const shuffled = sampleReport();
  shuffled.packages.reverse();
  assert.equal(renderSpdx(shuffled), renderSpdx(sampleReport()));
  const empty = sampleReport();
  empty.packages = [];
  empty.image.tags = [];
  delete empty.image.manifestDigest;
  delete empty.image.configDigest;
  const doc = parse(renderSpdx(empty));
  assert.equal(doc["name"], "docker-archive:example-app.tar");
  assert.equal("hasExtractedLicensingInfos" in doc, false);
  assert.deepEqual(spdxProblems(doc), []);
  const schema = sharedSchema(schemaFile);
  if (schema !== undefined) assert.deepEqual(schemaErrors(schema, doc), []);
});
