import { isExecutableFormat } from "./executable.ts";
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

/**
 * Who gets a file that was read: everyone who wanted it by name, and the executable-format
 * catalogers only when its first bytes really are an executable (a package.json can have mode 755).
 */
export function wantsFor<T>(named: readonly Want<T>[], executable: readonly Want<T>[], content: Buffer): Want<T>[] {
  if (executable.length === 0 || !isExecutableFormat(content.subarray(0, 8))) return [...named];
  return [...new Set([...named, ...executable])];
}

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
