/** Images from host runtimes: the Docker Engine, containerd, and containers-storage (CRI-O, Podman). */
import { InputError } from "../../errors.ts";
import type { ImageSource } from "../types.ts";
import { listContainerdImages, openContainerd } from "./containerd.ts";
import { listContainersStorageImages, openContainersStorage } from "./containers-storage.ts";
import { listDockerImages, openDockerDaemon } from "./docker-daemon.ts";
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

export function openRuntimeSource(runtime: RuntimeName, request: RuntimeRequest): Promise<ImageSource> {
  if (request.name === "") return Promise.reject(new InputError(`"${request.reference}" names no image`));
  switch (runtime) {
    case "docker":
      return openDockerDaemon(request);
    case "containerd":
      return openContainerd(request);
    case "containers-storage":
      return openContainersStorage(request);
  }
}

/** Every image the runtime holds ("docker", "containerd", or "crio"/"podman"/"containers-storage"). */
export function listImages(runtime: string, options: RuntimeOptions = {}): Promise<RuntimeImage[]> {
  const name = runtimeFor(runtime);
  if (name === undefined) {
    return Promise.reject(
      new InputError(`unknown runtime "${runtime}"; use one of: ${runtimeTransportNames.join(", ")}`),
    );
  }
  switch (name) {
    case "docker":
      return listDockerImages(options);
    case "containerd":
      return listContainerdImages(options);
    case "containers-storage":
      return listContainersStorageImages(options);
  }
}
