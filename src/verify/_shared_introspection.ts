/**
 * Introspection answers shared by the instances behind one store: the
 * first instance to see a token takes a short lease, asks the authorization
 * server and shares what it said; the others wait for that answer instead
 * of asking too. Entries are sealed (AES-GCM under a key derived from a
 * secret the instances share), so whoever can write to the store can
 * neither forge an answer nor read the claims, and indexed by an HMAC of
 * the token, so the store never holds a token or a plain hash of one.
 *
 * What is shared is the server's answer itself: every instance applies its
 * own checks (audience, issuer, expiry) to it, so verifiers configured
 * differently cannot accept each other's tokens through the store.
 *
 * @module
 */

import { base64url } from "jose";
import { sleep, withDeadline } from "../_internal/deadline.ts";
import {
  functionOption,
  isRecord,
  label,
  refuseUnknownKeys,
  show,
} from "../_internal/options.ts";
import { reportSafely } from "../_internal/report.ts";
import { InvalidTokenError } from "../errors.ts";
import type { Verified } from "./_introspection_response.ts";
import type { CacheStore, SharedCacheOptions } from "./cache_store.ts";
import type { TokenCache } from "./token_cache.ts";
import {
  type Answer,
  deriveKeys,
  type Keys,
  open,
  seal,
  utf8,
} from "./_sealed_answer.ts";

/** What the verifier's shared path is given for one token. */
export interface SharedLookup {
  /** The token. */
  readonly token: string;
  /** Its key in the verifier's local cache. */
  readonly key: string;
  /** Asks the authorization server; throws when it cannot. */
  readonly ask: () => Promise<Record<string, unknown>>;
  /** The verifier's checks of an answer (throws `InvalidTokenError`). */
  readonly check: (response: Record<string, unknown>) => Verified;
}

/** What `sharedCache` is compiled with, besides the option itself. */
export interface SharedContext {
  /** The verifier's local cache: its max age and negative TTL bound sharing. */
  readonly cache: TokenCache<Verified> | undefined;
  /** What the answers depend on (the endpoint and client). */
  readonly scope: string;
  /** How long one instance may take to ask. */
  readonly leaseMs: number;
  /** The verifier's clock. */
  readonly now: () => number;
}

// A custom store without its own timeout must not hang a request.
const STORE_TIMEOUT_MS = 1_000;
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 100;
const MIN_SECRET_BYTES = 32;
const OPTION_NAMES: readonly (keyof SharedCacheOptions)[] = [
  "store",
  "secret",
  "onError",
];
const STORE_METHODS = ["get", "set", "add", "delete"] as const;

/**
 * Reads `sharedCache`: the shared path of the verifier, or `undefined` when
 * the option is absent.
 *
 * @throws {TypeError} When it is not `{ store, secret }` (a `CacheStore`
 * and at least 32 bytes), has an unknown key, or the local cache is off.
 */
export function sharedCacheOption(
  owner: string,
  value: unknown,
  context: SharedContext,
): SharedIntrospection | undefined {
  if (value === undefined) return undefined;
  const name = label(owner, "sharedCache");
  const expected =
    `{ store, secret }: a CacheStore (RedisStore, DenoKvStore, DurableObjectStore, MemoryCacheStore) and a Uint8Array of at least ${MIN_SECRET_BYTES} random bytes, the same on every instance`;
  if (!isRecord(value)) {
    throw new TypeError(`${name} must be ${expected}, got ${show(value)}`);
  }
  refuseUnknownKeys(`${owner} sharedCache`, value, OPTION_NAMES);
  const { store, secret } = value as Partial<SharedCacheOptions>;
  if (
    !isRecord(store) ||
    !STORE_METHODS.every((method) => typeof store[method] === "function")
  ) {
    throw new TypeError(
      `${name} "store" must be a CacheStore (get, set, add and delete), got ${
        show(store)
      }`,
    );
  }
  if (!(secret instanceof Uint8Array) || secret.byteLength < MIN_SECRET_BYTES) {
    throw new TypeError(
      `${name} "secret" must be a Uint8Array of at least ${MIN_SECRET_BYTES} random bytes, got ${
        secret instanceof Uint8Array
          ? `${secret.byteLength} bytes`
          : show(secret)
      }`,
    );
  }
  const onError = functionOption<(error: unknown) => void>(
    `${owner} sharedCache`,
    "onError",
    value.onError,
    () => {},
  );
  if (context.cache === undefined) {
    throw new TypeError(
      `${name} needs the cache: remove "cache: false" (cache: { maxEntries: 0 } keeps no local copy)`,
    );
  }
  return new SharedIntrospection(
    store as CacheStore,
    secret.slice(),
    onError,
    context.cache,
    context,
  );
}

/** One verifier's view of the shared answers. */
export class SharedIntrospection {
  readonly #store: CacheStore;
  readonly #keys: Promise<Keys>;
  readonly #onError: (error: unknown) => void;
  readonly #cache: TokenCache<Verified>;
  readonly #leaseMs: number;
  readonly #now: () => number;

  /**
   * @param store The validated store.
   * @param secret A copy of the secret.
   * @param onError Told when the store is bypassed.
   * @param cache The verifier's local cache.
   * @param context The scope, the lease and the clock.
   */
  constructor(
    store: CacheStore,
    secret: Uint8Array,
    onError: (error: unknown) => void,
    cache: TokenCache<Verified>,
    context: SharedContext,
  ) {
    this.#store = store;
    this.#keys = deriveKeys(secret, context.scope);
    // Unhandled if nothing awaits it before it fails: it cannot fail on a
    // valid secret, and an invalid one is refused above.
    this.#keys.catch(() => {});
    this.#onError = onError;
    this.#cache = cache;
    this.#leaseMs = context.leaseMs;
    this.#now = context.now;
  }

  /**
   * Verifies `lookup.token` from the answer another instance shared, else
   * from one introspection that is then shared; the result goes into the
   * local cache as the verifier's own would.
   *
   * @throws {InvalidTokenError} When the (shared) answer fails the checks.
   * @throws {VerifierUnavailableError} When the endpoint fails.
   */
  async verify(lookup: SharedLookup): Promise<Verified> {
    const answer = await this.#resolve(lookup.token, async () => {
      // Read before asking: the answer is no older than this.
      const askedAt = this.#now();
      const response = await lookup.ask();
      return {
        response,
        until: this.#shareUntil(response, lookup.check),
        askedAt,
      };
    });
    let verified: Verified;
    try {
      verified = lookup.check(answer.response);
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        this.#cache.reject(lookup.key, error);
      }
      throw error;
    }
    const expiry = verified.expiresAt === undefined
      ? undefined
      : verified.expiresAt * 1000;
    this.#cache.accept(
      lookup.key,
      verified,
      answer.until === undefined
        ? expiry
        : Math.min(answer.until, expiry ?? Infinity),
    );
    return verified;
  }

  /** Until when an answer may be shared: as the local cache would keep it. */
  #shareUntil(
    response: Record<string, unknown>,
    check: SharedLookup["check"],
  ): number | undefined {
    const now = this.#now();
    try {
      const { expiresAt } = check(response);
      return Math.min(
        now + this.#cache.maxAgeMs,
        expiresAt === undefined ? Infinity : expiresAt * 1000,
      );
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      const ttl = this.#cache.negativeTtlMs;
      return ttl > 0 ? now + ttl : undefined;
    }
  }

  /**
   * The shared answer for `token`, or the one `ask` gets (then shared).
   * A store that fails or times out is bypassed: the authorization server
   * is the authority, the store only saves it work.
   */
  async #resolve(token: string, ask: () => Promise<Answer>): Promise<Answer> {
    const keys = await this.#keys;
    const key = base64url.encode(
      new Uint8Array(
        await crypto.subtle.sign("HMAC", keys.index, utf8(token)),
      ),
    );
    const lease = `${key}.lease`;
    try {
      const hit = await this.#read(keys, key);
      if (hit !== undefined) return hit;
      // Bounded in real time (a monotonic clock, whatever the injected one
      // does, and the store's own latency counted): a lease holder that
      // vanished is replaced after its lease, at the latest.
      const deadline = performance.now() + 2 * this.#leaseMs;
      let delay = FIRST_POLL_MS;
      while (performance.now() < deadline) {
        const won = await bounded(
          () => this.#store.add(lease, "1", this.#now() + this.#leaseMs),
        );
        if (won === true) {
          // The previous holder may have shared its answer and released
          // the lease since this instance last looked.
          const shared = await this.#read(keys, key);
          if (shared !== undefined) {
            await this.#quietly(() => this.#store.delete(lease));
            return shared;
          }
          return await this.#askAndShare(keys, key, lease, ask);
        }
        if (won !== false) throw new TypeError("add answered no boolean");
        await sleep(delay);
        delay = Math.min(delay * 2, MAX_POLL_MS);
        const answer = await this.#read(keys, key);
        if (answer !== undefined) return answer;
      }
    } catch (error) {
      // A brand check, not `instanceof`: a store may throw a Proxy whose
      // traps throw, and that must be bypassed like any other failure.
      if (AskFailed.is(error)) throw error.cause;
      // The store failed: ask directly, as without a shared cache.
      reportSafely(this.#onError, error);
    }
    return await ask();
  }

  async #askAndShare(
    keys: Keys,
    key: string,
    lease: string,
    ask: () => Promise<Answer>,
  ): Promise<Answer> {
    try {
      let answer: Answer;
      try {
        answer = await ask();
      } catch (cause) {
        throw new AskFailed(cause);
      }
      const until = answer.until;
      if (until !== undefined && until > this.#now()) {
        const sealed = await seal(keys, key, answer, until);
        await this.#quietly(() => this.#store.set(key, sealed, until));
      }
      return answer;
    } finally {
      // Let a waiter ask at once if nothing was shared.
      await this.#quietly(() => this.#store.delete(lease));
    }
  }

  /** A store write whose failure costs only efficiency: reported, not thrown. */
  async #quietly(operation: () => Promise<unknown>): Promise<void> {
    try {
      await bounded(operation);
    } catch (error) {
      reportSafely(this.#onError, error);
    }
  }

  /**
   * A live, authentic entry, or `undefined` (absent, expired, forged). Live
   * for this verifier: within what the asker allowed (`until`) and within
   * this verifier's own `cache.maxAgeMs` of when it was asked, so an
   * instance configured for longer never stretches this one's revocation
   * window.
   */
  async #read(keys: Keys, key: string): Promise<Answer | undefined> {
    const value: unknown = await bounded(() => this.#store.get(key));
    if (typeof value !== "string") return undefined;
    const answer = await open(keys, key, value);
    if (answer === undefined) return undefined;
    const now = this.#now();
    const until = Math.min(
      answer.until!,
      answer.askedAt + this.#cache.maxAgeMs,
    );
    if (!(until > now)) return undefined;
    return { ...answer, until };
  }
}

/** Wraps what `ask` threw, so the store's own failures stay apart. */
class AskFailed extends Error {
  override readonly cause: unknown;
  readonly #brand = true;
  constructor(cause: unknown) {
    super("Introspection failed", { cause });
    this.cause = cause;
  }
  /** Whether `value` is one, without touching a Proxy's traps. */
  static is(value: unknown): value is AskFailed {
    return (typeof value === "object" && value !== null) &&
      #brand in value;
  }
}

function bounded<T>(operation: () => Promise<T>): Promise<T> {
  return withDeadline(
    operation,
    STORE_TIMEOUT_MS,
    () => new Error("Shared cache store timed out"),
  );
}
