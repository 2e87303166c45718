import { test } from "node:test";
import assert from "node:assert/strict";
import { copyrightLicenses } from "./parse-copyright.ts";

test("DEP-5: License fields and common-licenses references, first appearance order, no duplicates", () => {
  const text = `Format: http://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: auditd

Files: *
License: GPL-2

Files: lib/*
License: LGPL-2.1
  On Debian systems, refer to /usr/share/common-licenses/LGPL-2.1
  for the complete text.

License: GPL-2
 On Debian systems, the complete text can be found in \`/usr/share/common-licenses/GPL-1'.
`;
  assert.deepEqual(copyrightLicenses(text), ["GPL-2", "LGPL-2.1", "GPL-1"]);
});

test("DEP-5: alternatives and conjunctions give each name; 'with' exceptions stay whole; none is dropped", () => {
  const text = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
License: GPL-2+ or Artistic-1.0

Files: a/*
License: BSD-3-clause and MIT

Files: b/*
License: GPL-3+ with OpenSSL exception

Files: c/*
License: none
`;
  assert.deepEqual(copyrightLicenses(text), [
    "GPL-2+",
    "Artistic-1.0",
    "BSD-3-clause",
    "MIT",
    "GPL-3+ with OpenSSL exception",
  ]);
});

test("free-form files: only common-licenses references count", () => {
  const text = `This package was debianized by someone.

License: you may do anything with this software.

On Debian systems, the complete text of the GNU General Public License
can be found in /usr/share/common-licenses/GPL.
`;
  assert.deepEqual(copyrightLicenses(text), ["GPL"]);
  assert.deepEqual(copyrightLicenses(""), []);
});
