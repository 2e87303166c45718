/**
 * What the sensor has already scanned, kept in its data folder across restarts: image ids (general mode) or
 * manifest digests (registry mode), each with the reference it was read as. Images that failed to scan are
 * kept too, and are tried again up to `maxFailures` times.
 */
import { readFile, rename } from "node:fs/promises";
import { z } from "zod";
import { errorMessage } from "../errors.ts";
import { writeFileDurably } from "../upload/durable-write.ts";
import { errorCode } from "../upload/error-code.ts";

export const maxFailures = 3;
const maxRecords = 100_000;

const recordSchema = z.object({
  reference: z.string(),
  at: z.string(),
  status: z.enum(["scanned", "failed"]),
  failures: z.number().int().min(0).default(0),
  error: z.string().optional(),
});
const fileSchema = z.object({ version: z.literal(1), images: z.record(z.string(), recordSchema) });

type ImageRecord = z.output<typeof recordSchema>;

export class ScanState {
  readonly path: string;
  private readonly images: Map<string, ImageRecord>;

  private constructor(path: string, images: Map<string, ImageRecord>) {
    this.path = path;
    this.images = images;
  }

  /** Reads the state; a damaged file is moved aside (the warning says where) and the state starts empty. */
  static async load(path: string): Promise<{ state: ScanState; warning?: string }> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if (errorCode(error) === "ENOENT") return { state: new ScanState(path, new Map()) };
      throw error;
    }
    let parsed: z.output<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(text));
    } catch (error) {
      const aside = `${path}.damaged-${Date.now()}`;
      await rename(path, aside);
      return {
        state: new ScanState(path, new Map()),
        warning: `the sensor state ${path} was unreadable (${errorMessage(error).slice(0, 200)}); moved to ${aside}, every image will be scanned again`,
      };
    }
    return { state: new ScanState(path, new Map(Object.entries(parsed.images))) };
  }

  /** Scanned already, or failed too often to try again. */
  isSettled(key: string): boolean {
    const record = this.images.get(key);
    return record !== undefined && (record.status === "scanned" || record.failures >= maxFailures);
  }

  get size(): number {
    return this.images.size;
  }

  markScanned(key: string, reference: string, now = new Date()): void {
    this.images.delete(key);
    this.images.set(key, { reference, at: now.toISOString(), status: "scanned", failures: 0 });
    this.trim();
  }

  /** Records a failed scan; returns how many times it has failed. */
  markFailed(key: string, reference: string, error: string, now = new Date()): number {
    const failures = (this.images.get(key)?.failures ?? 0) + 1;
    this.images.delete(key);
    this.images.set(key, { reference, at: now.toISOString(), status: "failed", failures, error: error.slice(0, 500) });
    this.trim();
    return failures;
  }

  async save(): Promise<void> {
    const content = { version: 1, images: Object.fromEntries(this.images) };
    await writeFileDurably(this.path, `${JSON.stringify(content)}\n`);
  }

  /** The oldest records go first (the map keeps insertion order, and updates move a record to the end). */
  private trim(): void {
    for (const key of this.images.keys()) {
      if (this.images.size <= maxRecords) return;
      this.images.delete(key);
    }
  }
}
