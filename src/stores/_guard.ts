/**
 * What every store adapter shares: its options (`prefix`, `timeoutMs`,
 * `now`, unknown keys refused), a deadline on every operation, and one
 * error for every way a store can fail, so a request meets a 503 with
 * `Retry-After` and never a hang, a 500 or a guess.
 *
 * @module
 */

import { VerifierUnavailableError } from "../../mod.ts";

/** Seconds a client is asked to wait when a store fails (a hint). */
export const RETRY_AFTER_SECONDS = 2;

/** The options every adapter takes. */
export interface StoreSettings {
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly now: () => number;
}

const DEFAULT_PREFIX = "mcp-authz";
const PREFIX = /^[\x21-\x7e]{1,64}$/;

/**
 * Validates an adapter's options: refuses unknown keys, reads `prefix`,
 * `timeoutMs` and `now`. `own` lists the adapter's other option names.
 */
export function storeSettings(
  owner: string,
  options: unknown,
  own: readonly string[],
  defaultTimeoutMs: number,
): StoreSettings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${owner} needs an options object`);
  }
  const known = [...own, "prefix", "timeoutMs", "now"];
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new TypeError(
        `${owner} has no option "${name}": use ${
          known.map((k) => `"${k}"`).join(", ")
        }`,
      );
    }
  }
  const { prefix = DEFAULT_PREFIX, timeoutMs = defaultTimeoutMs, now } =
    options as { prefix?: unknown; timeoutMs?: unknown; now?: unknown };
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    throw new TypeError(
      `${owner} option "prefix" must be 1 to 64 printable ASCII characters without spaces, got "${
        String(prefix)
      }"`,
    );
  }
  if (
    typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) ||
    timeoutMs < 1
  ) {
    throw new TypeError(
      `${owner} option "timeoutMs" must be a number of milliseconds of at least 1, got "${
        String(timeoutMs)
      }"`,
    );
  }
  if (now !== undefined && typeof now !== "function") {
    throw new TypeError(
      `${owner} option "now" must be a function returning milliseconds`,
    );
  }
  const clock = now as (() => number) | undefined;
  return Object.freeze({
    prefix,
    timeoutMs,
    // Called without a receiver (host clocks refuse another `this`).
    now: clock === undefined ? () => Date.now() : () => clock(),
  });
}

/** The store failed: a 503 for the request, with the cause for logs. */
export function unavailable(
  owner: string,
  what: string,
  cause?: unknown,
): VerifierUnavailableError {
  return new VerifierUnavailableError(`${owner} ${what}`, {
    retryAfter: RETRY_AFTER_SECONDS,
    cause,
  });
}

/**
 * Runs one store operation under the deadline; any failure, a timeout
 * included, becomes a `VerifierUnavailableError`.
 */
export async function guarded<T>(
  owner: string,
  timeoutMs: number,
  operation: () => Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(unavailable(owner, `timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      (async () => await operation())(),
      deadline,
    ]);
  } catch (error) {
    if (error instanceof VerifierUnavailableError) throw error;
    throw unavailable(owner, "unavailable", error);
  } finally {
    clearTimeout(timer);
  }
}

/** An expiry given by a caller: a finite number of milliseconds. */
export function checkExpiry(owner: string, expiresAt: unknown): number {
  if (typeof expiresAt !== "number" || !Number.isFinite(expiresAt)) {
    throw new TypeError(
      `${owner} expiresAt must be a finite number of milliseconds since the epoch`,
    );
  }
  return expiresAt;
}

/** A value given by a caller: a string. */
export function checkValue(owner: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new TypeError(`${owner} values must be strings`);
  }
  return value;
}
