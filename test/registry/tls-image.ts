/** The small image the registry TLS tests push, and a scan of an opened source, for both TLS test files. */
import type { Inventory } from "../../src/model/inventory.ts";
import { scanImage } from "../../src/scan.ts";
import type { ImageSource } from "../../src/source/types.ts";
import { writeOciArchive } from "../image-builder/index.ts";

export const scannedAt = new Date("2026-01-01T00:00:00Z");

/** A Debian image with one dpkg package and one npm package, as an OCI archive at `path`. */
export async function writeTlsTestArchive(path: string): Promise<void> {
  await writeOciArchive(
    {
      architecture: "amd64",
      layers: [
        {
          files: {
            "etc/os-release": 'ID=debian\nVERSION_ID="12"\n',
            "var/lib/dpkg/status":
              "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.15-1~deb12u1\n",
            "app/node_modules/left-pad/package.json": JSON.stringify({ name: "left-pad", version: "1.3.0" }),
          },
        },
      ],
    },
    path,
  );
}

/** Scans the source once it is open, and closes it. */
export async function scanOf(opening: Promise<ImageSource>): Promise<Inventory> {
  const source = await opening;
  try {
    return await scanImage(source, { now: scannedAt });
  } finally {
    await source.close();
  }
}
