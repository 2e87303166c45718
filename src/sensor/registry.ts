/** Registry mode: each pass crawls a registry and scans the manifest digests not scanned before. */
import { errorMessage, InputError } from "../errors.ts";
import type { Credential } from "../source/registry/credentials.ts";
import { crawlRegistry } from "../source/registry/crawl.ts";
import type { RegistrySourceOptions } from "../source/registry/registry-source.ts";
import type { SensorContext } from "./context.ts";
import type { PassSummary } from "./general.ts";
import { scanAndQueue } from "./scan-and-queue.ts";
import type { ScanState } from "./state.ts";

/**
 * How the registry is reached: the settings' credentials (else the docker config's), --insecure, the TLS
 * files (caFile, certFile, keyFile), proxies. The crawl and every scan get the same.
 */
export function registryAccess(context: SensorContext): RegistrySourceOptions {
  const { config } = context;
  const credential: Credential | undefined =
    config.registryUsername !== undefined && config.registryPassword !== undefined
      ? {
          kind: "basic",
          username: config.registryUsername,
          password: config.registryPassword,
          origin: "the sensor's registryUsername/registryPassword",
        }
      : undefined;
  return {
    env: context.env,
    ...(credential === undefined ? {} : { credential }),
    ...(config.insecure ? { insecure: true } : {}),
    ...(config.caFile === undefined ? {} : { caFile: config.caFile }),
    ...(config.certFile === undefined ? {} : { certFile: config.certFile }),
    ...(config.keyFile === undefined ? {} : { keyFile: config.keyFile }),
    ...(config.platform === undefined ? {} : { platform: config.platform }),
  };
}

export async function registryPass(context: SensorContext, state: ScanState): Promise<PassSummary> {
  const { config, log, signal } = context;
  const registry = config.registry;
  if (registry === undefined) throw new InputError("--mode registry needs --registry");
  const access = registryAccess(context);
  const { platform: _platform, ...clientOptions } = access;
  const summary: PassSummary = { listed: 0, queued: 0, failed: 0 };
  try {
    const images = crawlRegistry(registry, {
      ...clientOptions,
      ...(config.repositories === undefined ? {} : { repositories: config.repositories }),
      ...(config.tags === undefined ? {} : { tags: config.tags }),
      seen: (digest) => state.isSettled(digest),
      signal,
      onError: (failure) => {
        log.warn(
          {
            event: "crawl-skipped",
            registry,
            repository: failure.repository,
            ...(failure.tag === undefined ? {} : { tag: failure.tag }),
            error: errorMessage(failure.error),
          },
          "skipped part of the registry",
        );
      },
    });
    for await (const image of images) {
      summary.listed++;
      const outcome = await scanAndQueue(
        context,
        state,
        {
          key: image.digest,
          reference: image.reference,
          tags: image.tags.map((tag) => `${registry}/${image.repository}:${tag}`),
          fields: { repository: image.repository, tag: image.tag },
        },
        access,
      );
      if (outcome === "queued") summary.queued++;
      if (outcome === "failed") summary.failed++;
      if (signal.aborted) break;
    }
  } catch (error) {
    if (signal.aborted) return summary;
    log.error({ event: "crawl-failed", registry, error: errorMessage(error) }, "cannot crawl the registry");
  }
  log.debug({ event: "pass-done", registry, ...summary }, "pass over the registry done");
  return summary;
}
