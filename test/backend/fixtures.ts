/**
 * Real inputs for the backend tests: an image built with test/image-builder and scanned by the real
 * scanner, and advisory databases imported from subsets of the shared OSV corpus.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync, zipSync } from "fflate";
import type { Inventory } from "../../src/model/inventory.ts";
import { scanImage } from "../../src/scan.ts";
import { openSource } from "../../src/source/open.ts";
import { openVulnDatabase } from "../../src/vulndb/database.ts";
import { importOsvZip } from "../../src/vulndb/import-zip.ts";
import { type TestImage, writeDockerArchive } from "../image-builder/index.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
export const osvCorpus = fileURLToPath(new URL("../../../shared/osv", import.meta.url));

function stanza(fields: Record<string, string>): string {
  return `${Object.entries(fields)
    .map(([key, value]) => `${key}: ${value}`)
    .join("\n")}\n`;
}

/** Debian 11 packages at their bullseye release versions, before the security updates the corpus lists. */
const bullseyeBase = [
  stanza({
    Package: "base-files",
    Status: "install ok installed",
    Architecture: "amd64",
    Version: "11.1+deb11u5",
    Description: "Debian base system miscellaneous files",
  }),
  stanza({
    Package: "zlib1g",
    Status: "install ok installed",
    Architecture: "amd64",
    Source: "zlib",
    Version: "1:1.2.11.dfsg-2",
    Description: "compression library - runtime",
  }),
  stanza({
    Package: "gzip",
    Status: "install ok installed",
    Architecture: "amd64",
    Version: "1.10-4",
    Description: "GNU compression utilities",
  }),
  stanza({
    Package: "libssl1.1",
    Status: "install ok installed",
    Architecture: "amd64",
    Source: "openssl",
    Version: "1.1.1k-1",
    Description: "Secure Sockets Layer toolkit - shared libraries",
  }),
];

const curl = [
  stanza({
    Package: "curl",
    Status: "install ok installed",
    Architecture: "amd64",
    Version: "7.74.0-1.3+deb11u1",
    Description: "command line tool for transferring data with URL syntax",
  }),
  stanza({
    Package: "libcurl4",
    Status: "install ok installed",
    Architecture: "amd64",
    Source: "curl",
    Version: "7.74.0-1.3+deb11u1",
    Description: "easy-to-use client-side URL transfer library (OpenSSL flavour)",
  }),
];

const pythonMetadata = (name: string, version: string) =>
  `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nLicense: MIT\n\nA package.\n`;

/** Layers: 0 Debian base, 1 curl, 2 node_modules, 3 pip packages. */
export async function testImage(tag = "registry.example/strata/app:1.0"): Promise<TestImage> {
  return {
    repoTags: [tag],
    layers: [
      {
        createdBy: "debian bullseye base",
        files: {
          "etc/os-release": 'ID=debian\nVERSION_ID="11"\nPRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\n',
          "var/lib/dpkg/status": bullseyeBase.join("\n"),
        },
      },
      {
        createdBy: "apt-get install -y curl",
        files: { "var/lib/dpkg/status": [...bullseyeBase, ...curl].join("\n") },
      },
      {
        createdBy: "COPY node_modules /app/node_modules",
        files: {
          "app/node_modules/lodash/package.json": JSON.stringify({ name: "lodash", version: "4.17.4", license: "MIT" }),
          "app/node_modules/marked/package.json": JSON.stringify({ name: "marked", version: "0.3.5", license: "MIT" }),
          "app/node_modules/semver/package.json": await readFile(join(repo, "node_modules/semver/package.json")),
        },
      },
      {
        createdBy: "pip install requests==2.19.0 PyYAML==5.3",
        files: {
          "usr/local/lib/python3.9/site-packages/requests-2.19.0.dist-info/METADATA": pythonMetadata(
            "requests",
            "2.19.0",
          ),
          "usr/local/lib/python3.9/site-packages/PyYAML-5.3.dist-info/METADATA": pythonMetadata("PyYAML", "5.3"),
        },
      },
    ],
  };
}

/** Builds the image as a docker-archive in `work` and scans it with the real scanner. */
export async function scannedInventory(work: string, name = "image", tag?: string): Promise<Inventory> {
  const file = join(work, `${name}.tar`);
  await writeDockerArchive(await testImage(tag), file);
  const source = await openSource(file);
  try {
    return await scanImage(source, { now: new Date("2025-01-01T00:00:00Z") });
  } finally {
    await source.close();
  }
}

/** Writes a zip holding only the records of `ecosystem`/all.zip that name one of `packages`. */
export async function advisorySubset(ecosystem: string, packages: readonly string[], out: string): Promise<number> {
  const wanted = new Set(packages.map((name) => name.toLowerCase()));
  const entries = unzipSync(await readFile(join(osvCorpus, ecosystem, "all.zip")));
  const kept: Record<string, Uint8Array> = {};
  for (const [name, bytes] of Object.entries(entries)) {
    const record: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (mentions(record, wanted)) kept[name] = bytes;
  }
  await writeFile(out, zipSync(kept));
  return Object.keys(kept).length;
}

function mentions(record: unknown, names: ReadonlySet<string>): boolean {
  if (typeof record !== "object" || record === null || !("affected" in record) || !Array.isArray(record.affected))
    return false;
  return record.affected.some((entry: unknown) => {
    if (typeof entry !== "object" || entry === null || !("package" in entry)) return false;
    const pkg: unknown = entry.package;
    return (
      typeof pkg === "object" &&
      pkg !== null &&
      "name" in pkg &&
      typeof pkg.name === "string" &&
      names.has(pkg.name.toLowerCase())
    );
  });
}

/** Imports advisory zips into the SQLite advisory database at `path` (created when missing). */
export async function importAdvisories(path: string, zips: readonly string[]): Promise<void> {
  const db = openVulnDatabase(path);
  try {
    for (const zip of zips) await importOsvZip(db, zip, zip);
  } finally {
    db.close();
  }
}

/** The subsets the tests use: Debian and npm at first, PyPI later ("a new advisory feed arrived"). */
export async function writeAdvisorySubsets(work: string): Promise<{ debian: string; npm: string; pypi: string }> {
  const debian = join(work, "debian-subset.zip");
  const npm = join(work, "npm-subset.zip");
  const pypi = join(work, "pypi-subset.zip");
  await advisorySubset("Debian", ["zlib", "gzip", "openssl", "curl"], debian);
  await advisorySubset("npm", ["lodash", "marked", "semver"], npm);
  await advisorySubset("PyPI", ["requests", "pyyaml"], pypi);
  return { debian, npm, pypi };
}
