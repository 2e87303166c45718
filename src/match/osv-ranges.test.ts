import assert from "node:assert/strict";
import { test } from "node:test";
import { dpkgScheme } from "../version/dpkg.ts";
import { pep440Scheme } from "../version/pep440.ts";
import { goScheme, semverScheme } from "../version/semver.ts";
import type { OsvRange } from "../vulndb/osv-record.ts";
import { evaluateAffected, evaluateRange } from "./osv-ranges.ts";

const range = (type: OsvRange["type"], ...events: OsvRange["events"]): OsvRange => ({ type, events });

test("introduced/fixed pairs, several in one range (Go stdlib style)", () => {
  const stdlib = range(
    "SEMVER",
    { introduced: "0" },
    { fixed: "1.18.6" },
    { introduced: "1.19.0-0" },
    { fixed: "1.19.1" },
  );
  assert.deepEqual(evaluateRange("go1.18.5", stdlib, goScheme), { affected: true, fixed: ["1.18.6"] });
  assert.deepEqual(evaluateRange("go1.18.6", stdlib, goScheme), { affected: false, fixed: [] });
  assert.deepEqual(evaluateRange("go1.19.0", stdlib, goScheme), { affected: true, fixed: ["1.19.1"] });
  assert.deepEqual(evaluateRange("go1.20.0", stdlib, goScheme), { affected: false, fixed: [] });
});

test("unsorted events are sorted by the ecosystem's ordering first", () => {
  const unsorted = range("ECOSYSTEM", { fixed: "2.0" }, { introduced: "1.5" }, { fixed: "1.2" }, { introduced: "0" });
  assert.equal(evaluateRange("1.1", unsorted, pep440Scheme).affected, true);
  assert.equal(evaluateRange("1.3", unsorted, pep440Scheme).affected, false);
  assert.deepEqual(evaluateRange("1.10", unsorted, pep440Scheme), { affected: true, fixed: ["2.0"] });
});

test("last_affected includes that version; limit excludes it; open ranges stay affected", () => {
  const last = range("SEMVER", { introduced: "1.0.0" }, { lastAffected: "1.4.0" });
  assert.equal(evaluateRange("1.4.0", last, semverScheme).affected, true);
  assert.equal(evaluateRange("1.4.1", last, semverScheme).affected, false);
  const limit = range("SEMVER", { introduced: "1.0.0" }, { limit: "2.0.0" });
  assert.equal(evaluateRange("2.0.0", limit, semverScheme).affected, false);
  const open = range("ECOSYSTEM", { introduced: "0" });
  assert.deepEqual(evaluateRange("99", open, pep440Scheme), { affected: true, fixed: [] });
});

test("Debian backports: epochs and ~debNuM", () => {
  const dsa = range("ECOSYSTEM", { introduced: "0" }, { fixed: "3.0.15-1~deb12u1" });
  assert.equal(evaluateRange("3.0.14-1~deb12u2", dsa, dpkgScheme).affected, true);
  assert.equal(evaluateRange("3.0.15-1~deb12u1", dsa, dpkgScheme).affected, false);
  assert.equal(evaluateRange("3.0.17-1~deb12u1", dsa, dpkgScheme).affected, false);
  const epoch = range("ECOSYSTEM", { introduced: "0" }, { fixed: "2:1.20.11-1+deb11u6" });
  assert.equal(evaluateRange("1.21.0-1", epoch, dpkgScheme).affected, true, "no epoch sorts below epoch 2");
});

test("explicit versions count with the ecosystem's equality; GIT ranges are ignored", () => {
  const schemes = { ecosystem: pep440Scheme, semver: semverScheme };
  const entry = { ranges: [range("GIT", { introduced: "abc" }, { fixed: "def" })], versions: ["1.0", "1.1.0"] };
  assert.equal(evaluateAffected("1.0.0", entry, schemes).affected, true);
  assert.equal(evaluateAffected("1.1", entry, schemes).affected, true);
  assert.equal(evaluateAffected("1.2", entry, schemes).affected, false);
});

test("bounds the scheme cannot read are skipped, not guessed", () => {
  const broken = range("ECOSYSTEM", { introduced: "0" }, { fixed: "not-a-version" });
  assert.deepEqual(evaluateRange("1.0", broken, pep440Scheme), { affected: true, fixed: [] });
});
