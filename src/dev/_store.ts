/**
 * A bounded, expiring in-memory map for codes, approval transactions and
 * refresh tokens: lookups ignore expired entries, and a full store drops its
 * oldest entry, so no flood of requests grows memory without bound.
 * Internal.
 *
 * @module
 */

/** An entry that ends. */
export interface Expiring {
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

/** A bounded map whose entries expire. */
export class ExpiringStore<V extends Expiring> {
  readonly #entries = new Map<string, V>();
  readonly #max: number;
  readonly #now: () => number;

  /**
   * @param max The most entries kept.
   * @param now The clock, epoch milliseconds.
   */
  constructor(max: number, now: () => number) {
    this.#max = max;
    this.#now = now;
  }

  /** The live entry, or `undefined` (an expired one is removed). */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Stores `value`, dropping expired entries, then the oldest, when full. */
  set(key: string, value: V): void {
    if (this.#entries.size >= this.#max) this.#prune();
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, value);
  }

  /** Removes the entry of `key`. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Removes every entry `test` selects. */
  deleteWhere(test: (value: V) => boolean): void {
    for (const [key, value] of this.#entries) {
      if (test(value)) this.#entries.delete(key);
    }
  }

  #prune(): void {
    const now = this.#now();
    for (const [key, value] of this.#entries) {
      if (value.expiresAt <= now) this.#entries.delete(key);
    }
  }
}
