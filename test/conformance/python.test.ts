import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { strToU8, zipSync } from "fflate";
import { pythonArchive, pythonInstalled } from "../../src/catalogers/python/index.ts";
import type { PythonMetadata } from "../../src/model/package.ts";
import { scanImage } from "../../src/scan.ts";
import { openSource } from "../../src/source/open.ts";
import { conformanceSuite, type Reported, stringList } from "./harness.ts";

const python = (p: Reported): PythonMetadata | undefined => (p.metadata.kind === "python" ? p.metadata : undefined);

/** Ordered lists, as the peer asserts them. */
const sameList = (ours: readonly string[] | undefined, expected: unknown): boolean =>
  ours !== undefined && isDeepStrictEqual([...ours], stringList(expected));

function sameDirectUrl(p: Reported, expected: unknown): boolean {
  const ours = python(p)?.directUrl;
  if (typeof expected !== "object" || expected === null || ours === undefined) return false;
  return isDeepStrictEqual(expected, { url: ours.url, vcs: ours.vcs, commit_id: ours.commitId });
}

// Name disagreements (Trivy keeps the name as written; we and Syft report the PEP 503 name) show as
// "packages": the case's package is missing under its written name and ours is unexpected.
const nameAsWritten =
  "Trivy reports the name as written; we report the PEP 503 normalised name as Syft does (metadata.name keeps the written one)";

conformanceSuite({
  ecosystem: "python",
  catalogers: [pythonInstalled, pythonArchive],
  parserKinds: {
    "python-dist-info": "python-installed",
    "python-egg-info-pkg-info": "python-installed",
    "python-egg-info-file": "python-installed",
    "python-egg-zip": "python-archive",
  },
  rootfsKinds: { "python-site-packages-dir": "python-installed" },
  fields: {
    metadata_name: (p, e) => python(p)?.name === e,
    top_level_packages: (p, e) => sameList(python(p)?.topLevelPackages, e),
    requires_python: (p, e) => python(p)?.requiresPython === e,
    requires_dist: (p, e) => sameList(python(p)?.requiresDist, e),
    provides_extra: (p, e) => sameList(python(p)?.providesExtra, e),
    direct_url: sameDirectUrl,
  },
  unmodelled: {
    digest: "catalogers do not hash metadata files or archives (Trivy asserts it only with checksums enabled)",
    file_path: "the metadata file's path is the package location, which parse results do not carry",
    locations:
      "the package location is the metadata file alone; Syft also lists RECORD, top_level.txt and direct_url.json as supporting evidence",
  },
  disagreements: [
    { key: "python/trivy-egg-info-pkg-info-non-rfc7230 packages", reason: `${nameAsWritten}: Unidecode → unidecode` },
    {
      key: "python/trivy-dir-license-file-dist-info packages",
      reason: `${nameAsWritten}: typing_extensions → typing-extensions (its licenses come from classifying LICENSE.txt, which we do not do either)`,
    },
    {
      key: "python/trivy-egg-zip-with-license-file packages",
      reason: `${nameAsWritten}: sample_package → sample-package (its license comes from classifying the License-File text, which we do not do either)`,
    },
    {
      key: "python/trivy-metadata-license-file-only licenses",
      reason:
        "Trivy's parser returns the marker \"file://LICENSE.txt\" for its analyzer to classify; we report no license when only License-File is given, as Trivy's analyzer does when the file cannot be classified",
    },
    {
      key: "python/syft-license-file-declared licenses",
      reason:
        'Syft classifies the text of LICENSE.txt (BSD-3-Clause); we do not classify license texts and report the License classifier ("BSD License")',
    },
    {
      key: "python/syft-nested-dist-info-and-egg-info-dirs licenses",
      reason:
        'requests: Syft reads only the License field ("Apache 2.0"); we prefer License classifiers ("Apache Software License") as Trivy and the core metadata spec do',
    },
    {
      key: "python/syft-uppercase-DIST-INFO-EGG-INFO-dirs licenses",
      reason:
        'requests: Syft reads only the License field ("Apache 2.0"); we prefer License classifiers ("Apache Software License") as Trivy and the core metadata spec do',
    },
    {
      key: "python/syft-egg-info-file-full licenses",
      reason:
        'requests: Syft reads only the License field ("Apache 2.0"); we prefer License classifiers ("Apache Software License") as Trivy and the core metadata spec do',
    },
    {
      key: "python/syft-partial-dist-info packages",
      reason:
        "the input directory is itself the .dist-info directory, so scanned as a root its METADATA is /METADATA, which no dist-info glob names; Syft matches its globs against the path on disk",
    },
  ],
});

// Beyond the corpus (it has no wheel): archives are parsed eagerly as they leave the layer, and
// installed metadata is read with its sidecars, in one scan of a root filesystem directory.
test("a root filesystem with a wheel, an egg and a dist-info directory", async () => {
  const root = await mkdtemp(join(tmpdir(), "strata-python-"));
  try {
    const site = join(root, "usr/lib/python3.11/site-packages");
    await mkdir(join(site, "attrs-23.1.0.dist-info"), { recursive: true });
    await mkdir(join(root, "wheels"), { recursive: true });
    await writeFile(
      join(site, "attrs-23.1.0.dist-info/METADATA"),
      "Name: attrs\nVersion: 23.1.0\nLicense-Expression: MIT\n",
    );
    await writeFile(join(site, "attrs-23.1.0.dist-info/top_level.txt"), "attr\nattrs\n");
    await writeFile(join(site, "attrs-23.1.0.dist-info/INSTALLER"), "pip\n");
    await writeFile(
      join(root, "wheels/Six-1.16.0-py2.py3-none-any.whl"),
      zipSync({ "Six-1.16.0.dist-info/METADATA": strToU8("Name: Six\nVersion: 1.16.0\n") }),
    );
    await writeFile(
      join(site, "kitchen-1.2.6-py2.7.egg"),
      zipSync({ "EGG-INFO/PKG-INFO": strToU8("Name: kitchen\nVersion: 1.2.6\nLicense: LGPLv2+\n") }),
    );

    const source = await openSource(`dir:${root}`);
    try {
      const inventory = await scanImage(source, { catalogers: [pythonInstalled, pythonArchive] });
      const found = inventory.packages.map((p) => ({
        purl: p.purl,
        foundBy: p.foundBy,
        location: [p.locations[0]?.path, p.locations[0]?.inside].filter(Boolean).join("!"),
        licenses: p.licenses,
      }));
      assert.deepEqual(
        found.sort((a, b) => a.purl.localeCompare(b.purl)),
        [
          {
            purl: "pkg:pypi/attrs@23.1.0",
            foundBy: "python-installed",
            location: "/usr/lib/python3.11/site-packages/attrs-23.1.0.dist-info/METADATA",
            licenses: ["MIT"],
          },
          {
            purl: "pkg:pypi/kitchen@1.2.6",
            foundBy: "python-archive",
            location: "/usr/lib/python3.11/site-packages/kitchen-1.2.6-py2.7.egg!EGG-INFO/PKG-INFO",
            licenses: ["LGPLv2+"],
          },
          {
            purl: "pkg:pypi/six@1.16.0",
            foundBy: "python-archive",
            location: "/wheels/Six-1.16.0-py2.py3-none-any.whl!Six-1.16.0.dist-info/METADATA",
            licenses: [],
          },
        ],
      );
      const attrs = inventory.packages.find((p) => p.name === "attrs");
      assert.ok(attrs?.metadata.kind === "python");
      assert.deepEqual(attrs.metadata.topLevelPackages, ["attr", "attrs"]);
      assert.equal(attrs.metadata.installer, "pip");
      assert.deepEqual(inventory.issues, []);
    } finally {
      await source.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
