/**
 * The decision cache of `authzenCheck`: PDP decisions keyed by the exact
 * evaluation sent, kept `ttlMs`, at most `maxEntries` (least recently used
 * first out). Only decisions are kept, never a failure. Internal.
 *
 * @module
 */

/** A key longer than this is not cached: a few huge requests must not fill memory. */
export const MAX_KEY_LENGTH = 16 * 1024;

interface Entry {
  decision: boolean;
  expiresAt: number;
}

/** A bounded, expiring map from an evaluation's JSON to its decision. */
export class DecisionCache {
  #ttlMs: number;
  #maxEntries: number;
  #now: () => number;
  #entries = new Map<string, Entry>();

  /** An empty cache keeping each decision `ttlMs`, at most `maxEntries`. */
  constructor(ttlMs: number, maxEntries: number, now: () => number) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /** How many decisions are held (expired ones included until touched). */
  get size(): number {
    return this.#entries.size;
  }

  /** The decision held for `key`, if it has not expired. */
  get(key: string): boolean | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    // Written so that a clock reading NaN expires the entry (fail closed:
    // the PDP is asked again).
    if (!(this.#now() < entry.expiresAt)) return undefined;
    this.#entries.set(key, entry); // most recently used
    return entry.decision;
  }

  /** Keeps `decision` for `key`, evicting the least recently used beyond the bound. */
  set(key: string, decision: boolean): void {
    if (key.length > MAX_KEY_LENGTH) return;
    this.#entries.delete(key);
    this.#entries.set(key, { decision, expiresAt: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }
}
