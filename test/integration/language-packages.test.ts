import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { zipSync } from "fflate";
import type { Inventory } from "../../src/model/inventory.ts";
import { scanImage } from "../../src/scan.ts";
import { openSource } from "../../src/source/open.ts";
import { type TestImage, writeDockerArchive } from "../image-builder/index.ts";
import { hostFile, installedHostStanzas } from "./host-debian.ts";

/**
 * One image, one layer per ecosystem, like a real application image: a Debian python3 package,
 * a pip-installed distribution and a wheel, a node_modules tree, a composer project, gems and a
 * Rust project. Every package must be reported with the layer that added it.
 */
const repo = fileURLToPath(new URL("../..", import.meta.url));
let work = "";
let inventory: Inventory;
let debianPython: { name: string; version: string; metadataPath: string } | undefined;
const nodeModules = ["tar-stream", "semver", "picomatch"];

const metadata = (name: string, version: string, license: string) =>
  `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nLicense: ${license}\n\nA package.\n`;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-languages-"));
  const base: Record<string, string | Buffer> = { "etc/os-release": "ID=debian\nVERSION_ID=12\n" };
  // A Debian python3 package from this machine, with its real METADATA and file list, when it has one.
  const yaml = (await installedHostStanzas())?.find((stanza) => stanza.name === "python3-yaml");
  const list = await hostFile("/var/lib/dpkg/info/python3-yaml.list");
  const metadataPath = list
    ?.toString()
    .split("\n")
    .find((line) => /\.dist-info\/METADATA$|\.egg-info\/PKG-INFO$/.test(line));
  const metadataFile = metadataPath ? await hostFile(metadataPath) : undefined;
  if (yaml && list && metadataPath && metadataFile) {
    base["var/lib/dpkg/status"] = yaml.text;
    base["var/lib/dpkg/info/python3-yaml.list"] = list;
    base[metadataPath.slice(1)] = metadataFile;
    const name = /^Name: (.+)$/m.exec(metadataFile.toString())?.[1] ?? "";
    const version = /^Version: (.+)$/m.exec(metadataFile.toString())?.[1] ?? "";
    debianPython = { name, version, metadataPath };
  }
  const wheel = Buffer.from(
    zipSync({
      "demo_wheel/__init__.py": new TextEncoder().encode(""),
      "demo_wheel-0.4.0.dist-info/METADATA": new TextEncoder().encode(metadata("demo-wheel", "0.4.0", "MIT")),
    }),
  );
  const node: Record<string, Buffer> = {};
  for (const name of nodeModules) {
    node[`app/node_modules/${name}/package.json`] = await readFile(join(repo, "node_modules", name, "package.json"));
  }
  const image: TestImage = {
    layers: [
      { createdBy: "debian base with python3-yaml", files: base },
      {
        createdBy: "pip install requests; COPY dist/*.whl",
        files: {
          "usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA": metadata(
            "requests",
            "2.31.0",
            "Apache 2.0",
          ),
          "opt/wheels/demo_wheel-0.4.0-py3-none-any.whl": wheel,
        },
      },
      { createdBy: "COPY node_modules", files: node },
      {
        createdBy: "composer install",
        files: {
          "srv/php/composer.json": JSON.stringify({ require: { "monolog/monolog": "^3.0" } }),
          "srv/php/composer.lock": JSON.stringify({
            packages: [{ name: "monolog/monolog", version: "3.5.0", license: ["MIT"], type: "library" }],
            "packages-dev": [
              { name: "phpunit/phpunit", version: "10.5.1", license: ["BSD-3-Clause"], type: "library" },
            ],
          }),
          "srv/php/vendor/composer/installed.json": JSON.stringify({
            packages: [{ name: "monolog/monolog", version: "3.5.0", license: ["MIT"] }],
            "dev-package-names": [],
          }),
        },
      },
      {
        createdBy: "gem install rack",
        files: {
          "usr/local/bundle/specifications/rack-2.2.8.gemspec": [
            "# -*- encoding: utf-8 -*-",
            "Gem::Specification.new do |s|",
            '  s.name = "rack".freeze',
            '  s.version = "2.2.8"',
            '  s.licenses = ["MIT".freeze]',
            "end",
          ].join("\n"),
        },
      },
      {
        createdBy: "COPY rust project",
        files: {
          "src/app/Cargo.lock": [
            "version = 3",
            "",
            "[[package]]",
            'name = "app"',
            'version = "0.1.0"',
            'dependencies = ["serde"]',
            "",
            "[[package]]",
            'name = "serde"',
            'version = "1.0.193"',
            'source = "registry+https://github.com/rust-lang/crates.io-index"',
            'checksum = "25dd9975e68d0cb5aa1120c288333fc98731bd1dd12f561e468ea4728c042b89"',
            "",
          ].join("\n"),
        },
      },
    ],
  };
  const file = join(work, "languages.tar");
  await writeDockerArchive(image, file);
  const source = await openSource(file);
  try {
    inventory = await scanImage(source, { now: new Date(0) });
  } finally {
    await source.close();
  }
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

const find = (foundBy: string, name: string) =>
  inventory.packages.find((pkg) => pkg.foundBy === foundBy && pkg.name.toLowerCase() === name.toLowerCase());

test("pip-installed distributions and wheels are reported with their layer", () => {
  assert.equal(find("python-installed", "requests")?.layer.index, 1);
  assert.equal(find("python-installed", "requests")?.purl, "pkg:pypi/requests@2.31.0");
  const wheel = find("python-archive", "demo-wheel");
  assert.equal(wheel?.layer.index, 1);
  assert.equal(wheel?.version, "0.4.0");
});

test("a Debian python3 package's distribution is reported and marked as owned by the dpkg package", (t) => {
  if (!debianPython) {
    t.skip("this machine has no python3-yaml dpkg files to build the layer from");
    return;
  }
  const dist = find("python-installed", debianPython.name.toLowerCase().replace(/[-_.]+/g, "-"));
  const deb = find("dpkg-status", "python3-yaml");
  assert.ok(dist && deb, "both the Debian package and its Python distribution are reported");
  assert.equal(dist.version, debianPython.version);
  assert.equal(dist.layer.index, 0);
  assert.deepEqual(dist.ownedBy, { id: deb.id, name: "python3-yaml", purl: deb.purl });
  assert.equal(find("python-installed", "requests")?.ownedBy, undefined);
});

test("node_modules packages are reported from their real package.json files", async () => {
  for (const name of nodeModules) {
    const manifest = JSON.parse(await readFile(join(repo, "node_modules", name, "package.json"), "utf8")) as {
      version: string;
    };
    const pkg = find("npm-package-json", name);
    assert.equal(pkg?.version, manifest.version, name);
    assert.equal(pkg?.layer.index, 2);
  }
});

test("composer, gems and Cargo.lock packages carry their layers", () => {
  const monolog = find("composer-lock", "monolog/monolog");
  assert.equal(monolog?.layer.index, 3);
  assert.equal(monolog?.purl, "pkg:composer/monolog/monolog@3.5.0");
  assert.equal(find("composer-installed-json", "monolog/monolog")?.layer.index, 3);
  const phpunit = find("composer-lock", "phpunit/phpunit");
  assert.equal(
    phpunit?.metadata.kind === "composer" ? phpunit.metadata.dev : undefined,
    true,
    "dev packages are flagged",
  );
  const rack = find("ruby-gemspec", "rack");
  assert.equal(rack?.layer.index, 4);
  assert.deepEqual(rack?.licenses, ["MIT"]);
  const serde = find("cargo-lock", "serde");
  assert.equal(serde?.layer.index, 5);
  assert.equal(serde?.purl, "pkg:cargo/serde@1.0.193");
});

test("the scan has no issues", () => {
  assert.deepEqual(inventory.issues, []);
});
