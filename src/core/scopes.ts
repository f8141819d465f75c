/**
 * Scope tokens and scope hierarchies: validation once at construction, and
 * the closure of a token's scopes under a hierarchy.
 *
 * @module
 */

import { assertScope } from "../_internal/scope_token.ts";
import { isPlainObject, isRecord, show } from "../_internal/options.ts";

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
  // A Map (or a class instance) has no own keys: read as a hierarchy it
  // would silently imply nothing.
  if (!isPlainObject(hierarchy)) {
    throw new TypeError(
      `scopeHierarchy must be an object mapping a scope to the scopes it implies, got ${
        isRecord(hierarchy)
          ? "a Map, a class instance or an object inheriting its entries (write it as an object literal)"
          : show(hierarchy)
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
        }] must be an array of scope strings, got ${show(narrower)}`,
      );
    }
    for (const scope of narrower) assertScope(scope, "scopeHierarchy");
    map.set(broad, Object.freeze([...narrower]));
  }
  return map;
}

const addScope = Set.prototype.add;

/**
 * A scope set that refuses `add`, `delete` and `clear`: the set of a context
 * is shared by every check of a decision (and, empty, by every anonymous
 * one), so a check that writes to `ctx.grantedScopes` would grant scopes to
 * the checks after it. Filled through `Set.prototype.add` while built.
 */
class ScopeSet extends Set<string> {
  /** Refuses: a context's scopes are read-only. */
  override add(_scope: string): this {
    throw readOnly();
  }
  /** Refuses: a context's scopes are read-only. */
  override delete(_scope: string): boolean {
    throw readOnly();
  }
  /** Refuses: a context's scopes are read-only. */
  override clear(): void {
    throw readOnly();
  }
}

function readOnly(): TypeError {
  return new TypeError(
    "grantedScopes is read-only: copy it (new Set(ctx.grantedScopes)) to change it",
  );
}

/** The empty scope set of a context without a token, shared. */
export const NO_SCOPES: ReadonlySet<string> = new ScopeSet();

/**
 * The set of scopes a token holds: its own scopes closed under the
 * hierarchy, read-only. Entries that are not strings are ignored (fail
 * closed).
 */
export function closeScopes(
  scopes: unknown,
  hierarchy: CompiledHierarchy | undefined,
): ReadonlySet<string> {
  const granted = new ScopeSet();
  if (!Array.isArray(scopes)) return granted;
  for (const scope of scopes) {
    if (typeof scope === "string") addScope.call(granted, scope);
  }
  if (hierarchy === undefined || hierarchy.size === 0) return granted;
  // Breadth-first: each scope is expanded once, so cycles terminate.
  const queue = [...granted];
  for (let i = 0; i < queue.length; i++) {
    const implied = hierarchy.get(queue[i]!);
    if (implied === undefined) continue;
    for (const scope of implied) {
      if (!granted.has(scope)) {
        addScope.call(granted, scope);
        queue.push(scope);
      }
    }
  }
  return granted;
}

/**
 * Whether a token's `scopes`, closed under `hierarchy`, include every scope
 * of `required`. Without a hierarchy the list itself is scanned: token
 * scope lists are short, and no set is built per decision.
 */
export function holdsAll(
  scopes: unknown,
  required: readonly string[],
  hierarchy: CompiledHierarchy | undefined,
): boolean {
  if (hierarchy !== undefined && hierarchy.size > 0) {
    return holdsAllOf(closeScopes(scopes, hierarchy), required);
  }
  if (!Array.isArray(scopes)) return false;
  for (let i = 0; i < required.length; i++) {
    if (!scopes.includes(required[i])) return false;
  }
  return true;
}

/** Whether `granted` holds every scope of `required`. */
export function holdsAllOf(
  granted: ReadonlySet<string>,
  required: readonly string[],
): boolean {
  for (let i = 0; i < required.length; i++) {
    if (!granted.has(required[i]!)) return false;
  }
  return true;
}

/** The scopes of `required` that `granted` lacks, in order. */
export function unmetScopes(
  granted: ReadonlySet<string>,
  required: readonly string[],
): string[] {
  return required.filter((scope) => !granted.has(scope));
}
