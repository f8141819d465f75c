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
import type { CacheStore, SharedCacheOptions } from "./cache_store.ts";

/** What the lease holder learned. */
export interface Answer {
  /** The introspection response. */
  readonly response: Record<string, unknown>;
  /** Until when it may be reused (ms since the epoch); `undefined`: never. */
  readonly until: number | undefined;
}

const VERSION = "mcp-authz shared introspection v1";
// A custom store without its own timeout must not hang a request.
const STORE_TIMEOUT_MS = 1_000;
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 100;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Validates `sharedCache`, naming the owner in every error. */
export function sharedCacheOption(
  owner: string,
  value: unknown,
): SharedCacheOptions | undefined {
  if (value === undefined) return undefined;
  const hint =
    `${owner} option "sharedCache" must be { store, secret }: a CacheStore (RedisStore, DenoKvStore, DurableObjectStore ...) and a Uint8Array of at least 32 bytes shared by every instance`;
  if (typeof value !== "object" || value === null) throw new TypeError(hint);
  for (const name of Object.keys(value)) {
    if (name !== "store" && name !== "secret") {
      throw new TypeError(`${hint}; "${name}" is not an option`);
    }
  }
  const { store, secret } = value as Partial<SharedCacheOptions>;
  if (
    typeof store !== "object" || store === null ||
    !["get", "set", "add", "delete"].every((method) =>
      typeof (store as unknown as Record<string, unknown>)[method] ===
        "function"
    )
  ) {
    throw new TypeError(`${hint}; "store" lacks get, set, add or delete`);
  }
  if (!(secret instanceof Uint8Array) || secret.byteLength < 32) {
    throw new TypeError(`${hint}; "secret" is too short or not a Uint8Array`);
  }
  return { store, secret: secret.slice() };
}

interface Keys {
  readonly index: CryptoKey;
  readonly seal: CryptoKey;
}

/** One verifier's view of the shared answers. */
export class SharedIntrospection {
  readonly #store: CacheStore;
  readonly #keys: Promise<Keys>;
  readonly #leaseMs: number;
  readonly #now: () => number;

  /**
   * @param options The validated `sharedCache` option.
   * @param scope What the answers depend on (the endpoint and client), so
   * two authorization servers never share entries.
   * @param leaseMs How long one instance may take to ask.
   * @param now The verifier's clock.
   */
  constructor(
    options: SharedCacheOptions,
    scope: string,
    leaseMs: number,
    now: () => number,
  ) {
    this.#store = options.store;
    this.#keys = deriveKeys(options.secret, scope);
    // Unhandled if nothing awaits it before it fails: it cannot fail on a
    // valid secret, and an invalid one is refused above.
    this.#keys.catch(() => {});
    this.#leaseMs = leaseMs;
    this.#now = now;
  }

  /**
   * The shared answer for `token`, or the one `ask` gets (then shared).
   * A store that fails or times out is bypassed: the authorization server
   * is the authority, the store only saves it work.
   *
   * @param token The token.
   * @param ask Asks the authorization server; throws when it cannot.
   */
  async resolve(token: string, ask: () => Promise<Answer>): Promise<Answer> {
    const keys = await this.#keys;
    const key = base64url.encode(
      new Uint8Array(
        await crypto.subtle.sign("HMAC", keys.index, encoder.encode(token)),
      ),
    );
    const lease = `${key}.lease`;
    try {
      const hit = await this.#read(keys, key);
      if (hit !== undefined) return hit;
      // Bounded in real time, whatever the injected clock does: a lease
      // holder that vanished is replaced after its lease, at the latest.
      let waited = 0;
      let delay = FIRST_POLL_MS;
      while (waited < 2 * this.#leaseMs) {
        const won = await bounded(
          this.#store.add(lease, "1", this.#now() + this.#leaseMs),
        );
        if (won === true) {
          // The previous holder may have shared its answer and released
          // the lease since this instance last looked.
          const shared = await this.#read(keys, key);
          if (shared !== undefined) {
            await bounded(this.#store.delete(lease)).catch(() => {});
            return shared;
          }
          return await this.#askAndShare(keys, key, lease, ask);
        }
        await sleep(delay);
        waited += delay;
        delay = Math.min(delay * 2, MAX_POLL_MS);
        const answer = await this.#read(keys, key);
        if (answer !== undefined) return answer;
      }
    } catch (error) {
      if (error instanceof AskFailed) throw error.cause;
      // The store failed: ask directly, as without a shared cache.
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
        const sealed = await seal(keys, key, answer.response, until);
        await bounded(this.#store.set(key, sealed, until)).catch(() => {});
      }
      return answer;
    } finally {
      // Let a waiter ask at once if nothing was shared.
      await bounded(this.#store.delete(lease)).catch(() => {});
    }
  }

  /** A live, authentic entry, or `undefined` (absent, expired, forged). */
  async #read(keys: Keys, key: string): Promise<Answer | undefined> {
    const value = await bounded(this.#store.get(key));
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") return undefined;
    const answer = await open(keys, key, value);
    if (answer === undefined || !(answer.until! > this.#now())) {
      return undefined;
    }
    return answer;
  }
}

/** Wraps what `ask` threw, so the store's own failures stay apart. */
class AskFailed extends Error {
  override readonly cause: unknown;
  constructor(cause: unknown) {
    super("Introspection failed", { cause });
    this.cause = cause;
  }
}

async function deriveKeys(secret: Uint8Array, scope: string): Promise<Keys> {
  const base = await crypto.subtle.importKey(
    "raw",
    secret as Uint8Array<ArrayBuffer>,
    "HKDF",
    false,
    ["deriveKey"],
  );
  const derive = (
    purpose: string,
    algorithm: HmacImportParams | AesKeyAlgorithm,
  ) =>
    crypto.subtle.deriveKey(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: encoder.encode(VERSION),
        info: encoder.encode(`${purpose}\n${scope}`),
      },
      base,
      algorithm,
      false,
      purpose === "index" ? ["sign"] : ["encrypt", "decrypt"],
    );
  const [index, sealKey] = await Promise.all([
    derive("index", { name: "HMAC", hash: "SHA-256", length: 256 }),
    derive("seal", { name: "AES-GCM", length: 256 }),
  ]);
  return { index, seal: sealKey };
}

async function seal(
  keys: Keys,
  key: string,
  response: Record<string, unknown>,
  until: number,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const plain = encoder.encode(JSON.stringify({ u: until, r: response }));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      // The entry's key is authenticated too: an entry moved to another
      // token's key does not open.
      { name: "AES-GCM", iv, additionalData: encoder.encode(key) },
      keys.seal,
      plain,
    ),
  );
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(sealed, IV_BYTES);
  return base64url.encode(out);
}

async function open(
  keys: Keys,
  key: string,
  value: string,
): Promise<Answer | undefined> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = base64url.decode(value) as Uint8Array<ArrayBuffer>;
  } catch {
    return undefined;
  }
  if (bytes.byteLength < IV_BYTES + TAG_BYTES) return undefined;
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: bytes.subarray(0, IV_BYTES),
        additionalData: encoder.encode(key),
      },
      keys.seal,
      bytes.subarray(IV_BYTES),
    );
  } catch {
    return undefined; // forged, or sealed under another secret
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(plain));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { u, r } = parsed as { u?: unknown; r?: unknown };
  if (
    typeof u !== "number" || !Number.isFinite(u) ||
    typeof r !== "object" || r === null || Array.isArray(r)
  ) {
    return undefined;
  }
  return { response: r as Record<string, unknown>, until: u };
}

function bounded<T>(operation: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error("Shared cache store timed out")),
      STORE_TIMEOUT_MS,
    );
  });
  return Promise.race([operation, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
