const scopedName = /^(?:@([^/]+?)[/])?([^/]+?)$/;
const reservedNames = new Set(["node_modules", "favicon.ico"]);

/**
 * Why npm would refuse `name` for an existing package, or undefined when it is acceptable. The
 * rules of validate-npm-package-name that are errors (not the warnings that only bar new
 * packages, such as capital letters).
 */
export function packageNameProblem(name: string): string | undefined {
  if (name.startsWith(".")) return "name cannot start with a period";
  if (name.startsWith("_")) return "name cannot start with an underscore";
  if (name.trim() !== name) return "name cannot contain leading or trailing spaces";
  if (reservedNames.has(name.toLowerCase())) return `${name} is a reserved name`;
  if (encodeURIComponent(name) === name) return undefined;
  const match = scopedName.exec(name);
  const scope = match?.[1];
  const bare = match?.[2];
  if (scope !== undefined && bare !== undefined && urlFriendly(scope) && urlFriendly(bare)) return undefined;
  return "name can only contain URL-friendly characters";
}

function urlFriendly(part: string): boolean {
  return encodeURIComponent(part) === part;
}
