import { test } from "node:test";
import assert from "node:assert/strict";
import { children, parseXml } from "./xml.ts";

test("elements, attributes, text and CDATA; predefined entities and character references only", () => {
  const { root, problem } = parseXml(
    Buffer.from('<a x="1 &amp; 2"><b>t &lt;&#65;&gt;</b><b><![CDATA[<raw>]]></b><c/></a>'),
  );
  assert.equal(problem, undefined);
  assert.equal(root?.name, "a");
  assert.equal(root?.attributes.get("x"), "1 & 2");
  assert.deepEqual(
    children(root, "b").map((b) => b.text),
    ["t <A>", "<raw>"],
  );
  assert.equal(children(root, "c").length, 1);
  assert.deepEqual(children(undefined, "b"), []);
});

test("caps: depth, element count and text per element", () => {
  const limits = { maxDepth: 3, maxElements: 5, maxTextChars: 4 };
  assert.equal(parseXml(Buffer.from("<a><b><c><d/></c></b></a>"), limits).problem, "XML nested deeper than 3 elements");
  const many = parseXml(Buffer.from(`<a>${"<b/>".repeat(10)}</a>`), limits);
  assert.equal(many.problem, "XML has more than 5 elements");
  assert.equal(many.root?.children.length, 4, "the elements read before the cap are kept");
  assert.equal(parseXml(Buffer.from("<a>abcdefgh</a>"), limits).root?.text, "abcd");
});

test("an undefined entity is malformed XML", () => {
  assert.match(parseXml(Buffer.from("<a>&nope;</a>")).problem ?? "", /^malformed XML: .*undefined entity/);
});

test("long documents are read in chunks", () => {
  const items = Array.from({ length: 5000 }, (_, i) => `<p id="é${i}"/>`).join("");
  const { root, problem } = parseXml(Buffer.from(`<r>${items}</r>`));
  assert.equal(problem, undefined);
  assert.equal(root?.children.length, 5000);
  assert.equal(root?.children[4999]?.attributes.get("id"), "é4999");
});
