import { rubyGemspec } from "../../src/catalogers/ruby/index.ts";
import type { GemMetadata } from "../../src/model/package.ts";
import { conformanceSuite, type Reported, sameSet, stringList } from "./harness.ts";

const gem = (p: Reported): GemMetadata | undefined => (p.metadata.kind === "gem" ? p.metadata : undefined);

conformanceSuite({
  ecosystem: "ruby",
  parserKinds: { gemspec: "ruby-gemspec" },
  catalogers: [rubyGemspec],
  fields: {
    authors: (p, e) => sameSet(gem(p)?.authors, stringList(e)),
    files: (p, e) => sameSet(gem(p)?.files, stringList(e)),
    homepage: (p, e) => gem(p)?.homepage === e,
  },
  disagreements: [],
});
