/** The credential given on the command line: `--username NAME --password-stdin`, as `docker login` takes it. */
import type { Readable } from "node:stream";
import { InputError, LimitError } from "../../errors.ts";
import type { Credential } from "./credentials.ts";

const maxPasswordBytes = 64 * 1024;

/**
 * Reads the password from stdin (one trailing newline dropped) when both flags are given; undefined when
 * neither is. A password never comes from argv, where other users could see it.
 */
export async function readCliCredential(
  username: string | undefined,
  passwordStdin: boolean,
  stdin: Readable & { isTTY?: boolean },
): Promise<Credential | undefined> {
  if (username === undefined && !passwordStdin) return undefined;
  if (username === undefined || username === "") throw new InputError("--password-stdin needs --username");
  if (!passwordStdin) throw new InputError("--username needs --password-stdin (pipe the password in)");
  if (stdin.isTTY === true) {
    throw new InputError('--password-stdin reads the password from a pipe, e.g. printf %s "$TOKEN" | strata scan …');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += bytes.length;
    if (size > maxPasswordBytes)
      throw new LimitError(`the password on standard input is over ${maxPasswordBytes} bytes`);
    chunks.push(bytes);
  }
  const password = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (password === "") throw new InputError("--password-stdin read an empty password");
  return { kind: "basic", username, password, origin: "--username/--password-stdin" };
}
