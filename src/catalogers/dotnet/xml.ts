import { SaxesParser } from "saxes";

/** One element of a small XML document (packages.config, .nuspec). */
export interface XmlElement {
  /** The local name: a namespace prefix ("nu:package") is dropped. */
  name: string;
  /** Attributes by their name as written. */
  attributes: ReadonlyMap<string, string>;
  children: XmlElement[];
  /** The character data directly inside the element, as written (untrimmed). */
  text: string;
}

export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
  /** Character data kept per element; the rest is dropped. */
  maxTextChars: number;
}

const defaultXmlLimits: XmlLimits = { maxDepth: 64, maxElements: 200_000, maxTextChars: 64 * 1024 };

export interface XmlDocument {
  /** The root element, as far as it was read (elements after a problem are missing). */
  root: XmlElement | undefined;
  /** Why reading stopped early: malformed XML, a DOCTYPE, or a cap. */
  problem: string | undefined;
}

const chunkChars = 64 * 1024;

/**
 * Reads an XML document into a small element tree. Only the five predefined entities and character
 * references are expanded; a document with a DOCTYPE (where entities would be declared) is refused.
 */
export function parseXml(content: Buffer, limits: XmlLimits = defaultXmlLimits): XmlDocument {
  const source = decode(content);
  const parser = new SaxesParser({ xmlns: false });
  let root: XmlElement | undefined;
  let problem: string | undefined;
  let elements = 0;
  const open: XmlElement[] = [];
  const stop = (why: string): void => {
    problem ??= why;
  };

  parser.on("error", (error) => {
    stop(`malformed XML: ${error.message}`);
  });
  parser.on("doctype", () => {
    root = undefined;
    stop("DOCTYPE declarations are not accepted");
  });
  parser.on("opentag", (tag) => {
    if (problem !== undefined) return;
    if (open.length >= limits.maxDepth) {
      stop(`XML nested deeper than ${limits.maxDepth} elements`);
      return;
    }
    elements += 1;
    if (elements > limits.maxElements) {
      stop(`XML has more than ${limits.maxElements} elements`);
      return;
    }
    const element: XmlElement = {
      name: localName(tag.name),
      attributes: new Map(Object.entries(tag.attributes)),
      children: [],
      text: "",
    };
    const parent = open.at(-1);
    if (parent) parent.children.push(element);
    else root ??= element;
    open.push(element);
  });
  const addText = (data: string): void => {
    const current = open.at(-1);
    if (problem !== undefined || !current) return;
    const room = limits.maxTextChars - current.text.length;
    if (room > 0) current.text += data.slice(0, room);
  };
  parser.on("text", addText);
  parser.on("cdata", addText);
  parser.on("closetag", () => {
    if (problem === undefined) open.pop();
  });

  for (let at = 0; at < source.length && problem === undefined; at += chunkChars) {
    parser.write(source.slice(at, at + chunkChars));
  }
  if (problem === undefined) parser.close();
  if (problem === undefined && root === undefined) problem = "no XML root element";
  return { root, problem };
}

/** The child elements named `name` (local name). */
export function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return element ? element.children.filter((child) => child.name === name) : [];
}

function localName(name: string): string {
  return name.slice(name.indexOf(":") + 1);
}

/** UTF-16 when a byte order mark says so, else UTF-8 (without its byte order mark). */
function decode(content: Buffer): string {
  if (content[0] === 0xff && content[1] === 0xfe) return content.subarray(2).toString("utf16le");
  if (content[0] === 0xfe && content[1] === 0xff) {
    const body = Buffer.from(content.subarray(2, 2 + ((content.length - 2) & ~1)));
    return body.swap16().toString("utf16le");
  }
  return content.toString("utf8").replace(/^\uFEFF/, "");
}
