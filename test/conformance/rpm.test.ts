import { rpmDb } from "../../src/catalogers/rpm/index.ts";
import type { RpmMetadata } from "../../src/model/package.ts";
import { conformanceSuite, type Reported } from "./harness.ts";

const rpm = (p: Reported): RpmMetadata | undefined => (p.metadata.kind === "rpm" ? p.metadata : undefined);

conformanceSuite({
  ecosystem: "rpm",
  parserKinds: { "rpm-bdb": "rpm-db", "rpm-ndb": "rpm-db", "rpm-sqlite": "rpm-db" },
  fields: {
    // Syft asserts the package version ("0.9.2-1"); the go-rpmdb cases are library-level and name the
    // VERSION tag alone "version" ("2.32.1"). Either form is accepted here; both cases also assert the
    // release and the epoch, so the whole version is still pinned.
    version: (p, e) => p.version === e || rpm(p)?.version === e,
    rpm_version: (p, e) => rpm(p)?.version === e,
    release: (p, e) => rpm(p)?.release === e,
    // null: the header has no EPOCH tag.
    epoch: (p, e) => rpm(p)?.epoch === (e === null ? undefined : e),
    arch: (p, e) => rpm(p)?.arch === e,
    source_rpm: (p, e) => rpm(p)?.sourceRpm === e,
    size: (p, e) => rpm(p)?.size === e,
    vendor: (p, e) => rpm(p)?.vendor === e,
    sigmd5: (p, e) => rpm(p)?.sigmd5 === e,
    // The LICENSE tag as written: we report it whole as the one license, as Syft and Trivy do.
    license: (p, e) => (e === "" ? p.licenses.length === 0 : p.licenses.length === 1 && p.licenses[0] === e),
  },
  disagreements: [],
  catalogers: [rpmDb],
});
