import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { InputError } from "../../errors.ts";
import { readCliCredential } from "./cli-credential.ts";

test("--username with --password-stdin: the password is stdin less one trailing newline", async () => {
  assert.deepEqual(await readCliCredential("alice", true, Readable.from([Buffer.from("pa ss\n"), Buffer.from("\n")])), {
    kind: "basic",
    username: "alice",
    password: "pa ss\n",
    origin: "--username/--password-stdin",
  });
  const crlf = await readCliCredential("alice", true, Readable.from([Buffer.from("secret\r\n")]));
  assert.equal(crlf?.kind === "basic" ? crlf.password : undefined, "secret");
});

test("neither flag: no credential, and stdin is left alone", async () => {
  const stdin = Readable.from([Buffer.from("untouched")]);
  assert.equal(await readCliCredential(undefined, false, stdin), undefined);
  assert.equal(stdin.readableEnded, false);
});

test("half the pair, an empty password or a terminal are InputErrors", async () => {
  const pipe = (): Readable => Readable.from([Buffer.from("x")]);
  await assert.rejects(readCliCredential("alice", false, pipe()), /--username needs --password-stdin/);
  await assert.rejects(readCliCredential(undefined, true, pipe()), /--password-stdin needs --username/);
  await assert.rejects(readCliCredential("alice", true, Readable.from([Buffer.from("\n")])), InputError);
  const tty = Object.assign(pipe(), { isTTY: true });
  await assert.rejects(readCliCredential("alice", true, tty), /reads the password from a pipe/);
});
