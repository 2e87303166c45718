/** Reading registry responses: bodies with a size cap, and errors the way the distribution spec words them. */
import { STATUS_CODES } from "node:http";
import { LimitError, SourceError } from "../../errors.ts";
import { isJsonObject } from "../json.ts";
import { type HttpResponse, headerValue } from "./http.ts";

/** The whole body, refusing (and dropping the connection) past maxBytes. */
export async function readBounded(response: HttpResponse, maxBytes: number, what: string): Promise<Buffer> {
  const declared = Number(headerValue(response.headers, "content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.body.destroy();
    throw new LimitError(`${what} is ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += bytes.length;
    if (size > maxBytes) {
      response.body.destroy();
      throw new LimitError(`${what} is over the ${maxBytes}-byte limit`);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

const maxErrorBodyBytes = 64 * 1024;

/**
 * A SourceError for an unexpected status: "<what>: 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)
 * from <url>". Only the spec's `code` and `message` are quoted from the body.
 */
export async function failure(response: HttpResponse, what: string): Promise<SourceError> {
  let detail = "";
  try {
    const body = await readBounded(response, maxErrorBodyBytes, "error body");
    detail = describeErrors(JSON.parse(body.toString("utf8")));
  } catch {
    response.body.destroy();
  }
  const reason = STATUS_CODES[response.status] ?? "";
  return new SourceError(
    `${what}: ${response.status}${reason === "" ? "" : ` ${reason}`}${detail === "" ? "" : ` (${detail})`} from ${response.url.href}`,
  );
}

function describeErrors(value: unknown): string {
  if (!isJsonObject(value) || !Array.isArray(value["errors"])) return "";
  const parts: string[] = [];
  for (const entry of value["errors"].slice(0, 3)) {
    if (!isJsonObject(entry)) continue;
    const code = typeof entry["code"] === "string" ? entry["code"] : undefined;
    const message = typeof entry["message"] === "string" ? entry["message"].slice(0, 200) : undefined;
    const text = [code, message].filter((part) => part !== undefined && part !== "").join(": ");
    if (text !== "") parts.push(text);
  }
  return parts.join("; ");
}
