/**
 * JWT access tokens (RFC 7519, RFC 9068) verified with `jose`.
 *
 * @module
 */

import {
  errors,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyOptions,
} from "jose";
import type { AccessToken } from "../core/context.ts";
import {
  checkScopes,
  clientIdFromClaims,
  copyToken,
  deepFreeze,
  matchAudience,
  scopesFromClaims,
} from "./_claims.ts";
import {
  audienceOption,
  type Audiences,
  cacheOption,
  issuerOption,
  scopesOption,
} from "./_options.ts";
import {
  booleanOption,
  functionOption,
  numberOption,
  show,
  urlOption,
} from "../_internal/options.ts";
import { InvalidTokenError, VerifierUnavailableError } from "../errors.ts";
import {
  defaultFetch,
  type JwksPolicy,
  type JwksStore,
  jwksStore,
  UnknownKeyError,
} from "./jwks.ts";
import {
  ASYMMETRIC_ALGORITHMS,
  cryptoKeyEntry,
  HMAC_KEY_BYTES,
  type JsonWebKeySet,
  jwkAlgorithms,
  jwkEntry,
  type KeyEntry,
  type PublicJwk,
  secretEntry,
  selectKey,
  spkiAlgorithms,
  spkiEntry,
} from "./keys.ts";
import {
  registerCache,
  TokenCache,
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
  /** Accepted `iss` values. Unchecked when absent. */
  issuer?: string | readonly string[];
  /**
   * Accepted `aud` values: this server's resource identifier (RFC 8707). The
   * first one the token names becomes `AccessToken.resource` when it is a
   * URL. Required; `false` skips the check, which MCP servers must not do.
   */
  audience: string | readonly string[] | false;
  /** Accepted `alg` values; by default every algorithm the key source fits. */
  algorithms?: readonly string[];
  /** Required `typ` header, such as `"at+jwt"` (RFC 9068 §2.1). */
  typ?: string;
  /** Leeway for `exp` and `nbf`, in seconds (default 0). */
  clockTolerance?: number;
  /** Longest token accepted, in characters (default 16384). */
  maxTokenLength?: number;
  /** Scopes every token must hold; a shortfall throws `InsufficientScopeError`. */
  requiredScopes?: readonly string[];
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
  /** The clock, in ms since the epoch. */
  now?: () => number;
}

const OWNER = "JwtVerifier";
const KEY_SOURCES = ["jwksUri", "jwks", "publicKey", "secret"] as const;
const DEFAULT_MAX_TOKEN_LENGTH = 16 * 1024;
const DEFAULT_CACHE_MAX_AGE_MS = 10 * 60 * 1000;
const DEFAULT_JWKS_MAX_STALE_MS = 24 * 60 * 60 * 1000;

type KeySource =
  | { readonly kind: "remote"; readonly store: JwksStore }
  | {
    readonly kind: "local";
    readonly entries: readonly KeyEntry[];
    readonly matchKid: boolean;
  };

interface ResolvedKeys {
  readonly source: KeySource;
  readonly algorithms: readonly string[];
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof value === "object" && value !== null &&
    "algorithm" in value && "type" in value && "usages" in value;
}

/** Checks a caller's `algorithms` against what the key source can verify. */
function allowAlgorithms(
  given: unknown,
  supported: readonly string[],
  source: string,
): string[] {
  if (given === undefined) return [...supported];
  if (!Array.isArray(given) || given.length === 0) {
    throw new TypeError(
      `${OWNER} option "algorithms" must be a non-empty list, got ${
        show(given)
      }`,
    );
  }
  for (const alg of given) {
    if (typeof alg === "string" && alg.toLowerCase() === "none") {
      throw new TypeError(
        `${OWNER} never accepts unsigned tokens: remove "${alg}" from "algorithms"`,
      );
    }
    if (supported.includes(alg)) continue;
    if (typeof alg === "string" && Object.hasOwn(HMAC_KEY_BYTES, alg)) {
      throw new TypeError(
        source === "secret"
          ? `${OWNER} option "algorithms" has "${alg}", which needs a secret of at least ${
            HMAC_KEY_BYTES[alg]
          } bytes: use a longer "secret" or a shorter hash`
          : `${OWNER} option "algorithms" has "${alg}", which needs a "secret": the "${source}" key source accepts asymmetric algorithms only`,
      );
    }
    if (typeof alg === "string" && ASYMMETRIC_ALGORITHMS.includes(alg)) {
      throw new TypeError(
        source === "secret"
          ? `${OWNER} option "algorithms" has "${alg}", which a "secret" cannot verify: use "jwksUri", "jwks" or "publicKey" for asymmetric algorithms`
          : `${OWNER} option "algorithms" has "${alg}", which this "${source}" cannot verify: use one of "${
            supported.join('", "')
          }"`,
      );
    }
    throw new TypeError(
      `${OWNER} option "algorithms" has unsupported ${show(alg)}: use one of "${
        supported.join('", "')
      }"`,
    );
  }
  return [...new Set(given as string[])];
}

function secretKeys(secret: unknown, algorithms: unknown): ResolvedKeys {
  const bytes = typeof secret === "string"
    ? new TextEncoder().encode(secret)
    : secret instanceof Uint8Array
    ? secret.slice()
    : undefined;
  if (bytes === undefined) {
    throw new TypeError(
      `${OWNER} option "secret" must be a string or a Uint8Array, got ${
        show(secret)
      }`,
    );
  }
  if (bytes.length < HMAC_KEY_BYTES.HS256!) {
    throw new TypeError(
      `${OWNER} option "secret" must be at least 32 bytes (RFC 7518 §3.2), got ${bytes.length}: use a longer random secret`,
    );
  }
  const supported = Object.keys(HMAC_KEY_BYTES).filter((alg) =>
    bytes.length >= HMAC_KEY_BYTES[alg]!
  );
  const allowed = allowAlgorithms(algorithms, supported, "secret");
  return {
    source: {
      kind: "local",
      entries: [secretEntry(bytes, allowed)],
      matchKid: false,
    },
    algorithms: allowed,
  };
}

function publicKeyEntry(key: unknown): KeyEntry {
  const wrong =
    `${OWNER} option "publicKey" must be a public CryptoKey, an SPKI PEM ("-----BEGIN PUBLIC KEY-----") or a public JWK`;
  if (isCryptoKey(key)) {
    if (key.type === "secret") {
      throw new TypeError(`${wrong}, got a secret key: pass it as "secret"`);
    }
    if (key.type !== "public") {
      throw new TypeError(`${wrong}, got a private key: pass its public key`);
    }
    if (!key.usages.includes("verify")) {
      throw new TypeError(`${wrong}, got a key without the "verify" usage`);
    }
    const entry = cryptoKeyEntry(key);
    if (entry.algorithms.size === 0) {
      throw new TypeError(
        `${wrong}, got an unsupported "${key.algorithm.name}" key`,
      );
    }
    return entry;
  }
  if (typeof key === "string") {
    if (key.includes("PRIVATE KEY")) {
      throw new TypeError(`${wrong}, got a private key: pass its public key`);
    }
    const algorithms = spkiAlgorithms(key);
    if (algorithms === undefined) {
      throw new TypeError(
        `${wrong}, got text that is not an SPKI PEM of an RSA, EC (P-256, P-384, P-521) or Ed25519 key`,
      );
    }
    return spkiEntry(key, algorithms);
  }
  if (typeof key === "object" && key !== null) {
    const jwk = key as Record<string, unknown>;
    if (jwk.d !== undefined) {
      throw new TypeError(`${wrong}, got a private JWK: pass its public key`);
    }
    if (jwk.kty === "oct") {
      throw new TypeError(
        `${wrong}, got a symmetric JWK: pass its bytes as "secret"`,
      );
    }
    if (jwkAlgorithms(jwk) === undefined) {
      throw new TypeError(
        `${wrong}, got a JWK that is not a usable public signing key (check "kty", "crv", "alg", "use" and "key_ops")`,
      );
    }
    return jwkEntry({ ...jwk, kid: undefined })!;
  }
  throw new TypeError(`${wrong}, got ${show(key)}`);
}

function resolveKeys(
  options: JwtVerifierOptions,
  fetchFn: typeof fetch,
  fetchIdentity: object,
): ResolvedKeys {
  const given = KEY_SOURCES.filter((name) => options[name] !== undefined);
  if (given.length === 0) {
    throw new TypeError(
      `${OWNER} needs a key source: set one of "jwksUri", "jwks", "publicKey" or "secret"`,
    );
  }
  if (given.length > 1) {
    throw new TypeError(
      `${OWNER} takes exactly one key source, got "${
        given.join('" and "')
      }": keep one`,
    );
  }
  const algorithms: unknown = options.algorithms;
  switch (given[0]) {
    case "secret":
      return secretKeys(options.secret, algorithms);
    case "publicKey": {
      const entry = publicKeyEntry(options.publicKey);
      const allowed = allowAlgorithms(
        algorithms,
        [...entry.algorithms],
        "publicKey",
      );
      return {
        source: { kind: "local", entries: [entry], matchKid: false },
        algorithms: allowed,
      };
    }
    case "jwks": {
      const jwks: unknown = options.jwks;
      const keys = typeof jwks === "object" && jwks !== null
        ? (jwks as { keys?: unknown }).keys
        : undefined;
      if (!Array.isArray(keys)) {
        throw new TypeError(
          `${OWNER} option "jwks" must be a JSON Web Key Set ({ keys: [...] }), got ${
            show(jwks)
          }`,
        );
      }
      const entries = keys.map(jwkEntry).filter((entry) => entry !== undefined);
      if (entries.length === 0) {
        throw new TypeError(
          `${OWNER} option "jwks" has no usable public signing key: add an RSA, EC or Ed25519 public JWK with "use" "sig" or no "use"`,
        );
      }
      const allowed = allowAlgorithms(
        algorithms,
        ASYMMETRIC_ALGORITHMS,
        "jwks",
      );
      return {
        source: { kind: "local", entries, matchKid: true },
        algorithms: allowed,
      };
    }
    default: {
      const uri = urlOption(OWNER, "jwksUri", options.jwksUri);
      const allowed = allowAlgorithms(
        algorithms,
        ASYMMETRIC_ALGORITHMS,
        "jwksUri",
      );
      return {
        source: {
          kind: "remote",
          store: jwksStore(uri, fetchFn, fetchIdentity),
        },
        algorithms: allowed,
      };
    }
  }
}

/** A safe description for a jose failure: never a claim value or token text. */
function describeJoseError(error: unknown): string {
  if (!(error instanceof errors.JOSEError)) return "Invalid token";
  switch (error.code) {
    case "ERR_JWT_EXPIRED":
      return "Token expired";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "Token signature invalid";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "Token algorithm not allowed";
    case "ERR_JOSE_NOT_SUPPORTED":
      return "Token uses an unsupported feature";
    case "ERR_JWS_INVALID":
    case "ERR_JWT_INVALID":
      return "Token malformed";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      switch ((error as errors.JWTClaimValidationFailed).claim) {
        case "aud":
          return "Token audience mismatch";
        case "iss":
          return "Token issuer mismatch";
        case "nbf":
          return "Token not yet valid";
        case "exp":
          return "Token expiry missing or invalid";
        case "typ":
          return "Token type mismatch";
        default:
          return "Token claims invalid";
      }
    default:
      return "Invalid token";
  }
}

/** Maps any failure to the two outcomes a `TokenVerifier` may report. */
function toVerifierError(
  error: unknown,
): InvalidTokenError | VerifierUnavailableError {
  if (
    error instanceof InvalidTokenError ||
    error instanceof VerifierUnavailableError
  ) {
    return error;
  }
  return new InvalidTokenError(describeJoseError(error), { cause: error });
}

async function importKey(entry: KeyEntry, alg: string): Promise<CryptoKey> {
  try {
    return await entry.key(alg);
  } catch (cause) {
    throw new VerifierUnavailableError("Configured key could not be imported", {
      cause,
    });
  }
}

/**
 * Reads `jwksMaxStaleMs`: keys are refetched after `jwksMaxAgeMs`, so the
 * staleness bound cannot be shorter.
 */
function maxStaleOption(value: unknown, maxAgeMs: number): number {
  const maxStaleMs = numberOption(
    OWNER,
    "jwksMaxStaleMs",
    value,
    Math.max(DEFAULT_JWKS_MAX_STALE_MS, maxAgeMs),
    { min: 1 },
  );
  if (maxStaleMs < maxAgeMs) {
    throw new TypeError(
      `${OWNER} option "jwksMaxStaleMs" must be at least "jwksMaxAgeMs" ("${maxAgeMs}"), got "${maxStaleMs}": raise it or lower "jwksMaxAgeMs"`,
    );
  }
  return maxStaleMs;
}

/** Two dots, no more: a compact JWS (RFC 7515 §7.1); checked before jose. */
function isCompact(token: string): boolean {
  const first = token.indexOf(".");
  if (first < 1) return false;
  const second = token.indexOf(".", first + 1);
  return second > first + 1 && second < token.length - 1 &&
    token.indexOf(".", second + 1) === -1;
}

/**
 * Verifies JWT access tokens with `jose`: signature, `alg` allow-list
 * derived from the key source, `iss`, `aud` (required), `exp` (required by
 * default), `nbf`, `typ`, `crit`, and the token's size before any parsing.
 * Keys come from a JWKS URI (fetched once per isolate and shared by the
 * verifiers with the same `fetch`), a local JWKS, one public key, or an HMAC
 * secret. Verified tokens are cached until their `exp`.
 *
 * `alg: none` is never accepted; asymmetric key sources accept asymmetric
 * algorithms only and `secret` accepts HS* only, so an HS256 token "signed"
 * with a public key is refused. Failures throw `InvalidTokenError` with a
 * generic description; a key source that cannot be reached, with no key
 * held or only keys older than `jwksMaxStaleMs`, throws
 * `VerifierUnavailableError` with `retryAfter`. Not validated:
 * `jti` replay, `iat` age, `sub`.
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
 *   .setProtectedHeader({ alg: "ES256", kid: "k1" })
 *   .setIssuer("https://auth.example.com/")
 *   .setAudience("https://mcp.example.com/mcp")
 *   .setExpirationTime("5m")
 *   .sign(privateKey);
 *
 * const token = await verifier.verifyToken(jwt);
 * assert.equal(token.clientId, "app");
 * assert.deepEqual(token.scopes, ["files:read", "files:write"]);
 * assert.equal(token.resource?.href, "https://mcp.example.com/mcp");
 * await assert.rejects(verifier.verifyToken(jwt + "x"), InvalidTokenError);
 * ```
 */
export class JwtVerifier implements TokenVerifier {
  readonly #source: KeySource;
  readonly #algorithms: readonly string[];
  readonly #audiences: Audiences | undefined;
  readonly #joseOptions: JWTVerifyOptions;
  readonly #maxTokenLength: number;
  readonly #requiredScopes: readonly string[];
  readonly #policy: JwksPolicy;
  readonly #cache: TokenCache<AccessToken> | undefined;
  readonly #injectedClock: boolean;
  readonly #getKey: (
    header: JWSHeaderParameters,
  ) => CryptoKey | Promise<CryptoKey>;

  /**
   * Validates the options once.
   *
   * @param options The key source and the checks to apply.
   * @throws {TypeError} When the options are wrong: no key source or more
   * than one, no `audience`, `alg` `none`, an algorithm the key source
   * cannot verify, a short secret, a private key, a bad URL, a negative
   * number, a `jwksMaxStaleMs` below `jwksMaxAgeMs`.
   */
  constructor(options: JwtVerifierOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `${OWNER} needs an options object with a key source and "audience"`,
      );
    }
    const fetchFn = functionOption<typeof fetch>(
      OWNER,
      "fetch",
      options.fetch,
      defaultFetch,
    );
    const keys = resolveKeys(options, fetchFn, options.fetch ?? defaultFetch);
    this.#source = keys.source;
    this.#algorithms = keys.algorithms;
    this.#audiences = audienceOption(OWNER, options.audience);
    const issuer = issuerOption(OWNER, options.issuer);
    if (
      options.typ !== undefined &&
      (typeof options.typ !== "string" || options.typ.length === 0)
    ) {
      throw new TypeError(
        `${OWNER} option "typ" must be a non-empty string such as "at+jwt", got ${
          show(options.typ)
        }`,
      );
    }
    const requireExp = booleanOption(
      OWNER,
      "requireExp",
      options.requireExp,
      true,
    );
    this.#maxTokenLength = numberOption(
      OWNER,
      "maxTokenLength",
      options.maxTokenLength,
      DEFAULT_MAX_TOKEN_LENGTH,
      { min: 1, integer: true },
    );
    this.#requiredScopes = scopesOption(OWNER, options.requiredScopes);
    const now = functionOption<() => number>(
      OWNER,
      "now",
      options.now,
      Date.now,
    );
    this.#injectedClock = options.now !== undefined;
    const maxAgeMs = numberOption(
      OWNER,
      "jwksMaxAgeMs",
      options.jwksMaxAgeMs,
      600_000,
      { min: 1 },
    );
    this.#policy = {
      timeoutMs: numberOption(OWNER, "timeoutMs", options.timeoutMs, 5000, {
        min: 1,
      }),
      cooldownMs: numberOption(
        OWNER,
        "jwksCooldownMs",
        options.jwksCooldownMs,
        30_000,
      ),
      maxAgeMs,
      maxStaleMs: maxStaleOption(options.jwksMaxStaleMs, maxAgeMs),
      now,
    };
    this.#joseOptions = {
      algorithms: [...this.#algorithms],
      clockTolerance: numberOption(
        OWNER,
        "clockTolerance",
        options.clockTolerance,
        0,
      ),
      ...(issuer === undefined ? {} : { issuer: [...issuer] }),
      ...(this.#audiences === undefined
        ? {}
        : { audience: [...this.#audiences.values] }),
      ...(options.typ === undefined ? {} : { typ: options.typ }),
      ...(requireExp ? { requiredClaims: ["exp"] } : {}),
    };
    const cache = cacheOption(OWNER, options.cache);
    if (cache !== false) {
      this.#cache = new TokenCache<AccessToken>(
        OWNER,
        cache,
        DEFAULT_CACHE_MAX_AGE_MS,
        now,
      );
      registerCache(this, this.#cache);
    }
    this.#getKey = (header) => this.#resolveKey(header);
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
    // Size and shape first: nothing longer than the limit is ever decoded.
    if (typeof token !== "string" || token.length > this.#maxTokenLength) {
      throw new InvalidTokenError("Token too long or not a string");
    }
    if (!isCompact(token)) throw new InvalidTokenError("Token malformed");
    const hit = this.#cache?.get(token);
    let verified: AccessToken;
    if (hit !== undefined) {
      if (!hit.ok) throw hit.error;
      verified = hit.value;
    } else {
      try {
        const options = this.#injectedClock
          ? { ...this.#joseOptions, currentDate: new Date(this.#policy.now()) }
          : this.#joseOptions;
        const { payload } = await jwtVerify(token, this.#getKey, options);
        verified = this.#accessToken(token, payload);
      } catch (error) {
        const mapped = toVerifierError(error);
        // Rejections are remembered briefly; unavailability never is, nor
        // an unknown key, which the next JWKS fetch may bring.
        if (
          mapped instanceof InvalidTokenError &&
          !(mapped instanceof UnknownKeyError)
        ) {
          this.#cache?.reject(token, mapped);
        }
        throw mapped;
      }
      this.#cache?.accept(
        token,
        verified,
        verified.expiresAt === undefined
          ? undefined
          : verified.expiresAt * 1000,
      );
    }
    checkScopes(this.#requiredScopes, verified);
    return copyToken(verified);
  }

  /** The token's claims as an `AccessToken` (jose has checked them). */
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

  #resolveKey(header: JWSHeaderParameters): CryptoKey | Promise<CryptoKey> {
    const alg = header.alg!; // jose checked it against the allow-list
    const kid: unknown = header.kid;
    if (kid !== undefined && typeof kid !== "string") {
      throw new InvalidTokenError("Token malformed");
    }
    const source = this.#source;
    if (source.kind === "remote") {
      return source.store.ready(alg, kid, this.#policy) ??
        source.store.key(alg, kid, this.#policy);
    }
    const entry = selectKey(source.entries, alg, kid, source.matchKid);
    if (entry === undefined) {
      throw new InvalidTokenError("Token signing key not found");
    }
    return entry.ready(alg) ?? importKey(entry, alg);
  }
}
