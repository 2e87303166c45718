/**
 * Registry and ci modes against Debian's docker-registry over TLS, demanding client certificates from a test
 * CA (`clientcas`): caFile, certFile and keyFile from the environment and from a config file reach the crawl and
 * the scans; unreadable or unusable files stop the sensor at start-up, naming the setting.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { writeOciArchive } from "../image-builder/index.ts";
import { makeTestPki, type TestPki } from "../registry/certificates.ts";
import { pushArchive, registrySkipReason, type RunningRegistry, startRegistry } from "../registry/docker-registry.ts";
import { type Backend, events, spawnSensor, startBackend, storedImages, twoTestImages } from "./helpers.ts";

const skip = await registrySkipReason(["openssl"]);
const work = await mkdtemp(join(tmpdir(), "strata-sensor-registry-tls-"));
after(() => rm(work, { recursive: true, force: true }));

describe("a registry that requires client certificates", { skip }, () => {
  let pki: TestPki;
  let registry: RunningRegistry;
  let backend: Backend;
  let tlsEnv: Record<string, string> = {};

  before(
    async () => {
      pki = await makeTestPki(work);
      registry = await startRegistry(
        { kind: "none" },
        { tls: { certificate: pki.server.cert, key: pki.server.key, clientCas: [pki.ca.cert] } },
      );
      // skopeo's layout for a registry's certificates: *.crt CAs, and a *.cert with its *.key.
      const certDir = join(work, "skopeo-certs");
      await mkdir(certDir);
      await copyFile(pki.ca.cert, join(certDir, "ca.crt"));
      await copyFile(pki.client.cert, join(certDir, "client.cert"));
      await copyFile(pki.client.key, join(certDir, "client.key"));
      const [full, small] = await twoTestImages();
      for (const [name, image] of [
        ["team/app:1.0", full],
        ["base:bookworm", small],
      ] as const) {
        const archive = join(work, `${name.replace(/[/:]/g, "-")}.tar`);
        await writeOciArchive(image, archive);
        await pushArchive(archive, `${registry.host}/${name}`, { certDir });
      }
      backend = await startBackend(work);
      tlsEnv = {
        STRATA_TOKEN: backend.sensorToken,
        STRATA_SENSOR_CA_FILE: pki.ca.cert,
        STRATA_SENSOR_CERT_FILE: pki.client.cert,
        STRATA_SENSOR_KEY_FILE: pki.client.key,
      };
    },
    { timeout: 120_000 },
  );

  after(async () => {
    await backend.server.close();
    await registry.stop();
  });

  function registryArgs(dataDir: string): string[] {
    return [
      "--mode",
      "registry",
      "--registry",
      registry.host,
      "--once",
      "--url",
      backend.server.url,
      "--data-dir",
      join(work, dataDir),
      "--cache-dir",
      join(work, `${dataDir}-cache`),
    ];
  }

  test("registry mode: the TLS files from the environment reach the crawl and every scan", async () => {
    const sensor = spawnSensor(registryArgs("registry-env"), tlsEnv);
    assert.equal(await sensor.exited, 0, sensor.stderr());
    assert.deepEqual(
      events(sensor.lines, "scanned")
        .map((line) => line["repository"])
        .sort(),
      ["base", "team/app"],
    );
    assert.equal(events(sensor.lines, "uploaded").length, 2);
    assert.deepEqual(events(sensor.lines, "crawl-failed"), []);
    const stored = storedImages(backend.databaseFile).flatMap((image) => image.tags);
    assert.ok(stored.includes(`${registry.host}/team/app:1.0`), stored.join(", "));
  });

  test("without the client certificate the crawl fails, and the log says what the registry wants", async () => {
    const { STRATA_SENSOR_CERT_FILE: _cert, STRATA_SENSOR_KEY_FILE: _key, ...caOnly } = tlsEnv;
    const sensor = spawnSensor(registryArgs("registry-no-client"), caOnly);
    assert.equal(await sensor.exited, 0, sensor.stderr());
    const [failed] = events(sensor.lines, "crawl-failed");
    assert.match(String(failed?.["error"]), /requires a client certificate .*--cert-file and --key-file/);
    assert.deepEqual(events(sensor.lines, "scanned"), []);
  });

  test("ci mode: a registry image read with the files from a config file, relative to it", async () => {
    await copyFile(pki.ca.cert, join(work, "ca.pem"));
    await copyFile(pki.client.cert, join(work, "client.pem"));
    await copyFile(pki.client.key, join(work, "client-key.pem"));
    const config = join(work, "ci.yaml");
    await writeFile(
      config,
      ["mode: ci", "caFile: ca.pem", "certFile: client.pem", "keyFile: client-key.pem", "flushTimeout: 20s", ""].join(
        "\n",
      ),
    );
    const sensor = spawnSensor(
      [
        "--config",
        config,
        "--image",
        `${registry.host}/team/app:1.0`,
        "--url",
        backend.server.url,
        "--data-dir",
        join(work, "ci-data"),
        "--cache-dir",
        join(work, "ci-cache"),
      ],
      { STRATA_TOKEN: backend.sensorToken },
    );
    assert.equal(await sensor.exited, 0, sensor.stderr());
    assert.equal(events(sensor.lines, "scanned").length, 1);
    assert.equal(events(sensor.lines, "uploaded").length, 1);
  });

  test("a file that cannot be read, or does not hold what it should, stops the sensor at start-up", async () => {
    const missing = join(work, "absent.pem");
    const unreadable = spawnSensor(registryArgs("registry-missing"), { ...tlsEnv, STRATA_SENSOR_CA_FILE: missing });
    assert.equal(await unreadable.exited, 2, unreadable.stderr());
    assert.match(unreadable.stderr(), new RegExp(`bad sensor setting STRATA_SENSOR_CA_FILE: cannot read ${missing}`));

    const config = join(work, "mixed.yaml");
    await writeFile(config, `keyFile: ${pki.strangerClient.key}\n`);
    const mismatched = spawnSensor(["--config", config, ...registryArgs("registry-mismatch")], {
      STRATA_TOKEN: backend.sensorToken,
      STRATA_SENSOR_CERT_FILE: pki.client.cert,
    });
    assert.equal(await mismatched.exited, 2, mismatched.stderr());
    assert.match(mismatched.stderr(), /bad sensor TLS setting: the client certificate .* cannot be used/);

    const alone = spawnSensor(registryArgs("registry-alone"), {
      STRATA_TOKEN: backend.sensorToken,
      STRATA_SENSOR_CERT_FILE: pki.client.cert,
    });
    assert.equal(await alone.exited, 2, alone.stderr());
    assert.match(alone.stderr(), /certFile and keyFile go together.*STRATA_SENSOR_KEY_FILE/);
  });
});

test("the sensor's TLS tests say why they skip", {
  skip: skip === undefined ? "the tools are installed" : false,
}, () => {
  assert.match(skip ?? "", /not installed: .*Debian package/);
});
