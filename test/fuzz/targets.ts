/**
 * What the fuzzer feeds: every registered cataloger's parse (each with a path it wants and the
 * fixtures of its ecosystem) and the layer tar walk.
 */
import { Readable } from "node:stream";
import type { Cataloger, CollectedFile, FileView, ParseResult } from "../../src/catalog/cataloger.ts";
import { catalogers } from "../../src/catalog/registry.ts";
import { ImageView } from "../../src/image/image-view.ts";
import { InterestMatcher } from "../../src/image/interest.ts";
import { walkTarLayer } from "../../src/image/walk-tar.ts";
import { defaultLimits } from "../../src/limits.ts";
import type { LayerRef } from "../../src/model/layer.ts";
import * as seeds from "./seeds.ts";

export interface FuzzTarget {
  name: string;
  /** Fixtures to mutate; at least one. */
  seeds: () => Promise<Buffer[]>;
  /** Files handed out through the parse context's view (mutated too); may be empty. */
  context: () => Buffer[];
  /** Runs one input; throws when the code under test misbehaved (threw, or returned something malformed). */
  run: (input: Buffer, context: Buffer | undefined, iteration: number) => Promise<void>;
}

interface CatalogerSpec {
  /** Paths the cataloger wants, one used per input in turn. */
  paths: string[];
  seeds: () => Buffer[];
  context?: () => Buffer[];
}

const { conformanceFiles: files } = seeds;

/** One entry per registered cataloger: the test fails when a cataloger has none. */
export const catalogerSpecs: Record<string, CatalogerSpec> = {
  "dpkg-status": {
    paths: ["/var/lib/dpkg/status", "/var/lib/dpkg/status.d/libc6", "/var/lib/opkg/status"],
    seeds: () => [...seeds.dpkgDatabases(), ...files("dpkg", /(^|\/)(status|opkg\/status|status\.d\/[^./]+)$/)],
    context: () => [...seeds.copyrights, ...files("dpkg", /copyright$/)],
  },
  "apk-installed": {
    paths: ["/lib/apk/db/installed"],
    seeds: () => [...seeds.apkDatabases, ...files("apk", /./)],
  },
  "npm-package-json": {
    paths: ["/app/node_modules/x/package.json", "/node_modules/@scope/y/package.json"],
    seeds: () => files("node", /\.json$/),
  },
  "npm-package-lock": {
    paths: ["/app/package-lock.json", "/app/node_modules/.package-lock.json"],
    seeds: () => seeds.packageLocks,
  },
  "yarn-lock": {
    paths: ["/app/yarn.lock"],
    seeds: () => seeds.yarnLocks,
    context: () => files("node", /package\.json$/),
  },
  "pnpm-lock": { paths: ["/app/pnpm-lock.yaml"], seeds: () => seeds.pnpmLocks },
  "python-installed": {
    paths: [
      "/usr/lib/python3/site-packages/x-1.0.dist-info/METADATA",
      "/usr/lib/python3/dist-packages/x-1.0.egg-info",
      "/usr/lib/python3/site-packages/x-1.0.egg-info/PKG-INFO",
    ],
    seeds: () => [...seeds.pythonMetadata, ...files("python", /(METADATA|PKG-INFO[^/]*|\.egg-info)$/)],
    context: () => files("python", /(RECORD|top_level\.txt|direct_url\.json|LICENSE\.txt)$/),
  },
  "python-archive": {
    paths: ["/app/x-1.0-py3-none-any.whl", "/app/x-1.0-py3.8.egg"],
    seeds: () => [...seeds.pythonArchives(), ...files("python", /\.egg$/)],
  },
  "rpm-db": {
    paths: ["/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages", "/usr/lib/sysimage/rpm/Packages.db"],
    seeds: () => [...seeds.rpmDatabases(), ...files("rpm", /(Packages|Packages\.db|rpmdb\.sqlite)$/)],
  },
  "cargo-lock": {
    paths: ["/src/app/Cargo.lock"],
    seeds: () => [...seeds.cargoLocks, ...files("rust", /Cargo\.lock/)],
  },
  "cargo-auditable-binary": {
    paths: ["/usr/local/bin/app"],
    seeds: () => [...seeds.auditableBinaries(), ...files("rust", /testdata\/[^/]*$/).filter(isExecutable)],
  },
  "dotnet-deps-json": {
    paths: ["/app/app.deps.json"],
    seeds: () => [...seeds.depsJsons, ...files("dotnet", /\.deps\.json$/)],
    context: () => [...seeds.nuspecs, ...files("dotnet", /\.nuspec$/)],
  },
  "nuget-packages-lock-json": {
    paths: ["/app/packages.lock.json"],
    seeds: () => [...seeds.nugetLocks, ...files("dotnet", /(packages\.lock|packages_lock[^/]*)\.json$/)],
    context: () => seeds.nuspecs,
  },
  "nuget-packages-config": {
    paths: ["/app/packages.config"],
    seeds: () => [...seeds.packagesConfigs, ...files("dotnet", /\.config$/)],
    context: () => [...seeds.nuspecs, ...files("dotnet", /\.nuspec$/)],
  },
  "go-binary": {
    paths: ["/usr/local/bin/app"],
    seeds: () => [...seeds.goBinaries(), ...files("go", /./).filter(isExecutable)],
  },
  "java-archive": {
    paths: ["/app/lib/x-1.0.jar", "/app/x.war"],
    seeds: () => [...seeds.javaArchives(), ...files("java", /\.(jar|war|par)$/)],
  },
  "composer-lock": {
    paths: ["/app/composer.lock"],
    seeds: () => [...seeds.composerLocks, ...files("php", /\.lock$/)],
    context: () => files("php", /composer\.json$/),
  },
  "composer-installed-json": {
    paths: ["/app/vendor/composer/installed.json"],
    seeds: () => [...seeds.composerInstalled, ...files("php", /installed\.json$/)],
  },
  "ruby-gemspec": {
    paths: ["/usr/lib/ruby/gems/3.1.0/specifications/x-1.0.gemspec"],
    seeds: () => [...seeds.gemspecs, ...files("ruby", /\.gemspec$/)],
  },
};

function isExecutable(content: Buffer): boolean {
  if (content.length < 4) return false;
  const word = content.readUInt32BE(0);
  return (
    word === 0x7f454c46 ||
    content.readUInt16BE(0) === 0x4d5a ||
    [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(word)
  );
}

const layer: LayerRef = { index: 0, digest: "sha256:fuzz", diffId: "sha256:fuzz" };

/** A view whose every file is the (mutated) context file, so whatever the parser looks up is hostile too. */
function hostileView(context: Buffer | undefined): FileView {
  const at = (path: string): CollectedFile | undefined =>
    context === undefined ? undefined : { path, layer, content: context };
  return {
    get: at,
    list: (dir) => {
      const file = at(`${dir}/fuzz/1.0.0/fuzz.nuspec`);
      return file ? [file] : [];
    },
  };
}

/** Parse results reach the tracker and the reports: their shape is checked, not trusted. */
function checkResult(result: ParseResult): void {
  if (!Array.isArray(result.packages) || !Array.isArray(result.issues)) {
    throw new Error("parse returned no packages or issues list");
  }
  for (const issue of result.issues) if (typeof issue !== "string") throw new Error("an issue is not a string");
  for (const draft of result.packages) {
    if (typeof draft.name !== "string" || typeof draft.version !== "string" || typeof draft.purl !== "string") {
      throw new Error(`a package without name, version or purl: ${JSON.stringify(draft).slice(0, 200)}`);
    }
  }
}

function catalogerTarget(cataloger: Cataloger, spec: CatalogerSpec): FuzzTarget {
  return {
    name: cataloger.name,
    seeds: () => Promise.resolve(spec.seeds()),
    context: () => spec.context?.() ?? [],
    run: async (content, context, iteration) => {
      const path = spec.paths[iteration % spec.paths.length] ?? "/fuzz";
      const file: CollectedFile = { path, layer, content };
      const result = await cataloger.parse(file, {
        distro: iteration % 2 === 0 ? undefined : { id: "debian", versionId: "12", idLike: [] },
        view: hostileView(context),
        limits: defaultLimits,
      });
      checkResult(result);
    },
  };
}

const walkMatcher = new InterestMatcher(
  catalogers.flatMap((cataloger) => {
    const { context, ...primary } = cataloger.wants;
    return [
      { owner: cataloger.name, interest: primary },
      ...(context ? [{ owner: cataloger.name, interest: context }] : []),
    ];
  }),
);

const tarWalk: FuzzTarget = {
  name: "tar-walk",
  seeds: () => seeds.layerTars(),
  context: () => [],
  run: async (input) => {
    // walkTarLayer reports every problem in the result; it must never reject.
    const changes = await walkTarLayer(Readable.from([input]), {
      matcher: walkMatcher,
      maxFileBytes: defaultLimits.maxFileBytes,
    });
    const view = new ImageView(defaultLimits.maxSymlinkHops);
    view.apply(layer, changes);
    for (const path of [...changes.symlinks.keys(), ...changes.files.keys()]) view.get(`${path}/x`);
  },
};

export function fuzzTargets(): FuzzTarget[] {
  const targets = catalogers.map((cataloger) => {
    const spec = catalogerSpecs[cataloger.name];
    if (spec === undefined)
      throw new Error(`no fuzz spec for cataloger ${cataloger.name}: add one to test/fuzz/targets.ts`);
    return catalogerTarget(cataloger, spec);
  });
  return [...targets, tarWalk];
}
