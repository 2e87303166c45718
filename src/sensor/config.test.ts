import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { InputError } from "../errors.ts";
import { loadSensorConfig, parseDuration, parseSize } from "./config.ts";

let work = "";
const token = "strata_config-test-token";

before(async () => {
  work = await mkdtemp(join(tmpdir(), "strata-sensor-config-"));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const path = join(work, name);
  await writeFile(path, content);
  return path;
}

test("options win over the environment, which wins over the file", async () => {
  const config = await file(
    "sensor.yaml",
    "mode: registry\nregistry: registry.example\nurl: https://file.example\ninterval: 10m\nlogLevel: warn\nonce: false\n",
  );
  const loaded = await loadSensorConfig({
    flags: { config, interval: "30s" },
    env: { STRATA_SENSOR_URL: "https://env.example", STRATA_SENSOR_INTERVAL: "1h", STRATA_TOKEN: token },
  });
  assert.equal(loaded.mode, "registry");
  assert.equal(loaded.registry, "registry.example");
  assert.equal(loaded.url, "https://env.example");
  assert.equal(loaded.interval, 30_000);
  assert.equal(loaded.logLevel, "warn");
  assert.equal(loaded.token, token);
});

test("defaults, and STRATA_SENSOR_TOKEN over STRATA_TOKEN", async () => {
  const loaded = await loadSensorConfig({
    flags: { url: "http://127.0.0.1:8080" },
    env: { STRATA_TOKEN: "strata_general", STRATA_SENSOR_TOKEN: token, XDG_STATE_HOME: "/state" },
  });
  assert.equal(loaded.mode, "general");
  assert.equal(loaded.token, token);
  assert.equal(loaded.interval, 300_000);
  assert.equal(loaded.flushTimeout, 30_000);
  assert.equal(loaded.once, false);
  assert.equal(loaded.dataDir, "/state/strata/sensor");
  assert.equal(loaded.queueMaxEntries, 1000);
  assert.equal(loaded.queueMaxBytes, 256 * 1024 * 1024);
  assert.equal(loaded.runtimes, undefined);
});

test("JSON files, lists from files, comma lists from the environment, repeated options, paths beside the file", async () => {
  const config = await file(
    "sensor.json",
    JSON.stringify({ url: "https://x.example", runtimes: ["docker", "crio"], dataDir: "data", queueMaxBytes: "1GiB" }),
  );
  const fromFile = await loadSensorConfig({ flags: { config }, env: { STRATA_TOKEN: token } });
  assert.deepEqual(fromFile.runtimes, ["docker", "crio"]);
  assert.equal(fromFile.dataDir, join(work, "data"));
  assert.equal(fromFile.queueMaxBytes, 1024 ** 3);
  const fromEnv = await loadSensorConfig({
    flags: { config },
    env: { STRATA_TOKEN: token, STRATA_SENSOR_RUNTIMES: "containerd, Docker", STRATA_SENSOR_ONCE: "yes" },
  });
  assert.deepEqual(fromEnv.runtimes, ["containerd", "docker"]);
  assert.equal(fromEnv.once, true);
  const fromFlags = await loadSensorConfig({
    flags: { config, runtime: ["crio"], once: true, repository: ["team/*"], tag: ["v*", "latest"] },
    env: { STRATA_TOKEN: token },
  });
  assert.deepEqual(fromFlags.runtimes, ["crio"]);
  assert.deepEqual(fromFlags.repositories, ["team/*"]);
  assert.deepEqual(fromFlags.tags, ["v*", "latest"]);
});

async function refusal(sources: Parameters<typeof loadSensorConfig>[0]): Promise<string> {
  const error = await loadSensorConfig(sources).then(
    () => assert.fail("the settings should be refused"),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof InputError, String(error));
  assert.ok(!error.message.includes(token), "the token is never echoed");
  return error.message;
}

test("a bad or unknown setting is named as it was written: file key, variable or option", async () => {
  const typo = await file("typo.yaml", "url: https://x.example\nflushTimout: 5s\n");
  assert.match(
    await refusal({ flags: { config: typo }, env: { STRATA_TOKEN: token } }),
    /typo\.yaml: unknown setting "flushTimout"/,
  );
  const badFile = await file("bad.yaml", "url: https://x.example\nqueueMaxEntries: -3\n");
  assert.match(
    await refusal({ flags: { config: badFile }, env: { STRATA_TOKEN: token } }),
    /bad sensor setting .*bad\.yaml: queueMaxEntries: expected a whole number, at least 1/,
  );
  assert.match(
    await refusal({
      flags: { url: "https://x.example" },
      env: { STRATA_TOKEN: token, STRATA_SENSOR_INTERVAL: "soon" },
    }),
    /^bad sensor setting STRATA_SENSOR_INTERVAL: expected a duration such as 30s/,
  );
  assert.match(
    await refusal({ flags: { url: "https://x.example" }, env: { STRATA_TOKEN: token, STRATA_SENSOR_INTERVALL: "5m" } }),
    /unknown setting STRATA_SENSOR_INTERVALL in the environment/,
  );
  assert.match(
    await refusal({ flags: { url: "https://x.example", runtime: ["podman-ish"] }, env: { STRATA_TOKEN: token } }),
    /bad sensor setting --runtime: expected one of: docker, containerd, crio/,
  );
  assert.match(
    await refusal({ flags: { url: "https://x.example", logLevel: "loud" }, env: { STRATA_TOKEN: token } }),
    /bad sensor setting --log-level: expected one of: fatal, error/,
  );
  const notAMapping = await file("list.yaml", "- mode: ci\n");
  assert.match(await refusal({ flags: { config: notAMapping }, env: {} }), /must hold a mapping of settings/);
  assert.match(
    await refusal({ flags: { config: join(work, "missing.yaml") }, env: {} }),
    /cannot read the sensor config file .*missing\.yaml/,
  );
});

test("what each mode needs is checked, with where to set it", async () => {
  assert.match(
    await refusal({ flags: {}, env: { STRATA_TOKEN: token } }),
    /no backend URL .*STRATA_SENSOR_URL or --url/,
  );
  assert.match(
    await refusal({ flags: { url: "https://x.example" }, env: {} }),
    /no upload token .*STRATA_TOKEN or --token/,
  );
  assert.match(
    await refusal({ flags: { url: "https://x.example", mode: "registry" }, env: { STRATA_TOKEN: token } }),
    /--mode registry needs a registry to crawl/,
  );
  assert.match(
    await refusal({ flags: { url: "https://x.example", mode: "ci" }, env: { STRATA_TOKEN: token } }),
    /--mode ci needs an image to scan/,
  );
  assert.match(
    await refusal({ flags: { url: "https://me:pw@x.example" }, env: { STRATA_TOKEN: token } }),
    /bad sensor setting --url or token: the backend URL must not hold credentials/,
  );
  assert.match(
    await refusal({ flags: { url: "https://x.example", registryUsername: "me" }, env: { STRATA_TOKEN: token } }),
    /registryUsername and registryPassword go together/,
  );
});

test("TLS files: each must be readable, named as it was written; a certificate needs its key", async () => {
  const missing = join(work, "absent.pem");
  const fromFile = await file("tls.yaml", "url: https://x.example\ncaFile: absent.pem\n");
  assert.equal(
    await refusal({ flags: { config: fromFile }, env: { STRATA_TOKEN: token } }),
    `bad sensor setting ${fromFile}: caFile: cannot read ${missing}: ENOENT: no such file or directory, access '${missing}'`,
  );
  assert.match(
    await refusal({ flags: { url: "https://x.example" }, env: { STRATA_TOKEN: token, STRATA_SENSOR_KEY_FILE: work } }),
    /^certFile and keyFile go together \(a client certificate and its key\): set certFile in the config file, STRATA_SENSOR_CERT_FILE or --cert-file$/,
  );
  assert.match(
    await refusal({
      flags: { url: "https://x.example", certFile: missing, keyFile: work },
      env: { STRATA_TOKEN: token },
    }),
    /^bad sensor setting --cert-file: cannot read .*absent\.pem/,
  );
  assert.match(
    await refusal({ flags: { url: "https://x.example" }, env: { STRATA_TOKEN: token, STRATA_SENSOR_CA_FILE: work } }),
    /^bad sensor setting STRATA_SENSOR_CA_FILE: cannot read .*: not a file$/,
  );
  const notPem = await file("not-a-certificate.pem", "hello\n");
  assert.match(
    await refusal({ flags: { url: "https://x.example", caFile: notPem }, env: { STRATA_TOKEN: token } }),
    /^bad sensor TLS setting: .*not-a-certificate\.pem \(--ca-file\) holds no PEM certificate$/,
  );
  assert.match(
    await refusal({ flags: { url: "https://x.example" }, env: { STRATA_TOKEN: token, STRATA_SENSOR_CA_FILE: notPem } }),
    /^bad sensor TLS setting: .*not-a-certificate\.pem \(STRATA_SENSOR_CA_FILE\) holds no PEM certificate$/,
  );
});

test("durations and sizes", () => {
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("90"), 90_000);
  assert.equal(parseDuration(2.5), 2500);
  assert.equal(parseDuration("0s"), undefined);
  assert.equal(parseDuration("5 minutes"), undefined);
  assert.equal(parseSize("256MiB"), 256 * 1024 * 1024);
  assert.equal(parseSize("1.5 GB"), 1.5e9);
  assert.equal(parseSize(4096), 4096);
  assert.equal(parseSize("lots"), undefined);
  assert.equal(parseSize(-1), undefined);
});
