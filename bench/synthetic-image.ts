import type { TestFile, TestImage } from "../test/image-builder/index.ts";
import type { SampledPackage } from "./advisory-sample.ts";
import { seededRandom as random } from "../test/seeded-random.ts";

export interface SyntheticPlan {
  debian: SampledPackage[];
  npm: SampledPackage[];
  pypi: SampledPackage[];
}

export interface SyntheticImage {
  image: TestImage;
  /** Packages the scan must report: every dpkg, npm and PyPI package that is not whited out. */
  expectedPackages: number;
  files: number;
}

/** Source-like text; files are views into it, so a few hundred MB of files cost 4 MiB of memory. */
function textPool(next: () => number): Buffer {
  const words = ["const", "return", "function", "value", "import", "export", "if", "else", "data", "self", "\n", "  "];
  const pool = Buffer.alloc(4 * 1024 * 1024);
  let at = 0;
  while (at < pool.length) {
    const word = words[Math.floor(next() * words.length)] ?? " ";
    at += pool.write(`${word} `, at);
  }
  return pool;
}

const npmApps = 7;

/**
 * A Debian 11 application image of about 350 MB in four layers: a base system (dpkg status,
 * copyright and .list files, many small library files), node_modules trees of several apps, Python
 * dist-infos with their modules, and a last layer that upgrades some dpkg packages, adds two large
 * data files and removes one app's node_modules with an opaque whiteout.
 */
export function syntheticImage(plan: SyntheticPlan): SyntheticImage {
  const next = random(20260101);
  const pool = textPool(next);
  const chunk = (min: number, max: number): Buffer => {
    const size = min + Math.floor(next() * (max - min));
    const start = Math.floor(next() * (pool.length - size));
    return pool.subarray(start, start + size);
  };
  let files = 0;
  const count = (layer: Record<string, TestFile>): Record<string, TestFile> => {
    files += Object.keys(layer).length;
    return layer;
  };

  const base: Record<string, TestFile> = {
    "etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nID=debian\nVERSION_ID="11"\n',
  };
  const stanza = (pkg: SampledPackage): string =>
    `Package: ${pkg.name}\nStatus: install ok installed\nPriority: optional\nSection: libs\n` +
    `Installed-Size: ${100 + pkg.name.length * 7}\nMaintainer: Debian Developers <debian@example.org>\n` +
    `Architecture: amd64\nVersion: ${pkg.version}\nDepends: libc6 (>= 2.31)\n` +
    `Description: ${pkg.name} for the benchmark image\n ${chunk(200, 400).toString("latin1").replace(/\n/g, " ")}\n`;
  for (const pkg of plan.debian) {
    const paths: string[] = [];
    for (let j = 0; j < 20; j++) {
      const path = `usr/lib/x86_64-linux-gnu/${pkg.name}/part-${j}.dat`;
      base[path] = chunk(1024, 8192);
      paths.push(`/${path}`);
    }
    base[`usr/share/doc/${pkg.name}/copyright`] =
      `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: MIT\n` +
      `${chunk(800, 1600).toString("latin1")}\n`;
    base[`var/lib/dpkg/info/${pkg.name}.list`] = `${paths.join("\n")}\n`;
  }
  base["var/lib/dpkg/status"] = plan.debian.map(stanza).join("\n");

  const node: Record<string, TestFile> = {};
  const apps: string[][] = Array.from({ length: npmApps }, () => []);
  plan.npm.forEach((pkg, index) => {
    const app = index % npmApps;
    const dir = `srv/app-${app}/node_modules/${pkg.name}`;
    if (node[`${dir}/package.json`] !== undefined) return;
    apps[app]?.push(pkg.name);
    node[`${dir}/package.json`] = JSON.stringify({
      name: pkg.name,
      version: pkg.version,
      license: "MIT",
      description: `${pkg.name} for the benchmark image`,
      main: "index.js",
    });
    node[`${dir}/index.js`] = chunk(4096, 12288);
    node[`${dir}/README.md`] = chunk(2048, 6144);
    for (const part of ["a", "b", "c", "d"]) node[`${dir}/lib/${part}.js`] = chunk(6144, 14336);
  });

  const python: Record<string, TestFile> = {};
  const site = "usr/local/lib/python3.9/site-packages";
  let pythonCount = 0;
  for (const pkg of plan.pypi) {
    const module = pkg.name.replace(/-/g, "_");
    const info = `${site}/${module}-${pkg.version}.dist-info`;
    if (python[`${info}/METADATA`] !== undefined) continue;
    pythonCount += 1;
    python[`${info}/METADATA`] =
      `Metadata-Version: 2.1\nName: ${pkg.name}\nVersion: ${pkg.version}\nSummary: ${pkg.name}\nLicense: MIT\n\n` +
      chunk(1024, 3072).toString("latin1");
    python[`${info}/INSTALLER`] = "pip\n";
    python[`${info}/top_level.txt`] = `${module}\n`;
    const modules = Array.from({ length: 8 }, (_, j) => `${module}/m${j}.py`);
    python[`${info}/RECORD`] = `${modules.map((path) => `${path},,`).join("\n")}\n`;
    for (const path of modules) python[`${site}/${path}`] = chunk(4096, 12288);
  }

  const upgraded = plan.debian.map((pkg, index) => (index % 10 === 0 ? { ...pkg, version: `${pkg.version}+b1` } : pkg));
  const last: Record<string, TestFile> = {
    "var/lib/dpkg/status": upgraded.map(stanza).join("\n"),
    "opt/data/model-0.bin": Buffer.alloc(25 * 1024 * 1024, 0x5a),
    "opt/data/model-1.bin": Buffer.alloc(25 * 1024 * 1024, 0xa5),
    "srv/app-0/node_modules/.wh..wh..opq": "",
  };

  const npmCount = apps.slice(1).reduce((sum, names) => sum + names.length, 0);
  return {
    image: {
      repoTags: ["strata-bench/synthetic:1"],
      layers: [
        { createdBy: "debootstrap bullseye", files: count(base) },
        { createdBy: "COPY apps/ /srv/ && npm ci", files: count(node) },
        { createdBy: "pip install -r requirements.txt", files: count(python) },
        { createdBy: "apt-get upgrade && COPY data /opt/data && rm -rf /srv/app-0/node_modules/*", files: count(last) },
      ],
    },
    expectedPackages: plan.debian.length + npmCount + pythonCount,
    files,
  };
}
