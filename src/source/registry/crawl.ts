/**
 * A registry-wide crawl: every repository of the catalog (or the ones named), every tag, each resolved to
 * its manifest digest with a HEAD, each digest given out once as a reference the registry source scans.
 */
import picomatch from "picomatch";
import { InputError, LimitError, SourceError } from "../../errors.ts";
import { type ListOptions, RegistryClient } from "./client.ts";
import { isNetworkFailure } from "./http.ts";
import { listOptions, type ListingOptions } from "./listing.ts";
import { dockerHub } from "./reference.ts";

export interface CrawledImage {
  repository: string;
  /** The first tag, in code-point order, that points at the digest. */
  tag: string;
  /** Every tag of the repository that points at the digest, sorted, `tag` first. */
  tags: string[];
  /** The manifest (or image index) digest. */
  digest: string;
  /** `registry/repository@digest`, for openRegistrySource. */
  reference: string;
}

/** A repository (or one of its tags) the crawl skipped: the registry refused or did not know it. */
export interface CrawlFailure {
  repository: string;
  /** Set when only this tag failed. */
  tag?: string;
  error: Error;
}

export interface CrawlOptions extends ListingOptions {
  /**
   * Glob filters (picomatch: `team/*`, `**\/base`) on repository names; none means all. When every entry
   * is a plain name, the catalog is not read at all (Docker Hub, for one, has none).
   */
  repositories?: string[];
  /** Glob filters on tags; none means all. */
  tags?: string[];
  /** Digests for which this answers true are not given out (already scanned). */
  seen?: (digest: string) => boolean | Promise<boolean>;
  /** Registry requests (catalog and tag pages, manifest HEADs) in flight at once; default 4. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Told of each repository or tag skipped; the crawl goes on. Unreachable registries end it instead. */
  onError?: (failure: CrawlFailure) => void;
}

type Outcome =
  | { kind: "resolved"; repository: string; images: { digest: string; tags: string[] }[]; failures: CrawlFailure[] }
  | { kind: "failed"; failure: CrawlFailure }
  | { kind: "fatal"; error: unknown };

const defaultConcurrency = 4;

/**
 * The images of a registry ("host:5000", "docker.io"), repository by repository in catalog order. Throws
 * when the catalog cannot be read, the registry cannot be reached, or the signal aborts.
 */
export async function* crawlRegistry(registry: string, options: CrawlOptions = {}): AsyncIterable<CrawledImage> {
  const { repositories, tags, seen, concurrency, signal, onError, pageSize, maxEntries, ...clientOptions } = options;
  const width = concurrency ?? defaultConcurrency;
  if (!Number.isInteger(width) || width < 1) throw new InputError(`concurrency must be a whole number of at least 1`);
  signal?.throwIfAborted();
  const client = await RegistryClient.connect(registry, clientOptions);
  const stop = new AbortController();
  const abort = (): void => {
    stop.abort(signal?.reason);
  };
  signal?.addEventListener("abort", abort, { once: true });
  const slots = new Slots(width);
  const tagMatches = tags === undefined || tags.length === 0 ? () => true : picomatch(tags);
  const listing = listOptions(pageSize, maxEntries, stop.signal);

  const resolve = async (repository: string): Promise<Outcome> => {
    try {
      const names = await slots.run(() => client.listTags(repository, listing));
      const resolved = await Promise.all(
        // The spec says tags come in lexical order; not every registry keeps to it.
        names
          .filter((tag) => tagMatches(tag))
          .sort(byCodePoint)
          .map((tag) =>
            slots
              .run(() => client.manifestDigest(repository, tag, stop.signal))
              .then(
                (digest) => ({ tag, digest }),
                (error: unknown) => ({ tag, error }),
              ),
          ),
      );
      const byDigest = new Map<string, string[]>();
      const failures: CrawlFailure[] = [];
      for (const result of resolved) {
        if ("error" in result) {
          if (!isSkippable(result.error)) return { kind: "fatal", error: result.error };
          failures.push({ repository, tag: result.tag, error: result.error });
          continue;
        }
        const sharing = byDigest.get(result.digest);
        if (sharing === undefined) byDigest.set(result.digest, [result.tag]);
        else sharing.push(result.tag);
      }
      const images = [...byDigest].map(([digest, sharing]) => ({ digest, tags: sharing }));
      return { kind: "resolved", repository, images, failures };
    } catch (error) {
      return isSkippable(error) ? { kind: "failed", failure: { repository, error } } : { kind: "fatal", error };
    }
  };

  const given = new Set<string>();
  async function* emit(outcome: Outcome): AsyncGenerator<CrawledImage> {
    signal?.throwIfAborted();
    if (outcome.kind === "fatal") throw outcome.error;
    if (outcome.kind === "failed") {
      onError?.(outcome.failure);
      return;
    }
    for (const failure of outcome.failures) onError?.(failure);
    const { repository } = outcome;
    for (const { digest, tags: sharing } of outcome.images) {
      const [tag] = sharing;
      if (tag === undefined || given.has(digest)) continue;
      given.add(digest);
      if (seen !== undefined && (await seen(digest))) continue;
      signal?.throwIfAborted();
      yield { repository, tag, tags: sharing, digest, reference: `${registry}/${repository}@${digest}` };
    }
  }

  // Up to `width` repositories are resolved ahead of the one being given out.
  const window: Promise<Outcome>[] = [];
  try {
    for await (const repository of repositoryNames(client, repositories, listing, slots)) {
      window.push(resolve(repository));
      const next = window.length >= width ? window.shift() : undefined;
      if (next !== undefined) yield* emit(await next);
    }
    for (let next = window.shift(); next !== undefined; next = window.shift()) yield* emit(await next);
  } finally {
    signal?.removeEventListener("abort", abort);
    stop.abort();
    await Promise.allSettled(window);
    await client.close();
  }
}

/** The repositories to visit: the named ones, or the catalog's through the filters. */
async function* repositoryNames(
  client: RegistryClient,
  patterns: string[] | undefined,
  listing: ListOptions,
  slots: Slots,
): AsyncGenerator<string> {
  if (patterns !== undefined && patterns.length > 0 && patterns.every((pattern) => !picomatch.scan(pattern).isGlob)) {
    const named = patterns.map((name) =>
      client.registry === dockerHub && !name.includes("/") ? `library/${name}` : name,
    );
    yield* new Set(named);
    return;
  }
  const matches = patterns === undefined || patterns.length === 0 ? () => true : picomatch(patterns);
  const pages = client.repositoryPages(listing);
  try {
    for (;;) {
      const page = await slots.run(() => pages.next());
      if (page.done === true) return;
      yield* page.value.filter((name) => matches(name));
    }
  } finally {
    await pages.return(undefined);
  }
}

function byCodePoint(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** What the registry said about one repository or tag, as opposed to the registry being out of reach. */
function isSkippable(error: unknown): error is Error {
  return (
    (error instanceof SourceError || error instanceof InputError || error instanceof LimitError) &&
    !isNetworkFailure(error)
  );
}

/** At most `size` tasks running at once; the others wait in order. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.free += 1;
      else next();
    }
  }
}
