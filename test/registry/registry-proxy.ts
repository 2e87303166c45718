/**
 * An HTTP proxy on 127.0.0.1 in front of a test registry, for what a well-behaved registry never does: it
 * resets the connection in the middle of a blob, ignores Range headers, flips a byte of a blob, leaves
 * Docker-Content-Digest out of manifest HEADs, refuses chosen paths, or answers slowly. It logs each request.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

export interface ProxyLogEntry {
  method: string;
  /** Path and query. */
  path: string;
  /** The Range header the client sent. */
  range?: string;
  status: number;
}

export interface ProxyRules {
  /** Reset the connection after `afterBytes` body bytes of a GET of this blob, the first `times` times. */
  cut?: { digest: string; afterBytes: number; times: number };
  /** Drop Range headers of blob requests, so the registry answers 200 with the whole blob. */
  ignoreRanges?: boolean;
  /** Flip the byte at blob offset `offset` in the `response`th (from 0) GET answer for this blob. */
  flip?: { digest: string; offset: number; response: number };
  /** Leave Docker-Content-Digest out of manifest HEAD answers. */
  hideDigestOnHead?: boolean;
  /** Answer requests for these paths (without query) with this status, without asking the registry. */
  refuse?: Record<string, number>;
  /** Wait this long before forwarding each request. */
  delayMs?: number;
}

export interface RegistryProxy {
  /** "127.0.0.1:PORT" */
  host: string;
  /** Changeable between requests; setting them starts the cut and flip counts again. */
  rules: ProxyRules;
  log: ProxyLogEntry[];
  /** The most requests that were in the proxy at once. */
  maxInFlight(): number;
  stop(): Promise<void>;
}

function write(response: ServerResponse, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    response.write(bytes, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

function forward(
  incoming: IncomingMessage,
  target: string,
  headers: IncomingMessage["headers"],
): Promise<IncomingMessage> {
  const [hostname, port] = target.split(":");
  return new Promise((resolve, reject) => {
    const outgoing = request({ hostname, port, method: incoming.method, path: incoming.url, headers }, resolve);
    outgoing.on("error", reject);
    incoming.pipe(outgoing);
  });
}

export async function startRegistryProxy(target: string, rules: ProxyRules = {}): Promise<RegistryProxy> {
  const log: ProxyLogEntry[] = [];
  const blobAnswers = new Map<string, number>();
  let cuts = 0;
  let inFlight = 0;
  let mostInFlight = 0;
  const proxy: Omit<RegistryProxy, "host" | "stop"> = { rules, log, maxInFlight: () => mostInFlight };

  const handle = async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
    const { rules: now } = proxy;
    const method = incoming.method ?? "GET";
    const path = incoming.url ?? "/";
    const { pathname } = new URL(path, "http://proxy.invalid");
    const range = incoming.headers.range;
    const entry = (status: number): ProxyLogEntry => ({
      method,
      path,
      ...(range === undefined ? {} : { range }),
      status,
    });
    if (now.delayMs !== undefined) await sleep(now.delayMs);
    const refused = now.refuse?.[pathname];
    if (refused !== undefined) {
      log.push(entry(refused));
      response.writeHead(refused, { "content-type": "application/json" });
      response.end(JSON.stringify({ errors: [{ code: "DENIED", message: "refused by the test proxy" }] }));
      return;
    }
    const blob = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(pathname)?.[1];
    const headers = { ...incoming.headers, host: target };
    if (blob !== undefined && now.ignoreRanges === true) delete headers.range;
    const upstream = await forward(incoming, target, headers);
    const status = upstream.statusCode ?? 502;
    log.push(entry(status));
    const answerHeaders = { ...upstream.headers };
    if (method === "HEAD" && pathname.includes("/manifests/") && now.hideDigestOnHead === true) {
      delete answerHeaders["docker-content-digest"];
    }
    response.writeHead(status, answerHeaders);
    if (blob === undefined || method !== "GET") {
      upstream.pipe(response);
      return;
    }
    const answer = blobAnswers.get(blob) ?? 0;
    blobAnswers.set(blob, answer + 1);
    const cutAt = now.cut?.digest === blob && cuts < now.cut.times ? now.cut.afterBytes : undefined;
    if (cutAt !== undefined) cuts += 1;
    const flip = now.flip?.digest === blob && now.flip.response === answer ? now.flip.offset : undefined;
    let position = Number(/^bytes (\d+)-/.exec(upstream.headers["content-range"] ?? "")?.[1] ?? 0);
    let sent = 0;
    for await (const chunk of upstream) {
      const bytes = Buffer.from(chunk as Buffer);
      if (flip !== undefined && flip >= position && flip < position + bytes.length) {
        bytes[flip - position] = (bytes[flip - position] ?? 0) ^ 0xff;
      }
      if (cutAt !== undefined && sent + bytes.length >= cutAt) {
        await write(response, bytes.subarray(0, cutAt - sent));
        // Give the client time to read what was sent, then reset the connection (RST, not FIN).
        await sleep(50);
        response.socket?.resetAndDestroy();
        upstream.destroy();
        return;
      }
      await write(response, bytes);
      sent += bytes.length;
      position += bytes.length;
    }
    response.end();
  };

  const server = createServer((incoming, response) => {
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    handle(incoming, response)
      .catch(() => {
        response.destroy();
      })
      .finally(() => {
        inFlight -= 1;
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    log,
    maxInFlight: proxy.maxInFlight,
    get rules() {
      return proxy.rules;
    },
    set rules(next: ProxyRules) {
      proxy.rules = next;
      cuts = 0;
      blobAnswers.clear();
    },
    host: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
