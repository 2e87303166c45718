import { InputError, LimitError, SourceError, errorMessage } from "../errors.ts";

/** Exit codes, in one place: see the README. */
export const exitCodes = {
  ok: 0,
  internal: 1,
  input: 2,
  incomplete: 3,
  policy: 4,
  /**
   * The inventory did not reach the backend: `scan --upload` wrote its report but the upload failed, or
   * `sensor --once` / `sensor --mode ci` still holds queued inventories when it stops (they stay queued).
   * Takes precedence over `policy`, so that a script can rely on it.
   */
  upload: 5,
} as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof InputError || error instanceof SourceError || error instanceof LimitError)
    return exitCodes.input;
  return exitCodes.internal;
}

export function printError(error: unknown): void {
  if (error instanceof InputError || error instanceof SourceError || error instanceof LimitError) {
    process.stderr.write(`strata: ${errorMessage(error)}\n`);
    return;
  }
  const detail = error instanceof Error && error.stack ? error.stack : String(error);
  process.stderr.write(`strata: internal error, please report it:\n${detail}\n`);
}
