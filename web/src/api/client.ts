import { ApiError } from "./api-error.ts";

function errorText(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const message: unknown = Reflect.get(body, "error");
  return typeof message === "string" ? message : undefined;
}

/** GET an API path with the bearer token; the parsed JSON body, or an ApiError carrying the server's message. */
export async function getJson(token: string, path: string, signal: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, {
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ApiError("The server cannot be reached.", 0, { cause: error });
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ApiError(`The server answered ${response.status} without JSON.`, response.status, { cause: error });
  }
  if (!response.ok) {
    throw new ApiError(errorText(body) ?? `The server answered ${response.status}.`, response.status);
  }
  return body;
}
