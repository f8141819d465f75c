/**
 * The options the verifiers share: the audience and issuer they accept,
 * `requiredScopes`, `cache` and the `now` clock. Generic readers come from
 * the option kit (`src/_internal/options.ts`). Internal.
 *
 * @module
 */

import { normalizeScopes, OFFLINE_ACCESS } from "../_internal/scope_token.ts";
import {
  functionOption,
  isRecord,
  label,
  numberOption,
  show,
  stringListOption,
} from "../_internal/options.ts";
import { resourceIdentifierKey } from "../_internal/url.ts";
import { type CompiledHierarchy, compileHierarchy } from "../core/scopes.ts";
import { VerifierUnavailableError } from "../errors.ts";
import { TokenCache } from "./token_cache.ts";

/**
 * The audiences a verifier accepts: as configured, and by comparison key
 * (scheme and host case, default port: `resourceIdentifierKey`) -> the
 * configured value and, when it is a URL, the URL.
 */
export interface Audiences {
  readonly values: readonly string[];
  readonly byKey: ReadonlyMap<string, string>;
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
  const values = Object.freeze(stringListOption(owner, "audience", value));
  const byKey = new Map<string, string>();
  const urls = new Map<string, URL>();
  for (const audience of values) {
    const key = resourceIdentifierKey(audience);
    if (!byKey.has(key)) byKey.set(key, audience);
    if (URL.canParse(audience)) urls.set(audience, new URL(audience));
  }
  return { values, byKey, urls };
}

/**
 * Reads `issuer`: a string or a list of strings, compared exactly (RFC 9068
 * §4: the resource server MUST check `iss`). Required; `false` skips the
 * check.
 */
export function issuerOption(
  owner: string,
  value: unknown,
): readonly string[] | undefined {
  if (value === false) return undefined;
  if (value === undefined) {
    throw new TypeError(
      `${owner} option "issuer" is required: set it to the authorization server's issuer identifier, exactly as its tokens' "iss" (RFC 9068 §4), or to false to skip the issuer check`,
    );
  }
  return Object.freeze(stringListOption(owner, "issuer", value));
}

/** Reads `scopeHierarchy` (broader scope -> the scopes it implies). */
export function hierarchyOption(
  value: unknown,
): CompiledHierarchy | undefined {
  return value === undefined ? undefined : compileHierarchy(value);
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
// A literal, not `16 * 1024`: bundlers keep an unused binary expression.
const DEFAULT_MAX_TOKEN_LENGTH = 16_384;

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

/**
 * Reads `requiredScopes`. `offline_access` is refused: it asks an
 * authorization server for a refresh token, no access token is required to
 * hold it, and a challenge never names it (MCP, "Refresh Tokens").
 */
export function scopesOption(owner: string, value: unknown): string[] {
  if (value === undefined) return [];
  const scopes = normalizeScopes(value, label(owner, "requiredScopes"));
  if (scopes.includes(OFFLINE_ACCESS)) {
    throw new TypeError(
      `${
        label(owner, "requiredScopes")
      } must not contain "offline_access": it asks the authorization server for a refresh token, and a resource server never requires or advertises it`,
    );
  }
  return scopes;
}

/** The `typ` RFC 9068 §2.1 gives JWT access tokens, as compared. */
const ACCESS_TOKEN_TYP = "application/at+jwt";

/**
 * A `typ` header value as compared: lower-cased (media types are
 * case-insensitive, RFC 2045 §5.1) with `application/` prepended when it
 * has no `/` (RFC 7515 §4.1.9), so `at+jwt`, `AT+JWT` and
 * `application/at+jwt` are one type.
 */
export function normalizeTyp(value: string): string {
  const lower = value.toLowerCase();
  return lower.includes("/") ? lower : `application/${lower}`;
}

/**
 * Reads `typ`: the accepted JWT `typ` header values, `at+jwt` by default
 * (RFC 9068 §4: a resource server MUST check it); a string or a list
 * replaces the default; `false` skips the check.
 *
 * @throws {TypeError} When it is anything else.
 */
export function typOption(
  owner: string,
  value: unknown,
): ReadonlySet<string> | undefined {
  if (value === false) return undefined;
  if (value === undefined) return new Set([ACCESS_TOKEN_TYP]);
  if (
    !(typeof value === "string" && value !== "") &&
    !(Array.isArray(value) && value.length > 0 &&
      value.every((item) => typeof item === "string" && item !== ""))
  ) {
    throw new TypeError(
      `${
        label(owner, "typ")
      } must be a "typ" header value such as "at+jwt", a non-empty list of them, or false to accept any type, got ${
        show(value)
      }`,
    );
  }
  const list: readonly string[] = typeof value === "string" ? [value] : value;
  return new Set(list.map(normalizeTyp));
}
