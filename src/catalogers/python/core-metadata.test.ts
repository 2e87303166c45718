import { test } from "node:test";
import assert from "node:assert/strict";
import { field, fieldValues, readCoreMetadata } from "./core-metadata.ts";
import { declaredLicenses } from "./licenses.ts";

const read = (text: string) => readCoreMetadata(Buffer.from(text));

test("fields: names without case or dashes, repeated fields in order, values trimmed", () => {
  const metadata = read(
    [
      "Metadata-Version: 2.1",
      "Name:  Pygments ",
      "Author-email: georg@python.org",
      "LicenseFile: LICENSE.txt",
      "License-File: AUTHORS",
      "Requires-Dist: soupsieve (>1.2)",
      "Requires-Dist: lxml ; extra == 'lxml'",
      "Keywords:",
    ].join("\n"),
  );
  assert.equal(field(metadata, "name"), "Pygments");
  assert.equal(field(metadata, "authoremail"), "georg@python.org");
  assert.deepEqual(fieldValues(metadata, "licensefile"), ["LICENSE.txt", "AUTHORS"]);
  assert.deepEqual(fieldValues(metadata, "requiresdist"), ["soupsieve (>1.2)", "lxml ; extra == 'lxml'"]);
  assert.equal(field(metadata, "keywords"), undefined);
  assert.equal(field(metadata, "missing"), undefined);
});

test("continuation lines join the field before; a line of spaces continues, an empty line ends", () => {
  const metadata = read(
    [
      "Name: x",
      "License: Copyright (c) someone",
      "        Permission is hereby granted",
      "\tto anyone",
      "Description: first line",
      "        more description",
      "        ",
      "        Classifier: not a field, still the description",
      "Version: 1.0",
      "",
      "Classifier: License :: OSI Approved :: MIT License",
    ].join("\n"),
  );
  assert.equal(field(metadata, "license"), "Copyright (c) someone\nPermission is hereby granted\nto anyone");
  assert.equal(field(metadata, "description"), "first line");
  assert.equal(field(metadata, "version"), "1.0");
  assert.deepEqual(fieldValues(metadata, "classifier"), []);
});

test("CRLF line ends, a byte order mark and leading empty lines are accepted", () => {
  const metadata = read("\uFEFF\r\n\r\nName: crlf\r\nVersion: 2.0\r\n\r\nbody: ignored\r\n");
  assert.equal(field(metadata, "name"), "crlf");
  assert.equal(field(metadata, "version"), "2.0");
  assert.equal(field(metadata, "body"), undefined);
});

test("a line that is not a header ends the block; earlier fields are kept", () => {
  const metadata = read("Name: mxnet\nVersion: 1.8.0\nSummary: <!-- x -->\n<!-- y: z -->\nLicense: late\n");
  assert.equal(field(metadata, "version"), "1.8.0");
  assert.equal(field(metadata, "license"), undefined);
  assert.equal(read("no header at all").fields.size, 0);
});

test("bytes outside UTF-8 and control characters do not stop the reading", () => {
  const content = Buffer.concat([
    Buffer.from("Name: Unidecode\nDescription: x\n        \xff\xfe \r\u0001 junk\n", "latin1"),
    Buffer.from("Version: 0.4.1\n"),
  ]);
  const metadata = readCoreMetadata(content);
  assert.equal(field(metadata, "name"), "Unidecode");
  assert.equal(field(metadata, "version"), "0.4.1");
});

test("the header block is cut at the line cap, with a note", () => {
  const metadata = read(`Name: big\nDescription: x\n${"        line\n".repeat(100_001)}Version: 1\n`);
  assert.match(metadata.truncated ?? "", /more than 100000 header lines/);
  assert.equal(field(metadata, "name"), "big");
  assert.equal(field(metadata, "version"), undefined);
});

test("licenses: License-Expression, then License classifiers, then a one-line License field", () => {
  const licenses = (...lines: string[]) => declaredLicenses(read(["Name: x", ...lines].join("\n")));
  assert.deepEqual(
    licenses(
      "License-Expression: MIT OR Apache-2.0",
      "License: MIT",
      "Classifier: License :: OSI Approved :: MIT License",
    ),
    ["MIT OR Apache-2.0"],
  );
  assert.deepEqual(
    licenses(
      "License: Apache 2.0",
      "Classifier: License :: OSI Approved",
      "Classifier: License :: OSI Approved :: Apache Software License",
      "Classifier: Programming Language :: Python",
      "Classifier: License :: OSI Approved :: Apache Software License",
      "Classifier: License :: Public Domain",
    ),
    ["Apache Software License", "Public Domain"],
  );
  // Grouping classifiers name no license: the License field is used.
  assert.deepEqual(licenses("License: Eclipse Public License v2.0", "Classifier: License :: OSI Approved"), [
    "Eclipse Public License v2.0",
  ]);
  assert.deepEqual(licenses("License: UNKNOWN"), ["UNKNOWN"]);
  // The whole license text pasted into License names nothing.
  assert.deepEqual(licenses("License: Copyright (c) 2020", "  Permission is hereby granted"), []);
  // License-File alone: the text is not classified.
  assert.deepEqual(licenses("License-File: LICENSE.txt"), []);
  assert.deepEqual(licenses(), []);
});
