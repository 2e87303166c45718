import type { Want } from "./interest.ts";
import type { LayerChanges } from "./layer-changes.ts";

/**
 * Gives a freshly read file to eager catalogers; resolves true when the content must also be kept
 * for the others.
 */
export type OnFile<T> = (
  path: string,
  content: Buffer,
  wants: readonly Want<T>[],
  changes: LayerChanges,
) => Promise<boolean>;

const noContent = Buffer.alloc(0);

export async function keepFile<T>(
  path: string,
  content: Buffer,
  wants: readonly Want<T>[],
  changes: LayerChanges,
  onFile: OnFile<T> | undefined,
): Promise<void> {
  const keepContent = onFile ? await onFile(path, content, wants, changes) : true;
  changes.files.set(path, keepContent ? content : noContent);
}
