/**
 * Opaque access tokens checked at the authorization server's introspection
 * endpoint (RFC 7662).
 *
 * @module
 */

import type { AccessToken } from "../core/context.ts";
import type { CompiledHierarchy, ScopeHierarchy } from "../core/scopes.ts";
import { FetchFailure, fetchJson } from "../_internal/fetch.ts";
import {
  booleanOption,
  numberOption,
  optionsObject,
  urlOption,
} from "../_internal/options.ts";
import { InvalidTokenError, VerifierUnavailableError } from "../errors.ts";
import { checkScopes, copyToken } from "./_claims.ts";
import {
  type ClientAuthentication,
  clientAuthentication,
} from "./_client_auth.ts";
import {
  introspectionResult,
  type ResponseRules,
  type Verified,
} from "./_introspection_response.ts";
import {
  audienceOption,
  cacheOption,
  clockOption,
  fetchOption,
  finiteClock,
  hierarchyOption,
  issuerOption,
  maxTokenLengthOption,
  scopesOption,
} from "./_options.ts";
import {
  registerCache,
  type TokenCache,
  type TokenCacheOptions,
} from "./token_cache.ts";
import type { TokenVerifier } from "./verifier.ts";
import type { SharedCacheOptions } from "./cache_store.ts";
import {
  sharedCacheOption,
  type SharedIntrospection,
} from "./_shared_introspection.ts";

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
 *   issuer: "https://auth.example.com/",
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
  /**
   * Accepted `iss` values, compared exactly: an answer that has an `iss`
   * (optional in RFC 7662 §2.2) must name one of them. Required; `false`
   * skips the check.
   */
  issuer: string | readonly string[] | false;
  /**
   * Accepted `aud` values (RFC 8707), compared as `JwtVerifier` compares
   * them (scheme and host in any case, default port or not). Required;
   * `false` skips the check, which MCP servers must not do.
   */
  audience: string | readonly string[] | false;
  /**
   * Scopes every token must hold (under `scopeHierarchy`); a shortfall
   * throws `InsufficientScopeError` naming the unmet ones, with all of them
   * as its `challengeScopes`.
   */
  requiredScopes?: readonly string[];
  /** Broader scope -> the scopes it implies, for `requiredScopes`. */
  scopeHierarchy?: ScopeHierarchy;
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
   * this verifier's `cache.maxAgeMs` after it was asked (nor the asker's);
   * rejections are shared for
   * `cache.negativeTtlMs`. A failing store is bypassed (the endpoint is
   * asked). Needs the cache on (`cache.maxEntries: 0` keeps no local copy).
   * What is stored is sealed (AES-GCM) and indexed by an HMAC of the token.
   */
  sharedCache?: SharedCacheOptions;
  /** The `fetch` used for the endpoint. */
  fetch?: typeof fetch;
  /**
   * The clock, in ms since the epoch (default `Date.now`), called without a
   * receiver. Not `performance.now`, which counts from the start of the
   * process: write `() => performance.timeOrigin + performance.now()`.
   */
  now?: () => number;
}

const OWNER = "IntrospectionVerifier";
const OPTIONS: readonly (keyof IntrospectionVerifierOptions)[] = [
  "endpoint",
  "clientId",
  "clientSecret",
  "clientAuthMethod",
  "issuer",
  "audience",
  "requiredScopes",
  "scopeHierarchy",
  "clockTolerance",
  "requireExp",
  "maxTokenLength",
  "timeoutMs",
  "cache",
  "sharedCache",
  "fetch",
  "now",
];
const DEFAULT_CACHE_MAX_AGE_MS = 60_000;
const RETRY_AFTER_SECONDS = 5;
const MAX_RESPONSE_BYTES = 65_536;

async function digest(token: string): Promise<string> {
  const hash = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(token),
  );
  let binary = "";
  for (const byte of new Uint8Array(hash)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The log message for a failed introspection exchange. */
function introspectionFailure(error: unknown): string {
  if (!(error instanceof FetchFailure)) return "Introspection failed";
  switch (error.reason) {
    case "unreachable":
      return "Introspection endpoint unreachable";
    case "status":
      return `Introspection endpoint answered ${error.status}`;
    case "content-type":
    case "unreadable":
      return "Introspection response unreadable";
  }
}

/** An endpoint failure: HTTP 503, try again in a few seconds. */
function endpointUnavailable(
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
 * `iat` (NumericDates in the `Date` range), `iss` (when the answer has one)
 * and `aud` (required) are then checked as a JWT's would be. Results
 * are cached under the token's SHA-256 digest (never the token itself),
 * never past `exp`; concurrent checks of one token share one request.
 *
 * An endpoint that cannot be reached, times out, or answers anything but
 * 200 with a JSON object throws `VerifierUnavailableError` (HTTP 503).
 *
 * `token_type`, when present, must name an access token ("Bearer",
 * "access_token" or "urn:ietf:params:oauth:token-type:access_token", any
 * case), or be "DPoP" with a `cnf.jkt` (RFC 9449 §6.2): such a token
 * passes `bearerAuth` only with its `dpop` option, on the DPoP scheme, with
 * a proof of that key. "refresh_token", "N_A" and every other value are
 * refused (RFC 7662 §2.2). An answer without `token_type` is accepted,
 * since RFC 7662 makes it optional: a server that omits it for refresh
 * tokens relies on the `aud` check. Not validated here: `sub`, `cnf` (an
 * answer with any `cnf` is refused by `bearerAuth` on the Bearer scheme).
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
 *   issuer: "https://auth.example.com/",
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
  readonly #client: ClientAuthentication;
  readonly #rules: ResponseRules;
  readonly #requiredScopes: readonly string[];
  readonly #hierarchy: CompiledHierarchy | undefined;
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
   * @throws {TypeError} When an option is missing, unknown or wrong: no
   * endpoint or a non-https one, no credentials, an unknown auth method, no
   * `issuer` or `audience` (write `false` to skip one), a negative number,
   * `offline_access` in `requiredScopes`.
   */
  constructor(options: IntrospectionVerifierOptions) {
    options = optionsObject(
      OWNER,
      options,
      OPTIONS,
      'an options object with "endpoint", "clientId", "clientSecret", "issuer" and "audience"',
    );
    this.#endpoint = urlOption(OWNER, "endpoint", options.endpoint);
    this.#client = clientAuthentication(options);
    this.#rules = {
      issuer: issuerOption(OWNER, options.issuer),
      audiences: audienceOption(OWNER, options.audience),
      clockTolerance: numberOption(
        OWNER,
        "clockTolerance",
        options.clockTolerance,
        0,
      ),
      requireExp: booleanOption(
        OWNER,
        "requireExp",
        options.requireExp,
        false,
      ),
    };
    this.#requiredScopes = Object.freeze(
      scopesOption(OWNER, options.requiredScopes),
    );
    this.#hierarchy = hierarchyOption(options.scopeHierarchy);
    this.#maxTokenLength = maxTokenLengthOption(OWNER, options.maxTokenLength);
    this.#timeoutMs = numberOption(
      OWNER,
      "timeoutMs",
      options.timeoutMs,
      5000,
      { min: 1 },
    );
    this.#fetch = fetchOption(OWNER, options.fetch);
    this.#now = finiteClock(clockOption(OWNER, options.now));
    this.#cache = cacheOption(
      OWNER,
      options.cache,
      DEFAULT_CACHE_MAX_AGE_MS,
      this.#now,
    );
    if (this.#cache !== undefined) registerCache(this, this.#cache);
    this.#shared = sharedCacheOption(OWNER, options.sharedCache, {
      cache: this.#cache,
      scope: `${this.#endpoint.href}\n${options.clientId}`,
      leaseMs: this.#timeoutMs + 1_000,
      now: this.#now,
    });
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
    checkScopes(this.#requiredScopes, accessToken, this.#hierarchy);
    return accessToken;
  }

  /**
   * The `aud` values this verifier accepts, as configured, or `false` when
   * it skips the audience check: `bearerAuth` compares its `resource` with
   * them at construction.
   */
  get audiences(): readonly string[] | false {
    return this.#rules.audiences?.values ?? false;
  }

  /** The `iss` values this verifier accepts, or `false` when unchecked. */
  get issuers(): readonly string[] | false {
    return this.#rules.issuer ?? false;
  }

  /** The scopes every token must hold (sorted), for challenges. */
  get requiredScopes(): readonly string[] {
    return this.#requiredScopes;
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
    if (this.#shared !== undefined) {
      return await this.#shared.verify({
        token,
        key,
        ask: () => this.#post(token),
        check: (response) => this.#result(response),
      });
    }
    return await this.#introspect(token, key);
  }

  async #introspect(token: string, key: string): Promise<Verified> {
    const response = await this.#post(token);
    let verified: Verified;
    try {
      verified = this.#result(response);
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

  /** The checks of an answer, the same whoever asked (RFC 7662 §2.2). */
  #result(response: Record<string, unknown>): Verified {
    return introspectionResult(response, this.#rules, this.#now());
  }

  async #post(token: string): Promise<Record<string, unknown>> {
    let body: unknown;
    try {
      body = await fetchJson(this.#fetch, this.#endpoint, {
        method: "POST",
        headers: this.#client.headers,
        // RFC 7662 §2.1; never a redirect: the token is in the body.
        body: new URLSearchParams({
          token,
          token_type_hint: "access_token",
          ...this.#client.form,
        }).toString(),
      }, {
        timeoutMs: this.#timeoutMs,
        maxBytes: MAX_RESPONSE_BYTES,
        ok: (status) => status === 200,
      });
    } catch (error) {
      throw endpointUnavailable(introspectionFailure(error), error);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw endpointUnavailable("Introspection response is not a JSON object");
    }
    return body as Record<string, unknown>;
  }
}
