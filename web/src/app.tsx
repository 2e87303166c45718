import { useCallback, useMemo, useState } from "preact/hooks";
import { ApiContext, type ApiSession } from "./api/api-context.ts";
import { forgetToken, readToken, saveToken } from "./auth/session-token.ts";
import { TokenPrompt } from "./auth/token-prompt.tsx";
import { ImageListPage } from "./image-list/image-list-page.tsx";
import { ImagePage } from "./image-page/image-page.tsx";
import { Link } from "./routing/link.tsx";
import { type Place, useLocation } from "./routing/location.ts";
import { Problem } from "./ui/problem.tsx";

/** The page for a path: / is the image list, /images/<digest> one image. */
function Route({ place }: { place: Place }) {
  if (place.path === "/" || place.path === "/images" || place.path === "/images/") {
    return <ImageListPage query={place.query} />;
  }
  const image = /^\/images\/([^/]+)\/?$/.exec(place.path);
  if (image?.[1] !== undefined) {
    let id: string;
    try {
      id = decodeURIComponent(image[1]);
    } catch {
      id = image[1];
    }
    return <ImagePage key={id} id={id} query={place.query} />;
  }
  return (
    <main>
      <Problem title="There is no such page.">
        <Link href="/">Go to the images</Link>
      </Problem>
    </main>
  );
}

export function App() {
  const [token, setToken] = useState(readToken);
  const [message, setMessage] = useState<string | null>(null);
  const place = useLocation();
  const signOut = useCallback((why: string) => {
    forgetToken();
    setToken(null);
    setMessage(why);
  }, []);
  const session = useMemo<ApiSession | null>(() => (token === null ? null : { token, signOut }), [token, signOut]);
  if (session === null) {
    return (
      <TokenPrompt
        message={message}
        onToken={(entered) => {
          saveToken(entered);
          setMessage(null);
          setToken(entered);
        }}
      />
    );
  }
  return (
    <ApiContext.Provider value={session}>
      <header class="top">
        <Link href="/" class="brand">
          Strata
        </Link>
        <span class="spacer" />
        <button
          type="button"
          class="link"
          onClick={() => {
            signOut("You are signed out.");
          }}
        >
          Sign out
        </button>
      </header>
      <Route place={place} />
    </ApiContext.Provider>
  );
}
