/**
 * What JWT and introspection verification share: option checks, reading
 * scopes, client and audience from claims, and copying verified tokens.
 *
 * @module
 */

import type { AccessToken } from "../core/context.ts";
import { InsufficientScopeError, InvalidTokenError } from "../errors.ts";
import { normalizeScopes } from "../core/scopes.ts";
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
  const values = stringList(owner, "audience", value);
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
  return value === undefined ? undefined : stringList(owner, "issuer", value);
}

function stringList(owner: string, name: string, value: unknown): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (
    !Array.isArray(list) || list.length === 0 ||
    !list.every((item) => typeof item === "string" && item.length > 0)
  ) {
    throw new TypeError(
      `${owner} option "${name}" must be a non-empty string or a non-empty list of them, got ${
        describe(value)
      }`,
    );
  }
  return [...list];
}

/** Describes a value for an error message, quoted. */
export function describe(value: unknown): string {
  if (typeof value === "string") return `"${value}"`;
  if (Array.isArray(value)) return `"${JSON.stringify(value)}"`;
  if (value instanceof URL) return `"${value.href}"`;
  return `"${typeof value === "object" ? typeof value : String(value)}"`;
}

/** Reads a number option: finite, at least `min` (and an integer if asked). */
export function numberOption(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  { min = 0, integer = false }: { min?: number; integer?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || !Number.isFinite(value) || value < min ||
    (integer && !Number.isInteger(value))
  ) {
    const kind = integer ? "an integer" : "a finite number";
    throw new TypeError(
      `${owner} option "${name}" must be ${kind} of at least ${min}, got ${
        describe(value)
      }`,
    );
  }
  return value;
}

/** Reads a boolean option, such as `requireExp`. */
export function booleanOption(
  owner: string,
  name: string,
  value: unknown,
  fallback: boolean,
): boolean {
  const option = value ?? fallback;
  if (typeof option !== "boolean") {
    throw new TypeError(
      `${owner} option "${name}" must be true or false, got ${
        describe(option)
      }`,
    );
  }
  return option;
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
        describe(value)
      }`,
    );
  }
  return (value ?? {}) as TokenCacheOptions;
}

/** Receiver-free wrappers of function options, one per function. */
const unbound = new WeakMap<object, (...args: unknown[]) => unknown>();

/** Reads a function option, such as `fetch` or `now`. */
export function functionOption<F>(
  owner: string,
  name: string,
  value: unknown,
  fallback: F,
): F {
  if (value === undefined) return fallback;
  if (typeof value !== "function") {
    throw new TypeError(
      `${owner} option "${name}" must be a function, got ${describe(value)}`,
    );
  }
  // Called without a receiver: host functions such as workerd's `fetch` or
  // `performance.now` throw "Illegal invocation" when called as a method of
  // another object. One wrapper per function, so that identity (the JWKS
  // store registry is keyed by `fetch`) survives.
  let wrapper = unbound.get(value);
  if (wrapper === undefined) {
    const fn = value as (...args: unknown[]) => unknown;
    wrapper = (...args: unknown[]) => fn(...args);
    unbound.set(value, wrapper);
  }
  return wrapper as F;
}

/** Reads `requiredScopes`. */
export function scopesOption(owner: string, value: unknown): string[] {
  return value === undefined
    ? []
    : normalizeScopes(value, `${owner} option "requiredScopes"`);
}

/** Reads an http(s) URL option; plain http only for loopback hosts. */
export function urlOption(owner: string, name: string, value: unknown): URL {
  const url = (typeof value === "string" || value instanceof URL) &&
      URL.canParse(value)
    ? new URL(value)
    : undefined;
  const loopback = url !== undefined &&
    ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (
    url === undefined || url.username !== "" || url.password !== "" ||
    !(url.protocol === "https:" || (url.protocol === "http:" && loopback))
  ) {
    throw new TypeError(
      `${owner} option "${name}" must be an absolute https URL without credentials (http is allowed for localhost only), got ${
        describe(value)
      }`,
    );
  }
  return url;
}

/**
 * Scopes from `scope` (RFC 8693 §4.2, RFC 9068 §2.2.3: space-delimited) or
 * `scp` (an array or a space-delimited string). A claim of another shape is
 * an invalid token, not an empty grant.
 */
export function scopesFromClaims(claims: Record<string, unknown>): string[] {
  const scope = claims.scope ?? claims.scp;
  if (scope === undefined || scope === null) return [];
  if (typeof scope === "string") {
    return scope.split(" ").filter((item) => item.length > 0);
  }
  if (Array.isArray(scope) && scope.every((item) => typeof item === "string")) {
    return scope.filter((item: string) => item.length > 0);
  }
  throw new InvalidTokenError("Token scope claim malformed");
}

/** `client_id` ?? `azp` ?? `sub` ?? `"unknown"`, strings only. */
export function clientIdFromClaims(claims: Record<string, unknown>): string {
  for (const name of ["client_id", "azp", "sub"]) {
    const value = claims[name];
    if (typeof value === "string" && value.length > 0) return value;
  }
  return "unknown";
}

/** The first accepted audience the token's `aud` names. */
export function matchAudience(
  aud: unknown,
  audiences: Audiences,
): string | undefined {
  for (const audience of audiences.values) {
    if (aud === audience || (Array.isArray(aud) && aud.includes(audience))) {
      return audience;
    }
  }
  return undefined;
}

/** Throws `InsufficientScopeError` naming the required scopes not granted. */
export function checkScopes(
  required: readonly string[],
  token: AccessToken,
): void {
  if (required.length === 0) return;
  const missing = required.filter((scope) => !token.scopes.includes(scope));
  if (missing.length > 0) throw new InsufficientScopeError(missing);
}

/** Freezes parsed JSON, so a cached token's claims cannot be changed. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** A copy the caller may change without touching the cached token. */
export function copyToken(token: AccessToken): AccessToken {
  const copy: AccessToken = { ...token, scopes: [...token.scopes] };
  if (token.resource !== undefined) copy.resource = new URL(token.resource);
  return copy;
}
