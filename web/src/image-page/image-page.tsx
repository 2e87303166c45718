import { ApiError } from "../api/api-error.ts";
import { imageDetails } from "../api/responses.ts";
import { useApi } from "../api/use-api.ts";
import { Link } from "../routing/link.tsx";
import { imagePath } from "../routing/query.ts";
import { Problem } from "../ui/problem.tsx";
import { ImageHeader } from "./image-header.tsx";
import { LayersTab } from "./layers-tab.tsx";
import { PackagesTab } from "./packages-tab.tsx";
import { TabBar, tabOf } from "./tabs.tsx";
import { VulnerabilitiesTab } from "./vulnerabilities-tab.tsx";

/** One image: its header, then the tab named by ?tab= (layers by default). */
export function ImagePage({ id, query }: { id: string; query: URLSearchParams }) {
  const path = imagePath(id);
  const loaded = useApi(`/api/v1${path}`, imageDetails);
  if (loaded.state === "failed") {
    const missing = loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <main>
        <Problem title={missing ? "There is no such image." : "The image could not be loaded."}>
          {missing ? id : loaded.error.message} <Link href="/">Back to the images</Link>
        </Problem>
      </main>
    );
  }
  // While another image loads, the previous one is not shown under the new address.
  const image = loaded.state === "ready" ? loaded.data : loaded.previous?.id === id ? loaded.previous : undefined;
  if (image === undefined) {
    return (
      <main>
        <p class="loading">Loading…</p>
      </main>
    );
  }
  const tab = tabOf(query);
  return (
    <main>
      <ImageHeader image={image} />
      <TabBar path={path} current={tab} image={image} />
      {tab === "layers" ? <LayersTab image={image} path={path} /> : null}
      {tab === "packages" ? <PackagesTab image={image} path={path} query={query} /> : null}
      {tab === "vulnerabilities" ? <VulnerabilitiesTab image={image} path={path} query={query} /> : null}
    </main>
  );
}
