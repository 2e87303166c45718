import { useEffect, useState } from "preact/hooks";

/** Fired on window after navigate() changed the history, as popstate is for back and forward. */
const navigated = "strata:navigate";

export interface Place {
  path: string;
  query: URLSearchParams;
}

function here(): Place {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

/** The current path and query, updated on every navigation. */
export function useLocation(): Place {
  const [place, setPlace] = useState(here);
  useEffect(() => {
    const update = (): void => {
      setPlace(here());
    };
    window.addEventListener("popstate", update);
    window.addEventListener(navigated, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(navigated, update);
    };
  }, []);
  return place;
}

/** Goes to `url` (a path with its query) without reloading. `replace` keeps the history entry, for typing. */
export function navigate(url: string, options: { replace?: boolean } = {}): void {
  const before = window.location.pathname;
  if (options.replace === true) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  if (window.location.pathname !== before) window.scrollTo(0, 0);
  window.dispatchEvent(new Event(navigated));
}
