/**
 * Remote JSON Web Key Sets (RFC 7517 §5), fetched once per isolate and shared
 * by every verifier that names the same URI with the same `fetch`.
 *
 * The stores live in one per-isolate registry owned by this module, keyed by
 * `fetch` (weakly: the stores of a `fetch` nobody holds any more go with it)
 * and then by URI, at most 256 URIs per `fetch` (the oldest store is dropped
 * from the registry first; verifiers already holding it keep it). Each store
 * holds one key set of at most 1 MiB of JSON and one import per key and
 * algorithm.
 *
 * - Single flight: concurrent callers wait for the one fetch in progress.
 * - An unknown `kid` triggers at most one refetch per cooldown.
 * - Keys older than the maximum age are refreshed in the background while
 *   still in use; a failing refresh keeps serving them (stale-if-error), but
 *   only up to the maximum staleness: past it a request waits for the
 *   refresh, and if that fails gets `VerifierUnavailableError`, so a key the
 *   issuer has withdrawn cannot stay trusted through an outage for ever.
 * - With no key at all, callers get `VerifierUnavailableError` with
 *   `retryAfter` (HTTP 503), never a key and never a crash.
 *
 * @module
 */

import { InvalidTokenError, VerifierUnavailableError } from "../errors.ts";
import { fetchJson } from "../_internal/fetch.ts";
import { defaultFetch } from "./_options.ts";
import { jwkEntry, type KeyEntry, selectKey } from "./keys.ts";

/** How one verifier wants the shared store to behave. */
export interface JwksPolicy {
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly maxAgeMs: number;
  readonly maxStaleMs: number;
  readonly now: () => number;
}

/** A key set larger than this is refused, and read no further. */
const MAX_JWKS_BYTES = 1_048_576; // 1 MiB, a literal: see verify/_options.ts

/**
 * Fetches and validates a JWKS: 2xx without a redirect, JSON, an object with
 * a `keys` array, at least one usable public signing key. Everything else
 * throws.
 */
async function loadJwks(
  uri: URL,
  fetchFn: typeof fetch,
  policy: JwksPolicy,
): Promise<KeyEntry[]> {
  const jwks = await fetchJson(fetchFn, uri, {
    headers: { accept: "application/jwk-set+json, application/json" },
  }, { timeoutMs: policy.timeoutMs, maxBytes: MAX_JWKS_BYTES });
  if (
    typeof jwks !== "object" || jwks === null ||
    !Array.isArray((jwks as { keys?: unknown }).keys)
  ) {
    throw new Error("JWKS is not an object with a keys array");
  }
  const entries = (jwks as { keys: unknown[] }).keys
    .map(jwkEntry)
    .filter((entry) => entry !== undefined);
  if (entries.length === 0) throw new Error("JWKS has no usable key");
  return entries;
}

/** The keys of one JWKS URI fetched with one `fetch`, shared across the isolate. */
export class JwksStore {
  /** The JWKS URI. */
  readonly uri: URL;
  readonly #fetch: typeof fetch;
  #entries: KeyEntry[] | undefined;
  #fetchedAt = -Infinity;
  #attemptedAt = -Infinity;
  #lastAttemptFailed = false;
  #inflight: Promise<void> | undefined;
  #fetches = 0;

  /**
   * Creates an empty store; use {@linkcode jwksStore} to share one.
   *
   * @param uri The JWKS URI.
   * @param fetchFn The only `fetch` whose answers this store trusts.
   */
  constructor(uri: URL, fetchFn: typeof fetch) {
    this.uri = uri;
    this.#fetch = fetchFn;
  }

  /** How many fetches this store has started (for tests). */
  get fetches(): number {
    return this.#fetches;
  }

  /**
   * The key for a JWS header.
   *
   * @param alg The header's `alg`, already on the allow-list.
   * @param kid The header's `kid`.
   * @param policy The caller's clock and timings.
   * @returns The imported key.
   * @throws {InvalidTokenError} When no held key matches, even after a refetch.
   * @throws {VerifierUnavailableError} When no key is held at all, or the
   * keys held are older than `policy.maxStaleMs` and cannot be refreshed.
   */
  async key(
    alg: string,
    kid: string | undefined,
    policy: JwksPolicy,
  ): Promise<CryptoKey> {
    if (this.#entries === undefined) {
      await this.#refresh(policy);
    } else {
      const age = policy.now() - this.#fetchedAt;
      if (age >= policy.maxStaleMs) {
        // Too old to use unconfirmed: wait for the refresh.
        await this.#refresh(policy);
      } else if (age >= policy.maxAgeMs) {
        // Stale-while-revalidate: this request uses the keys held; the
        // refresh runs beside it; nothing may escape it unhandled.
        this.#refresh(policy).catch(() => {});
      }
    }
    const entries = this.#entries;
    if (
      entries === undefined ||
      policy.now() - this.#fetchedAt >= policy.maxStaleMs
    ) throw this.#noKeyAvailable(policy);
    let found = selectKey(entries, alg, kid, true);
    if (found === undefined) {
      // Perhaps the issuer rotated its keys (RFC 7517 §5): look again, at
      // most once per cooldown, whoever asks.
      await this.#refresh(policy);
      found = selectKey(this.#entries ?? entries, alg, kid, true);
    }
    if (found === undefined) {
      // The key set could not be re-read: the token may be signed with a
      // key rotated in during the outage. Say "try later" (503), not
      // "invalid" (401), so a client keeps a token that may well be good.
      if (this.#lastAttemptFailed) throw this.#noKeyAvailable(policy);
      throw new InvalidTokenError("Token signing key not found");
    }
    try {
      return await found.key(alg);
    } catch (cause) {
      throw new VerifierUnavailableError("JWKS key could not be imported", {
        cause,
        retryAfter: Math.ceil(policy.cooldownMs / 1000),
      });
    }
  }

  /**
   * The key for a JWS header when it can be had without waiting: keys held
   * and fresh, a match, already imported. Otherwise `undefined`: call
   * {@linkcode JwksStore.key}.
   */
  ready(
    alg: string,
    kid: string | undefined,
    policy: JwksPolicy,
  ): CryptoKey | undefined {
    if (
      this.#entries === undefined ||
      policy.now() - this.#fetchedAt >= policy.maxAgeMs
    ) return undefined;
    return selectKey(this.#entries, alg, kid, true)?.ready(alg);
  }

  /** Resolves once no fetch is in progress (for tests). */
  async idle(): Promise<void> {
    while (this.#inflight !== undefined) await this.#inflight;
  }

  #noKeyAvailable(policy: JwksPolicy): VerifierUnavailableError {
    const wait = policy.cooldownMs - (policy.now() - this.#attemptedAt);
    return new VerifierUnavailableError("No JWKS key available", {
      retryAfter: Math.max(1, Math.ceil(wait / 1000)),
    });
  }

  #refresh(policy: JwksPolicy): Promise<void> {
    if (this.#inflight !== undefined) return this.#inflight;
    const now = policy.now();
    if (now - this.#attemptedAt < policy.cooldownMs) return Promise.resolve();
    this.#attemptedAt = now;
    this.#fetches++;
    this.#inflight = loadJwks(this.uri, this.#fetch, policy).then(
      (entries) => {
        this.#entries = entries;
        this.#fetchedAt = policy.now();
        this.#lastAttemptFailed = false;
      },
      // Stale-if-error: keep what we hold (key() refuses it once older than
      // maxStaleMs); the cooldown limits retries.
      () => {
        this.#lastAttemptFailed = true;
      },
    ).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }
}

const MAX_STORES = 256;
// Keyed by fetch, then URI: keys a verifier's injected fetch loaded (a stub,
// a tenant's proxy) are never trusted by a verifier that fetches otherwise.
// Bounds: see the module doc.
const registry = new WeakMap<object, Map<string, JwksStore>>();

/**
 * The isolate-wide store for a JWKS URI and a `fetch`, created on first use.
 *
 * @param uri The JWKS URI.
 * @param fetchFn The `fetch` that loads the keys (called without a receiver).
 * @param identity The function the stores are keyed by: the `fetch` the user
 * gave, before it was wrapped, so verifiers given the same `fetch` share a
 * store; verifiers given none share {@linkcode defaultFetch}'s.
 * @returns The store every verifier for that URI and `fetch` shares.
 */
export function jwksStore(
  uri: URL,
  fetchFn: typeof fetch = defaultFetch,
  identity: object = fetchFn,
): JwksStore {
  let stores = registry.get(identity);
  if (stores === undefined) {
    stores = new Map();
    registry.set(identity, stores);
  }
  let store = stores.get(uri.href);
  if (store === undefined) {
    store = new JwksStore(uri, fetchFn);
    stores.set(uri.href, store);
    // Bounded, oldest first: a process that builds verifiers for ever more
    // URIs must not grow without limit.
    if (stores.size > MAX_STORES) stores.delete(stores.keys().next().value!);
  }
  return store;
}
