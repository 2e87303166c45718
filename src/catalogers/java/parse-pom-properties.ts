/**
 * A pom.properties file, as maven-archiver writes it into META-INF/maven/<groupId>/<artifactId>/.
 * The format is java.util.Properties: ISO-8859-1, `#`/`!` comments, keys ending at the first
 * unescaped `=`, `:` or whitespace, backslash escapes and continuation lines.
 */
export interface PomProperties {
  groupId?: string;
  artifactId?: string;
  version?: string;
  name?: string;
  /** Every other key, as written. */
  extra: Record<string, string>;
}

/** The Maven coordinates and other keys of a pom.properties file. Values are trimmed; empty ones are dropped. */
export function parsePomProperties(content: Buffer): PomProperties {
  const properties: PomProperties = { extra: {} };
  const extra = new Map<string, string>();
  for (const [key, raw] of parseProperties(content.toString("latin1"))) {
    const value = raw.trim();
    if (value === "") continue;
    if (key === "groupId") properties.groupId = value;
    else if (key === "artifactId") properties.artifactId = value;
    else if (key === "version") properties.version = value;
    else if (key === "name") properties.name = value;
    else extra.set(key, value);
  }
  // fromEntries defines own properties, so a "__proto__" key stays an ordinary key.
  properties.extra = Object.fromEntries(extra);
  return properties;
}

/** Key/value pairs of a java.util.Properties text, in order (a later duplicate key wins when put in a Map). */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = stripLeadingBlanks(lines[i] ?? "");
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    // An odd number of trailing backslashes joins the next line, minus its leading blanks.
    while (endsWithEscape(line) && i + 1 < lines.length) {
      i++;
      line = line.slice(0, -1) + stripLeadingBlanks(lines[i] ?? "");
    }
    if (endsWithEscape(line)) line = line.slice(0, -1);
    const [key, value] = splitKeyValue(line);
    out.set(unescape(key), unescape(value));
  }
  return out;
}

const blank = /^[ \t\f]+/;

function stripLeadingBlanks(line: string): string {
  return line.replace(blank, "");
}

function endsWithEscape(line: string): boolean {
  let backslashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === "\\"; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** The raw (still escaped) key and value of one logical line. */
function splitKeyValue(line: string): [string, string] {
  let end = 0;
  while (end < line.length) {
    const c = line[end];
    if (c === "\\") {
      end += 2;
      continue;
    }
    if (c === "=" || c === ":" || c === " " || c === "\t" || c === "\f") break;
    end++;
  }
  end = Math.min(end, line.length);
  let rest = stripLeadingBlanks(line.slice(end));
  if (rest.startsWith("=") || rest.startsWith(":")) rest = stripLeadingBlanks(rest.slice(1));
  return [line.slice(0, end), rest];
}

const escapes: Record<string, string> = { t: "\t", n: "\n", r: "\r", f: "\f" };

function unescape(text: string): string {
  if (!text.includes("\\")) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c !== "\\" || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text[++i] ?? "";
    if (next === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(text.slice(i + 1, i + 5), 16));
      i += 4;
    } else {
      out += escapes[next] ?? next;
    }
  }
  return out;
}
