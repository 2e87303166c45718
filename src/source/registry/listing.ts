/** Registry-wide listing, for watching a whole registry: its repositories and a repository's tags. */
import { type ListOptions, RegistryClient, type RegistryClientOptions } from "./client.ts";
import { parseRegistryReference } from "./reference.ts";

export type ListingOptions = RegistryClientOptions & ListOptions;

/** Every repository of a registry ("host:5000"), through `/v2/_catalog` and its next-page links. */
export async function listRepositories(registry: string, options: ListingOptions = {}): Promise<string[]> {
  const { pageSize, maxEntries, signal, ...clientOptions } = options;
  const client = await RegistryClient.connect(registry, clientOptions);
  try {
    return await client.listRepositories(listOptions(pageSize, maxEntries, signal));
  } finally {
    await client.close();
  }
}

/** The tags of a repository, named like an image without tag: "host:5000/team/app", "alpine". */
export async function listTags(repository: string, options: ListingOptions = {}): Promise<string[]> {
  const { pageSize, maxEntries, signal, ...clientOptions } = options;
  const parsed = parseRegistryReference(repository);
  const client = await RegistryClient.connect(parsed.registry, clientOptions);
  try {
    return await client.listTags(parsed.repository, listOptions(pageSize, maxEntries, signal));
  } finally {
    await client.close();
  }
}

export function listOptions(
  pageSize: number | undefined,
  maxEntries: number | undefined,
  signal: AbortSignal | undefined,
): ListOptions {
  return {
    ...(pageSize === undefined ? {} : { pageSize }),
    ...(maxEntries === undefined ? {} : { maxEntries }),
    ...(signal === undefined ? {} : { signal }),
  };
}
