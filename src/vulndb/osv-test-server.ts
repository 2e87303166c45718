// Test support: a local HTTP(S) server laid out like osv.dev's bucket, and a counting proxy.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, createServer, request } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { type AddressInfo, type Socket, connect } from "node:net";
import { join, sep } from "node:path";

export interface ServedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  status: number;
  /** Body bytes written (before any cut). */
  bytes: number;
}

/** What the next request gets instead of a normal answer: an error status, or half its body and a cut. */
export type Fault = 500 | 503 | 429 | "cut-half";

interface Served {
  data: Buffer;
  etag: string;
  lastModified: string;
}

export interface OsvTestServer {
  /** Base URL, no trailing slash. */
  url: string;
  requests: ServedRequest[];
  /** Consumed one per request, in order. */
  faults: Fault[];
  rangeSupport: boolean;
  /** Serves new bytes at a path ("/npm/all.zip"): a new version with a new ETag and Last-Modified. */
  setFile: (path: string, data: Buffer, lastModified: Date) => void;
  /** The bytes and validators served at a path now. */
  file: (path: string) => Served | undefined;
  close: () => Promise<void>;
}

const originalDate = new Date("2026-01-01T00:00:00Z");

export async function startOsvServer(root: string, tls?: { key: string; cert: string }): Promise<OsvTestServer> {
  const overrides = new Map<string, Served>();
  const fromDisk = new Map<string, Served | undefined>();
  const served = (path: string): Served | undefined => {
    const override = overrides.get(path);
    if (override) return override;
    if (!fromDisk.has(path)) fromDisk.set(path, readServed(root, path));
    return fromDisk.get(path);
  };
  const state: OsvTestServer = {
    url: "",
    requests: [],
    faults: [],
    rangeSupport: true,
    setFile: (path, data, lastModified) => overrides.set(path, version(data, lastModified)),
    file: served,
    close: () => Promise.resolve(),
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const log: ServedRequest = { method: req.method ?? "", path, headers: req.headers, status: 0, bytes: 0 };
    state.requests.push(log);
    const send = (status: number, headers: Record<string, string | number>, body?: Buffer, cut = false): void => {
      log.status = status;
      res.writeHead(status, headers);
      if (!body) {
        res.end();
        return;
      }
      if (cut) {
        const half = body.subarray(0, Math.floor(body.length / 2));
        log.bytes = half.length;
        res.write(half, () => {
          setTimeout(() => req.socket.destroy(), 20);
        });
        return;
      }
      log.bytes = body.length;
      res.end(body);
    };
    const fault = state.faults.shift();
    if (typeof fault === "number") {
      send(fault, { "content-type": "text/plain", "retry-after": "0" }, Buffer.from("try again\n"));
      return;
    }
    const file = served(path);
    if (!file) {
      send(404, { "content-type": "text/plain" }, Buffer.from("no such object\n"));
      return;
    }
    const validators = { etag: file.etag, "last-modified": file.lastModified, "accept-ranges": "bytes" };
    const ifNoneMatch = req.headers["if-none-match"];
    const ifModifiedSince = req.headers["if-modified-since"];
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.split(",").some((tag) => tag.trim() === file.etag || tag.trim() === "*")) {
        send(304, validators);
        return;
      }
    } else if (ifModifiedSince !== undefined && Date.parse(ifModifiedSince) >= Date.parse(file.lastModified)) {
      send(304, validators);
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const ifRange = req.headers["if-range"];
    const rangeApplies =
      state.rangeSupport &&
      range?.[1] &&
      (ifRange === undefined || ifRange === file.etag || ifRange === file.lastModified);
    if (rangeApplies) {
      const start = Number(range[1]);
      if (start >= file.data.length) {
        send(416, { "content-range": `bytes */${file.data.length}` });
        return;
      }
      const body = file.data.subarray(start);
      send(
        206,
        {
          ...validators,
          "content-type": "application/zip",
          "content-length": body.length,
          "content-range": `bytes ${start}-${file.data.length - 1}/${file.data.length}`,
        },
        body,
        fault === "cut-half",
      );
      return;
    }
    send(
      200,
      { ...validators, "content-type": "application/zip", "content-length": file.data.length },
      file.data,
      fault === "cut-half",
    );
  };
  const server = tls ? createTlsServer(tls, handle) : createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = portOf(server.address());
  state.url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });
  return state;
}

function portOf(address: AddressInfo | string | null): number {
  if (address === null || typeof address === "string") throw new Error("the test server is not listening on TCP");
  return address.port;
}

function version(data: Buffer, lastModified: Date): Served {
  return {
    data,
    etag: `"${createHash("sha1").update(data).digest("hex")}"`,
    lastModified: lastModified.toUTCString(),
  };
}

function readServed(root: string, urlPath: string): Served | undefined {
  const relative = decodeURIComponent(urlPath).replace(/^\/+/, "");
  if (relative.split("/").some((part) => part === ".." || part === "") || relative.includes(sep + sep))
    return undefined;
  try {
    return version(readFileSync(join(root, relative)), originalDate);
  } catch {
    return undefined;
  }
}

export interface CountingProxy {
  url: string;
  /** host:port of each CONNECT tunnel. */
  tunnels: string[];
  /** Absolute URLs of each forwarded plain request. */
  forwarded: string[];
  close: () => Promise<void>;
}

/** A minimal forward proxy: CONNECT tunnels and absolute-form plain HTTP requests, counted. */
export async function startCountingProxy(): Promise<CountingProxy> {
  const sockets = new Set<Socket>();
  const proxy: CountingProxy = { url: "", tunnels: [], forwarded: [], close: () => Promise.resolve() };
  const server = createServer((req, res) => {
    proxy.forwarded.push(req.url ?? "");
    const target = new URL(req.url ?? "");
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    const where = req.url ?? "";
    proxy.tunnels.push(where);
    const colon = where.lastIndexOf(":");
    const upstream = connect(Number(where.slice(colon + 1)), where.slice(0, colon), () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = portOf(server.address());
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => {
        resolve();
      });
    });
  return proxy;
}
