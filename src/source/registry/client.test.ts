import assert from "node:assert/strict";
import { test } from "node:test";
import { SourceError } from "../../errors.ts";
import { nextPage } from "./client.ts";

const base = new URL("http://127.0.0.1:5000/");
const current = new URL("http://127.0.0.1:5000/v2/_catalog?n=2");

test("the next page comes from the Link header's rel=next, relative or absolute", () => {
  assert.equal(nextPage('</v2/_catalog?last=b&n=2>; rel="next"', current, base), "/v2/_catalog?last=b&n=2");
  assert.equal(
    nextPage("<http://127.0.0.1:5000/v2/r/tags/list?last=v9&n=2>; rel=next", current, base),
    "/v2/r/tags/list?last=v9&n=2",
  );
  assert.equal(
    nextPage('</v2/_catalog?last=a>; rel="prev", </v2/_catalog?last=c&n=2>; rel="next"', current, base),
    "/v2/_catalog?last=c&n=2",
  );
});

test("no Link, or no rel=next, is the last page", () => {
  assert.equal(nextPage(undefined, current, base), undefined);
  assert.equal(nextPage('</v2/_catalog?last=a>; rel="prev"', current, base), undefined);
  assert.equal(nextPage('</v2/_catalog?last=a>; rel="nextish"', current, base), undefined);
});

test("a next page on another server is refused", () => {
  assert.throws(
    () => nextPage('<http://elsewhere.invalid/v2/_catalog?last=b>; rel="next"', current, base),
    (error: unknown) => error instanceof SourceError && /another server/.test(error.message),
  );
});
