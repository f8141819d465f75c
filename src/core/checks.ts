/**
 * Check factories: `requireScopes`, `restrictTag`, `requireRoles`, and what
 * a scope-aware check is. Each factory validates its arguments once and
 * returns a frozen check. The combinators are in `combinators.ts`.
 *
 * @module
 */

import { optionsObject, show } from "../_internal/options.ts";
import {
  type AuthCheck,
  type AuthContext,
  type Component,
  holdsScopes,
} from "./context.ts";
import { normalizeScopes } from "../_internal/scope_token.ts";
import { unmetScopes } from "./scopes.ts";

/**
 * A check that can name the scopes a token lacks: empty when satisfied, and
 * empty when there is no token (an authentication problem, not a scope
 * shortfall). Users may write their own.
 *
 * @example Usage
 * ```ts
 * import { AuthContext, requireScopes, type ScopeAwareCheck } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const check: ScopeAwareCheck = requireScopes("files:read", "files:write");
 * const ctx = new AuthContext({
 *   token: { token: "t", clientId: "c", scopes: ["files:read"], claims: {} },
 *   component: { kind: "tool", name: "write_file" },
 * });
 * assert.equal(check(ctx), false);
 * assert.deepEqual(check.missingScopes(ctx), ["files:write"]);
 * assert.deepEqual(check.requiredScopes?.(ctx), ["files:read", "files:write"]);
 * ```
 */
export interface ScopeAwareCheck extends AuthCheck {
  /** The scopes the token lacks for this check to pass. */
  missingScopes(ctx: AuthContext): string[];
  /**
   * Every scope this check requires of `ctx`, held or not (a superset of
   * `missingScopes`); empty when it does not apply. Optional: a step-up
   * challenge names these beside every missing scope, so that a client
   * which replaces its scopes with the challenge's keeps the ones it needs
   * (RFC 6750 §3). Without it, the check adds only its missing scopes.
   */
  requiredScopes?(ctx: AuthContext): string[];
}

/** Options of {@linkcode restrictTag}. */
export interface RestrictTagOptions {
  /** Scopes a token must ALL hold to reach a component with the tag. */
  scopes: string[];
}

/** Options of {@linkcode requireRoles}. */
export interface RequireRolesOptions {
  /**
   * Reads the roles from the token's claims: an iterable of strings, or a
   * single role as a string. Returning anything else, or throwing a
   * `TypeError` (say, reading a property of an absent claim), denies.
   */
  extract(claims: Record<string, unknown>): unknown;
}

/** `fn`, renamed: checks are reported to `onError` under this name. Internal. */
export function named<F extends (...args: never[]) => unknown>(
  fn: F,
  name: string,
): F {
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

/** `check` with its `missingScopes` and `requiredScopes`, frozen. Internal. */
export function scopeAware(
  check: AuthCheck,
  missingScopes: (ctx: AuthContext) => string[],
  requiredScopes: (ctx: AuthContext) => string[],
): ScopeAwareCheck {
  return Object.freeze(Object.assign(check, { missingScopes, requiredScopes }));
}

/**
 * The check `requireScopes` and `restrictTag` both build: a token reaching a
 * component the check guards (with a tag: one carrying it; else every one)
 * must hold ALL of `scopes`.
 */
function scopeCheck(
  name: string,
  scopes: readonly string[],
  tag?: string,
): ScopeAwareCheck {
  const required = Object.freeze(normalizeScopes(scopes, `${name}()`));
  const guards = (ctx: AuthContext): boolean =>
    tag === undefined || hasTag(ctx.component, tag);
  const check = named(
    (ctx: AuthContext): boolean => !guards(ctx) || ctx[holdsScopes](required),
    `${name}(${tag ?? required.join(" ")})`,
  );
  return scopeAware(
    check,
    (ctx) =>
      guards(ctx) && ctx.token !== undefined
        ? unmetScopes(ctx.grantedScopes, required)
        : [],
    // The scopes it names, never the broader ones a token holds instead.
    (ctx) => guards(ctx) ? [...required] : [],
  );
}

/**
 * Requires ALL of the given scopes (AND). No token denies. Reads
 * `ctx.grantedScopes`, so a broader scope satisfies the narrower ones it
 * implies under the context's scope hierarchy.
 *
 * @param scopes The scopes required; at least one.
 * @returns A scope-aware check.
 * @throws {TypeError} When no scope is given, or one is not a valid scope
 * token (RFC 6749 §3.3).
 *
 * @example Usage
 * ```ts
 * import { AuthContext, requireScopes } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const canRead = requireScopes("files:read");
 * const ctx = new AuthContext({
 *   token: { token: "t", clientId: "c", scopes: ["files:write"], claims: {} },
 *   component: { kind: "tool", name: "read_file" },
 *   scopeHierarchy: { "files:write": ["files:read"] },
 * });
 * assert.equal(canRead(ctx), true);
 * ```
 */
export function requireScopes(...scopes: string[]): ScopeAwareCheck {
  if (scopes.length === 0) {
    throw new TypeError(
      "requireScopes() needs at least one scope; to require only a token, use (ctx) => ctx.token !== undefined",
    );
  }
  return scopeCheck("requireScopes", scopes);
}

/** Whether a component carries `tag`, whether its tags are a Set or a list. */
function hasTag(component: Component, tag: string): boolean {
  const tags: unknown = component.tags;
  if (tags === undefined || tags === null) return false;
  if (Array.isArray(tags)) return tags.includes(tag);
  if (typeof (tags as ReadonlySet<string>).has === "function") {
    return (tags as ReadonlySet<string>).has(tag) === true;
  }
  // A string or a plain object (say, from a JSON config) is not "untagged":
  // throwing makes the runner deny instead of waving the component through.
  throw new TypeError(
    `Component tags must be a Set or an array of strings, got ${show(tags)}`,
  );
}

const TAG_HINT =
  "{ scopes: [...] } with at least one scope a token must hold to reach components with the tag";

/**
 * Guards every component carrying `tag`: a component without the tag
 * passes; one with it needs a token holding ALL of `options.scopes`.
 *
 * @param tag The tag to guard.
 * @param options The scopes the tag requires.
 * @returns A scope-aware check.
 * @throws {TypeError} When `tag` is not a non-empty string, `options` is not
 * an object or has a key other than `scopes`, or `options.scopes` is
 * missing, empty or holds an invalid scope.
 *
 * @example Usage
 * ```ts
 * import { AuthContext, restrictTag } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const adminOnly = restrictTag("admin", { scopes: ["admin"] });
 * const token = { token: "t", clientId: "c", scopes: ["user"], claims: {} };
 * const untagged = new AuthContext({ token, component: { kind: "tool", name: "echo" } });
 * const tagged = new AuthContext({
 *   token,
 *   component: { kind: "tool", name: "drop_db", tags: ["admin"] },
 * });
 * assert.equal(adminOnly(untagged), true);
 * assert.equal(adminOnly(tagged), false);
 * assert.deepEqual(adminOnly.missingScopes(tagged), ["admin"]);
 * ```
 */
export function restrictTag(
  tag: string,
  options: RestrictTagOptions,
): ScopeAwareCheck {
  if (typeof tag !== "string" || tag === "") {
    throw new TypeError(
      `restrictTag() expects a non-empty tag string, got ${show(tag)}`,
    );
  }
  const { scopes } = optionsObject(
    "restrictTag",
    options,
    ["scopes"],
    TAG_HINT,
  );
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new TypeError(`restrictTag needs ${TAG_HINT}, got ${show(scopes)}`);
  }
  return scopeCheck("restrictTag", scopes, tag);
}

/** Whether the extracted roles include every required role; `false` when malformed. */
function holdsRoles(extracted: unknown, roles: readonly string[]): boolean {
  if (typeof extracted === "string") {
    // A bare string is one role, not a list of characters.
    return roles.length === 1 && roles[0] === extracted;
  }
  if (extracted === null || typeof extracted !== "object") return false;
  if (extracted instanceof Set) {
    return roles.every((role) => extracted.has(role));
  }
  if (Array.isArray(extracted)) {
    return roles.every((role) => extracted.includes(role));
  }
  if (typeof (extracted as Iterable<unknown>)[Symbol.iterator] !== "function") {
    return false;
  }
  const held = new Set<unknown>(extracted as Iterable<unknown>);
  return roles.every((role) => held.has(role));
}

const ROLES_HINT =
  "{ extract(claims) } returning the token's roles, e.g. (claims) => claims.roles";

/**
 * Requires ALL of the given roles (AND), read from the token's claims by
 * `options.extract`. Opaque: it cannot name what a token lacks, so a denial
 * never discloses the roles. An absent or malformed claim denies.
 *
 * @param roles The roles required; at least one.
 * @param options Where the roles are in the claims.
 * @returns An opaque check.
 * @throws {TypeError} When `roles` is empty or holds a non-string or empty
 * string, `options` is not an object or has a key other than `extract`, or
 * `options.extract` is not a function.
 *
 * @example Usage
 * ```ts
 * import { AuthContext, requireRoles } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const editors = requireRoles(["editor"], {
 *   extract: (claims) => (claims.realm_access as { roles: string[] }).roles,
 * });
 * const ctx = new AuthContext({
 *   token: {
 *     token: "t",
 *     clientId: "c",
 *     scopes: [],
 *     claims: { realm_access: { roles: ["editor", "viewer"] } },
 *   },
 *   component: { kind: "tool", name: "publish" },
 * });
 * assert.equal(editors(ctx), true);
 * ```
 */
export function requireRoles(
  roles: string[],
  options: RequireRolesOptions,
): AuthCheck {
  if (!Array.isArray(roles) || roles.length === 0) {
    throw new TypeError(
      `requireRoles() needs a non-empty array of roles, got ${show(roles)}`,
    );
  }
  for (const role of roles) {
    if (typeof role !== "string" || role === "") {
      throw new TypeError(
        `requireRoles() expects roles to be non-empty strings, got ${
          show(role)
        }`,
      );
    }
  }
  const { extract } = optionsObject(
    "requireRoles",
    options,
    ["extract"],
    ROLES_HINT,
  );
  if (typeof extract !== "function") {
    throw new TypeError(
      `requireRoles needs ${ROLES_HINT}, got ${show(extract)}`,
    );
  }
  const required = Object.freeze([...new Set(roles)]);
  const check = named((ctx: AuthContext): boolean => {
    const token = ctx.token;
    if (token === undefined) return false;
    let extracted: unknown;
    try {
      extracted = extract(token.claims);
    } catch (error) {
      // An absent claim (reading a property of undefined) is a plain denial.
      if (error instanceof TypeError) return false;
      throw error;
    }
    return holdsRoles(extracted, required);
  }, `requireRoles(${required.join(" ")})`);
  return Object.freeze(check);
}

/** Whether `check` exposes `missingScopes` (tolerant of hostile getters). */
export function isScopeAware(check: unknown): check is ScopeAwareCheck {
  try {
    return typeof check === "function" &&
      typeof (check as Partial<ScopeAwareCheck>).missingScopes === "function";
  } catch {
    return false;
  }
}
