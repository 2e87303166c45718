import { type CoreMetadata, field, fieldValues } from "./core-metadata.ts";

/** Classifiers under "License ::" that group licenses without naming one. */
const groupingClassifiers = new Set(["OSI Approved", "DFSG approved"]);

/**
 * The declared licenses, in this order of precedence:
 * 1. `License-Expression` (PEP 639), kept whole as an SPDX expression;
 * 2. `Classifier: License :: … :: <name>`, one license per classifier (the last segment);
 * 3. `License`, kept whole when it is one line: the core metadata spec reserves it for licenses
 *    no classifier names, and older tools write "UNKNOWN" there or paste the whole license text
 *    (several lines), which names nothing.
 * `License-File` alone gives no license: the file's text is not classified here.
 */
export function declaredLicenses(metadata: CoreMetadata): string[] {
  const expression = field(metadata, "licenseexpression");
  if (expression !== undefined && !expression.includes("\n")) return [expression];

  const classified = new Set<string>();
  for (const classifier of fieldValues(metadata, "classifier")) {
    const segments = classifier.split("::").map((segment) => segment.trim());
    const name = segments.at(-1);
    if (segments[0] === "License" && segments.length > 1 && name && !groupingClassifiers.has(name)) {
      classified.add(name);
    }
  }
  if (classified.size > 0) return [...classified];

  const license = field(metadata, "license");
  return license === undefined || license.includes("\n") ? [] : [license];
}
