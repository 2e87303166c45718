import { children, parseXml } from "./xml.ts";

/** nuget.org writes this licenseUrl for packages that declare a license expression. */
const expressionUrl = /^https?:\/\/licenses\.nuget\.org\/(.+)$/i;

/**
 * The licenses a .nuspec declares: `<license type="expression">`, else the expression in a
 * `https://licenses.nuget.org/<expression>` licenseUrl. A license file or another URL gives nothing.
 */
export function nuspecLicenses(content: Buffer): string[] {
  const { root } = parseXml(content);
  if (root?.name !== "package") return [];
  const metadata = children(root, "metadata")[0];
  const license = children(metadata, "license")[0];
  if (license) {
    const expression = license.text.trim();
    return license.attributes.get("type") === "expression" && expression !== "" ? [expression] : [];
  }
  const url = expressionUrl.exec(children(metadata, "licenseUrl")[0]?.text.trim() ?? "");
  const fromUrl = url?.[1] === undefined ? "" : safeDecode(url[1]).trim();
  return fromUrl === "" ? [] : [fromUrl];
}

/**
 * The version as NuGet names its folder in the packages folder: build metadata dropped, leading
 * zeros dropped from the numbers, at least three numbers and a fourth only when it is not zero,
 * lower case ("1.0" → "1.0.0", "2.1.0.0-RC" → "2.1.0-rc").
 */
export function normalizedVersion(version: string): string {
  const withoutMetadata = version.split("+")[0] ?? version;
  const dash = withoutMetadata.indexOf("-");
  const release = dash < 0 ? withoutMetadata : withoutMetadata.slice(0, dash);
  const label = dash < 0 ? "" : withoutMetadata.slice(dash);
  const numbers = release.split(".");
  if (numbers.length > 4 || !numbers.every((n) => /^\d+$/.test(n))) return version.toLowerCase();
  const parts = numbers.map((n) => n.replace(/^0+(?=\d)/, ""));
  while (parts.length < 3) parts.push("0");
  if (parts.length === 4 && parts[3] === "0") parts.pop();
  return `${parts.join(".")}${label}`.toLowerCase();
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
