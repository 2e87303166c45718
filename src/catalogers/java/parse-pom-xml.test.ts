import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePomLicenses } from "./parse-pom-xml.ts";

const parse = (text: string, encoding: BufferEncoding = "utf8") => parsePomLicenses(Buffer.from(text, encoding));

test("project/licenses/license/name, in order, as written", () => {
  const pom = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <!-- <licenses><license><name>commented out</name></license></licenses> -->
  <parent><licenses><license><name>not the project's</name></license></licenses></parent>
  <licenses>
    <license>
      <name>  The Apache Software License, Version 2.0 </name>
      <url>http://www.apache.org/licenses/LICENSE-2.0.txt</url>
    </license>
    <license><name><![CDATA[CDDL + GPLv2 with classpath exception]]></name></license>
    <license><url>https://opensource.org/licenses/MIT</url></license>
    <license><url>https://example.org/unknown</url></license>
  </licenses>
</project>`;
  assert.deepEqual(parse(pom), {
    licenses: ["The Apache Software License, Version 2.0", "CDDL + GPLv2 with classpath exception", "MIT"],
  });
});

test("a Latin-1 pom.xml, a prefixed root, no licenses, broken XML", () => {
  const latin1 = `<?xml version="1.0" encoding="ISO-8859-1"?><project><licenses><license><name>Licença</name></license></licenses></project>`;
  assert.deepEqual(parse(latin1, "latin1").licenses, ["Licença"]);
  assert.deepEqual(
    parse(
      '<pom:project xmlns:pom="x"><pom:licenses><pom:license><pom:name>MIT</pom:name></pom:license></pom:licenses></pom:project>',
    ).licenses,
    ["MIT"],
  );
  assert.deepEqual(parse("<project><name>x</name></project>"), { licenses: [] });
  const broken = parse("<project><licenses><license><name>MIT</name></license><oops></project>");
  assert.deepEqual(broken.licenses, ["MIT"]);
  assert.ok(broken.problem);
  assert.ok(parse("not xml at all").problem);
});
