/**
 * A deliberately small license recognizer for the LICENSE file packed in a jar, and for license
 * URLs. It knows the title lines and fixed phrases of the licenses Java libraries use most and
 * nothing else: a text it does not recognize gives no license rather than a guess.
 */

interface TextRule {
  id: string;
  /** Matched against the text lower-cased, with every run of characters other than [a-z0-9.] made one space. */
  pattern: RegExp;
}

const textRules: readonly TextRule[] = [
  {
    id: "Apache-2.0",
    pattern: /\bapache (software )?license (version|v) ?2\.0\b|\bapache\.org licenses license 2\.0\b/,
  },
  { id: "MIT", pattern: /\bpermission is hereby granted free of charge to any person obtaining a copy\b/ },
  { id: "EPL-2.0", pattern: /\beclipse public license (v|version) ?2\.0\b/ },
  { id: "EPL-1.0", pattern: /\beclipse public license (v|version) ?1\.0\b/ },
  { id: "BSD-3-Clause", pattern: /\beclipse distribution license (v|version) ?1\.0\b/ },
  { id: "MPL-2.0", pattern: /\bmozilla public license (v|version) ?2\.0\b/ },
  { id: "CDDL-1.1", pattern: /\bcommon development and distribution license (cddl )?(v|version) ?1\.1\b/ },
  { id: "CDDL-1.0", pattern: /\bcommon development and distribution license (cddl )?(v|version) ?1\.0\b/ },
  { id: "GPL-2.0", pattern: /\bgnu general public license version 2 june 1991\b/ },
  { id: "LGPL-2.1", pattern: /\bgnu lesser general public license version 2\.1 february 1999\b/ },
  { id: "GPL-3.0", pattern: /\bgnu general public license version 3 29 june 2007\b/ },
  { id: "LGPL-3.0", pattern: /\bgnu lesser general public license version 3 29 june 2007\b/ },
];

const bsdRedistribution = /\bredistribution and use in source and binary forms with or without modification\b/;
const bsdNoEndorsement = /\bneither the name of\b|\bthe names? of (its|the) contributors may not be used\b/;

/** SPDX identifiers of the licenses recognized in a license file's text, in a fixed order. */
export function licensesInText(text: string): string[] {
  const normalized = text.toLowerCase().replace(/[^a-z0-9.]+/g, " ");
  const found = textRules.filter((rule) => rule.pattern.test(normalized)).map((rule) => rule.id);
  if (found.includes("GPL-2.0") && /\bclasspath exception\b/.test(normalized)) {
    found[found.indexOf("GPL-2.0")] = "GPL-2.0-with-classpath-exception";
  }
  if (bsdRedistribution.test(normalized) && !found.includes("BSD-3-Clause")) {
    found.push(bsdNoEndorsement.test(normalized) ? "BSD-3-Clause" : "BSD-2-Clause");
  }
  return found;
}

const urlRules: ReadonlyArray<readonly [RegExp, string]> = [
  [/^apache\.org\/licenses\/license-2\.0(\.txt|\.html)?$/, "Apache-2.0"],
  [/^opensource\.org\/licenses\/(mit|mit-license\.php)$/, "MIT"],
  [/^opensource\.org\/licenses\/(bsd-3-clause|bsd-license\.php)$/, "BSD-3-Clause"],
  [/^opensource\.org\/licenses\/bsd-2-clause$/, "BSD-2-Clause"],
  [/^opensource\.org\/licenses\/apache-2\.0$/, "Apache-2.0"],
  [/^eclipse\.org\/legal\/epl-v10\.html$/, "EPL-1.0"],
  [/^eclipse\.org\/legal\/epl-(v20\.html|2\.0)$/, "EPL-2.0"],
  [/^eclipse\.org\/org\/documents\/edl-v10\.(php|html)$/, "BSD-3-Clause"],
  [/^mozilla\.org\/mpl\/2\.0(\/index\.txt)?$/, "MPL-2.0"],
  [/^gnu\.org\/licenses\/(old-licenses\/)?gpl-2\.0(\.html|\.txt)?$/, "GPL-2.0"],
  [/^gnu\.org\/licenses\/(old-licenses\/)?lgpl-2\.1(\.html|\.txt)?$/, "LGPL-2.1"],
  [/^gnu\.org\/licenses\/gpl-3\.0(\.html|\.txt)?$/, "GPL-3.0"],
  [/^gnu\.org\/licenses\/lgpl-3\.0(\.html|\.txt)?$/, "LGPL-3.0"],
];

/** The SPDX identifier of a well-known license URL ("https://www.apache.org/licenses/LICENSE-2.0.txt"). */
export function licenseFromUrl(url: string): string | undefined {
  const key = url
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, "")
    .replace(/^www\./, "")
    .replace(/[?#].*$/, "")
    .replace(/\/+$/, "");
  return urlRules.find(([pattern]) => pattern.test(key))?.[1];
}
