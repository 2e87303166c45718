import { SourceError } from "../../../src/errors.ts";

/** The API refused a request (its HTTP status), or could not be reached (status 0). */
export class ApiError extends SourceError {
  readonly status: number;

  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** 401 (no such token) and 403 (a token that may not read, such as a sensor's) both need another token. */
export function needsAnotherToken(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}
