import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { openVulnDatabase } from "../../src/vulndb/database.ts";
import { importOsvPath } from "../../src/vulndb/import-sources.ts";
import { type TestImage, writeDockerArchive } from "../image-builder/index.ts";
import {
  affectedNames,
  belowAlpineRelease,
  belowDebianUpdate,
  belowPlainFix,
  candidates,
  corpusRoot,
  expectedFindings,
  type FindingView,
  hasCorpus,
  nameKey,
  type Pick,
  readCorpus,
} from "./osv-corpus.ts";

/**
 * The matcher end to end: multi-layer images holding packages that real advisories from the offline
 * OSV corpus say are vulnerable, scanned by the CLI against a database imported from that corpus.
 * Which packages, versions and findings to expect is worked out here from the records themselves.
 */
const repo = fileURLToPath(new URL("../..", import.meta.url));
const zips = ["Debian", "Alpine", "npm", "PyPI", "crates.io", "RubyGems", "Packagist"];
let work = "";
let database = "";
let missing: string | undefined;

interface Picks {
  debian: [Pick, Pick, Pick];
  debianFillers: string[];
  alpine: [Pick, Pick, Pick];
  npm: [Pick, Pick];
  pypi: [Pick, Pick];
  crate: Pick;
  gem: Pick;
  composer: Pick;
}
let picks: Picks;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function strata(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(repo, "src/cli/main.ts"), ...args],
      { cwd: repo, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `count` distinct picks, those `preferred` says yes to first, each list in name order. */
function choose(all: Pick[], count: number, preferred: (pick: Pick) => boolean = () => false): Pick[] {
  const ordered = [...all.filter(preferred), ...all.filter((pick) => !preferred(pick))];
  const chosen = ordered.slice(0, count);
  assert.equal(chosen.length, count, `the corpus has ${all.length} usable packages; ${count} needed`);
  return chosen;
}

const merges = (pick: Pick): boolean =>
  pick.records.length > 1 &&
  expectedFindings(pick, { name: "", ecosystem: "", installedVersion: "", layer: 0, detection: "" }).length <
    pick.records.length;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-vulnerable-"));
  if (!(await hasCorpus(zips))) {
    missing = `the OSV corpus (${zips.join(", ")}) is not at ../shared/osv`;
    return;
  }
  const debian = await readCorpus("Debian");
  const debianNames = affectedNames(debian, "Debian:11");
  const [debA, debB, debC] = choose(candidates(debian, "Debian:11", belowDebianUpdate), 3);
  const [apkA, apkB, apkC] = choose(
    candidates(await readCorpus("Alpine"), "Alpine:v3.11", belowAlpineRelease),
    3,
    (pick) => pick.records.length > 1,
  );
  const [npmA, npmB] = choose(candidates(await readCorpus("npm"), "npm", belowPlainFix), 2, (pick) =>
    ["high", "critical"].includes(pick.severity.rating),
  );
  // The cataloger reports PEP 503 names, so take names the advisories already spell that way.
  const pypi = candidates(await readCorpus("PyPI"), "PyPI", belowPlainFix).filter(
    (pick) => pick.name === nameKey("PyPI", pick.name),
  );
  const [pyA, pyB] = choose(pypi, 2, merges);
  const [crate] = choose(candidates(await readCorpus("crates.io"), "crates.io", belowPlainFix), 1, merges);
  const [gem] = choose(candidates(await readCorpus("RubyGems"), "RubyGems", belowPlainFix), 1, (pick) => {
    return pick.records.length > 1;
  });
  const composerPicks = candidates(await readCorpus("Packagist"), "Packagist", belowPlainFix).filter(
    (pick) => pick.name === nameKey("Packagist", pick.name),
  );
  const [composer] = choose(composerPicks, 1, (pick) => pick.records.length > 1);
  assert.ok(debA && debB && debC && apkA && apkB && apkC && npmA && npmB && pyA && pyB && crate && gem && composer);
  picks = {
    debian: [debA, debB, debC],
    debianFillers: ["base-files", "netbase", "tzdata", "mawk"].filter((name) => !debianNames.has(name)),
    alpine: [apkA, apkB, apkC],
    npm: [npmA, npmB],
    pypi: [pyA, pyB],
    crate,
    gem,
    composer,
  };
  database = join(work, "osv.sqlite");
  const db = openVulnDatabase(database);
  try {
    for (const zip of zips) await importOsvPath(db, join(corpusRoot, zip, "all.zip"));
  } finally {
    db.close();
  }
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

type Mode = "vulnerable" | "fixed";

const dpkgStanza = (name: string, version: string, source?: string): string =>
  `Package: ${name}\nStatus: install ok installed\n${source ? `Source: ${source}\n` : ""}Version: ${version}\n` +
  `Architecture: amd64\nMaintainer: Debian <debian@example.org>\nDescription: ${name}\n`;

const apkStanza = (name: string, version: string, origin: string): string =>
  `P:${name}\nV:${version}\nA:x86_64\no:${origin}\nT:${name}\nL:MIT\n`;

const packageJson = (name: string, version: string): string => JSON.stringify({ name, version, license: "MIT" });

const metadata = (name: string, version: string): string =>
  `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: ${name}\n`;

const distInfoName = (name: string, version: string): string => `${name.replace(/-/g, "_")}-${version}.dist-info`;
const distInfo = (sitePackages: string, name: string, version: string): string =>
  `${sitePackages}/${distInfoName(name, version)}`;

const cargoLock = (name: string, version: string): string =>
  [
    "version = 3",
    "",
    "[[package]]",
    'name = "app"',
    'version = "0.1.0"',
    `dependencies = ["${name}"]`,
    "",
    "[[package]]",
    `name = "${name}"`,
    `version = "${version}"`,
    'source = "registry+https://github.com/rust-lang/crates.io-index"',
    "",
  ].join("\n");

const gemspec = (name: string, version: string): string =>
  [
    "# -*- encoding: utf-8 -*-",
    "Gem::Specification.new do |s|",
    `  s.name = "${name}".freeze`,
    `  s.version = "${version}"`,
    '  s.licenses = ["MIT".freeze]',
    "end",
    "",
  ].join("\n");

const installedJson = (name: string, version: string): string =>
  JSON.stringify({ packages: [{ name, version, type: "library", license: ["MIT"] }], "dev-package-names": [] });

/**
 * A Debian 11 application image. Layer 0: three vulnerable source packages (one through a binNMU'd
 * binary's Source field); layer 1 upgrades the third to its fix; layers 2-4 add npm, PyPI, crates,
 * gems and composer packages, each vulnerable in one place and fixed in another; layer 5 removes
 * one npm and one PyPI package with whiteouts. "fixed" installs every fix instead.
 */
function debianImage(mode: Mode): TestImage {
  const at = (pick: Pick): string => (mode === "vulnerable" ? pick.vulnerable : pick.fixed);
  const [debA, debB, debC] = picks.debian;
  const [npmA, npmB] = picks.npm;
  const [pyA, pyB] = picks.pypi;
  const { crate, gem, composer } = picks;
  const fillers = picks.debianFillers.map((name) => dpkgStanza(name, "1.0-1"));
  const status = (third: string): string =>
    [
      ...fillers,
      dpkgStanza(debA.name, at(debA)),
      dpkgStanza(`${debB.name}-common`, `${at(debB)}+b1`, `${debB.name} (${at(debB)})`),
      dpkgStanza(debC.name, third),
    ].join("\n");
  const site = "usr/local/lib/python3.9/site-packages";
  return {
    repoTags: [`strata-test/vulnerable-debian:${mode}`],
    layers: [
      {
        createdBy: "debootstrap bullseye",
        files: {
          "etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nID=debian\nVERSION_ID="11"\n',
          "var/lib/dpkg/status": status(at(debC)),
        },
      },
      {
        createdBy: `apt-get install --only-upgrade ${debC.name}`,
        files: { "var/lib/dpkg/status": status(debC.fixed) },
      },
      {
        createdBy: "npm ci",
        files: {
          [`usr/src/app/node_modules/${npmA.name}/package.json`]: packageJson(npmA.name, at(npmA)),
          [`usr/src/app/node_modules/${npmB.name}/package.json`]: packageJson(npmB.name, at(npmB)),
          [`opt/tool/node_modules/${npmA.name}/package.json`]: packageJson(npmA.name, npmA.fixed),
        },
      },
      {
        createdBy: "pip install",
        files: {
          [`${distInfo(site, pyA.name, at(pyA))}/METADATA`]: metadata(pyA.name, at(pyA)),
          [`${distInfo(site, pyB.name, at(pyB))}/METADATA`]: metadata(pyB.name, at(pyB)),
          [`${distInfo("opt/venv/lib/python3.9/site-packages", pyA.name, pyA.fixed)}/METADATA`]: metadata(
            pyA.name,
            pyA.fixed,
          ),
        },
      },
      {
        createdBy: "COPY app",
        files: {
          "src/app/Cargo.lock": cargoLock(crate.name, at(crate)),
          "src/tools/Cargo.lock": cargoLock(crate.name, crate.fixed),
          [`usr/local/bundle/specifications/${gem.name}-${at(gem)}.gemspec`]: gemspec(gem.name, at(gem)),
          [`var/lib/gems/2.7.0/specifications/${gem.name}-${gem.fixed}.gemspec`]: gemspec(gem.name, gem.fixed),
          "var/www/html/vendor/composer/installed.json": installedJson(composer.name, at(composer)),
          "var/www/legacy/vendor/composer/installed.json": installedJson(composer.name, composer.fixed),
        },
      },
      {
        createdBy: `npm uninstall ${npmB.name} && pip uninstall ${pyB.name}`,
        files: {
          [`usr/src/app/node_modules/.wh.${npmB.name}`]: "",
          [`${site}/.wh.${distInfoName(pyB.name, at(pyB))}`]: "",
        },
      },
    ],
  };
}

/** Alpine 3.11: two vulnerable packages in layer 0 (one upgraded to its fix in layer 1), a subpackage added in layer 1. */
function alpineImage(mode: Mode): TestImage {
  const at = (pick: Pick): string => (mode === "vulnerable" ? pick.vulnerable : pick.fixed);
  const [apkA, apkB, apkC] = picks.alpine;
  const base = [apkStanza("musl", "1.1.24-r2", "musl"), apkStanza(apkA.name, at(apkA), apkA.name)];
  return {
    repoTags: [`strata-test/vulnerable-alpine:${mode}`],
    layers: [
      {
        createdBy: "ADD alpine-minirootfs-3.11.6",
        files: {
          "etc/os-release": 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.11.6\n',
          "lib/apk/db/installed": [...base, apkStanza(apkC.name, at(apkC), apkC.name)].join("\n"),
        },
      },
      {
        createdBy: `apk add ${apkB.name}-libs && apk upgrade ${apkC.name}`,
        files: {
          "lib/apk/db/installed": [
            ...base,
            apkStanza(apkC.name, apkC.fixed, apkC.name),
            apkStanza(`${apkB.name}-libs`, at(apkB), apkB.name),
          ].join("\n"),
        },
      },
    ],
  };
}

function debianExpected(): FindingView[] {
  const [debA, debB] = picks.debian;
  const [npmA] = picks.npm;
  const [pyA] = picks.pypi;
  const { crate, gem, composer } = picks;
  const sca = (pick: Pick, ecosystem: string, layer: number): FindingView[] =>
    expectedFindings(pick, { name: pick.name, ecosystem, installedVersion: pick.vulnerable, layer, detection: "sca" });
  return sortFindings([
    ...expectedFindings(debA, {
      name: debA.name,
      ecosystem: "deb",
      installedVersion: debA.vulnerable,
      layer: 0,
      detection: "os",
    }),
    ...expectedFindings(debB, {
      name: `${debB.name}-common`,
      ecosystem: "deb",
      installedVersion: `${debB.vulnerable}+b1`,
      layer: 0,
      detection: "os",
    }),
    ...sca(npmA, "npm", 2),
    ...sca(pyA, "pypi", 3),
    ...sca(crate, "cargo", 4),
    ...sca(gem, "gem", 4),
    ...sca(composer, "composer", 4),
  ]);
}

function alpineExpected(): FindingView[] {
  const [apkA, apkB] = picks.alpine;
  return sortFindings([
    ...expectedFindings(apkA, {
      name: apkA.name,
      ecosystem: "apk",
      installedVersion: apkA.vulnerable,
      layer: 0,
      detection: "os",
    }),
    ...expectedFindings(apkB, {
      name: `${apkB.name}-libs`,
      ecosystem: "apk",
      installedVersion: apkB.vulnerable,
      layer: 1,
      detection: "os",
    }),
  ]);
}

function sortFindings(findings: FindingView[]): FindingView[] {
  const key = (finding: FindingView): string => `${finding.packageName}\0${finding.installedVersion}\0${finding.id}`;
  return findings.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

type JsonObject = Readonly<Record<string, unknown>>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === "string" ? value : `<${typeof value}>`);
const strs = (value: unknown): string[] => (Array.isArray(value) ? value.map(str) : ["<not a list>"]);
const objects = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isObject) : []);

interface ReportView {
  findings: FindingView[] | undefined;
  packages: { name: string; version: string; ecosystem: string; layer: number; path: string }[];
}

/** The parts of a JSON report this test reads; anything missing shows up as a mismatch, not a crash. */
function readReport(stdout: string): ReportView {
  const report: unknown = JSON.parse(stdout);
  assert.ok(isObject(report), "the report is a JSON object");
  const layerIndex = (value: unknown): number =>
    isObject(value) && typeof value["index"] === "number" ? value["index"] : -1;
  const packages = objects(report["packages"]).map((pkg) => ({
    name: str(pkg["name"]),
    version: str(pkg["version"]),
    ecosystem: str(pkg["ecosystem"]),
    layer: layerIndex(pkg["layer"]),
    path: str(objects(pkg["locations"])[0]?.["path"]),
  }));
  const vulnerabilities = report["vulnerabilities"];
  if (!isObject(vulnerabilities)) return { findings: undefined, packages };
  const findings = objects(vulnerabilities["findings"]).map((finding): FindingView => {
    const severity = isObject(finding["severity"]) ? finding["severity"] : {};
    return {
      id: str(finding["id"]),
      aliases: strs(finding["aliases"]),
      advisories: strs(finding["advisories"]),
      packageName: str(finding["packageName"]),
      ecosystem: str(finding["ecosystem"]),
      installedVersion: str(finding["installedVersion"]),
      fixedVersions: strs(finding["fixedVersions"]),
      severity: {
        rating: str(severity["rating"]),
        ...(typeof severity["score"] === "number" ? { score: severity["score"] } : {}),
        ...(severity["vector"] === undefined ? {} : { vector: str(severity["vector"]) }),
        source: str(severity["source"]),
      },
      layer: layerIndex(finding["layer"]),
      detection: str(finding["detection"]),
    };
  });
  return { findings: sortFindings(findings), packages };
}

async function scanJson(image: TestImage, name: string, ...extra: string[]): Promise<{ run: Run; report: ReportView }> {
  const file = join(work, `${name}.tar`);
  await writeDockerArchive(image, file);
  const run = await strata("scan", file, "--db", database, "--format", "json", "--quiet", ...extra);
  return { run, report: readReport(run.stdout) };
}

const hasPackage = (report: ReportView, name: string, version: string, path: string): boolean =>
  report.packages.some((pkg) => pkg.name === name && pkg.version === version && pkg.path === path);

test("Debian 11 image: exactly the advisories' findings, with merged ids, fixes, detection and layers", async (t) => {
  if (missing) {
    t.skip(missing);
    return;
  }
  const { run, report } = await scanJson(debianImage("vulnerable"), "debian-vulnerable");
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(report.findings, debianExpected());

  // What is not reported is still in the inventory: fixed copies, and the upgraded package in its new layer.
  const [, , debC] = picks.debian;
  const [npmA, npmB] = picks.npm;
  const [pyA, pyB] = picks.pypi;
  const { crate, gem, composer } = picks;
  assert.ok(report.packages.some((pkg) => pkg.name === debC.name && pkg.version === debC.fixed && pkg.layer === 1));
  assert.ok(hasPackage(report, npmA.name, npmA.fixed, `/opt/tool/node_modules/${npmA.name}/package.json`));
  const venv = distInfo("/opt/venv/lib/python3.9/site-packages", pyA.name, pyA.fixed);
  assert.ok(hasPackage(report, pyA.name, pyA.fixed, `${venv}/METADATA`));
  assert.ok(hasPackage(report, crate.name, crate.fixed, "/src/tools/Cargo.lock"));
  assert.ok(
    hasPackage(report, gem.name, gem.fixed, `/var/lib/gems/2.7.0/specifications/${gem.name}-${gem.fixed}.gemspec`),
  );
  assert.ok(hasPackage(report, composer.name, composer.fixed, "/var/www/legacy/vendor/composer/installed.json"));
  // ...and packages removed by a whiteout are gone altogether.
  assert.ok(!report.packages.some((pkg) => pkg.name === npmB.name || pkg.name === pyB.name));
});

test("--detection keeps one kind of finding; --fail-on exits 4 only when a finding reaches the threshold", async (t) => {
  if (missing) {
    t.skip(missing);
    return;
  }
  const expected = debianExpected();
  const severe = expected.filter((finding) => ["high", "critical"].includes(finding.severity.rating));
  assert.ok(severe.length > 0, "the npm advisory was picked for its high or critical CVSS score");
  assert.ok(expected.filter((finding) => finding.detection === "os").every((f) => f.severity.rating === "unknown"));

  const sca = await scanJson(debianImage("vulnerable"), "debian-sca", "--detection", "sca");
  assert.equal(sca.run.code, 0, sca.run.stderr);
  assert.deepEqual(
    sca.report.findings,
    expected.filter((finding) => finding.detection === "sca"),
  );
  const os = await scanJson(debianImage("vulnerable"), "debian-os", "--detection", "os", "--fail-on", "high");
  assert.equal(os.run.code, 0, "DSA findings carry no CVSS score, so they never reach high");
  assert.deepEqual(
    os.report.findings,
    expected.filter((finding) => finding.detection === "os"),
  );
  const gated = await scanJson(debianImage("vulnerable"), "debian-gate", "--fail-on", "high");
  assert.equal(gated.run.code, 4, gated.run.stderr);
  assert.deepEqual(gated.report.findings, expected, "the report is still written in full");
});

test("the same packages at their fixed versions give no finding", async (t) => {
  if (missing) {
    t.skip(missing);
    return;
  }
  const debian = await scanJson(debianImage("fixed"), "debian-fixed", "--fail-on", "low");
  assert.equal(debian.run.code, 0, debian.run.stderr);
  assert.deepEqual(debian.report.findings, []);
  const [debA, debB] = picks.debian;
  const { crate, gem, composer } = picks;
  for (const [name, version] of [
    [debA.name, debA.fixed],
    [`${debB.name}-common`, `${debB.fixed}+b1`],
    [picks.npm[0].name, picks.npm[0].fixed],
    [picks.pypi[0].name, picks.pypi[0].fixed],
    [crate.name, crate.fixed],
    [gem.name, gem.fixed],
    [composer.name, composer.fixed],
  ]) {
    assert.ok(
      debian.report.packages.some((pkg) => pkg.name === name && pkg.version === version),
      `${name} ${version} is in the inventory`,
    );
  }
  const alpine = await scanJson(alpineImage("fixed"), "alpine-fixed", "--fail-on", "low");
  assert.equal(alpine.run.code, 0, alpine.run.stderr);
  assert.deepEqual(alpine.report.findings, []);
  assert.equal(alpine.report.packages.length, 4);
});

test("Alpine 3.11 image: findings by origin package and release, one per CVE, with their layers", async (t) => {
  if (missing) {
    t.skip(missing);
    return;
  }
  const { run, report } = await scanJson(alpineImage("vulnerable"), "alpine-vulnerable");
  assert.equal(run.code, 0, run.stderr);
  const expected = alpineExpected();
  assert.ok(expected.length > 2, "the first package has several advisories, each its own CVE");
  assert.deepEqual(report.findings, expected);
  const [, , apkC] = picks.alpine;
  assert.ok(report.packages.some((pkg) => pkg.name === apkC.name && pkg.version === apkC.fixed && pkg.layer === 1));
});
