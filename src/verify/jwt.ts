/**
 * JWT access tokens (RFC 7519, RFC 9068) verified with `jose`.
 *
 * @module
 */

import {
  type JWTPayload,
  jwtVerify,
  type JWTVerifyOptions,
  type ProtectedHeaderParameters,
} from "jose";
import type { AccessToken } from "../core/context.ts";
import type { CompiledHierarchy, ScopeHierarchy } from "../core/scopes.ts";
import {
  booleanOption,
  numberOption,
  optionsObject,
} from "../_internal/options.ts";
import { InvalidTokenError } from "../errors.ts";
import {
  checkScopes,
  checkTimeClaims,
  clientIdFromClaims,
  copyToken,
  deepFreeze,
  matchAudience,
  scopesFromClaims,
} from "./_claims.ts";
import { isCanonicalCompactJws } from "./_compact.ts";
import { joseVerdict, verifierError } from "./_jose_errors.ts";
import { type KeySource, keySource } from "./_key_source.ts";
import {
  audienceOption,
  type Audiences,
  cacheOption,
  clockOption,
  finiteClock,
  hierarchyOption,
  issuerOption,
  maxTokenLengthOption,
  normalizeTyp,
  scopesOption,
  typOption,
} from "./_options.ts";
import type { JsonWebKeySet, PublicJwk } from "./keys.ts";
import {
  registerCache,
  type TokenCache,
  type TokenCacheOptions,
} from "./token_cache.ts";
import type { TokenVerifier } from "./verifier.ts";

/**
 * Options of {@linkcode JwtVerifier}. Give exactly one key source:
 * `jwksUri`, `jwks`, `publicKey` or `secret`.
 *
 * @example Usage
 * ```ts
 * import type { JwtVerifierOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: JwtVerifierOptions = {
 *   jwksUri: "https://auth.example.com/.well-known/jwks.json",
 *   issuer: "https://auth.example.com/",
 *   audience: "https://mcp.example.com/mcp",
 *   typ: "at+jwt",
 * };
 * assert.equal(options.audience, "https://mcp.example.com/mcp");
 * ```
 */
export interface JwtVerifierOptions {
  /** Where the issuer publishes its keys (https; http only for localhost). */
  jwksUri?: string | URL;
  /** A local key set; only its public signing keys are used. */
  jwks?: JsonWebKeySet;
  /** One public key: a `CryptoKey`, an SPKI PEM or a public JWK. */
  publicKey?: CryptoKey | string | PublicJwk;
  /** An HMAC secret of at least 32 bytes (RFC 7518 §3.2): HS* only. */
  secret?: string | Uint8Array;
  /**
   * Accepted `iss` values, compared exactly (RFC 9068 §4): the issuer
   * identifier of the authorization server, as its tokens spell it.
   * Required; `false` skips the check (only for an issuer whose keys sign
   * nothing else).
   */
  issuer: string | readonly string[] | false;
  /**
   * Accepted `aud` values: this server's resource identifier (RFC 8707). The
   * first one the token names becomes `AccessToken.resource` when it is a
   * URL. Scheme and host are compared in any case and a default port
   * written or not (the MCP canonical URI); path, query and the rest
   * exactly. Required; `false` skips the check, which MCP servers must not
   * do.
   */
  audience: string | readonly string[] | false;
  /** Accepted `alg` values; by default every algorithm the key source fits. */
  algorithms?: readonly string[];
  /**
   * Accepted `typ` header values (RFC 9068 §2.1, §4), compared
   * case-insensitively with `application/` optional (RFC 7515 §4.1.9).
   * Default `"at+jwt"`; a string or a list replaces it (`"JWT"` for an
   * issuer that does not follow RFC 9068); `false` accepts any `typ`, or
   * none.
   */
  typ?: string | readonly string[] | false;
  /** Leeway for `exp` and `nbf`, in seconds (default 0). */
  clockTolerance?: number;
  /** Longest token accepted, in characters (default 16384). */
  maxTokenLength?: number;
  /**
   * Scopes every token must hold (under `scopeHierarchy`); a shortfall
   * throws `InsufficientScopeError` naming the unmet ones, with all of them
   * as its `challengeScopes`.
   */
  requiredScopes?: readonly string[];
  /** Broader scope -> the scopes it implies, for `requiredScopes`. */
  scopeHierarchy?: ScopeHierarchy;
  /**
   * Whether a token without `exp` is rejected (default `true`). Set `false`
   * only for issuers that never expire tokens; the cache then keeps such a
   * token for `cache.maxAgeMs` at most.
   */
  requireExp?: boolean;
  /** JWKS fetch timeout in ms (default 5000). */
  timeoutMs?: number;
  /** Least time between two JWKS fetches in ms (default 30000). */
  jwksCooldownMs?: number;
  /** Refetch the JWKS after this many ms (default 600000). */
  jwksMaxAgeMs?: number;
  /**
   * Longest the JWKS keys are used while they cannot be refetched, in ms
   * since they were last fetched (default 86400000, 24 h; at least
   * `jwksMaxAgeMs`). Past it, a failed refetch answers
   * `VerifierUnavailableError` (HTTP 503) instead of trusting the old keys,
   * so a key the issuer withdrew is not trusted through an outage for ever.
   */
  jwksMaxStaleMs?: number;
  /** Verified-token cache (on by default), or `false`. */
  cache?: TokenCacheOptions | false;
  /**
   * The `fetch` used for the JWKS. Verifiers share a URI's keys only when
   * they share this function too (all that leave it out do).
   */
  fetch?: typeof fetch;
  /**
   * The clock, in ms since the epoch (default `Date.now`), called without a
   * receiver. Not `performance.now`, which counts from the start of the
   * process: write `() => performance.timeOrigin + performance.now()`.
   */
  now?: () => number;
}

const OWNER = "JwtVerifier";
const OPTIONS: readonly (keyof JwtVerifierOptions)[] = [
  "jwksUri",
  "jwks",
  "publicKey",
  "secret",
  "issuer",
  "audience",
  "algorithms",
  "typ",
  "clockTolerance",
  "maxTokenLength",
  "requiredScopes",
  "scopeHierarchy",
  "requireExp",
  "timeoutMs",
  "jwksCooldownMs",
  "jwksMaxAgeMs",
  "jwksMaxStaleMs",
  "cache",
  "fetch",
  "now",
];
const DEFAULT_CACHE_MAX_AGE_MS = 600_000; // 10 minutes, a literal (tree-shaken)

/**
 * Verifies JWT access tokens (RFC 9068) with `jose`: the token's canonical
 * compact form and size before any decoding, the signature and an `alg`
 * allow-list derived from the key source, then `typ` (`at+jwt` by
 * default), `iss` (required), `aud` (required), `exp` (required by
 * default), `nbf`, `iat`, `crit`. Keys come from a JWKS URI (fetched once
 * per isolate and shared by the verifiers with the same `fetch`), a local
 * JWKS, one public key, or an HMAC secret. Verified tokens are cached until
 * their `exp`.
 *
 * `alg: none` is never accepted; asymmetric key sources accept asymmetric
 * algorithms only and `secret` accepts HS* only, so an HS256 token "signed"
 * with a public key is refused. A token spelled any other way than
 * canonical base64url (padding, whitespace, spare bits set: RFC 7515 §2)
 * is malformed, so one token is one string for every cache and denylist. A
 * time claim that is not a NumericDate in the `Date` range (`1e400` is
 * `Infinity`) is malformed too. Failures throw `InvalidTokenError` with a
 * generic description ("Token type mismatch", never the type); a key
 * source that cannot be reached, with no key held or only keys older than
 * `jwksMaxStaleMs`, throws `VerifierUnavailableError` with `retryAfter`.
 * Not validated: `jti` replay, `iat` age, `sub`, `cnf` (`bearerAuth`
 * refuses a sender-constrained token it cannot confirm).
 *
 * @example Usage
 * ```ts
 * import { JwtVerifier, InvalidTokenError } from "@mcp-authz/core";
 * import { exportJWK, generateKeyPair, SignJWT } from "jose";
 * import assert from "node:assert/strict";
 *
 * const { publicKey, privateKey } = await generateKeyPair("ES256");
 * const jwk = { ...(await exportJWK(publicKey)), kid: "k1" };
 * const verifier = new JwtVerifier({
 *   jwks: { keys: [jwk] },
 *   issuer: "https://auth.example.com/",
 *   audience: "https://mcp.example.com/mcp",
 * });
 *
 * const jwt = await new SignJWT({ scope: "files:read files:write", client_id: "app" })
 *   .setProtectedHeader({ alg: "ES256", kid: "k1", typ: "at+jwt" })
 *   .setIssuer("https://auth.example.com/")
 *   .setAudience("https://mcp.example.com/mcp")
 *   .setExpirationTime("5m")
 *   .sign(privateKey);
 *
 * const token = await verifier.verifyToken(jwt);
 * assert.equal(token.clientId, "app");
 * assert.deepEqual(token.scopes, ["files:read", "files:write"]);
 * assert.equal(token.resource?.href, "https://mcp.example.com/mcp");
 * assert.deepEqual(verifier.audiences, ["https://mcp.example.com/mcp"]);
 * await assert.rejects(verifier.verifyToken(jwt + "x"), InvalidTokenError);
 * ```
 */
export class JwtVerifier implements TokenVerifier {
  readonly #getKey: KeySource["key"];
  readonly #audiences: Audiences | undefined;
  readonly #issuers: readonly string[] | undefined;
  readonly #types: ReadonlySet<string> | undefined;
  readonly #joseOptions: JWTVerifyOptions;
  readonly #tolerance: number;
  readonly #requireExp: boolean;
  readonly #maxTokenLength: number;
  readonly #requiredScopes: readonly string[];
  readonly #hierarchy: CompiledHierarchy | undefined;
  readonly #now: () => number;
  readonly #injectedClock: boolean;
  readonly #cache: TokenCache<AccessToken> | undefined;

  /**
   * Validates the options once.
   *
   * @param options The key source and the checks to apply.
   * @throws {TypeError} When the options are wrong: an unknown option, no
   * key source or more than one, no `issuer` or `audience` (write `false`
   * to skip one), a `typ` that is not a string, a list or `false`, `alg`
   * `none`, an algorithm the key source cannot verify, a short secret, a
   * private key, a bad URL, a negative number, a `jwksMaxStaleMs` below
   * `jwksMaxAgeMs`, `offline_access` in `requiredScopes`.
   */
  constructor(options: JwtVerifierOptions) {
    options = optionsObject(
      OWNER,
      options,
      OPTIONS,
      'an options object with a key source, "issuer" and "audience"',
    );
    this.#now = finiteClock(clockOption(OWNER, options.now));
    this.#injectedClock = options.now !== undefined;
    const keys = keySource(options, this.#now);
    this.#getKey = keys.key;
    this.#issuers = issuerOption(OWNER, options.issuer);
    this.#audiences = audienceOption(OWNER, options.audience);
    this.#types = typOption(OWNER, options.typ);
    this.#requireExp = booleanOption(
      OWNER,
      "requireExp",
      options.requireExp,
      true,
    );
    this.#maxTokenLength = maxTokenLengthOption(OWNER, options.maxTokenLength);
    this.#requiredScopes = Object.freeze(
      scopesOption(OWNER, options.requiredScopes),
    );
    this.#hierarchy = hierarchyOption(options.scopeHierarchy);
    this.#tolerance = numberOption(
      OWNER,
      "clockTolerance",
      options.clockTolerance,
      0,
    );
    // jose checks the signature, `iss` (exactly), `crit` and the presence
    // of `exp`; `typ`, `aud` and the time claims are checked here, where
    // their rules are this library's (RFC 9068 types, canonical resource
    // identifiers, NumericDate range).
    this.#joseOptions = {
      algorithms: [...keys.algorithms],
      clockTolerance: this.#tolerance,
      ...(this.#issuers === undefined ? {} : { issuer: [...this.#issuers] }),
      ...(this.#requireExp ? { requiredClaims: ["exp"] } : {}),
    };
    this.#cache = cacheOption(
      OWNER,
      options.cache,
      DEFAULT_CACHE_MAX_AGE_MS,
      this.#now,
    );
    if (this.#cache !== undefined) registerCache(this, this.#cache);
  }

  /**
   * The `aud` values this verifier accepts, as configured, or `false` when
   * it skips the audience check: `bearerAuth` compares its `resource` with
   * them at construction.
   */
  get audiences(): readonly string[] | false {
    return this.#audiences?.values ?? false;
  }

  /** The `iss` values this verifier accepts, or `false` when unchecked. */
  get issuers(): readonly string[] | false {
    return this.#issuers ?? false;
  }

  /** The scopes every token must hold (sorted), for challenges. */
  get requiredScopes(): readonly string[] {
    return this.#requiredScopes;
  }

  /**
   * Verifies a JWT access token.
   *
   * @param token The compact JWT, as sent in the `Authorization` header.
   * @returns The verified token; `claims` holds every claim.
   * @throws {InvalidTokenError} When the token is malformed, forged, expired
   * or not meant for this server; the message is a safe description.
   * @throws {VerifierUnavailableError} When no key can be had right now.
   * @throws {InsufficientScopeError} When `requiredScopes` are not all granted.
   */
  async verifyToken(token: string): Promise<AccessToken> {
    // Size first: nothing longer than the limit is ever decoded.
    if (typeof token !== "string" || token.length > this.#maxTokenLength) {
      throw new InvalidTokenError("Token too long or not a string");
    }
    const hit = this.#cache?.get(token);
    let verified: AccessToken;
    if (hit !== undefined) {
      // Only canonical strings are ever cached: a hit was checked already.
      if (!hit.ok) throw hit.error;
      verified = hit.value;
    } else {
      if (!isCanonicalCompactJws(token)) {
        throw new InvalidTokenError("Token malformed");
      }
      verified = await this.#verify(token);
      this.#cache?.accept(
        token,
        verified,
        verified.expiresAt === undefined
          ? undefined
          : verified.expiresAt * 1000,
      );
    }
    checkScopes(this.#requiredScopes, verified, this.#hierarchy);
    return copyToken(verified);
  }

  /** Signature and claims of a token not in the cache. */
  async #verify(token: string): Promise<AccessToken> {
    let payload: JWTPayload;
    let header: ProtectedHeaderParameters;
    try {
      const options = this.#injectedClock
        ? { ...this.#joseOptions, currentDate: new Date(this.#now()) }
        : this.#joseOptions;
      ({ payload, protectedHeader: header } = await jwtVerify(
        token,
        this.#getKey,
        options,
      ));
    } catch (error) {
      // jose's verdicts on the token are remembered briefly; what the key
      // lookup says (no such key yet, or unavailable) never is: the next
      // JWKS fetch may bring the key.
      const verdict = joseVerdict(error);
      if (verdict === undefined) throw verifierError(error);
      throw this.#reject(
        token,
        new InvalidTokenError(verdict, { cause: error }),
      );
    }
    try {
      this.#checkHeaderAndClaims(header, payload);
      return this.#accessToken(token, payload);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw this.#reject(token, error);
      throw error;
    }
  }

  #reject(token: string, rejection: InvalidTokenError): InvalidTokenError {
    this.#cache?.reject(token, rejection);
    return rejection;
  }

  /** `typ`, `aud` and the time claims of a token whose signature holds. */
  #checkHeaderAndClaims(
    header: ProtectedHeaderParameters,
    payload: JWTPayload,
  ): void {
    const types = this.#types;
    if (
      types !== undefined &&
      !(typeof header.typ === "string" && types.has(normalizeTyp(header.typ)))
    ) {
      // RFC 9068 §4; the type itself is never echoed.
      throw new InvalidTokenError("Token type mismatch");
    }
    if (
      this.#audiences !== undefined &&
      matchAudience(payload.aud, this.#audiences) === undefined
    ) {
      throw new InvalidTokenError("Token audience mismatch");
    }
    checkTimeClaims(
      payload as Record<string, unknown>,
      this.#now() / 1000,
      this.#tolerance,
      this.#requireExp,
    );
  }

  /** The token's claims as an `AccessToken` (every check has passed). */
  #accessToken(token: string, payload: JWTPayload): AccessToken {
    const claims = deepFreeze(payload as Record<string, unknown>);
    const accessToken: AccessToken = {
      token,
      clientId: clientIdFromClaims(claims),
      scopes: scopesFromClaims(claims),
      claims,
    };
    if (typeof claims.exp === "number") accessToken.expiresAt = claims.exp;
    if (this.#audiences !== undefined) {
      const matched = matchAudience(claims.aud, this.#audiences);
      const resource = matched === undefined
        ? undefined
        : this.#audiences.urls.get(matched);
      if (resource !== undefined) accessToken.resource = resource;
    }
    return accessToken;
  }
}
