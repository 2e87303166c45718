import assert from "node:assert/strict";
import { test } from "node:test";
import { parseChallenges } from "./www-authenticate.ts";

test("a Bearer challenge as registries send it", () => {
  assert.deepEqual(
    parseChallenges(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:library/alpine:pull"',
    ),
    [
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.example/token",
          service: "registry.example",
          scope: "repository:library/alpine:pull",
        },
      },
    ],
  );
});

test("several challenges, spaces, unquoted values, escapes and odd case", () => {
  assert.deepEqual(
    parseChallenges('Basic realm="a \\"b\\"", charset=UTF-8 ,  BEARER Realm=https://x/t , Scope="s1 s2"'),
    [
      { scheme: "basic", params: { realm: 'a "b"', charset: "UTF-8" } },
      { scheme: "bearer", params: { realm: "https://x/t", scope: "s1 s2" } },
    ],
  );
});

test("token68 credentials and a bare scheme leave the next challenge intact", () => {
  assert.deepEqual(parseChallenges('Negotiate dGVzdA==, Basic realm="r"'), [
    { scheme: "negotiate", params: {} },
    { scheme: "basic", params: { realm: "r" } },
  ]);
  assert.deepEqual(parseChallenges("Basic"), [{ scheme: "basic", params: {} }]);
  assert.deepEqual(parseChallenges(""), []);
});

test("an unterminated quoted value ends at the end of the header", () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://x/t'), [
    { scheme: "bearer", params: { realm: "https://x/t" } },
  ]);
});
