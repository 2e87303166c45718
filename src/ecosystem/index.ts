import type { Ecosystem } from "../model/ecosystem.ts";

export interface EcosystemInfo {
  /** package-url type (purl-spec). */
  purlType: string;
  /** OSV ecosystem name; OS ecosystems get ":<release>" appended at match time. */
  osvName: string;
  /** Whether findings on this ecosystem are OS detections ("os") or language ones ("sca"). */
  detection: "os" | "sca";
}

export const ecosystems: Record<Ecosystem, EcosystemInfo> = {
  deb: { purlType: "deb", osvName: "Debian", detection: "os" },
  apk: { purlType: "apk", osvName: "Alpine", detection: "os" },
  rpm: { purlType: "rpm", osvName: "Red Hat", detection: "os" },
  pypi: { purlType: "pypi", osvName: "PyPI", detection: "sca" },
  npm: { purlType: "npm", osvName: "npm", detection: "sca" },
  nuget: { purlType: "nuget", osvName: "NuGet", detection: "sca" },
  maven: { purlType: "maven", osvName: "Maven", detection: "sca" },
  golang: { purlType: "golang", osvName: "Go", detection: "sca" },
  composer: { purlType: "composer", osvName: "Packagist", detection: "sca" },
  gem: { purlType: "gem", osvName: "RubyGems", detection: "sca" },
  cargo: { purlType: "cargo", osvName: "crates.io", detection: "sca" },
};
