import { SaxesParser } from "saxes";
import { licenseFromUrl } from "./license-text.ts";

export interface PomLicenses {
  /** `project/licenses/license/name` as written; a license without a name gives its well-known URL's SPDX id. */
  licenses: string[];
  /** The XML is not well-formed; licenses read before the error are kept. */
  problem?: string;
}

/** Licenses lie four elements deep; saxes holds every open element, so a deeper document is not read. */
const maxDepth = 64;

/** The licenses an embedded pom.xml declares (META-INF/maven/<groupId>/<artifactId>/pom.xml). */
export function parsePomLicenses(content: Buffer): PomLicenses {
  const licenses: string[] = [];
  const path: string[] = [];
  let name = "";
  let url = "";
  const parser = new SaxesParser({ xmlns: false, position: false });
  const at = (...tail: string[]): boolean =>
    path.length === tail.length + 3 &&
    path[0] === "project" &&
    path[1] === "licenses" &&
    path[2] === "license" &&
    tail.every((part, i) => path[3 + i] === part);
  const onText = (text: string): void => {
    if (at("name")) name += text;
    else if (at("url")) url += text;
  };
  parser.on("opentag", (tag) => {
    if (path.length >= maxDepth) throw new Error(`elements nested deeper than ${maxDepth}`);
    path.push(localName(tag.name));
    if (at()) {
      name = "";
      url = "";
    }
  });
  parser.on("text", onText);
  parser.on("cdata", onText);
  parser.on("closetag", () => {
    if (at()) {
      const license = name.trim() || licenseFromUrl(url);
      if (license) licenses.push(license);
    }
    path.pop();
  });
  try {
    parser.write(decode(content)).close();
  } catch (error) {
    return { licenses, problem: error instanceof Error ? error.message : String(error) };
  }
  return { licenses };
}

function localName(name: string): string {
  return name.slice(name.indexOf(":") + 1);
}

/** UTF-8 unless the XML declaration names a Latin-1 family encoding. */
function decode(content: Buffer): string {
  const head = content.toString("latin1", 0, Math.min(content.length, 200));
  const declared = /^<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/.exec(head.replace(/^\uFEFF|^\xEF\xBB\xBF/, ""));
  const latin1 = declared?.[1] !== undefined && /^(iso-8859-1|latin-?1|windows-1252|cp1252)$/i.test(declared[1]);
  return latin1 ? content.toString("latin1") : content.toString("utf8").replace(/^\uFEFF/, "");
}
