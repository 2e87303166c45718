import assert from "node:assert/strict";
import { test } from "node:test";
import { parseOsRelease } from "./os-release.ts";

test("parses a Debian os-release", () => {
  const text = [
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
    'NAME="Debian GNU/Linux"',
    'VERSION_ID="12"',
    "VERSION_CODENAME=bookworm",
    "ID=debian",
    "# a comment",
  ].join("\n");
  assert.deepEqual(parseOsRelease(text), {
    id: "debian",
    versionId: "12",
    versionCodename: "bookworm",
    prettyName: "Debian GNU/Linux 12 (bookworm)",
    idLike: [],
  });
});

test("keeps ID_LIKE and unescapes double-quoted values", () => {
  const distro = parseOsRelease('ID=ubuntu\nID_LIKE="debian foo"\nPRETTY_NAME="A \\"quoted\\" name"\n');
  assert.deepEqual(distro?.idLike, ["debian", "foo"]);
  assert.equal(distro?.prettyName, 'A "quoted" name');
});

test("no ID means no distro", () => {
  assert.equal(parseOsRelease("NAME=foo\n"), undefined);
});
