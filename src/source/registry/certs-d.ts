/**
 * Per-registry TLS material kept the way docker and containers/image (podman, skopeo, buildah) keep it: a
 * folder named as the registry is named in image references (`host`, or `host:port` when the reference
 * has a port) under a certs.d root, holding CA certificates (`*.crt`) and client certificates (`name.cert`
 * with its key `name.key`). Without a root given, the first of $HOME/.config/containers/certs.d,
 * /etc/containers/certs.d and /etc/docker/certs.d that has a folder for the registry is read, and only it.
 */
import { readdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { errorMessage, InputError } from "../../errors.ts";
import { isMissing } from "../directory-files.ts";
import type { Environment } from "./credentials.ts";
import { readCaCertificates, readClientPair } from "./pem.ts";

export interface RegistryCertificates {
  /** The folder they come from. */
  dir: string;
  /** The certificates of every *.crt file. */
  cas: string[];
  /** The first pair by file name when there are several: a TLS client here can offer only one. */
  client?: { cert: string; key: string; certFile: string };
}

export function defaultCertsDirRoots(env: Environment): string[] {
  const home = env["HOME"] || homedir();
  return [join(home, ".config/containers/certs.d"), "/etc/containers/certs.d", "/etc/docker/certs.d"];
}

/**
 * The certificates for `registry` ("host", "host:port", "docker.io") from the first root with a folder
 * for it. A root given by the user (`explicitRoot`) must exist; default roots may be absent.
 */
export async function findRegistryCertificates(
  registry: string,
  roots: readonly string[],
  explicitRoot: boolean,
): Promise<RegistryCertificates | undefined> {
  if (/[/\\]/.test(registry) || registry === "." || registry === "..") return undefined;
  for (const root of roots) {
    if (explicitRoot) await checkDirectory(root);
    const dir = join(root, registry);
    try {
      await stat(dir);
    } catch (error) {
      if (isMissing(error)) continue;
      throw new InputError(`cannot read ${dir}: ${errorMessage(error)}`, { cause: error });
    }
    return readCertsFolder(dir);
  }
  return undefined;
}

async function checkDirectory(dir: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (error) {
    throw new InputError(`cannot read the certs.d directory ${dir}: ${errorMessage(error)}`, { cause: error });
  }
  if (!isDirectory) throw new InputError(`the certs.d directory ${dir} is not a directory`);
}

async function readCertsFolder(dir: string): Promise<RegistryCertificates> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    throw new InputError(`cannot read ${dir}: ${errorMessage(error)}`, { cause: error });
  }
  const present = new Set(names);
  const cas: string[] = [];
  let client: RegistryCertificates["client"];
  for (const name of names) {
    if (name.endsWith(".crt")) {
      cas.push(...(await readCaCertificates(join(dir, name), `a CA certificate in ${dir}`)));
    } else if (name.endsWith(".cert")) {
      const keyName = `${name.slice(0, -".cert".length)}.key`;
      if (!present.has(keyName)) {
        throw new InputError(
          `${join(dir, name)} is a client certificate without its key ${keyName} (CA certificates end in .crt)`,
        );
      }
      const certFile = join(dir, name);
      const origin = `in ${dir}`;
      const pair = await readClientPair(certFile, join(dir, keyName), { cert: origin, key: origin });
      client ??= { ...pair, certFile };
    } else if (name.endsWith(".key")) {
      const certName = `${name.slice(0, -".key".length)}.cert`;
      if (!present.has(certName)) {
        throw new InputError(`${join(dir, name)} is a client key without its certificate ${certName}`);
      }
    }
  }
  return { dir, cas, ...(client === undefined ? {} : { client }) };
}
