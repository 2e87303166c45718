/**
 * Registry authorisation: what the `/v2/` ping or a 401 challenged, and the header that answers it.
 * Bearer: a token from the challenge's realm for `service` and `scope`, fetched anonymously, with Basic
 * credentials, or (docker's identity tokens) by an OAuth2 refresh-token POST; cached per scope until it
 * expires. Basic: the credentials themselves.
 */
import { SourceError } from "../../errors.ts";
import { isJsonObject } from "../json.ts";
import type { Credential } from "./credentials.ts";
import type { HttpResponse, HttpTransport } from "./http.ts";
import { readBounded } from "./response.ts";
import { type Challenge, parseChallenges } from "./www-authenticate.ts";

interface CachedToken {
  token: string;
  expiresAt: number;
}

const maxTokenResponseBytes = 1024 * 1024;
const defaultTokenLifetimeS = 60;
const clientId = "strata";

export class Authorizer {
  private readonly http: HttpTransport;
  private readonly credential: Credential | undefined;
  private readonly allowPlainHttp: (url: URL) => boolean;
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(http: HttpTransport, credential: Credential | undefined, allowPlainHttp: (url: URL) => boolean) {
    this.http = http;
    this.credential = credential;
    this.allowPlainHttp = allowPlainHttp;
  }

  /** Remembers what the registry's `/v2/` ping asked for (nothing, when it answered 200). */
  noteChallenge(response: HttpResponse): void {
    this.challenge = response.status === 401 ? usableChallenge(response) : undefined;
  }

  /** The Authorization header for a request needing `scope`, if the registry asked for one. */
  async header(scope: string, url: URL): Promise<string | undefined> {
    const challenge = this.challenge;
    if (challenge === undefined) return undefined;
    if (challenge.scheme === "basic") return this.basicHeader(url);
    const cached = this.tokens.get(scope);
    if (cached !== undefined && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    const token = await this.fetchToken(challenge, [scope]);
    this.tokens.set(scope, token);
    return `Bearer ${token.token}`;
  }

  /**
   * After a 401: takes up the new challenge and gets fresh authorisation for one more try. Throws
   * SourceError when there is nothing left to try (no credentials, or no challenge it can answer).
   */
  async answer(response: HttpResponse, scope: string): Promise<void> {
    const challenge = usableChallenge(response);
    if (challenge === undefined) {
      throw new SourceError(`${response.url.href}: 401 Unauthorized, and the registry names no Bearer or Basic scheme`);
    }
    this.challenge = challenge;
    if (challenge.scheme === "basic") {
      if (this.credential === undefined) throw this.refused(response.url);
      return;
    }
    const scopes = (challenge.params["scope"] ?? scope).split(" ").filter((part) => part !== "");
    this.tokens.set(scope, await this.fetchToken(challenge, scopes));
  }

  /** The error for a request still refused after answering the challenge. */
  refused(url: URL): SourceError {
    if (this.credential === undefined) {
      return new SourceError(
        `${url.href}: 401 Unauthorized: the registry needs credentials (pass --username and --password-stdin, or log in with docker login), or the repository does not exist`,
      );
    }
    return new SourceError(
      `${url.href}: 401 Unauthorized: the registry refused access with the credentials from ${this.credential.origin}`,
    );
  }

  private basicHeader(url: URL): string | undefined {
    const credential = this.credential;
    if (credential === undefined) return undefined;
    if (credential.kind !== "basic") {
      throw new SourceError(
        `${url.host} asks for Basic authentication, but the credentials from ${credential.origin} are an identity token`,
      );
    }
    this.checkTransport(url);
    return basicAuthorization(credential.username, credential.password);
  }

  private checkTransport(url: URL): void {
    if (url.protocol === "http:" && !this.allowPlainHttp(url)) {
      throw new SourceError(
        `refusing to send credentials over plain HTTP to ${url.origin}; use HTTPS, or --insecure if this is intended`,
      );
    }
  }

  private async fetchToken(challenge: Challenge, scopes: string[]): Promise<CachedToken> {
    const realm = challenge.params["realm"];
    if (realm === undefined || realm === "") throw new SourceError("the registry's Bearer challenge names no realm");
    let url: URL;
    try {
      url = new URL(realm);
    } catch (error) {
      throw new SourceError(`the registry's token realm "${realm}" is not a URL`, { cause: error });
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new SourceError(`the registry's token realm ${url.origin} is not HTTP(S)`);
    }
    const service = challenge.params["service"];
    const credential = this.credential;
    const started = Date.now();
    let response: HttpResponse;
    if (credential?.kind === "identity-token") {
      this.checkTransport(url);
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: credential.token,
        client_id: clientId,
      });
      if (service !== undefined) form.set("service", service);
      if (scopes.length > 0) form.set("scope", scopes.join(" "));
      response = await this.http.send(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
      });
    } else {
      if (service !== undefined) url.searchParams.set("service", service);
      for (const scope of scopes) url.searchParams.append("scope", scope);
      const headers: Record<string, string> = {};
      if (credential !== undefined) {
        this.checkTransport(url);
        headers["authorization"] = basicAuthorization(credential.username, credential.password);
      }
      response = await this.http.send(url, { headers });
    }
    const where = `${url.origin}${url.pathname}`;
    if (response.status === 401 || response.status === 403) {
      await response.body.dump();
      const who =
        credential === undefined
          ? "anonymous access; pass --username and --password-stdin, or log in with docker login"
          : `the credentials from ${credential.origin}`;
      throw new SourceError(`the token endpoint ${where} refused ${who} (${response.status})`);
    }
    if (response.status !== 200) {
      await response.body.dump();
      throw new SourceError(`the token endpoint ${where} answered ${response.status}`);
    }
    return parseTokenResponse(
      await readBounded(response, maxTokenResponseBytes, `the answer of ${where}`),
      where,
      started,
    );
  }
}

function usableChallenge(response: HttpResponse): Challenge | undefined {
  const header = response.headers["www-authenticate"];
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  const challenges = values.flatMap((value) => parseChallenges(value));
  return (
    challenges.find((challenge) => challenge.scheme === "bearer") ??
    challenges.find((challenge) => challenge.scheme === "basic")
  );
}

function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

function parseTokenResponse(bytes: Buffer, where: string, started: number): CachedToken {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new SourceError(`the token endpoint ${where} did not answer JSON`);
  }
  if (!isJsonObject(value)) throw new SourceError(`the token endpoint ${where} did not answer a JSON object`);
  const token = value["token"] ?? value["access_token"];
  if (typeof token !== "string" || token === "") throw new SourceError(`the token endpoint ${where} gave no token`);
  const expiresIn = value["expires_in"];
  const lifetimeS = typeof expiresIn === "number" && expiresIn > 0 ? expiresIn : defaultTokenLifetimeS;
  // Renew a little early, so a token does not expire between the check and the request.
  return { token, expiresAt: started + Math.max(lifetimeS - 10, lifetimeS / 2) * 1000 };
}
