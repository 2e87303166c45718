import { useContext, useEffect, useState } from "preact/hooks";
import { needsAnotherToken } from "./api-error.ts";
import { ApiContext } from "./api-context.ts";
import { getJson } from "./client.ts";

export type Loaded<T> =
  | { state: "loading"; previous: T | undefined }
  | { state: "ready"; data: T }
  | { state: "failed"; error: Error };

/**
 * Fetches and decodes `path` whenever it changes. While a new request runs, the last data stays in
 * `previous` so that a table does not flash empty. A refused token ends the session.
 */
export function useApi<T>(path: string, decode: (value: unknown) => T): Loaded<T> {
  const { token, signOut } = useContext(ApiContext);
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading", previous: undefined });
  useEffect(() => {
    const controller = new AbortController();
    setLoaded((last) => ({
      state: "loading",
      previous: last.state === "ready" ? last.data : last.state === "loading" ? last.previous : undefined,
    }));
    getJson(token, path, controller.signal)
      .then((json) => {
        setLoaded({ state: "ready", data: decode(json) });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        if (needsAnotherToken(error)) {
          signOut(`The server refused the token (${error.status}): ${error.message}.`);
          return;
        }
        setLoaded({ state: "failed", error: error instanceof Error ? error : new Error(String(error)) });
      });
    return () => {
      controller.abort();
    };
  }, [token, path, decode, signOut]);
  return loaded;
}

/** The data to show: the fresh result, or the previous one while loading. */
export function shown<T>(loaded: Loaded<T>): T | undefined {
  if (loaded.state === "ready") return loaded.data;
  if (loaded.state === "loading") return loaded.previous;
  return undefined;
}
