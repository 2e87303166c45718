import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { InputError, SourceError } from "../../errors.ts";
import { dockerConfigPath, findDockerCredential } from "./credentials.ts";

const scratch = await mkdtemp(join(tmpdir(), "strata-credentials-"));
after(() => rm(scratch, { recursive: true, force: true }));

const bin = join(scratch, "bin");
await mkdir(bin);
const helperLog = join(scratch, "helper-asked-for");

/** A credential helper that knows one server, logs what it was asked, and says "not found" otherwise. */
await writeHelper(
  "strata-test",
  `read server
printf '%s' "$server" > '${helperLog}'
case "$server" in
  registry.example:5000) printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}' "$server" ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"<token>","Secret":"hub-refresh-token"}' "$server" ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac`,
);
await writeHelper("strata-slow", "sleep 5");
await writeHelper("strata-broken", "echo 'boom' >&2; exit 3");

async function writeHelper(name: string, body: string): Promise<void> {
  const path = join(bin, `docker-credential-${name}`);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
}

let configs = 0;
async function configDir(config: unknown): Promise<string> {
  configs += 1;
  const dir = join(scratch, `config-${configs}`);
  await mkdir(dir);
  await writeFile(join(dir, "config.json"), typeof config === "string" ? config : JSON.stringify(config));
  return dir;
}

function env(dir: string): Record<string, string | undefined> {
  return { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}` };
}

const base64 = (text: string): string => Buffer.from(text).toString("base64");

test("no config file: no credential", async () => {
  assert.equal(await findDockerCredential("registry.example", { env: env(join(scratch, "absent")) }), undefined);
});

test("DOCKER_CONFIG wins over HOME/.docker", () => {
  assert.equal(dockerConfigPath({ DOCKER_CONFIG: "/etc/x", HOME: "/home/u" }), join("/etc/x", "config.json"));
  assert.equal(dockerConfigPath({ HOME: "/home/u" }), join("/home/u", ".docker", "config.json"));
});

test("auths: base64 user:password, matched whatever scheme or path the key carries", async () => {
  const dir = await configDir({
    auths: {
      "https://registry.example:5000": { auth: base64("alice:pa:ss") },
      "https://index.docker.io/v1/": { auth: base64("hubuser:hubpass") },
      "other.example": { identitytoken: "refresh-me" },
    },
  });
  assert.deepEqual(await findDockerCredential("registry.example:5000", { env: env(dir) }), {
    kind: "basic",
    username: "alice",
    password: "pa:ss",
    origin: `${join(dir, "config.json")} auths["https://registry.example:5000"]`,
  });
  assert.equal((await findDockerCredential("docker.io", { env: env(dir) }))?.kind, "basic");
  const token = await findDockerCredential("other.example", { env: env(dir) });
  assert.equal(token?.kind === "identity-token" ? token.token : undefined, "refresh-me");
  assert.equal(await findDockerCredential("registry.example", { env: env(dir) }), undefined);
});

test("credHelpers run docker-credential-<name> get with the server on stdin", async () => {
  const dir = await configDir({
    credHelpers: { "registry.example:5000": "strata-test", "docker.io": "strata-test" },
    auths: { "registry.example:5000": { auth: base64("ignored:ignored") } },
  });
  const credential = await findDockerCredential("registry.example:5000", { env: env(dir) });
  assert.deepEqual(credential, {
    kind: "basic",
    username: "helper-user",
    password: "helper-secret",
    origin: "docker-credential-strata-test",
  });
  assert.equal(await readFile(helperLog, "utf8"), "registry.example:5000");
  // Docker Hub's server address is the old index URL; "<token>" marks an identity token.
  const hub = await findDockerCredential("docker.io", { env: env(dir) });
  assert.equal(await readFile(helperLog, "utf8"), "https://index.docker.io/v1/");
  assert.deepEqual(hub, {
    kind: "identity-token",
    token: "hub-refresh-token",
    origin: "docker-credential-strata-test",
  });
});

test("credsStore is asked first; when it has nothing, auths still count", async () => {
  const dir = await configDir({
    credsStore: "strata-test",
    auths: { "fallback.example": { auth: base64("bob:builder") } },
  });
  assert.equal(
    (await findDockerCredential("registry.example:5000", { env: env(dir) }))?.origin,
    "docker-credential-strata-test",
  );
  const fallback = await findDockerCredential("fallback.example", { env: env(dir) });
  assert.equal(fallback?.kind === "basic" ? fallback.username : undefined, "bob");
});

test("a helper that hangs is killed after the timeout", async () => {
  const dir = await configDir({ credsStore: "strata-slow" });
  const started = Date.now();
  await assert.rejects(
    findDockerCredential("registry.example", { env: env(dir), helperTimeoutMs: 300 }),
    (error: unknown) => error instanceof SourceError && /did not finish within 300 ms/.test(error.message),
  );
  assert.ok(Date.now() - started < 3000);
});

test("a missing or failing helper is a SourceError that quotes none of its output", async () => {
  const missing = await configDir({ credHelpers: { "registry.example": "strata-absent" } });
  await assert.rejects(
    findDockerCredential("registry.example", { env: env(missing) }),
    (error: unknown) =>
      error instanceof SourceError && /docker-credential-strata-absent, which is not on PATH/.test(error.message),
  );
  const broken = await configDir({ credHelpers: { "registry.example": "strata-broken" } });
  await assert.rejects(
    findDockerCredential("registry.example", { env: env(broken) }),
    (error: unknown) =>
      error instanceof SourceError && /exit code 3/.test(error.message) && !error.message.includes("boom"),
  );
  const invalid = await configDir({ credHelpers: { "registry.example": "../../bin/sh" } });
  await assert.rejects(findDockerCredential("registry.example", { env: env(invalid) }), InputError);
});

test("a malformed config names the file, never its contents", async () => {
  const dir = await configDir('{"auths": {"registry.example": {"auth": "c2VjcmV0LXZhbHVl"');
  await assert.rejects(
    findDockerCredential("registry.example", { env: env(dir) }),
    (error: unknown) =>
      error instanceof InputError &&
      error.message.includes(join(dir, "config.json")) &&
      !error.message.includes("c2VjcmV0") &&
      error.cause === undefined,
  );
  const badAuth = await configDir({ auths: { "registry.example": { auth: base64("no-colon") } } });
  await assert.rejects(
    findDockerCredential("registry.example", { env: env(badAuth) }),
    (error: unknown) =>
      error instanceof InputError &&
      /not base64 of user:password/.test(error.message) &&
      !error.message.includes("no-colon"),
  );
});
