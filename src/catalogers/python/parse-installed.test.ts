import { test } from "node:test";
import assert from "node:assert/strict";
import picomatch from "picomatch";
import type { PackageMetadata, PythonMetadata } from "../../model/package.ts";
import { pythonArchive, pythonInstalled } from "./index.ts";
import { normalizedName } from "./parse-metadata.ts";
import { parseInstalled } from "./parse-installed.ts";

function python(metadata: PackageMetadata | undefined): PythonMetadata {
  assert.ok(metadata?.kind === "python");
  return metadata;
}

/** A tiny image: path → text. */
function files(tree: Record<string, string>): (path: string) => Uint8Array | undefined {
  return (path) => (path in tree ? Buffer.from(tree[path] ?? "") : undefined);
}

const pygments = [
  "Metadata-Version: 2.1",
  "Name: Pygments",
  "Version: 2.6.1",
  "Summary: Pygments is a syntax highlighting package written in Python.",
  "Home-page: https://pygments.org/",
  "Author: Georg Brandl",
  "Author-email: georg@python.org",
  "License: BSD License",
  "Platform: any",
  "Classifier: License :: OSI Approved :: BSD License",
  "Requires-Python: >=3.5",
  "Requires-Dist: soupsieve (>1.2)",
  "Provides-Extra: lxml",
  "Requires-Dist: lxml ; extra == 'lxml'",
  "License-File: LICENSE.txt",
  "",
  "Pygments",
  "~~~~~~~~",
].join("\n");

test("a dist-info directory: metadata, sidecars and a vcs_url purl", () => {
  const dir = "/usr/lib/python3/site-packages/Pygments-2.6.1.dist-info";
  const read = files({
    [`${dir}/top_level.txt`]: "pygments\nsomething_else\n",
    [`${dir}/INSTALLER`]: "pip\n",
    [`${dir}/direct_url.json`]: JSON.stringify({
      url: "https://github.com/python-test/test.git",
      vcs_info: { commit_id: "a".repeat(40), vcs: "git", requested_revision: "main" },
    }),
  });
  const { packages, issues } = parseInstalled(`${dir}/METADATA`, Buffer.from(pygments), read);
  assert.deepEqual(issues, []);
  assert.deepEqual(packages, [
    {
      name: "pygments",
      version: "2.6.1",
      purl: `pkg:pypi/pygments@2.6.1?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2Fpython-test%2Ftest.git%40${"a".repeat(40)}`,
      licenses: ["BSD License"],
      metadata: {
        kind: "python",
        name: "Pygments",
        format: "dist-info",
        metadataVersion: "2.1",
        summary: "Pygments is a syntax highlighting package written in Python.",
        author: "Georg Brandl",
        authorEmail: "georg@python.org",
        homePage: "https://pygments.org/",
        platform: "any",
        requiresPython: ">=3.5",
        requiresDist: ["soupsieve (>1.2)", "lxml ; extra == 'lxml'"],
        providesExtra: ["lxml"],
        licenseFiles: ["LICENSE.txt"],
        topLevelPackages: ["pygments", "something_else"],
        directUrl: {
          url: "https://github.com/python-test/test.git",
          vcs: "git",
          commitId: "a".repeat(40),
          requestedRevision: "main",
        },
        installer: "pip",
      },
    },
  ]);
});

test("direct_url.json without VCS gives no qualifier; a broken one is an issue", () => {
  const dir = "/site-packages/x-1.0.dist-info";
  const meta = Buffer.from("Name: x\nVersion: 1.0\n");
  const local = parseInstalled(
    `${dir}/METADATA`,
    meta,
    files({ [`${dir}/direct_url.json`]: '{"url": "file:///src/x", "dir_info": {"editable": true}}' }),
  );
  assert.equal(local.packages[0]?.purl, "pkg:pypi/x@1.0");
  assert.deepEqual(python(local.packages[0]?.metadata).directUrl, { url: "file:///src/x", editable: true });

  const broken = parseInstalled(`${dir}/METADATA`, meta, files({ [`${dir}/direct_url.json`]: "{nope" }));
  assert.equal(broken.packages[0]?.purl, "pkg:pypi/x@1.0");
  assert.match(broken.issues[0] ?? "", /direct_url\.json: invalid JSON/);
});

test("egg-info: directory and regular-file forms, upper case; the file form reads no sidecars", () => {
  const info = "Metadata-Version: 1.1\nName: zope.interface\nVersion: 5.4.0\nLicense: ZPL 2.1\n";
  const read = files({
    "/dist-packages/zope.interface-5.4.0.egg-info/top_level.txt": "zope\n",
    "/dist-packages/top_level.txt": "not ours\n",
  });
  const dir = parseInstalled("/dist-packages/zope.interface-5.4.0.egg-info/PKG-INFO", Buffer.from(info), read);
  assert.equal(dir.packages[0]?.name, "zope-interface");
  assert.equal(dir.packages[0]?.purl, "pkg:pypi/zope-interface@5.4.0");
  assert.deepEqual(python(dir.packages[0]?.metadata).topLevelPackages, ["zope"]);
  assert.equal(python(dir.packages[0]?.metadata).format, "egg-info");

  const single = parseInstalled("/dist-packages/zope.interface-5.4.0.egg-info", Buffer.from(info), read);
  assert.deepEqual(python(single.packages[0]?.metadata).topLevelPackages, []);
  assert.equal(python(single.packages[0]?.metadata).format, "egg-info");

  const upper = parseInstalled("/x/foo-1.0-py3.8.egg/EGG-INFO/PKG-INFO", Buffer.from(info), read);
  assert.equal(python(upper.packages[0]?.metadata).format, "egg-info");
  const upperDist = parseInstalled("/x/DIST-INFO/METADATA", Buffer.from(info), read);
  assert.equal(python(upperDist.packages[0]?.metadata).format, "dist-info");
});

test("METADATA in an egg-info directory counts only without PKG-INFO beside it", () => {
  const info = Buffer.from("Name: uv-built\nVersion: 1.0\n");
  const dir = "/site-packages/uv_built-1.0.egg-info";
  assert.equal(parseInstalled(`${dir}/METADATA`, info, files({})).packages.length, 1);
  assert.deepEqual(parseInstalled(`${dir}/METADATA`, info, files({ [`${dir}/PKG-INFO`]: "Name: uv-built" })), {
    packages: [],
    issues: [],
  });
});

test("the interpreter's own egg-info is skipped; no name is an issue; no version is kept with an issue", () => {
  const none = files({});
  const interpreter = "Metadata-Version: 1.1\nName: Python\nVersion: 2.7.13\nLicense: PSF license\n";
  assert.deepEqual(
    parseInstalled("/usr/lib/python2.7/lib-dynload/Python-2.7.egg-info", Buffer.from(interpreter), none),
    {
      packages: [],
      issues: [],
    },
  );

  const empty = parseInstalled("/x/empty-1.0.0-py3.8.egg-info", Buffer.alloc(0), none);
  assert.deepEqual(empty, { packages: [], issues: ["empty metadata file"] });
  const json = parseInstalled("/x/y.dist-info/METADATA", Buffer.from("{}"), none);
  assert.deepEqual(json.packages, []);
  assert.match(json.issues[0] ?? "", /no Name field/);

  const noVersion = parseInstalled("/x/no-version-py3.8.egg-info", Buffer.from("Name: no-version\n"), none);
  assert.equal(noVersion.packages[0]?.version, "");
  assert.equal(noVersion.packages[0]?.purl, "pkg:pypi/no-version");
  assert.match(noVersion.issues[0] ?? "", /no Version field/);
});

test("PEP 503 names", () => {
  assert.equal(normalizedName("Typing_Extensions"), "typing-extensions");
  assert.equal(normalizedName("zope.interface"), "zope-interface");
  assert.equal(normalizedName("Foo.-_Bar"), "foo-bar");
  assert.equal(normalizedName("requests"), "requests");
});

test("globs: metadata files and archives, not their neighbours", () => {
  const matcher = (globs: readonly string[]) => {
    // As the layer walker does: picomatch against the path without its leading "/".
    const compiled = globs.map((glob) => picomatch(glob.replace(/^\/+/, ""), { dot: true }));
    return (path: string) => compiled.some((matches) => matches(path.slice(1)));
  };
  const installed = matcher(pythonInstalled.wants.globs ?? []);
  assert.ok(installed("/usr/lib/python3.11/site-packages/pip-23.0.dist-info/METADATA"));
  assert.ok(installed("/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO"));
  assert.ok(installed("/usr/lib/python3/dist-packages/six-1.16.0.egg-info"));
  assert.ok(installed("/usr/lib/python3/dist-packages/foo-1.0.egg/EGG-INFO/PKG-INFO"));
  assert.ok(installed("/site/x.DIST-INFO/METADATA"));
  assert.ok(installed("/site/x.egg-info/METADATA"));
  assert.ok(installed("/test.egg-info"));
  assert.ok(!installed("/site/x.dist-info/RECORD"));
  assert.ok(!installed("/site/x.dist-info/top_level.txt"));
  assert.ok(!installed("/METADATA"));

  const context = matcher(pythonInstalled.wants.context?.globs ?? []);
  assert.ok(context("/site/x-1.0.dist-info/direct_url.json"));
  assert.ok(context("/site/x-1.0.egg-info/top_level.txt"));
  assert.ok(context("/site/x-1.0.dist-info/INSTALLER"));
  assert.ok(!context("/site/x-1.0.dist-info/RECORD"));

  const archives = matcher(pythonArchive.wants.globs ?? []);
  assert.ok(archives("/opt/wheels/six-1.16.0-py2.py3-none-any.whl"));
  assert.ok(archives("/usr/lib/python2.7/site-packages/kitchen-1.2.6-py2.7.egg"));
  assert.ok(!archives("/usr/lib/python2.7/site-packages/kitchen-1.2.6-py2.7.egg/EGG-INFO/PKG-INFO"));
  assert.equal(pythonArchive.eager, true);
});
