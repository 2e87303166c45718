/** Corrupt, unsupported or unknown input: the user can fix it. */
export class InputError extends Error {
  override readonly name = "InputError";
}

/** A size, count or depth cap was hit (zip bombs, huge files, deep nesting). */
export class LimitError extends Error {
  override readonly name = "LimitError";
}

/** An image source could not be reached or refused. */
export class SourceError extends Error {
  override readonly name = "SourceError";
}

/** A bug in Strata. */
export class InternalError extends Error {
  override readonly name = "InternalError";
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
