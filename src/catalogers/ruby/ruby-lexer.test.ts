import { test } from "node:test";
import assert from "node:assert/strict";
import { type Token, tokenize } from "./ruby-lexer.ts";

/** Tokens in a compact form: strings as their parts, others as text. */
function compact(source: string): unknown[] {
  return tokenize(source).map((token: Token) => {
    switch (token.kind) {
      case "string":
        return { s: token.parts };
      case "words":
        return { w: token.items };
      case "newline":
        return "\\n";
      case "ident":
      case "punct":
      case "other":
        return token.text;
    }
  });
}

test("strings: quotes, escapes, interpolation, %-literals", () => {
  assert.deepEqual(compact(`"a\\tb #{s.name}!" 'it\\'s \\n' %q(a (b) c) %Q[x#{y}] %{z}`), [
    { s: ["a\tb ", { code: "s.name" }, "!"] },
    { s: ["it's \\n"] },
    { s: ["a (b) c"] },
    { s: ["x", { code: "y" }] },
    { s: ["z"] },
  ]);
  assert.deepEqual(compact("%w[a b\n c] %i(x y)"), [{ w: ["a", "b", "c"] }, { w: ["x", "y"] }]);
});

test("heredocs: squiggly indentation removed, body skipped from the code", () => {
  assert.deepEqual(compact("x = <<~EOS.strip\n    one\n      two #{n}\n  EOS\ny"), [
    "x",
    "=",
    { s: ["one\n  two ", { code: "n" }, "\n"] },
    ".",
    "strip",
    "\\n",
    "y",
  ]);
  assert.deepEqual(compact("a = <<-'RAW'\n#{not} \\n\n  RAW\n"), ["a", "=", { s: ["#{not} \\n\n"] }, "\\n"]);
});

test("slash and percent: literals where a value is expected, operators after one", () => {
  assert.deepEqual(compact("f =~ /^a'b/i"), ["f", "=~", "/regexp/"]);
  assert.deepEqual(compact("a / b"), ["a", "/", "b"]);
  assert.deepEqual(compact("x = 7 %3"), ["x", "=", "7", "%", "3"]);
  assert.deepEqual(compact("x = a%w"), ["x", "=", "a", "%", "w"]);
});

test("comments, =begin blocks, __END__, symbols and method names", () => {
  assert.deepEqual(compact('a # c \'x\n=begin\n"\n=end\ns.respond_to? :metadata= ? 1 : 2\n__END__\n"open'), [
    "a",
    "\\n",
    "\\n",
    "s",
    ".",
    "respond_to?",
    ":metadata=",
    "?",
    "1",
    ":",
    "2",
    "\\n",
  ]);
});
