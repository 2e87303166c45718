import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizedVersion, nuspecLicenses } from "./nuspec.ts";

const nuspec = (metadata: string) =>
  Buffer.from(
    `\uFEFF<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata>${metadata}</metadata></package>`,
  );

test("nuspec licenses: an expression, or the expression in a licenses.nuget.org URL", () => {
  assert.deepEqual(nuspecLicenses(nuspec('<license type="expression">MIT</license>')), ["MIT"]);
  assert.deepEqual(
    nuspecLicenses(
      nuspec('<license type="expression"> Apache-2.0 OR MIT </license><licenseUrl>https://x</licenseUrl>'),
    ),
    ["Apache-2.0 OR MIT"],
  );
  assert.deepEqual(nuspecLicenses(nuspec('<license type="file">LICENSE.txt</license>')), []);
  assert.deepEqual(nuspecLicenses(nuspec("<licenseUrl>https://licenses.nuget.org/MIT</licenseUrl>")), ["MIT"]);
  assert.deepEqual(
    nuspecLicenses(
      nuspec(
        "<licenseUrl>https://licenses.nuget.org/(LGPL-2.0-only%20WITH%20FLTK-exception%20OR%20Apache-2.0)</licenseUrl>",
      ),
    ),
    ["(LGPL-2.0-only WITH FLTK-exception OR Apache-2.0)"],
  );
  assert.deepEqual(nuspecLicenses(nuspec("<licenseUrl>https://github.com/x/y/LICENSE.md</licenseUrl>")), []);
  assert.deepEqual(nuspecLicenses(Buffer.from("<package><metadata>")), []);
  assert.deepEqual(nuspecLicenses(Buffer.from("not xml")), []);
});

test("versions as NuGet names its package folders", () => {
  assert.equal(normalizedVersion("1.0"), "1.0.0");
  assert.equal(normalizedVersion("01.02.03"), "1.2.3");
  assert.equal(normalizedVersion("2.1.0.0-RC.1"), "2.1.0-rc.1");
  assert.equal(normalizedVersion("3.7.10.6"), "3.7.10.6");
  assert.equal(normalizedVersion("5.7.0+b804bf4"), "5.7.0");
  assert.equal(normalizedVersion("not.a.Version"), "not.a.version");
});
