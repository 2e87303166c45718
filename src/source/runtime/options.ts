/** Where each host runtime keeps its images, from options, then the environment, then the runtime's defaults. */
export interface RuntimeOptions {
  /** Docker Engine address, "unix:///path" or "tcp://host:port"; default $DOCKER_HOST, else the standard socket. */
  dockerHost?: string;
  /** containerd's root directory (its `root` setting). */
  containerdRoot?: string;
  /**
   * containerd namespace to look in. Default $CONTAINERD_NAMESPACE; else "k8s.io" when it has the image, then
   * "default", then the one other namespace that has it.
   */
  containerdNamespace?: string;
  /** containers-storage graph root (CRI-O, Podman, Buildah, skopeo); default from storage.conf. */
  storageRoot?: string;
  /** containers-storage driver, "overlay" or "vfs"; default from storage.conf, else whichever the root holds. */
  storageDriver?: string;
  /** Folder for the temporary copy of a `docker save` stream; default the system's temporary folder. */
  spoolDir?: string;
  /** The environment to read defaults from; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export const defaultDockerSocket = "/var/run/docker.sock";
export const defaultContainerdRoot = "/var/lib/containerd";
export const containerdPreferredNamespaces = ["k8s.io", "default"] as const;

export function environmentOf(options: RuntimeOptions): Readonly<Record<string, string | undefined>> {
  return options.env ?? process.env;
}

/** A non-empty environment value, or undefined. */
export function fromEnvironment(options: RuntimeOptions, name: string): string | undefined {
  const value = environmentOf(options)[name];
  return value === undefined || value === "" ? undefined : value;
}

/** The command-line options that locate runtimes (`--namespace`, `--containerd-root`, `--storage-root`). */
export interface RuntimeCommandOptions {
  namespace?: string;
  containerdRoot?: string;
  storageRoot?: string;
}

export function runtimeOptionsFrom(command: RuntimeCommandOptions): RuntimeOptions {
  return {
    ...(command.namespace === undefined ? {} : { containerdNamespace: command.namespace }),
    ...(command.containerdRoot === undefined ? {} : { containerdRoot: command.containerdRoot }),
    ...(command.storageRoot === undefined ? {} : { storageRoot: command.storageRoot }),
  };
}
