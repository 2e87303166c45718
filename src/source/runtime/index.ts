/** Images from host runtimes: the Docker Engine, containerd, and containers-storage (CRI-O, Podman). */
import { InputError } from "../../errors.ts";
import type { ImageSource } from "../types.ts";
import type { RuntimeOptions } from "./options.ts";
import type { RuntimeImage, RuntimeName, RuntimeRequest } from "./types.ts";

export type { RuntimeOptions } from "./options.ts";
export type { RuntimeImage, RuntimeName, RuntimeRequest } from "./types.ts";

/** Reference prefixes ("docker:nginx:1.25") and `strata images --runtime` names, and the runtime each reads. */
const runtimesByName = new Map<string, RuntimeName>([
  ["docker", "docker"],
  ["docker-daemon", "docker"],
  ["containerd", "containerd"],
  ["containers-storage", "containers-storage"],
  ["podman", "containers-storage"],
  ["crio", "containers-storage"],
  ["cri-o", "containers-storage"],
]);

export const runtimeTransportNames: readonly string[] = [...runtimesByName.keys()];

/** The runtime a reference prefix or --runtime value names, if it names one. */
export function runtimeFor(name: string): RuntimeName | undefined {
  return runtimesByName.get(name);
}

// Each runtime's client is imported when it is used: a scan of a file never loads the HTTP client.
export async function openRuntimeSource(runtime: RuntimeName, request: RuntimeRequest): Promise<ImageSource> {
  if (request.name === "") throw new InputError(`"${request.reference}" names no image`);
  switch (runtime) {
    case "docker":
      return (await import("./docker-daemon.ts")).openDockerDaemon(request);
    case "containerd":
      return (await import("./containerd.ts")).openContainerd(request);
    case "containers-storage":
      return (await import("./containers-storage.ts")).openContainersStorage(request);
  }
}

/** Every image the runtime holds ("docker", "containerd", or "crio"/"podman"/"containers-storage"). */
export async function listImages(runtime: string, options: RuntimeOptions = {}): Promise<RuntimeImage[]> {
  const name = runtimeFor(runtime);
  if (name === undefined) {
    throw new InputError(`unknown runtime "${runtime}"; use one of: ${runtimeTransportNames.join(", ")}`);
  }
  switch (name) {
    case "docker":
      return (await import("./docker-daemon.ts")).listDockerImages(options);
    case "containerd":
      return (await import("./containerd.ts")).listContainerdImages(options);
    case "containers-storage":
      return (await import("./containers-storage.ts")).listContainersStorageImages(options);
  }
}
