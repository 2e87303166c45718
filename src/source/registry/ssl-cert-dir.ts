/**
 * $SSL_CERT_DIR as OpenSSL reads it: a colon-separated list of directories of CA certificates, either
 * hashed (`<8 hex digits>.<n>`, as `openssl rehash` makes them, usually links) or plain `*.pem` and `*.crt`
 * files. Subdirectories and other names (`<hash>.r<n>` revocation lists, READMEs) are passed over.
 */
import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage, InputError } from "../../errors.ts";
import { readCaCertificates } from "./pem.ts";

const certificateName = /^(?:[0-9a-f]{8}\.\d+|.+\.(?:pem|crt))$/;

const readBefore = new Map<string, Promise<string[]>>();

/**
 * Every distinct certificate in the directories `value` lists; none when it lists none. Read once per
 * process: a system directory holds hundreds of certificates, and every registry client asks.
 */
export function readSslCertDirs(value: string, origin = "$SSL_CERT_DIR"): Promise<string[]> {
  const key = `${origin}\0${value}`;
  let read = readBefore.get(key);
  if (read === undefined) {
    read = readDirs(value, origin);
    readBefore.set(key, read);
    // A failure is not kept: the next client tries again, and says why.
    read.catch(() => readBefore.delete(key));
  }
  return read;
}

async function readDirs(value: string, origin: string): Promise<string[]> {
  const certificates = new Set<string>();
  const read = new Set<string>();
  for (const dir of value.split(":")) {
    if (dir === "") continue;
    for (const { path, target } of await certificateFiles(dir, origin)) {
      // A hashed name and the *.pem beside it are usually links to one file.
      if (read.has(target)) continue;
      read.add(target);
      for (const certificate of await readCaCertificates(path, origin)) certificates.add(certificate);
    }
  }
  return [...certificates];
}

async function certificateFiles(dir: string, origin: string): Promise<{ path: string; target: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    // As OpenSSL: a listed directory that does not exist is passed over.
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return [];
    throw new InputError(`cannot read the directory ${dir} (${origin}): ${errorMessage(error)}`, { cause: error });
  }
  const files: { path: string; target: string }[] = [];
  for (const name of names.filter((entry) => certificateName.test(entry)).sort()) {
    const path = join(dir, name);
    try {
      if ((await stat(path)).isFile()) files.push({ path, target: await realpath(path) });
    } catch (error) {
      throw new InputError(`cannot read ${path} (${origin}): ${errorMessage(error)}`, { cause: error });
    }
  }
  return files;
}
