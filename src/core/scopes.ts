/**
 * Scope tokens and scope hierarchies: validation once at construction, and
 * the closure of a token's scopes under a hierarchy.
 *
 * @module
 */

/**
 * Broader scope -> the narrower scopes it implies, transitively (MCP
 * authorization, "Step-Up Authorization Flow": servers MUST account for scope
 * hierarchies). Cycles are harmless.
 *
 * @example Usage
 * ```ts
 * import { AuthContext, type ScopeHierarchy } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const hierarchy: ScopeHierarchy = {
 *   "files:admin": ["files:write"],
 *   "files:write": ["files:read"],
 * };
 * const ctx = new AuthContext({
 *   token: { token: "t", clientId: "c", scopes: ["files:admin"], claims: {} },
 *   component: { kind: "tool", name: "read_file" },
 *   scopeHierarchy: hierarchy,
 * });
 * assert.ok(ctx.grantedScopes.has("files:read"));
 * ```
 */
export type ScopeHierarchy = Readonly<Record<string, readonly string[]>>;

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Whether `value` is a syntactically valid scope token (RFC 6749 §3.3). */
export function isScopeToken(value: unknown): value is string {
  return typeof value === "string" && SCOPE_TOKEN.test(value);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/**
 * Validates a list of scopes given by a developer and returns a sorted,
 * deduplicated copy.
 *
 * @throws {TypeError} When the list is not an array or holds an invalid scope.
 */
export function normalizeScopes(scopes: unknown, where: string): string[] {
  if (!Array.isArray(scopes)) {
    throw new TypeError(
      `${where} expects an array of scope strings, got ${describe(scopes)}`,
    );
  }
  for (const scope of scopes) assertScope(scope, where);
  return [...new Set<string>(scopes)].sort();
}

/**
 * Throws a `TypeError` unless `scope` is a valid scope token.
 *
 * @throws {TypeError} When `scope` is not a valid scope token.
 */
export function assertScope(
  scope: unknown,
  where: string,
): asserts scope is string {
  if (!isScopeToken(scope)) {
    throw new TypeError(
      `${where} expects scopes to be non-empty strings without spaces, quotes or backslashes (RFC 6749 §3.3), got ${
        describe(scope)
      }`,
    );
  }
}

/** A validated hierarchy: scope -> the scopes it implies directly. */
export type CompiledHierarchy = ReadonlyMap<string, readonly string[]>;

/**
 * Validates a hierarchy and returns a compiled snapshot. Later changes to
 * the caller's object are not followed: an Authorizer keeps the hierarchy it
 * was built with, validated.
 *
 * @throws {TypeError} When the hierarchy is not an object mapping scope
 * strings to arrays of scope strings.
 */
export function compileHierarchy(hierarchy: unknown): CompiledHierarchy {
  if (
    hierarchy === null || typeof hierarchy !== "object" ||
    Array.isArray(hierarchy)
  ) {
    throw new TypeError(
      `scopeHierarchy must be an object mapping a scope to the scopes it implies, got ${
        describe(hierarchy)
      }`,
    );
  }
  const map = new Map<string, readonly string[]>();
  // Own enumerable keys only: an inherited "constructor" is not a scope.
  for (const [broad, narrower] of Object.entries(hierarchy)) {
    assertScope(broad, "scopeHierarchy");
    if (!Array.isArray(narrower)) {
      throw new TypeError(
        `scopeHierarchy[${
          JSON.stringify(broad)
        }] must be an array of scope strings, got ${describe(narrower)}`,
      );
    }
    for (const scope of narrower) assertScope(scope, "scopeHierarchy");
    map.set(broad, Object.freeze([...narrower]));
  }
  return map;
}

/**
 * The set of scopes a token holds: its own scopes closed under the
 * hierarchy. Entries that are not strings are ignored (fail closed).
 */
export function closeScopes(
  scopes: unknown,
  hierarchy: CompiledHierarchy | undefined,
): Set<string> {
  const granted = new Set<string>();
  if (!Array.isArray(scopes)) return granted;
  for (const scope of scopes) {
    if (typeof scope === "string") granted.add(scope);
  }
  if (hierarchy === undefined || hierarchy.size === 0) return granted;
  // Breadth-first: each scope is expanded once, so cycles terminate.
  const queue = [...granted];
  for (let i = 0; i < queue.length; i++) {
    const implied = hierarchy.get(queue[i]!);
    if (implied === undefined) continue;
    for (const scope of implied) {
      if (!granted.has(scope)) {
        granted.add(scope);
        queue.push(scope);
      }
    }
  }
  return granted;
}
