import { gunzipSync } from "node:zlib";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { InputError, LimitError, errorMessage } from "../../src/errors.ts";

/** Reads a JSON request body, plain or gzip'd, holding the decoded size to `maxBytes`. */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const raw = Buffer.from(await c.req.arrayBuffer());
  const encoding = (c.req.header("content-encoding") ?? "identity").trim().toLowerCase();
  let text: Buffer;
  if (encoding === "identity") {
    text = raw;
  } else if (encoding === "gzip") {
    try {
      text = gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (error) {
      if (error instanceof RangeError)
        throw new LimitError(`the body is over ${maxBytes} bytes once decompressed`, { cause: error });
      throw new InputError(`the body is not valid gzip: ${errorMessage(error)}`, { cause: error });
    }
  } else {
    throw new HTTPException(415, { message: `unsupported Content-Encoding ${encoding}: send identity or gzip` });
  }
  try {
    return JSON.parse(text.toString("utf8"));
  } catch (error) {
    throw new InputError(`the body is not JSON: ${errorMessage(error)}`, { cause: error });
  }
}
