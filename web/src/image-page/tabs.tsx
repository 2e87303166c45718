import type { ImageDetails } from "../api/responses.ts";
import { Link } from "../routing/link.tsx";

export const tabs = ["layers", "packages", "vulnerabilities"] as const;
export type Tab = (typeof tabs)[number];

const titles: Record<Tab, string> = { layers: "Layers", packages: "Packages", vulnerabilities: "Vulnerabilities" };

export function tabOf(query: URLSearchParams): Tab {
  const named = query.get("tab");
  return tabs.find((tab) => tab === named) ?? "layers";
}

/** Link to a tab of the image, without the other tab's filters. */
export function tabHref(path: string, tab: Tab, filters: Record<string, string> = {}): string {
  const query = new URLSearchParams(tab === "layers" ? filters : { tab, ...filters });
  const search = query.toString();
  return search === "" ? path : `${path}?${search}`;
}

function sizeOf(tab: Tab, image: ImageDetails): number {
  if (tab === "layers") return image.layers.length;
  if (tab === "packages") return image.packages;
  return image.findings;
}

/** The tabs are links, so that each one (with its filters) can be bookmarked and shared. */
export function TabBar({ path, current, image }: { path: string; current: Tab; image: ImageDetails }) {
  return (
    <nav class="tabs" aria-label="Image sections">
      {tabs.map((tab) => (
        <Link key={tab} href={tabHref(path, tab)} {...(tab === current ? { "aria-current": "page" } : {})}>
          {titles[tab]} <span class="tab-count">{sizeOf(tab, image)}</span>
        </Link>
      ))}
    </nav>
  );
}
