/**
 * Where a `JwtVerifier`'s keys come from: a JWKS URI, a local JWKS, one
 * public key or an HMAC secret, read once from its options. The result says
 * which algorithms the keys allow and picks the key for each JWS header
 * (jose's key callback). Internal.
 *
 * @module
 */

import type { JWSHeaderParameters } from "jose";
import { numberOption, show, urlOption } from "../_internal/options.ts";
import { InvalidTokenError, VerifierUnavailableError } from "../errors.ts";
import { defaultFetch, fetchOption } from "./_options.ts";
import { type JwksPolicy, jwksStore } from "./jwks.ts";
import {
  ASYMMETRIC_ALGORITHMS,
  cryptoKeyEntry,
  HMAC_KEY_BYTES,
  jwkAlgorithms,
  jwkEntry,
  type KeyEntry,
  secretEntry,
  selectKey,
  spkiEntry,
} from "./keys.ts";

const OWNER = "JwtVerifier";
const KEY_SOURCES = ["jwksUri", "jwks", "publicKey", "secret"] as const;
// Literals (10 minutes, 24 hours), not products: bundlers keep an unused
// binary expression in every bundle of the entry point.
const DEFAULT_JWKS_MAX_AGE_MS = 600_000;
const DEFAULT_JWKS_MAX_STALE_MS = 86_400_000;

/** The options that say where the keys come from and how they are fetched. */
export type KeySourceOptions = {
  readonly [
    name in
      | typeof KEY_SOURCES[number]
      | "algorithms"
      | "timeoutMs"
      | "jwksCooldownMs"
      | "jwksMaxAgeMs"
      | "jwksMaxStaleMs"
      | "fetch"
  ]?: unknown;
};

/** The keys of one verifier, compiled from its options. */
export interface KeySource {
  /** The `alg` values accepted: what the keys can verify, or fewer. */
  readonly algorithms: readonly string[];
  /**
   * The key for a JWS header whose `alg` jose has already checked against
   * `algorithms`: synchronous when it is at hand.
   *
   * @throws {InvalidTokenError} When no key fits the header. Such a verdict
   * is on the keys held now, not on the token: never remembered.
   * @throws {VerifierUnavailableError} When no key can be had right now.
   */
  readonly key: (
    header: JWSHeaderParameters,
  ) => CryptoKey | Promise<CryptoKey>;
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
  const has = `${OWNER} option "algorithms" has`;
  const useOneOf = `use one of "${supported.join('", "')}"`;
  for (const alg of given) {
    if (supported.includes(alg)) continue;
    if (typeof alg !== "string") {
      throw new TypeError(`${has} unsupported ${show(alg)}: ${useOneOf}`);
    }
    if (alg.toLowerCase() === "none") {
      throw new TypeError(
        `${OWNER} never accepts unsigned tokens: remove "${alg}" from "algorithms"`,
      );
    }
    if (Object.hasOwn(HMAC_KEY_BYTES, alg)) {
      throw new TypeError(
        source === "secret"
          ? `${has} "${alg}", which needs a secret of at least ${
            HMAC_KEY_BYTES[alg]
          } bytes: use a longer "secret" or a shorter hash`
          : `${has} "${alg}", which needs a "secret": the "${source}" key source accepts asymmetric algorithms only`,
      );
    }
    if (ASYMMETRIC_ALGORITHMS.includes(alg)) {
      throw new TypeError(
        source === "secret"
          ? `${has} "${alg}", which a "secret" cannot verify: use "jwksUri", "jwks" or "publicKey" for asymmetric algorithms`
          : `${has} "${alg}", which this "${source}" cannot verify: ${useOneOf}`,
      );
    }
    throw new TypeError(`${has} unsupported ${show(alg)}: ${useOneOf}`);
  }
  return [...new Set(given as string[])];
}

/** The one key entry of `secret`, with the HS* algorithms its length allows. */
function secretKey(secret: unknown): KeyEntry {
  const bytes = typeof secret === "string"
    ? new TextEncoder().encode(secret)
    : secret instanceof Uint8Array
    ? secret
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
  return secretEntry(
    bytes,
    Object.keys(HMAC_KEY_BYTES).filter((alg) =>
      bytes.length >= HMAC_KEY_BYTES[alg]!
    ),
  );
}

/** The one key entry of `publicKey`: a CryptoKey, an SPKI PEM or a JWK. */
function publicKey(key: unknown): KeyEntry {
  const wrong =
    `${OWNER} option "publicKey" must be a public CryptoKey, an SPKI PEM ("-----BEGIN PUBLIC KEY-----") or a public JWK, got`;
  if (isCryptoKey(key)) {
    if (key.type === "secret") {
      throw new TypeError(`${wrong} a secret key: pass it as "secret"`);
    }
    if (key.type !== "public") {
      throw new TypeError(`${wrong} a private key: pass its public key`);
    }
    if (!key.usages.includes("verify")) {
      throw new TypeError(`${wrong} a key without the "verify" usage`);
    }
    const entry = cryptoKeyEntry(key);
    if (entry.algorithms.size === 0) {
      throw new TypeError(
        `${wrong} an unsupported "${key.algorithm.name}" key`,
      );
    }
    return entry;
  }
  if (typeof key === "string") {
    if (key.includes("PRIVATE KEY")) {
      throw new TypeError(`${wrong} a private key: pass its public key`);
    }
    const entry = spkiEntry(key);
    if (entry === undefined) {
      throw new TypeError(
        `${wrong} text that is not an SPKI PEM of an RSA, EC (P-256, P-384, P-521) or Ed25519 key`,
      );
    }
    return entry;
  }
  if (typeof key === "object" && key !== null) {
    const jwk = key as Record<string, unknown>;
    if (jwk.d !== undefined) {
      throw new TypeError(`${wrong} a private JWK: pass its public key`);
    }
    if (jwk.kty === "oct") {
      throw new TypeError(
        `${wrong} a symmetric JWK: pass its bytes as "secret"`,
      );
    }
    if (jwkAlgorithms(jwk) === undefined) {
      throw new TypeError(
        `${wrong} a JWK that is not a usable public signing key (check "kty", "crv", "alg", "use" and "key_ops")`,
      );
    }
    return jwkEntry({ ...jwk, kid: undefined })!;
  }
  throw new TypeError(`${wrong} ${show(key)}`);
}

/** The usable keys of `jwks`: its public signing keys. */
function localSet(jwks: unknown): KeyEntry[] {
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
  return entries;
}

/**
 * The JWKS timings. `jwksMaxStaleMs` cannot be below `jwksMaxAgeMs`: keys
 * are refetched after the one, so the other bounds how long they are kept
 * once refetching fails.
 */
function jwksPolicy(options: KeySourceOptions, now: () => number): JwksPolicy {
  const maxAgeMs = numberOption(
    OWNER,
    "jwksMaxAgeMs",
    options.jwksMaxAgeMs,
    DEFAULT_JWKS_MAX_AGE_MS,
    { min: 1 },
  );
  const maxStaleMs = numberOption(
    OWNER,
    "jwksMaxStaleMs",
    options.jwksMaxStaleMs,
    Math.max(DEFAULT_JWKS_MAX_STALE_MS, maxAgeMs),
    { min: 1 },
  );
  if (maxStaleMs < maxAgeMs) {
    throw new TypeError(
      `${OWNER} option "jwksMaxStaleMs" must be at least "jwksMaxAgeMs" ("${maxAgeMs}"), got "${maxStaleMs}": raise it or lower "jwksMaxAgeMs"`,
    );
  }
  return {
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
    maxStaleMs,
    now,
  };
}

/** The header's `kid`, which must be a string when present. */
function kidOf(header: JWSHeaderParameters): string | undefined {
  const kid: unknown = header.kid;
  if (kid !== undefined && typeof kid !== "string") {
    throw new InvalidTokenError("Token malformed");
  }
  return kid;
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

/** Keys given in the options: they never change. */
function localKeys(
  entries: readonly KeyEntry[],
  matchKid: boolean,
  algorithms: readonly string[],
): KeySource {
  return {
    algorithms,
    key(header) {
      const alg = header.alg!; // jose checked it against the allow-list
      const entry = selectKey(entries, alg, kidOf(header), matchKid);
      if (entry === undefined) {
        throw new InvalidTokenError("Token signing key not found");
      }
      return entry.ready(alg) ?? importKey(entry, alg);
    },
  };
}

/**
 * Reads the key source from the options: exactly one of `jwksUri`, `jwks`,
 * `publicKey`, `secret`, the `algorithms` it may verify (all it can by
 * default; never `none`, never HS* with a public key nor asymmetric ones
 * with a secret), and the JWKS `fetch` and timings.
 *
 * @param options The verifier's options.
 * @param now The verifier's clock, in ms since the epoch.
 * @returns The algorithms and the key callback.
 * @throws {TypeError} When any of those options is wrong.
 */
export function keySource(
  options: KeySourceOptions,
  now: () => number,
): KeySource {
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
  const fetchFn = fetchOption(OWNER, options.fetch);
  const policy = jwksPolicy(options, now);
  const source = given[0]!;
  if (source === "jwksUri") {
    const uri = urlOption(OWNER, "jwksUri", options.jwksUri);
    const algorithms = allowAlgorithms(
      options.algorithms,
      ASYMMETRIC_ALGORITHMS,
      source,
    );
    // Keyed by the caller's own `fetch`, not its wrapper: verifiers given
    // the same function share the store.
    const store = jwksStore(
      uri,
      fetchFn,
      (options.fetch ?? defaultFetch) as object,
    );
    return {
      algorithms,
      key(header) {
        const alg = header.alg!; // jose checked it against the allow-list
        const kid = kidOf(header);
        return store.ready(alg, kid, policy) ?? store.key(alg, kid, policy);
      },
    };
  }
  const entries = source === "jwks" ? localSet(options.jwks) : [
    source === "secret"
      ? secretKey(options.secret)
      : publicKey(options.publicKey),
  ];
  const supported = source === "jwks"
    ? ASYMMETRIC_ALGORITHMS
    : [...entries[0]!.algorithms];
  return localKeys(
    entries,
    source === "jwks",
    allowAlgorithms(options.algorithms, supported, source),
  );
}
