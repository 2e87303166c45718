import { test } from "node:test";
import assert from "node:assert/strict";
import { quotedPrefix, unquote } from "./go-quote.ts";
import { parseModuleInfo } from "./modinfo.ts";

test("module info: path, main module, dependencies, replacements, settings", () => {
  const { info, problems } = parseModuleInfo(
    [
      "path\texample.com/app/cmd/app",
      "mod\texample.com/app\t(devel)\t",
      "dep\tgithub.com/a/b\tv1.0.0\th1:one=",
      "dep\tgithub.com/c/d\tv0.1.0",
      "=>\tgithub.com/e/d\tv0.1.1\th1:two=",
      "dep\texample.com/local\tv0.0.0",
      "=>\t./local\t(devel)\t",
      "dep\t\tDevel",
      "build\t-buildmode=exe",
      "build\tCGO_CFLAGS=",
      "",
    ].join("\n"),
  );
  assert.deepEqual(problems, []);
  assert.equal(info.path, "example.com/app/cmd/app");
  assert.deepEqual(info.main, { path: "example.com/app", version: "(devel)", sum: "" });
  assert.deepEqual(info.deps, [
    { path: "github.com/a/b", version: "v1.0.0", sum: "h1:one=" },
    {
      path: "github.com/c/d",
      version: "v0.1.0",
      sum: "",
      replace: { path: "github.com/e/d", version: "v0.1.1", sum: "h1:two=" },
    },
    {
      path: "example.com/local",
      version: "v0.0.0",
      sum: "",
      replace: { path: "./local", version: "(devel)", sum: "" },
    },
  ]);
  assert.deepEqual(info.settings, [
    { key: "-buildmode", value: "exe" },
    { key: "CGO_CFLAGS", value: "" },
  ]);
});

test("build settings with quoted keys and values", () => {
  const { info, problems } = parseModuleInfo(
    [
      'build\t-ldflags="-s -w -X \\"main.version=1.2.3\\""',
      'build\t"we=ird"=`raw value`',
      'build\t-gcflags="tab\\there \\u00e9\\x41\\101"',
    ].join("\n"),
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(info.settings, [
    { key: "-ldflags", value: '-s -w -X "main.version=1.2.3"' },
    { key: "we=ird", value: "raw value" },
    { key: "-gcflags", value: "tab\there éAA" },
  ]);
});

test("lines that do not fit are skipped with a problem; unknown kinds are ignored", () => {
  const { info, problems } = parseModuleInfo(
    [
      "future\tsomething",
      "dep\tonly-a-path",
      "=>\tx\tv1\t",
      "build\tno-equals",
      'build\tk="unterminated',
      "build\t=v",
    ].join("\n"),
  );
  assert.deepEqual(info.deps, []);
  assert.equal(problems.length, 5);
  assert.match(problems[1] ?? "", /replacement with no module before it/);
});

test("Go string literals", () => {
  assert.deepEqual(quotedPrefix('"a\\"b"=rest'), { value: 'a"b', rest: "=rest" });
  assert.equal(unquote("`a\\nb`"), "a\\nb");
  assert.equal(unquote('"\\a\\b\\f\\n\\r\\t\\v\\\\"'), "\x07\b\f\n\r\t\v\\");
  assert.equal(unquote('"\\U0001F600"'), "\u{1F600}");
  assert.equal(unquote('"\\ud800"'), undefined);
  assert.equal(unquote('"\\400"'), undefined);
  assert.equal(unquote('"\\q"'), undefined);
  assert.equal(unquote('"open'), undefined);
  assert.equal(unquote('"a"b'), undefined);
  assert.equal(unquote("plain"), undefined);
});
