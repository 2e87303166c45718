import { readFile } from "node:fs/promises";

/** Real dpkg stanzas from the machine running the tests (a Debian system), to build test images from. */
export interface HostStanza {
  name: string;
  version: string;
  text: string;
}

export async function installedHostStanzas(): Promise<HostStanza[] | undefined> {
  let status: string;
  try {
    status = await readFile("/var/lib/dpkg/status", "utf8");
  } catch {
    return undefined;
  }
  const stanzas: HostStanza[] = [];
  for (const text of status.split(/\n\n+/)) {
    const name = /^Package: (.+)$/m.exec(text)?.[1];
    const version = /^Version: (.+)$/m.exec(text)?.[1];
    if (name && version && /^Status: install ok installed$/m.test(text))
      stanzas.push({ name, version, text: `${text.trim()}\n` });
  }
  return stanzas;
}

export function statusFile(stanzas: readonly HostStanza[]): string {
  return stanzas.map((stanza) => stanza.text).join("\n");
}

export async function hostFile(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}
