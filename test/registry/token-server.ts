/**
 * A small token server for docker-registry's `auth: token` mode: it signs ES256 JWTs with a key whose
 * self-signed certificate is the registry's `rootcertbundle`, and puts that certificate in the `x5c` header.
 * Anonymous callers get pull access only; known users get what they ask for; wrong passwords get 401.
 * Docker's identity tokens work through the OAuth2 refresh-token POST. Over TLS it asks for (but does not
 * require) a client certificate, and records whether one came.
 */
import { randomUUID, sign, X509Certificate } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { TLSSocket } from "node:tls";

export interface TokenServerOptions {
  service: string;
  issuer: string;
  /** PEM private key (EC P-256) and its certificate. */
  key: Buffer;
  cert: Buffer;
  users: Record<string, string>;
  /** refresh tokens accepted by the POST form, with the user each stands for */
  refreshTokens?: Record<string, string>;
  /** Serve HTTPS with this PEM certificate and key; the realm then names `localhost`, not 127.0.0.1. */
  tls?: { cert: Buffer; key: Buffer };
}

export interface TokenRequestRecord {
  method: string;
  /** "anonymous", "basic:<user>" or "refresh:<user>" (or "rejected") */
  who: string;
  scopes: string[];
  /** Over TLS only: whether the caller presented a client certificate. */
  clientCertificate?: boolean;
}

export interface TokenServer {
  realm: string;
  requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) if (Buffer.isBuffer(chunk)) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function accessFor(scopes: string[], anonymous: boolean): Access[] {
  return scopes.flatMap((scope) => {
    const [type, name, actions] = scope.split(":");
    if (type === undefined || name === undefined || actions === undefined) return [];
    const granted = actions.split(",").filter((action) => !anonymous || action === "pull");
    return granted.length === 0 ? [] : [{ type, name, actions: granted }];
  });
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const cert = new X509Certificate(options.cert);
  const requests: TokenRequestRecord[] = [];

  const issue = (audience: string, subject: string, access: Access[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "ES256", typ: "JWT", x5c: [cert.raw.toString("base64")] };
    const claims = {
      iss: options.issuer,
      sub: subject,
      aud: audience,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign("sha256", Buffer.from(input), { key: options.key, dsaEncoding: "ieee-p1363" });
    return `${input}.${base64url(signature)}`;
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://token.invalid");
      const form = request.method === "POST" ? new URLSearchParams(await readBody(request)) : undefined;
      const params = form ?? url.searchParams;
      const scopes = form
        ? (form.get("scope") ?? "").split(" ").filter((scope) => scope !== "")
        : url.searchParams.getAll("scope");
      let who = "anonymous";
      if (form !== undefined) {
        const user = options.refreshTokens?.[form.get("refresh_token") ?? ""];
        who = user === undefined ? "rejected" : `refresh:${user}`;
      } else if (request.headers.authorization !== undefined) {
        const match = /^Basic (.+)$/.exec(request.headers.authorization);
        const decoded = Buffer.from(match?.[1] ?? "", "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        const user = decoded.slice(0, colon);
        who = colon > 0 && options.users[user] === decoded.slice(colon + 1) ? `basic:${user}` : "rejected";
      }
      const { socket } = request;
      const tls =
        socket instanceof TLSSocket ? { clientCertificate: Object.keys(socket.getPeerCertificate()).length > 0 } : {};
      requests.push({ method: request.method ?? "", who, scopes, ...tls });
      if (who === "rejected") {
        response.writeHead(401, { "content-type": "application/json" });
        response.end(JSON.stringify({ details: "incorrect username or password" }));
        return;
      }
      const token = issue(params.get("service") ?? options.service, who, accessFor(scopes, who === "anonymous"));
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(form ? { access_token: token, expires_in: 300 } : { token, expires_in: 300 }));
    })();
  };
  const { tls } = options;
  const server: Server =
    tls === undefined
      ? createServer(handle)
      : createHttpsServer({ ...tls, requestCert: true, rejectUnauthorized: false }, handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    realm: tls === undefined ? `http://127.0.0.1:${port}/token` : `https://localhost:${port}/token`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
