import type { Readable } from "node:stream";
import { type Entry, fromBufferPromise } from "yauzl";

export interface ZipLimits {
  /** Entries looked at before giving up on the archive. */
  maxEntries: number;
  /** Largest entry read into memory (declared and actual inflated size). */
  maxEntryBytes: number;
}

export interface ZipEntries {
  /** The wanted entries that were read, by name. */
  files: Map<string, Buffer>;
  issues: string[];
}

/**
 * Reads the entries `wanted` selects from a zip held in memory. Never throws: a damaged archive,
 * an entry over the size cap or an archive over the entry cap give issues, and what was read
 * before is kept. Entry names are taken as raw UTF-8 and never used as file system paths.
 */
export async function readZipEntries(
  content: Buffer,
  wanted: (name: string) => boolean,
  limits: ZipLimits,
): Promise<ZipEntries> {
  const files = new Map<string, Buffer>();
  const issues: string[] = [];
  try {
    // decodeStrings: false keeps yauzl from rejecting the whole archive over one odd entry name.
    const zip = await fromBufferPromise(content, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true });
    let seen = 0;
    for await (const entry of zip.eachEntry()) {
      if (++seen > limits.maxEntries) {
        issues.push(`archive has more than ${limits.maxEntries} entries; the rest were not read`);
        break;
      }
      const name = entryName(entry);
      if (!wanted(name) || files.has(name)) continue;
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        issues.push(`${name}: ${entry.uncompressedSize} bytes is over the ${limits.maxEntryBytes}-byte limit; skipped`);
        continue;
      }
      if (entry.isEncrypted()) {
        issues.push(`${name}: encrypted; skipped`);
        continue;
      }
      const read = await readEntry(await zip.openReadStreamPromise(entry), limits.maxEntryBytes);
      if (read instanceof Error) issues.push(`${name}: ${read.message}`);
      else files.set(name, read);
    }
  } catch (error) {
    issues.push(`not a readable zip archive: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { files, issues };
}

function entryName(entry: Entry): string {
  // With decodeStrings off, yauzl leaves the name as bytes; its typings still say string.
  const raw: unknown = entry.fileNameRaw;
  return Buffer.isBuffer(raw) ? raw.toString("utf8") : entry.fileName;
}

async function readEntry(stream: Readable, maxBytes: number): Promise<Buffer | Error> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      if (!Buffer.isBuffer(chunk)) continue;
      total += chunk.length;
      if (total > maxBytes) {
        stream.destroy();
        return new Error(`inflates past the ${maxBytes}-byte limit; skipped`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
  return Buffer.concat(chunks);
}
