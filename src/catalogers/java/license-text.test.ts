import { test } from "node:test";
import assert from "node:assert/strict";
import { licenseFromUrl, licensesInText } from "./license-text.ts";

test("license texts recognized by their titles and fixed phrases", () => {
  assert.deepEqual(licensesInText("                 Apache License\n           Version 2.0, January 2004\n"), [
    "Apache-2.0",
  ]);
  assert.deepEqual(
    licensesInText(
      'This copy of Jackson is licensed under the\nApache (Software) License, version 2.0 ("the License").',
    ),
    ["Apache-2.0"],
  );
  assert.deepEqual(
    licensesInText("Permission is hereby granted, free of charge, to any person obtaining a copy of this software"),
    ["MIT"],
  );
  assert.deepEqual(licensesInText("Eclipse Public License - v 2.0\n\nTHE ACCOMPANYING PROGRAM"), ["EPL-2.0"]);
  assert.deepEqual(
    licensesInText(
      "COMMON DEVELOPMENT AND DISTRIBUTION LICENSE (CDDL) Version 1.1\n...\nGNU General Public License\nVersion 2, June 1991\n... CLASSPATH EXCEPTION",
    ),
    ["CDDL-1.1", "GPL-2.0-with-classpath-exception"],
  );
  assert.deepEqual(
    licensesInText(
      "GNU LESSER GENERAL PUBLIC LICENSE\nVersion 2.1, February 1999\n... the ordinary GNU General Public License, version 2",
    ),
    ["LGPL-2.1"],
  );
  const bsd =
    "Redistribution and use in source and binary forms, with or without modification, are permitted provided that";
  assert.deepEqual(licensesInText(bsd), ["BSD-2-Clause"]);
  assert.deepEqual(licensesInText(`${bsd}\n3. Neither the name of the copyright holder`), ["BSD-3-Clause"]);
  assert.deepEqual(licensesInText("All rights reserved. Proprietary."), []);
});

test("well-known license URLs", () => {
  assert.equal(licenseFromUrl("https://www.apache.org/licenses/LICENSE-2.0.txt"), "Apache-2.0");
  assert.equal(licenseFromUrl("http://www.apache.org/licenses/LICENSE-2.0/"), "Apache-2.0");
  assert.equal(licenseFromUrl("https://opensource.org/licenses/MIT"), "MIT");
  assert.equal(licenseFromUrl("https://www.eclipse.org/legal/epl-2.0/"), "EPL-2.0");
  assert.equal(licenseFromUrl("https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html"), "LGPL-2.1");
  assert.equal(licenseFromUrl("https://example.org/license"), undefined);
});
