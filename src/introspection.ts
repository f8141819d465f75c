/**
 * Opaque access tokens checked at the authorization server's introspection
 * endpoint (RFC 7662).
 *
 * @module
 */

import type { AccessToken } from "./context.ts";
import {
  audienceOption,
  type Audiences,
  booleanOption,
  cacheOption,
  checkScopes,
  clientIdFromClaims,
  copyToken,
  deepFreeze,
  describe,
  functionOption,
  issuerOption,
  matchAudience,
  numberOption,
  scopesFromClaims,
  scopesOption,
  urlOption,
} from "./claims.ts";
import { InvalidTokenError, VerifierUnavailableError } from "./errors.ts";
import { readLimitedText } from "./http_body.ts";
import {
  registerCache,
  TokenCache,
  type TokenCacheOptions,
} from "./token_cache.ts";
import type { TokenVerifier } from "./verifier.ts";
import type { SharedCacheOptions } from "./verify/cache_store.ts";
import {
  type Answer,
  sharedCacheOption,
  SharedIntrospection,
} from "./verify/_shared_introspection.ts";

/**
 * Options of {@linkcode IntrospectionVerifier}.
 *
 * @example Usage
 * ```ts
 * import type { IntrospectionVerifierOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: IntrospectionVerifierOptions = {
 *   endpoint: "https://auth.example.com/oauth/introspect",
 *   clientId: "mcp-server",
 *   clientSecret: "s3cret",
 *   audience: "https://mcp.example.com/mcp",
 * };
 * assert.equal(options.clientId, "mcp-server");
 * ```
 */
export interface IntrospectionVerifierOptions {
  /** The introspection endpoint (https; http only for localhost). */
  endpoint: string | URL;
  /** This server's client ID at the authorization server. */
  clientId: string;
  /** This server's client secret. */
  clientSecret: string;
  /**
   * How the client authenticates (RFC 6749 §2.3.1): HTTP Basic
   * (`client_secret_basic`, the default) or form fields
   * (`client_secret_post`).
   */
  clientAuthMethod?: "client_secret_basic" | "client_secret_post";
  /** Accepted `iss` values. Unchecked when absent. */
  issuer?: string | readonly string[];
  /**
   * Accepted `aud` values (RFC 8707). Required; `false` skips the check,
   * which MCP servers must not do.
   */
  audience: string | readonly string[] | false;
  /** Scopes every token must hold; a shortfall throws `InsufficientScopeError`. */
  requiredScopes?: readonly string[];
  /** Leeway for `exp` and `nbf`, in seconds (default 0). */
  clockTolerance?: number;
  /**
   * Whether an active token without `exp` is rejected (default `false`:
   * RFC 7662 §2.2 makes `exp` optional; such a token is cached for
   * `cache.maxAgeMs` at most).
   */
  requireExp?: boolean;
  /** Longest token accepted, in characters (default 16384). */
  maxTokenLength?: number;
  /** Endpoint timeout in ms (default 5000). */
  timeoutMs?: number;
  /** Result cache, keyed by the token's SHA-256 digest (on by default, 60 s max age), or `false`. */
  cache?: TokenCacheOptions | false;
  /**
   * Introspection answers shared by every instance behind one store
   * (opt-in): the first instance to see a token asks, the others reuse its
   * answer, each with its own checks, never past the token's `exp` or
   * `cache.maxAgeMs` after it was asked; rejections are shared for
   * `cache.negativeTtlMs`. A failing store is bypassed (the endpoint is
   * asked). Needs the cache on (`cache.maxEntries: 0` keeps no local copy).
   */
  sharedCache?: SharedCacheOptions;
  /** The `fetch` used for the endpoint. */
  fetch?: typeof fetch;
  /** The clock, in ms since the epoch. */
  now?: () => number;
}

const OWNER = "IntrospectionVerifier";
const DEFAULT_CACHE_MAX_AGE_MS = 60_000;
const RETRY_AFTER_SECONDS = 5;
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * `token_type` values (RFC 7662 §2.2, compared case-insensitively as RFC 6749
 * §5.1 asks) that name a Bearer access token: "bearer" (RFC 6750), and the
 * "access_token" / RFC 8693 §3 URI some servers send. Anything else is
 * refused: "refresh_token", "N_A" (RFC 8693 §2.2.1, not an access token),
 * "DPoP" (RFC 9449 §7.1: sender-constrained, and no proof is checked here),
 * "mac", unknown types.
 */
const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set([
  "bearer",
  "access_token",
  "urn:ietf:params:oauth:token-type:access_token",
]);

type Verified = Omit<AccessToken, "token">;

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks before Basic. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

async function digest(token: string): Promise<string> {
  const hash = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(token),
  );
  let binary = "";
  for (const byte of new Uint8Array(hash)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function unavailable(
  message: string,
  cause?: unknown,
): VerifierUnavailableError {
  return new VerifierUnavailableError(message, {
    retryAfter: RETRY_AFTER_SECONDS,
    cause,
  });
}

/**
 * Verifies opaque access tokens at an RFC 7662 introspection endpoint: a
 * POST with the token and `token_type_hint=access_token`, authenticated as
 * this server's client. The answer must be `active: true`; `exp`, `nbf`,
 * `iss` and `aud` (required) are then checked as a JWT's would be. Results
 * are cached under the token's SHA-256 digest (never the token itself),
 * never past `exp`; concurrent checks of one token share one request.
 *
 * An endpoint that cannot be reached, times out, or answers anything but
 * 200 with a JSON object throws `VerifierUnavailableError` (HTTP 503).
 *
 * `token_type`, when present, must name a Bearer access token ("Bearer",
 * "access_token" or "urn:ietf:params:oauth:token-type:access_token", any
 * case); "refresh_token", "DPoP", "N_A" and every other value are refused
 * (RFC 7662 §2.2). An answer without `token_type` is accepted, since RFC 7662
 * makes it optional: a server that omits it for refresh tokens relies on the
 * `aud` check. Not validated: `sub`, `cnf` (no DPoP or mTLS binding).
 *
 * @example Usage
 * ```ts
 * import { IntrospectionVerifier, InvalidTokenError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * // A stand-in for the authorization server.
 * const fetchStub = async (_url: RequestInfo | URL, init?: RequestInit) => {
 *   const token = new URLSearchParams(init?.body as string).get("token");
 *   return Response.json(token === "good"
 *     ? { active: true, scope: "files:read", client_id: "app", aud: "https://mcp.example.com/mcp" }
 *     : { active: false });
 * };
 * const verifier = new IntrospectionVerifier({
 *   endpoint: "https://auth.example.com/oauth/introspect",
 *   clientId: "mcp-server",
 *   clientSecret: "s3cret",
 *   audience: "https://mcp.example.com/mcp",
 *   fetch: fetchStub,
 * });
 *
 * const token = await verifier.verifyToken("good");
 * assert.equal(token.clientId, "app");
 * assert.deepEqual(token.scopes, ["files:read"]);
 * await assert.rejects(verifier.verifyToken("bad"), InvalidTokenError);
 * ```
 */
export class IntrospectionVerifier implements TokenVerifier {
  readonly #endpoint: URL;
  readonly #headers: Record<string, string>;
  readonly #credentials: Record<string, string>;
  readonly #issuer: readonly string[] | undefined;
  readonly #audiences: Audiences | undefined;
  readonly #requiredScopes: readonly string[];
  readonly #clockTolerance: number;
  readonly #requireExp: boolean;
  readonly #maxTokenLength: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #cache: TokenCache<Verified> | undefined;
  readonly #inflight = new Map<string, Promise<Verified>>();
  readonly #shared: SharedIntrospection | undefined;

  /**
   * Validates the options once.
   *
   * @param options The endpoint, this server's credentials, and the checks.
   * @throws {TypeError} When an option is missing or wrong: no endpoint or a
   * non-https one, no credentials, an unknown auth method, no `audience`, a
   * negative number.
   */
  constructor(options: IntrospectionVerifierOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `${OWNER} needs an options object with "endpoint", "clientId", "clientSecret" and "audience"`,
      );
    }
    this.#endpoint = urlOption(OWNER, "endpoint", options.endpoint);
    for (const name of ["clientId", "clientSecret"] as const) {
      if (typeof options[name] !== "string" || options[name].length === 0) {
        throw new TypeError(
          `${OWNER} option "${name}" must be a non-empty string: use this server's client credentials at the authorization server`,
        );
      }
    }
    const method = options.clientAuthMethod ?? "client_secret_basic";
    this.#headers = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    if (method === "client_secret_basic") {
      this.#headers.authorization = `Basic ${
        btoa(
          `${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`,
        )
      }`;
      this.#credentials = {};
    } else if (method === "client_secret_post") {
      this.#credentials = {
        client_id: options.clientId,
        client_secret: options.clientSecret,
      };
    } else {
      throw new TypeError(
        `${OWNER} option "clientAuthMethod" must be "client_secret_basic" or "client_secret_post", got ${
          describe(method)
        }`,
      );
    }
    this.#issuer = issuerOption(OWNER, options.issuer);
    this.#audiences = audienceOption(OWNER, options.audience);
    this.#requiredScopes = scopesOption(OWNER, options.requiredScopes);
    this.#clockTolerance = numberOption(
      OWNER,
      "clockTolerance",
      options.clockTolerance,
      0,
    );
    this.#requireExp = booleanOption(
      OWNER,
      "requireExp",
      options.requireExp,
      false,
    );
    this.#maxTokenLength = numberOption(
      OWNER,
      "maxTokenLength",
      options.maxTokenLength,
      16384,
      {
        min: 1,
        integer: true,
      },
    );
    this.#timeoutMs = numberOption(
      OWNER,
      "timeoutMs",
      options.timeoutMs,
      5000,
      { min: 1 },
    );
    this.#fetch = functionOption<typeof fetch>(
      OWNER,
      "fetch",
      options.fetch,
      (input, init) => fetch(input, init),
    );
    this.#now = functionOption<() => number>(
      OWNER,
      "now",
      options.now,
      Date.now,
    );
    const cache = cacheOption(OWNER, options.cache);
    if (cache !== false) {
      this.#cache = new TokenCache<Verified>(
        OWNER,
        cache,
        DEFAULT_CACHE_MAX_AGE_MS,
        this.#now,
      );
      registerCache(this, this.#cache);
    }
    const shared = sharedCacheOption(OWNER, options.sharedCache);
    if (shared !== undefined && this.#cache === undefined) {
      throw new TypeError(
        `${OWNER} option "sharedCache" needs the cache: remove "cache: false" (cache: { maxEntries: 0 } keeps no local copy)`,
      );
    }
    this.#shared = shared === undefined ? undefined : new SharedIntrospection(
      shared,
      `${this.#endpoint.href}\n${options.clientId}`,
      this.#timeoutMs + 1_000,
      this.#now,
    );
  }

  /**
   * Introspects a token, or answers from the cache.
   *
   * @param token The opaque token, as sent in the `Authorization` header.
   * @returns The verified token; `claims` holds the introspection response.
   * @throws {InvalidTokenError} When the token is inactive, expired, not an
   * access token or not meant for this server; the message is a safe
   * description.
   * @throws {VerifierUnavailableError} When the endpoint fails or times out.
   * @throws {InsufficientScopeError} When `requiredScopes` are not all granted.
   */
  async verifyToken(token: string): Promise<AccessToken> {
    if (
      typeof token !== "string" || token.length === 0 ||
      token.length > this.#maxTokenLength
    ) {
      throw new InvalidTokenError("Token too long or not a string");
    }
    // Joined before any await: a check that arrives while another is
    // pending for the same token shares its request, however the digests'
    // timings interleave. The raw token is a key here only while that
    // request runs (it is in memory for the request anyway).
    let pending = this.#inflight.get(token);
    if (pending === undefined) {
      pending = this.#lookup(token).finally(() => this.#inflight.delete(token));
      this.#inflight.set(token, pending);
    }
    const verified = await pending;
    const accessToken = copyToken({ ...verified, token });
    checkScopes(this.#requiredScopes, accessToken);
    return accessToken;
  }

  /** The cached result, else one introspection. */
  async #lookup(token: string): Promise<Verified> {
    // The cache holds digests only: a memory dump never yields a token.
    const key = await digest(token);
    const hit = this.#cache?.get(key);
    if (hit !== undefined) {
      if (!hit.ok) throw hit.error;
      return hit.value;
    }
    if (this.#shared !== undefined) return await this.#viaShared(token, key);
    return await this.#introspect(token, key);
  }

  /** The answer another instance shared, else one introspection, shared. */
  async #viaShared(token: string, key: string): Promise<Verified> {
    const answer = await this.#shared!.resolve(
      token,
      async (): Promise<Answer> => {
        const response = await this.#post(token);
        return { response, until: this.#shareUntil(response) };
      },
    );
    let verified: Verified;
    try {
      verified = this.#check(answer.response);
    } catch (error) {
      if (error instanceof InvalidTokenError) this.#cache?.reject(key, error);
      throw error;
    }
    const expiry = verified.expiresAt === undefined
      ? undefined
      : verified.expiresAt * 1000;
    this.#cache?.accept(
      key,
      verified,
      answer.until === undefined
        ? expiry
        : Math.min(answer.until, expiry ?? Infinity),
    );
    return verified;
  }

  /** Until when an answer may be shared: as the local cache would keep it. */
  #shareUntil(response: Record<string, unknown>): number | undefined {
    const now = this.#now();
    const cache = this.#cache!;
    try {
      const { expiresAt } = this.#check(response);
      return Math.min(
        now + cache.maxAgeMs,
        expiresAt === undefined ? Infinity : expiresAt * 1000,
      );
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      return cache.negativeTtlMs > 0 ? now + cache.negativeTtlMs : undefined;
    }
  }

  async #introspect(token: string, key: string): Promise<Verified> {
    const response = await this.#post(token);
    let verified: Verified;
    try {
      verified = this.#check(response);
    } catch (error) {
      if (error instanceof InvalidTokenError) this.#cache?.reject(key, error);
      throw error;
    }
    this.#cache?.accept(
      key,
      verified,
      verified.expiresAt === undefined ? undefined : verified.expiresAt * 1000,
    );
    return verified;
  }

  async #post(token: string): Promise<Record<string, unknown>> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    try {
      let response: Response;
      try {
        response = await this.#fetch(this.#endpoint.href, {
          method: "POST",
          headers: this.#headers,
          // RFC 7662 §2.1
          body: new URLSearchParams({
            token,
            token_type_hint: "access_token",
            ...this.#credentials,
          }).toString(),
          signal: controller.signal,
          // A 3xx is a failure, never followed (the token is in the body).
          // "manual", not "error": Cloudflare Workers refuse "error".
          redirect: "manual",
        });
      } catch (cause) {
        throw unavailable("Introspection endpoint unreachable", cause);
      }
      if (response.status !== 200 || response.redirected) {
        await response.body?.cancel().catch(() => {});
        throw unavailable(`Introspection endpoint answered ${response.status}`);
      }
      let body: unknown;
      try {
        body = JSON.parse(
          await readLimitedText(
            response,
            MAX_RESPONSE_BYTES,
            controller.signal,
          ),
        );
      } catch (cause) {
        throw unavailable("Introspection response unreadable", cause);
      }
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw unavailable("Introspection response is not a JSON object");
      }
      return body as Record<string, unknown>;
    } finally {
      clearTimeout(timer);
    }
  }

  /** RFC 7662 §2.2, then the same claim checks as a JWT (RFC 7519 §4.1). */
  #check(response: Record<string, unknown>): Verified {
    if (response.active !== true) throw new InvalidTokenError("Token inactive");
    // token_type_hint is only a hint (RFC 7662 §2.1): the server may answer
    // for a refresh token; its `token_type` says so when present.
    const type = response.token_type;
    if (
      type !== undefined &&
      !(typeof type === "string" && ACCESS_TOKEN_TYPES.has(type.toLowerCase()))
    ) {
      throw new InvalidTokenError("Token is not an access token");
    }
    const now = Math.floor(this.#now() / 1000);
    const { exp, nbf } = response;
    if (exp === undefined ? this.#requireExp : typeof exp !== "number") {
      throw new InvalidTokenError("Token expiry missing or invalid");
    }
    if (typeof exp === "number" && exp <= now - this.#clockTolerance) {
      throw new InvalidTokenError("Token expired");
    }
    if (
      nbf !== undefined &&
      (typeof nbf !== "number" || nbf > now + this.#clockTolerance)
    ) {
      throw new InvalidTokenError("Token not yet valid");
    }
    if (
      this.#issuer !== undefined &&
      !(typeof response.iss === "string" && this.#issuer.includes(response.iss))
    ) {
      throw new InvalidTokenError("Token issuer mismatch");
    }
    const claims = deepFreeze(response);
    const verified: Verified = {
      clientId: clientIdFromClaims(claims),
      scopes: scopesFromClaims(claims),
      claims,
    };
    if (typeof exp === "number") verified.expiresAt = exp;
    if (this.#audiences !== undefined) {
      const matched = matchAudience(claims.aud, this.#audiences);
      if (matched === undefined) {
        throw new InvalidTokenError("Token audience mismatch");
      }
      const resource = this.#audiences.urls.get(matched);
      if (resource !== undefined) verified.resource = resource;
    }
    return verified;
  }
}
