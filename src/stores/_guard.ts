/**
 * What every store adapter shares: its options (`prefix`, `timeoutMs`,
 * `now`, unknown keys refused, through the option kit), a deadline on every
 * operation, and one error for every way a store can fail, so a request
 * meets a 503 with `Retry-After` and never a hang, a 500 or a guess.
 * Internal.
 *
 * @module
 */

import { withDeadline } from "../_internal/deadline.ts";
import {
  label,
  numberOption,
  optionsObject,
  show,
  stringOption,
} from "../_internal/options.ts";
import { VerifierUnavailableError } from "../errors.ts";
import { clockOption, finiteClock } from "../verify/_options.ts";

/** Seconds a client is asked to wait when a store fails (a hint). */
export const RETRY_AFTER_SECONDS = 2;

/** The options every adapter takes, read once. */
export interface StoreSettings {
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly now: () => number;
  /** The adapter's own options (`client`, `kv` ...), each read once. */
  readonly own: Readonly<Record<string, unknown>>;
}

const DEFAULT_PREFIX = "mcp-authz";
const PREFIX = /^[\x21-\x7e]{1,64}$/;
const COMMON = ["prefix", "timeoutMs", "now"] as const;

/**
 * Validates an adapter's options: refuses unknown keys, reads `prefix`,
 * `timeoutMs` and `now` (`finiteClock`: a clock reading `NaN` is a 503,
 * never a TTL of `NaN`). `own` lists the adapter's other option names.
 *
 * @throws {TypeError} When the options are not an object, a key is unknown,
 * or `prefix`, `timeoutMs` or `now` is malformed.
 */
export function storeSettings(
  owner: string,
  options: unknown,
  own: readonly string[],
  defaultTimeoutMs: number,
): StoreSettings {
  const given = optionsObject<Record<string, unknown>>(
    owner,
    options as Record<string, unknown> | undefined,
    [...own, ...COMMON],
    `an options object with ${own.map((name) => `"${name}"`).join(" and ")}`,
  );
  const prefix = stringOption(owner, "prefix", given.prefix) ?? DEFAULT_PREFIX;
  if (!PREFIX.test(prefix)) {
    throw new TypeError(
      `${
        label(owner, "prefix")
      } must be 1 to 64 printable ASCII characters without spaces, got ${
        show(prefix)
      }`,
    );
  }
  return Object.freeze({
    prefix,
    timeoutMs: numberOption(
      owner,
      "timeoutMs",
      given.timeoutMs,
      defaultTimeoutMs,
      { min: 1, unit: "milliseconds" },
    ),
    now: finiteClock(clockOption(owner, given.now)),
    own: given,
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
  try {
    return await withDeadline(
      operation,
      timeoutMs,
      () => unavailable(owner, `timed out after ${timeoutMs} ms`),
    );
  } catch (error) {
    if (isUnavailable(error)) throw error;
    throw unavailable(owner, "unavailable", error);
  }
}

/**
 * Whether a client threw a `VerifierUnavailableError` already (the deadline
 * does). A thrown Proxy whose traps throw is not one, and must not escape
 * the store as its own error.
 */
function isUnavailable(error: unknown): boolean {
  try {
    return error instanceof VerifierUnavailableError;
  } catch {
    return false;
  }
}
