// Shared by the tests of this folder: a scan report covering several ecosystems and severities, and
// golden-file comparison. Not used by the reporters themselves.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import formats from "ajv-formats";
import type { Finding, Severity } from "../model/finding.ts";
import type { Layer, LayerRef } from "../model/layer.ts";
import { layerRef } from "../model/layer.ts";
import type { Package, PackageMetadata } from "../model/package.ts";
import type { ScanReport } from "../model/report.ts";

const layers: Layer[] = [
  {
    index: 0,
    digest: `sha256:${"a0".repeat(32)}`,
    diffId: `sha256:${"d0".repeat(32)}`,
    size: 29_150_000,
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    created: "2026-10-01T00:00:00Z",
    createdBy: "/bin/sh -c #(nop) ADD file:4b1d0c5e in / ",
  },
  {
    index: 1,
    digest: `sha256:${"a1".repeat(32)}`,
    diffId: `sha256:${"d1".repeat(32)}`,
    size: 12_400_000,
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    createdBy: "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends python3-yaml",
  },
  {
    index: 2,
    digest: `sha256:${"a2".repeat(32)}`,
    diffId: `sha256:${"d2".repeat(32)}`,
    size: 3_100_000,
    mediaType: "application/vnd.oci.image.layer.v1.tar+zstd",
    createdBy: "COPY app/ /app/ # buildkit",
  },
];

const dpkg: PackageMetadata = {
  kind: "dpkg",
  provides: [],
  depends: [],
  preDepends: [],
  database: "dpkg",
  architecture: "amd64",
};

function pkg(
  id: string,
  fields: Pick<Package, "name" | "version" | "ecosystem" | "purl" | "licenses" | "foundBy" | "metadata">,
  layerIndex: number,
  path: string,
  extra: { inside?: string; ownedBy?: Package["ownedBy"] } = {},
): Package {
  const layer = ref(layerIndex);
  return {
    id,
    ...fields,
    layer,
    locations: [{ path, layer, ...(extra.inside === undefined ? {} : { inside: extra.inside }) }],
    ...(extra.ownedBy === undefined ? {} : { ownedBy: extra.ownedBy }),
  };
}

function ref(index: number): LayerRef {
  const layer = layers[index];
  assert.ok(layer, `no layer ${index}`);
  return layerRef(layer);
}

const packages: Package[] = [
  pkg(
    "1a00000000000001",
    {
      name: "libc6",
      version: "2.36-9+deb12u3",
      ecosystem: "deb",
      purl: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u3?arch=amd64&distro=debian-12",
      licenses: ["GPL-2+", "LGPL-2.1+"],
      foundBy: "dpkg-status",
      metadata: dpkg,
    },
    0,
    "/var/lib/dpkg/status",
  ),
  pkg(
    "1a00000000000002",
    {
      name: "libssl3",
      version: "3.0.11-1~deb12u2",
      ecosystem: "deb",
      purl: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
      licenses: ["Apache-2.0", "Artistic"],
      foundBy: "dpkg-status",
      metadata: dpkg,
    },
    0,
    "/var/lib/dpkg/status",
  ),
  pkg(
    "1a00000000000003",
    {
      name: "openssl",
      version: "3.0.11-1~deb12u2",
      ecosystem: "deb",
      purl: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
      licenses: ["Apache-2.0"],
      foundBy: "dpkg-status",
      metadata: dpkg,
    },
    0,
    "/var/lib/dpkg/status",
  ),
  pkg(
    "1b00000000000001",
    {
      name: "python3-yaml",
      version: "6.0-3+b2",
      ecosystem: "deb",
      purl: "pkg:deb/debian/python3-yaml@6.0-3%2Bb2?arch=amd64&distro=debian-12",
      licenses: ["MIT"],
      foundBy: "dpkg-status",
      metadata: dpkg,
    },
    1,
    "/var/lib/dpkg/status",
  ),
  pkg(
    "1b00000000000002",
    {
      name: "pyyaml",
      version: "6.0",
      ecosystem: "pypi",
      purl: "pkg:pypi/pyyaml@6.0",
      licenses: ["MIT"],
      foundBy: "python-installed",
      metadata: {
        kind: "python",
        name: "PyYAML",
        format: "egg-info",
        requiresDist: [],
        providesExtra: [],
        licenseFiles: [],
        topLevelPackages: ["_yaml", "yaml"],
      },
    },
    1,
    "/usr/lib/python3/dist-packages/PyYAML-6.0.egg-info/PKG-INFO",
    { ownedBy: { id: "1b00000000000001", name: "python3-yaml", purl: "pkg:deb/debian/python3-yaml@6.0-3%2Bb2" } },
  ),
  pkg(
    "1c00000000000001",
    {
      name: "lodash",
      version: "4.17.20",
      ecosystem: "npm",
      purl: "pkg:npm/lodash@4.17.20",
      licenses: ["MIT"],
      foundBy: "npm-package-json",
      metadata: { kind: "npm", private: false },
    },
    2,
    "/app/node_modules/lodash/package.json",
  ),
  pkg(
    "1c00000000000002",
    {
      name: "@acme/dual",
      version: "1.0.0",
      ecosystem: "npm",
      purl: "pkg:npm/%40acme/dual@1.0.0",
      licenses: ["Apache-2.0", "MIT OR BSD-3-Clause"],
      foundBy: "npm-package-json",
      metadata: { kind: "npm", private: false },
    },
    2,
    "/app/node_modules/@acme/dual #1/package.json",
  ),
  pkg(
    "1c00000000000003",
    {
      name: "commons-lang3",
      version: "3.12.0",
      ecosystem: "maven",
      purl: "pkg:maven/org.apache.commons/commons-lang3@3.12.0",
      licenses: ["Apache License, Version 2.0"],
      foundBy: "java-archive",
      metadata: {
        kind: "java",
        evidence: "pom.properties",
        groupId: "org.apache.commons",
        artifactId: "commons-lang3",
      },
    },
    2,
    "/app/app.jar",
    { inside: "BOOT-INF/lib/commons-lang3-3.12.0.jar" },
  ),
  pkg(
    "1c00000000000004",
    {
      name: "stdlib",
      version: "go1.21.0",
      ecosystem: "golang",
      purl: "pkg:golang/stdlib@go1.21.0",
      licenses: [],
      foundBy: "go-binary",
      metadata: { kind: "go", role: "stdlib", goVersion: "go1.21.0" },
    },
    2,
    "/app/server",
  ),
  pkg(
    "1c00000000000005",
    {
      name: "example.com/acme/internal",
      version: "v0.3.1",
      ecosystem: "golang",
      purl: "pkg:golang/example.com/acme/internal@v0.3.1",
      licenses: ["LicenseRef-Acme-Proprietary"],
      foundBy: "go-binary",
      metadata: { kind: "go", role: "dependency", goVersion: "go1.21.0" },
    },
    2,
    "/app/server",
  ),
];

function finding(
  packageId: string,
  fields: Pick<Finding, "id" | "aliases" | "advisories" | "fixedVersions" | "references"> & {
    summary?: string;
    severity: Severity;
  },
): Finding {
  const target = packages.find((candidate) => candidate.id === packageId);
  assert.ok(target, `no package ${packageId}`);
  return {
    ...fields,
    packageId,
    packageName: target.name,
    ecosystem: target.ecosystem,
    purl: target.purl,
    installedVersion: target.version,
    layer: target.layer,
    detection: target.ecosystem === "deb" ? "os" : "sca",
  };
}

const opensslFix = {
  id: "CVE-2023-5678",
  aliases: ["DEBIAN-CVE-2023-5678"],
  advisories: ["DEBIAN-CVE-2023-5678"],
  summary: "Excessive time spent in DH check / generation with large Q parameter value",
  fixedVersions: ["3.0.13-1~deb12u1"],
  severity: {
    rating: "critical",
    score: 9.8,
    vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    source: "CVSS_V3",
  },
  references: ["https://security-tracker.debian.org/tracker/CVE-2023-5678"],
} as const satisfies Parameters<typeof finding>[1];

const findings: Finding[] = [
  finding("1a00000000000002", { ...opensslFix, aliases: [...opensslFix.aliases] }),
  finding("1a00000000000003", { ...opensslFix, aliases: [...opensslFix.aliases] }),
  finding("1a00000000000001", {
    id: "CVE-2019-9192",
    aliases: ["DEBIAN-CVE-2019-9192"],
    advisories: ["DEBIAN-CVE-2019-9192"],
    fixedVersions: [],
    severity: {
      rating: "low",
      score: 2.5,
      vector: "CVSS:3.0/AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:L",
      source: "CVSS_V3",
    },
    references: [],
  }),
  finding("1a00000000000001", {
    id: "CVE-2010-4756",
    aliases: [],
    advisories: ["DEBIAN-CVE-2010-4756"],
    summary: "glob implementation allows denial of service through crafted glob expressions",
    fixedVersions: [],
    severity: { rating: "medium", score: 4, vector: "AV:N/AC:L/Au:S/C:N/I:N/A:P", source: "CVSS_V2" },
    references: ["not a url"],
  }),
  finding("1b00000000000002", {
    id: "CVE-2020-14343",
    aliases: ["GHSA-8q59-q68h-6hv4", "PYSEC-2021-142"],
    advisories: ["GHSA-8q59-q68h-6hv4", "PYSEC-2021-142"],
    summary: "Improper Input Validation in PyYAML",
    fixedVersions: ["6.0.1"],
    severity: {
      rating: "critical",
      score: 9.3,
      vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
      source: "CVSS_V4",
    },
    references: ["https://github.com/advisories/GHSA-8q59-q68h-6hv4", "https://github.com/yaml/pyyaml/issues/420"],
  }),
  finding("1c00000000000001", {
    id: "CVE-2021-23337",
    aliases: ["GHSA-35jh-r3h4-6jhm"],
    advisories: ["GHSA-35jh-r3h4-6jhm"],
    summary: "Command Injection in lodash",
    fixedVersions: ["4.17.21"],
    severity: {
      rating: "high",
      score: 7.2,
      vector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
      source: "CVSS_V3",
    },
    references: ["https://nvd.nist.gov/vuln/detail/CVE-2021-23337"],
  }),
  finding("1c00000000000003", {
    id: "GHSA-j288-q9x7-2f5v",
    aliases: ["CVE-2025-48924"],
    advisories: ["GHSA-j288-q9x7-2f5v"],
    summary: "Uncontrolled Recursion vulnerability in Apache Commons Lang",
    fixedVersions: ["3.18.0"],
    severity: { rating: "medium", source: "label" },
    references: ["https://github.com/advisories/GHSA-j288-q9x7-2f5v"],
  }),
  finding("1c00000000000004", {
    id: "GO-2023-2185",
    aliases: ["CVE-2023-45283", "CVE-2023-45284"],
    advisories: ["GO-2023-2185"],
    summary: "Insecure parsing of Windows paths with a \\??\\ prefix in path/filepath",
    fixedVersions: ["1.20.11", "1.21.4"],
    severity: { rating: "unknown", source: "none" },
    references: ["https://go.dev/issue/63713"],
  }),
];

/** A fresh copy each call, so a test may change it freely. */
export function sampleReport(): ScanReport {
  return structuredClone({
    schemaVersion: 1,
    scanner: { name: "strata", version: "0.1.0" },
    scannedAt: "2026-11-20T10:11:12.345Z",
    image: {
      kind: "docker-archive",
      reference: "docker-archive:example-app.tar",
      manifestDigest: `sha256:${"e1".repeat(32)}`,
      configDigest: `sha256:${"c1".repeat(32)}`,
      tags: ["example/app:1.0"],
      platform: { os: "linux", architecture: "amd64" },
      created: "2026-11-19T08:00:00Z",
    },
    distro: {
      id: "debian",
      versionId: "12",
      versionCodename: "bookworm",
      prettyName: "Debian GNU/Linux 12 (bookworm)",
      idLike: [],
    },
    layers,
    packages,
    issues: [],
    vulnerabilities: {
      database: { updatedAt: "2026-11-18T00:00:00Z", sources: ["Debian", "GitHub", "Go", "PyPI"] },
      findings,
    },
  });
}

/** Times and UUIDs vary from run to run; everything else in a rendered report must not. */
export function redact(text: string): string {
  return text
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g, "<timestamp>")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>");
}

/**
 * Compares with `__golden__/<name>`, byte for byte. With UPDATE_GOLDEN=1 the file is (re)written
 * instead; without it a missing file fails, so CI never passes on goldens it has just made up. The
 * names end in `.golden` so that the formatter leaves them exactly as the reporter wrote them.
 */
export function assertGolden(name: string, actual: string): void {
  const file = fileURLToPath(new URL(`./__golden__/${name}`, import.meta.url));
  if (process.env["UPDATE_GOLDEN"] === "1") {
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `golden file ${name} is missing: run the test with UPDATE_GOLDEN=1 and review it`);
  assert.equal(actual, readFileSync(file, "utf8"), `output differs from ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

/**
 * A schema kept in the steering repository's shared/schemas (beside the conformance corpus), or
 * undefined when that folder is not there.
 */
export function sharedSchema(fileName: string): unknown {
  const file = fileURLToPath(new URL(`../../../shared/schemas/${fileName}`, import.meta.url));
  if (!existsSync(file)) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  return parsed;
}

/** Schema errors as "path: message" lines; none for a valid document. */
export function schemaErrors(schema: unknown, document: unknown): string[] {
  assert.ok(typeof schema === "object" && schema !== null);
  const ajv = new Ajv({ allErrors: true, strict: false });
  formats.default(ajv);
  const validate = ajv.compile(schema);
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"}: ${error.message ?? error.keyword}`);
}
