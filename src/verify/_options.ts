/**
 * The options JWT and introspection verification share: the audience and
 * issuer they accept, `requiredScopes`, and `cache`. Generic readers come
 * from the option kit (`src/_internal/options.ts`). Internal.
 *
 * @module
 */

import { normalizeScopes } from "../_internal/scope_token.ts";
import { show, stringListOption } from "../_internal/options.ts";
import type { TokenCacheOptions } from "./token_cache.ts";

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

/** Reads `cache`: `false` for none, else the options (`{}` when absent). */
export function cacheOption(
  owner: string,
  value: unknown,
): TokenCacheOptions | false {
  if (value === false) return false;
  if (value !== undefined && (typeof value !== "object" || value === null)) {
    throw new TypeError(
      `${owner} option "cache" must be an object of cache options or false, got ${
        show(value)
      }`,
    );
  }
  return (value ?? {}) as TokenCacheOptions;
}

/** Reads `requiredScopes`. */
export function scopesOption(owner: string, value: unknown): string[] {
  return value === undefined
    ? []
    : normalizeScopes(value, `${owner} option "requiredScopes"`);
}
