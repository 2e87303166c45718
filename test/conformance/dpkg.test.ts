import type { DpkgMetadata } from "../../src/model/package.ts";
import { conformanceSuite, type Reported, sameSet, stringList } from "./harness.ts";

const dpkg = (p: Reported): DpkgMetadata | undefined => (p.metadata.kind === "dpkg" ? p.metadata : undefined);

conformanceSuite({
  ecosystem: "dpkg",
  parserKinds: { "dpkg-status": "dpkg-status" },
  rootfsKinds: { "dpkg-rootfs": "dpkg-status" },
  fields: {
    source: (p, e) => dpkg(p)?.source === e,
    architecture: (p, e) => dpkg(p)?.architecture === e,
    installed_size: (p, e) => dpkg(p)?.installedSize === e,
    maintainer: (p, e) => dpkg(p)?.maintainer === e,
    provides: (p, e) => sameSet(dpkg(p)?.provides, stringList(e)),
    depends: (p, e) => sameSet(dpkg(p)?.depends, stringList(e)),
    pre_depends: (p, e) => sameSet(dpkg(p)?.preDepends, stringList(e)),
    // opkg's License field as written; we split it into `licenses` (Syft's rule).
    license_raw: (p, e) => p.licenses.join(" ") === e,
  },

  disagreements: [],
});
