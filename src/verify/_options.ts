/**
 * The options the verifiers share: the audience and issuer they accept,
 * `requiredScopes`, `cache` and the `now` clock. Generic readers come from
 * the option kit (`src/_internal/options.ts`). Internal.
 *
 * @module
 */

import { normalizeScopes } from "../_internal/scope_token.ts";
import {
  functionOption,
  isRecord,
  label,
  numberOption,
  show,
  stringListOption,
} from "../_internal/options.ts";
import { VerifierUnavailableError } from "../errors.ts";
import { TokenCache } from "./token_cache.ts";

/** The audiences a verifier accepts, with the ones that are URLs parsed. */
export interface Audiences {
  readonly values: readonly string[];
  readonly urls: ReadonlyMap<string, URL>;
}

/** Reads `audience`: required unless explicitly `false` (MCP, RFC 8707). */
export function audienceOption(
  owner: string,
  value: unknown,
): Audiences | undefined {
  if (value === false) return undefined;
  if (value === undefined) {
    throw new TypeError(
      `${owner} option "audience" is required: set it to this server's resource identifier (RFC 8707), or to false to skip the audience check`,
    );
  }
  const values = stringListOption(owner, "audience", value);
  const urls = new Map<string, URL>();
  for (const audience of values) {
    if (URL.canParse(audience)) urls.set(audience, new URL(audience));
  }
  return { values, urls };
}

/** Reads `issuer`: a string or a list of strings, or nothing. */
export function issuerOption(
  owner: string,
  value: unknown,
): readonly string[] | undefined {
  return value === undefined
    ? undefined
    : stringListOption(owner, "issuer", value);
}

/**
 * Reads `cache`: `false` for none, else the cache its options describe (the
 * defaults when absent).
 *
 * @throws {TypeError} When it is neither `false` nor valid cache options.
 */
export function cacheOption<V>(
  owner: string,
  value: unknown,
  defaultMaxAgeMs: number,
  now: () => number,
): TokenCache<V> | undefined {
  if (value === false) return undefined;
  if (value !== undefined && !isRecord(value)) {
    throw new TypeError(
      `${owner} option "cache" must be an object of cache options or false, got ${
        show(value)
      }`,
    );
  }
  return new TokenCache<V>(owner, value ?? {}, defaultMaxAgeMs, now);
}

/**
 * Reads `now`, the clock in ms since the epoch (`Date.now` by default),
 * called without a receiver.
 *
 * @throws {TypeError} When it is not a function, or is `performance.now`,
 * which counts from the start of the process (and needs `performance` as
 * its receiver).
 */
export function clockOption(owner: string, value: unknown): () => number {
  if (value !== undefined && value === globalThis.performance?.now) {
    throw new TypeError(
      `${
        label(owner, "now")
      } must count milliseconds since the epoch, like Date.now; performance.now counts from the start of the process: use () => performance.timeOrigin + performance.now()`,
    );
  }
  return functionOption<() => number>(owner, "now", value, Date.now);
}

/**
 * `now`, failing as unavailable when it reads anything but a finite number:
 * compared with `exp`, `NaN` would let every expired token through, and
 * would keep every cached token for ever.
 */
export function finiteClock(now: () => number): () => number {
  if (now === Date.now) return now;
  return () => {
    const ms: unknown = now();
    if (typeof ms === "number" && Number.isFinite(ms)) return ms;
    throw new VerifierUnavailableError("Clock unreadable");
  };
}

/**
 * The `fetch` of verifiers given none: one function for the isolate, so
 * that JWKS stores keyed by `fetch` are shared by all of them. It looks
 * `fetch` up at each call (tests may stub it).
 */
export const defaultFetch: typeof fetch = (input, init) => fetch(input, init);

/** Reads `fetch` (default {@linkcode defaultFetch}), called without a receiver. */
export function fetchOption(owner: string, value: unknown): typeof fetch {
  return functionOption<typeof fetch>(owner, "fetch", value, defaultFetch);
}

/** Longest token accepted by default, in characters. */
const DEFAULT_MAX_TOKEN_LENGTH = 16 * 1024;

/** Reads `maxTokenLength`: an integer of at least 1 (default 16384). */
export function maxTokenLengthOption(owner: string, value: unknown): number {
  return numberOption(
    owner,
    "maxTokenLength",
    value,
    DEFAULT_MAX_TOKEN_LENGTH,
    { min: 1, integer: true },
  );
}

/** Reads `requiredScopes`. */
export function scopesOption(owner: string, value: unknown): string[] {
  return value === undefined
    ? []
    : normalizeScopes(value, `${owner} option "requiredScopes"`);
}
