/**
 * A verifier backed by a fixed token table, for development and tests.
 *
 * @module
 */

import type { AccessToken } from "../core/context.ts";
import { InvalidTokenError } from "../errors.ts";
import {
  isPlainObject,
  optionsObject,
  refuseUnknownKeys,
} from "../_internal/options.ts";
import { isNumericDate } from "../_internal/numeric_date.ts";
import { assertScope } from "../_internal/scope_token.ts";
import { deepFreeze } from "./_claims.ts";
import { clockOption, finiteClock } from "./_options.ts";
import type { TokenVerifier } from "./verifier.ts";

/**
 * One entry of a {@linkcode StaticTokenVerifier} table.
 *
 * @example Usage
 * ```ts
 * import type { StaticTokenEntry } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const entry: StaticTokenEntry = { clientId: "dev", scopes: ["mcp"], expiresAt: 1_900_000_000 };
 * assert.equal(entry.clientId, "dev");
 * ```
 */
export interface StaticTokenEntry {
  /** The client the token was issued to. */
  clientId: string;
  /** The scopes it grants (RFC 6749 §3.3 scope tokens). */
  scopes: string[];
  /** Claims handed on as `AccessToken.claims` (default `{}`). */
  claims?: Record<string, unknown>;
  /** Expiry in seconds since the epoch; later requests are rejected. */
  expiresAt?: number;
  /** The RFC 8707 resource the token is bound to. */
  resource?: string | URL;
}

/**
 * Options of {@linkcode StaticTokenVerifier}.
 *
 * @example Usage
 * ```ts
 * import type { StaticTokenVerifierOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: StaticTokenVerifierOptions = {
 *   tokens: { "dev-token": { clientId: "dev", scopes: [] } },
 *   now: () => 0,
 * };
 * assert.equal(options.now?.(), 0);
 * ```
 */
export interface StaticTokenVerifierOptions {
  /** Token -> what it grants. Only own properties count. */
  tokens: Record<string, StaticTokenEntry>;
  /**
   * The clock, in ms since the epoch (default `Date.now`), called without a
   * receiver. Not `performance.now`, which counts from the start of the
   * process: write `() => performance.timeOrigin + performance.now()`.
   */
  now?: () => number;
}

interface Entry {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly claims: Readonly<Record<string, unknown>>;
  readonly expiresAt: number | undefined;
  readonly resource: string | undefined;
}

// RFC 6750 §2.1 b64token: anything else could never arrive in a header.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const OWNER = "StaticTokenVerifier";
const ENTRY_KEYS: readonly (keyof StaticTokenEntry)[] = [
  "clientId",
  "scopes",
  "claims",
  "expiresAt",
  "resource",
];

function compileEntry(token: string, entry: unknown): Entry {
  const where = `${OWNER} tokens[${JSON.stringify(token)}]`;
  if (!isPlainObject(entry)) {
    throw new TypeError(
      `${where} must be an object with clientId and scopes`,
    );
  }
  refuseUnknownKeys(where, entry, ENTRY_KEYS);
  const { clientId, scopes, claims, expiresAt, resource } = entry;
  if (typeof clientId !== "string" || clientId === "") {
    throw new TypeError(`${where}.clientId must be a non-empty string`);
  }
  if (!Array.isArray(scopes)) {
    throw new TypeError(`${where}.scopes must be an array of scope strings`);
  }
  for (const scope of scopes) assertScope(scope, `${where}.scopes`);
  if (claims !== undefined && !isPlainObject(claims)) {
    throw new TypeError(`${where}.claims must be a plain object`);
  }
  let copiedClaims: Record<string, unknown>;
  try {
    copiedClaims = claims === undefined ? {} : structuredClone(claims);
  } catch {
    throw new TypeError(
      `${where}.claims must hold only JSON-like values (no functions)`,
    );
  }
  if (expiresAt !== undefined && !isNumericDate(expiresAt)) {
    throw new TypeError(
      `${where}.expiresAt must be a finite number of seconds since the epoch, within the range of a Date`,
    );
  }
  let resourceHref: string | undefined;
  if (resource !== undefined) {
    try {
      resourceHref = new URL(resource as string | URL).href;
    } catch {
      throw new TypeError(`${where}.resource must be an absolute URL`);
    }
  }
  return Object.freeze({
    clientId,
    scopes: Object.freeze([...scopes]),
    claims: deepFreeze(copiedClaims),
    expiresAt,
    resource: resourceHref,
  });
}

/**
 * A {@linkcode TokenVerifier} over a fixed table of tokens, for development
 * and tests. Never use it with real secrets in production: anyone holding a
 * table token is that client.
 *
 * - The table is copied, validated and frozen at construction; later changes
 *   to the object passed in have no effect.
 * - Only the table's own entries match: `"constructor"`, `"__proto__"` or
 *   `"toString"` are unknown tokens unless the table defines them.
 * - Every unknown token gets the same `InvalidTokenError("Invalid token")`;
 *   a known token past its `expiresAt` gets `InvalidTokenError("Token
 *   expired")`, judged by the injectable `now` clock.
 * - Each call returns a fresh `AccessToken` (its `scopes` array may be
 *   modified without touching the table; `claims` is frozen).
 *
 * @example Usage
 * ```ts
 * import { InvalidTokenError, StaticTokenVerifier } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const verifier = new StaticTokenVerifier({
 *   tokens: {
 *     "dev-token": { clientId: "dev", scopes: ["mcp"], claims: { sub: "alice" } },
 *     "old-token": { clientId: "dev", scopes: ["mcp"], expiresAt: 1_000 },
 *   },
 *   now: () => 2_000_000, // ms: 2,000 s after the epoch
 * });
 * const token = await verifier.verifyToken("dev-token");
 * assert.deepEqual(token.scopes, ["mcp"]);
 * assert.equal(token.claims.sub, "alice");
 * await assert.rejects(verifier.verifyToken("old-token"), InvalidTokenError);
 * await assert.rejects(verifier.verifyToken("constructor"), InvalidTokenError);
 * ```
 */
export class StaticTokenVerifier implements TokenVerifier {
  readonly #tokens: ReadonlyMap<string, Entry>;
  readonly #now: () => number;

  /**
   * Builds the verifier from a token table.
   *
   * @param options The token table and, for tests, a clock.
   * @throws {TypeError} When an option is unknown, the table is not an
   * object, a token is not b64token syntax (it could never arrive in a
   * Bearer header), or an entry lacks a `clientId`, has an invalid scope,
   * claims that are not a plain object, a non-numeric `expiresAt`, or an
   * unknown property.
   */
  constructor(options: StaticTokenVerifierOptions) {
    options = optionsObject(
      OWNER,
      options,
      ["tokens", "now"],
      "an options object with a tokens table",
    );
    if (!isPlainObject(options.tokens)) {
      throw new TypeError(
        `${OWNER} option "tokens" must be an object mapping each token to { clientId, scopes }`,
      );
    }
    this.#now = finiteClock(clockOption(OWNER, options.now));
    const tokens = new Map<string, Entry>();
    // Own enumerable keys only: nothing inherited becomes a token.
    for (const [token, entry] of Object.entries(options.tokens)) {
      if (!B64TOKEN.test(token)) {
        throw new TypeError(
          `${OWNER} tokens must be b64token strings (RFC 6750 §2.1: letters, digits, "-._~+/", then "=" padding), got ${
            JSON.stringify(token)
          }`,
        );
      }
      tokens.set(token, compileEntry(token, entry));
    }
    this.#tokens = tokens;
  }

  /**
   * Looks the token up in the table.
   *
   * @param token The raw token.
   * @returns A fresh {@linkcode AccessToken} for a known, unexpired token.
   * @throws {InvalidTokenError} For an unknown or expired token.
   * @throws {VerifierUnavailableError} When the injected clock reads
   * something other than a finite number.
   */
  // async, so that every failure is a rejection, never a throw
  // deno-lint-ignore require-await
  async verifyToken(token: string): Promise<AccessToken> {
    const entry = typeof token === "string"
      ? this.#tokens.get(token)
      : undefined;
    if (entry === undefined) throw new InvalidTokenError("Invalid token");
    if (
      entry.expiresAt !== undefined &&
      !(this.#now() < entry.expiresAt * 1000)
    ) {
      throw new InvalidTokenError("Token expired");
    }
    const result: AccessToken = {
      token,
      clientId: entry.clientId,
      scopes: [...entry.scopes],
      claims: entry.claims,
    };
    if (entry.expiresAt !== undefined) result.expiresAt = entry.expiresAt;
    if (entry.resource !== undefined) result.resource = new URL(entry.resource);
    return result;
  }
}
