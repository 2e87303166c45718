import type { Ecosystem } from "../model/ecosystem.ts";
import { apkScheme } from "./apk.ts";
import { composerScheme } from "./composer.ts";
import { dpkgScheme } from "./dpkg.ts";
import { mavenScheme } from "./maven.ts";
import { nugetScheme } from "./nuget.ts";
import { pep440Scheme } from "./pep440.ts";
import { memoizedScheme } from "./memo.ts";
import { rpmScheme } from "./rpm.ts";
import { rubygemsScheme } from "./rubygems.ts";
import type { VersionScheme } from "./scheme.ts";
import { goScheme, semverScheme } from "./semver.ts";

/** The ordering of ECOSYSTEM ranges, and of SEMVER ranges, for each ecosystem. */
export const versionSchemes: Record<Ecosystem, { ecosystem: VersionScheme; semver: VersionScheme }> = {
  deb: { ecosystem: dpkgScheme, semver: semverScheme },
  apk: { ecosystem: apkScheme, semver: semverScheme },
  rpm: { ecosystem: rpmScheme, semver: semverScheme },
  pypi: { ecosystem: memoizedScheme(pep440Scheme), semver: semverScheme },
  npm: { ecosystem: semverScheme, semver: semverScheme },
  nuget: { ecosystem: nugetScheme, semver: semverScheme },
  maven: { ecosystem: mavenScheme, semver: semverScheme },
  golang: { ecosystem: goScheme, semver: goScheme },
  composer: { ecosystem: composerScheme, semver: semverScheme },
  gem: { ecosystem: memoizedScheme(rubygemsScheme), semver: semverScheme },
  cargo: { ecosystem: semverScheme, semver: semverScheme },
};
