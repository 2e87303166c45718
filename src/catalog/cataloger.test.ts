import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultLimits } from "../limits.ts";
import { type CollectedFile, type ParseContext, parsedWith } from "./cataloger.ts";

const file: CollectedFile = { path: "/x", layer: { index: 0, digest: "", diffId: "" }, content: Buffer.from("x") };
const ctx: ParseContext = { distro: undefined, view: { get: () => undefined, list: () => [] }, limits: defaultLimits };

test("a parser module is loaded once, by the first file; later files are parsed without waiting", async () => {
  let loads = 0;
  const parse = parsedWith(
    () => {
      loads += 1;
      return Promise.resolve({ count: (content: Buffer) => content.length });
    },
    (parser, parsed) => ({ packages: [], issues: [`${parser.count(parsed.content)}`] }),
  );
  const [first, second] = await Promise.all([parse(file, ctx), parse(file, ctx)]);
  assert.deepEqual([first.issues, second.issues], [["1"], ["1"]]);
  const later = parse(file, ctx);
  assert.ok(!(later instanceof Promise), "synchronous once loaded");
  assert.equal(loads, 1);
});

test("a parser that cannot be loaded fails the file with the reason, and the next file tries again", async () => {
  let loads = 0;
  const parse = parsedWith(
    () => {
      loads += 1;
      return loads === 1 ? Promise.reject(new Error("no such module")) : Promise.resolve({});
    },
    () => ({ packages: [], issues: ["parsed"] }),
  );
  await assert.rejects(async () => parse(file, ctx), /cannot load the parser: no such module/);
  assert.deepEqual((await parse(file, ctx)).issues, ["parsed"]);
  assert.equal(loads, 2);
});
