import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { InputError, SourceError } from "../../errors.ts";
import { DockerEngine, engineAddress } from "./docker-engine.ts";

test("DOCKER_HOST is read like the docker CLI reads it", () => {
  assert.deepEqual(engineAddress({ env: {} }), {
    kind: "unix",
    socketPath: "/var/run/docker.sock",
    label: "Docker Engine socket /var/run/docker.sock",
  });
  assert.equal(
    engineAddress({ env: { DOCKER_HOST: "unix:///run/user/1000/docker.sock" } }).label,
    "Docker Engine socket /run/user/1000/docker.sock",
  );
  assert.deepEqual(engineAddress({ env: { DOCKER_HOST: "tcp://127.0.0.1:2376" } }), {
    kind: "tcp",
    host: "127.0.0.1",
    port: 2376,
    label: "Docker Engine at 127.0.0.1:2376",
  });
  assert.equal(
    engineAddress({ dockerHost: "unix:///a.sock", env: { DOCKER_HOST: "unix:///b.sock" } }).label,
    "Docker Engine socket /a.sock",
  );
  assert.throws(() => engineAddress({ env: { DOCKER_HOST: "ssh://me@host" } }), InputError);
  assert.throws(() => engineAddress({ env: { DOCKER_HOST: "tcp://h:2376", DOCKER_TLS_VERIFY: "1" } }), /TLS/);
});

test("a missing socket and a socket nobody listens on are source errors naming the socket", async () => {
  const dir = await mkdtemp(join(tmpdir(), "strata-engine-"));
  try {
    const absent = join(dir, "absent.sock");
    await assert.rejects(
      new DockerEngine(engineAddress({ dockerHost: `unix://${absent}` })).listImages(),
      (error: unknown) =>
        error instanceof SourceError && error.message.includes(`no Docker Engine socket at ${absent}`),
    );
    const dead = join(dir, "dead.sock");
    await writeFile(dead, "");
    await assert.rejects(
      new DockerEngine(engineAddress({ dockerHost: `unix://${dead}` })).listImages(),
      (error: unknown) => error instanceof SourceError && error.message.includes(dead),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the API version from the ping prefixes each call, and daemon errors carry the daemon's message", async () => {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(request.url ?? "");
    if (request.url === "/_ping") {
      response.writeHead(200, { "Api-Version": "1.43" }).end("OK");
    } else if (request.url?.startsWith("/v1.43/images/json")) {
      response.writeHead(500, { "Content-Type": "application/json" }).end('{"message":"disk on fire"}');
    } else {
      response.writeHead(404, { "Content-Type": "application/json" }).end('{"message":"No such image: x"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  try {
    const engine = new DockerEngine(engineAddress({ dockerHost: `tcp://127.0.0.1:${address.port}`, env: {} }));
    await assert.rejects(
      engine.listImages(),
      (error: unknown) => error instanceof SourceError && error.message.includes("500: disk on fire"),
    );
    await assert.rejects(
      engine.inspectImage("me/app:1@sha256:ab", 1 << 20),
      (error: unknown) => error instanceof InputError && error.message.includes('no image "me/app:1@sha256:ab"'),
    );
    assert.deepEqual(paths, ["/_ping", "/v1.43/images/json", "/v1.43/images/me/app:1%40sha256:ab/json"]);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
