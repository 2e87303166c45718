/**
 * Finds an image in a runtime's store by what the user typed: a full name, a short name ("debian:12",
 * resolved the way Docker reads it, "docker.io/library/debian:12", or against any registry when the store
 * holds exactly one match), a name with a digest, a digest, or an image ID (or a unique prefix of one).
 */
import { InputError } from "../../errors.ts";

export interface ImageName {
  /** The registry host, when the name starts with one. */
  domain?: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** One image in a store, with everything it may be found by. */
export interface NamedImage {
  /** The image ID, "sha256:<hex>" or bare hex. */
  id: string;
  names: readonly string[];
  digests: readonly string[];
}

const dockerHub = "docker.io";
const digestPattern = /^sha(256|512):[a-f0-9]+$/;
const idPrefixPattern = /^[a-f0-9]{6,128}$/;
const maxListed = 12;

/** Splits "[domain/]path[:tag][@digest]"; the first component is a domain when it has a dot or colon, or is localhost. */
export function parseImageName(text: string): ImageName {
  const at = text.indexOf("@");
  const digest = at === -1 ? undefined : text.slice(at + 1);
  const named = at === -1 ? text : text.slice(0, at);
  const slash = named.indexOf("/");
  const first = slash === -1 ? "" : named.slice(0, slash);
  const hasDomain = first !== "" && (first.includes(".") || first.includes(":") || first === "localhost");
  const remainder = hasDomain ? named.slice(slash + 1) : named;
  const colon = remainder.lastIndexOf(":");
  const tag = colon > remainder.lastIndexOf("/") ? remainder.slice(colon + 1) : undefined;
  const path = tag === undefined ? remainder : remainder.slice(0, colon);
  return {
    ...(hasDomain ? { domain: first } : {}),
    path,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** What Docker makes of a name: docker.io for no domain, library/ for one-component Hub names, :latest for no tag. */
export function normaliseImageName(text: string): string {
  const name = parseImageName(text);
  const domain = name.domain ?? dockerHub;
  const path = domain === dockerHub && !name.path.includes("/") ? `library/${name.path}` : name.path;
  const tag = name.tag ?? (name.digest === undefined ? "latest" : undefined);
  return `${domain}/${path}${tag === undefined ? "" : `:${tag}`}${name.digest === undefined ? "" : `@${name.digest}`}`;
}

/**
 * The one image `wanted` names, or undefined when none does. Exact names win, then Docker's reading of the
 * name, then (for a name with no domain) the same path and tag under any registry, then an ID prefix.
 * Several different images matching at the same step is an error.
 */
export function findNamedImage<T extends NamedImage>(
  images: readonly T[],
  wanted: string,
  where: string,
): T | undefined {
  const tiers: ((image: T) => boolean)[] = [
    (image) => image.names.includes(wanted) || image.digests.includes(wanted) || sameId(image.id, wanted),
    (image) => image.names.some((name) => sameNormalised(name, wanted)),
    (image) => image.names.some((name) => sameShortName(name, wanted)),
    (image) => idPrefixPattern.test(wanted) && bareId(image.id).startsWith(wanted),
  ];
  for (const matches of tiers) {
    const found = distinctById(images.filter(matches));
    const [only, ...others] = found;
    if (only === undefined) continue;
    if (others.length > 0) {
      throw new InputError(
        `"${wanted}" matches ${found.length} images in ${where}: ${found.map(describeImage).join("; ")}; give the full name or the image ID`,
      );
    }
    return only;
  }
  return undefined;
}

/** Like findNamedImage, but no match is an InputError that lists what the store has. */
export function chooseNamedImage<T extends NamedImage>(images: readonly T[], wanted: string, where: string): T {
  const found = findNamedImage(images, wanted, where);
  if (found === undefined) throw new InputError(`${where} has no image "${wanted}"; ${describeStore(images)}`);
  return found;
}

export function describeStore(images: readonly NamedImage[]): string {
  const names = [...new Set(images.flatMap((image) => image.names.filter((name) => !digestPattern.test(name))))];
  if (names.length === 0) return images.length === 0 ? "it holds no images" : "none of its images has a name";
  const listed = names.slice(0, maxListed).join(", ");
  return `it has: ${listed}${names.length > maxListed ? `, and ${names.length - maxListed} more` : ""}`;
}

function describeImage(image: NamedImage): string {
  const name = image.names.find((candidate) => !digestPattern.test(candidate));
  return name === undefined ? bareId(image.id) : `${name} (${bareId(image.id).slice(0, 12)})`;
}

function sameNormalised(stored: string, wanted: string): boolean {
  if (digestPattern.test(stored) || digestPattern.test(wanted)) return false;
  return normaliseImageName(stored) === normaliseImageName(wanted);
}

function sameShortName(stored: string, wanted: string): boolean {
  const want = parseImageName(wanted);
  if (want.domain !== undefined || digestPattern.test(wanted) || digestPattern.test(stored)) return false;
  const have = parseImageName(stored);
  const wantTag = want.tag ?? (want.digest === undefined ? "latest" : undefined);
  const haveTag = have.tag ?? (have.digest === undefined ? "latest" : undefined);
  return have.path === want.path && haveTag === wantTag && have.digest === want.digest;
}

function sameId(id: string, wanted: string): boolean {
  return id === wanted || bareId(id) === wanted || `sha256:${bareId(id)}` === wanted;
}

function bareId(id: string): string {
  return id.startsWith("sha256:") ? id.slice("sha256:".length) : id;
}

function distinctById<T extends NamedImage>(images: T[]): T[] {
  const seen = new Set<string>();
  return images.filter((image) => {
    const id = bareId(image.id);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
