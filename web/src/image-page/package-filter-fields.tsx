import type { ImageDetails } from "../api/responses.ts";
import type { QuerySetter } from "../list/use-list-page.ts";
import { SearchField } from "../ui/search-field.tsx";
import { SelectField } from "../ui/select-field.tsx";
import { ecosystemChoices, layerChoices } from "./layer-choices.ts";

interface PackageFilterFieldsProps {
  image: ImageDetails;
  query: URLSearchParams;
  set: QuerySetter;
  /** What the search box matches, as its placeholder says it. */
  searches: string;
}

/** The filters that packages and findings share: a search (?q=), the ecosystem and the layer. */
export function PackageFilterFields({ image, query, set, searches }: PackageFilterFieldsProps) {
  return (
    <>
      <SearchField
        label="Search"
        placeholder={searches}
        value={query.get("q") ?? ""}
        onSearch={(value) => {
          set({ q: value }, true);
        }}
      />
      <SelectField
        label="Ecosystem"
        value={query.get("ecosystem") ?? ""}
        choices={ecosystemChoices(image)}
        onChange={(value) => {
          set({ ecosystem: value });
        }}
      />
      <SelectField
        label="Layer"
        value={query.get("layer") ?? ""}
        choices={layerChoices(image)}
        onChange={(value) => {
          set({ layer: value });
        }}
      />
    </>
  );
}
