import { InputError, LimitError, SourceError, errorMessage } from "../errors.ts";

/** Exit codes, in one place: see the README. */
export const exitCodes = {
  ok: 0,
  internal: 1,
  input: 2,
  incomplete: 3,
  policy: 4,
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
