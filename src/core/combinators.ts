/**
 * The combinators `anyOf` and `allOf`: one check made of several. Called by
 * a runner or an Authorizer, a combinator reports its branches' masked
 * errors to that run's `onError`, carried by the context it is given;
 * called directly, to the default warning.
 *
 * @module
 */

import { show } from "../_internal/show.ts";
import type { AuthCheck, AuthContext } from "./context.ts";
import {
  carriedReporter,
  type ErrorReporter,
  evaluateAll,
  evaluateCheck,
} from "./_evaluate.ts";
import {
  isScopeAware,
  named,
  scopeAware,
  type ScopeAwareCheck,
} from "./checks.ts";

function assertChecks(checks: unknown[], where: string): void {
  if (checks.length === 0) {
    throw new TypeError(`${where} needs at least one check`);
  }
  checks.forEach((check, i) => {
    if (typeof check !== "function") {
      throw new TypeError(
        `${where} expects every check to be a function (ctx) => boolean, got ${
          show(check)
        } at position ${i}`,
      );
    }
  });
}

/** How a scope-aware combinator names scopes: `missingScopes`, `requiredScopes`. */
type ScopesOf = readonly [
  missing: (ctx: AuthContext) => string[],
  required: (ctx: AuthContext) => string[],
];

/**
 * What a branch requires of `ctx`: its `requiredScopes`, or for a branch
 * without them (a user's own check), what it lacks.
 */
function requiredBy(branch: ScopeAwareCheck, ctx: AuthContext): string[] {
  return typeof branch.requiredScopes === "function"
    ? branch.requiredScopes(ctx)
    : branch.missingScopes(ctx);
}

/** Builds a combinator: callable as a check, evaluable with a caller's reporter. */
function combinator(
  name: string,
  evaluate: (
    ctx: AuthContext,
    reporter: ErrorReporter,
  ) => boolean | Promise<boolean>,
  scopes: ScopesOf | undefined,
): AuthCheck {
  // The context carries the reporter of the run evaluating it: a runner's
  // onError, an Authorizer's, or the default warning for a context built by
  // hand (a combinator called directly).
  const check = named(
    (ctx: AuthContext): boolean | Promise<boolean> =>
      evaluate(ctx, carriedReporter(ctx)),
    name,
  );
  if (scopes !== undefined) return scopeAware(check, scopes[0], scopes[1]);
  return Object.freeze(check);
}

interface FirstDenial {
  error?: unknown;
  seen: boolean;
}

function anyFrom(
  branches: readonly AuthCheck[],
  ctx: AuthContext,
  reporter: ErrorReporter,
  start: number,
  denial: FirstDenial,
): boolean | Promise<boolean> {
  for (let i = start; i < branches.length; i++) {
    let result: boolean | Promise<boolean>;
    try {
      result = evaluateCheck(branches[i]!, ctx, reporter);
    } catch (error) {
      // Only an AuthorizationError gets here: that branch denies.
      if (!denial.seen) denial.error = error, denial.seen = true;
      continue;
    }
    if (result === true) return true;
    if (result === false) continue;
    return result.then(
      (ok) => ok || anyFrom(branches, ctx, reporter, i + 1, denial),
      (error) => {
        if (!denial.seen) denial.error = error, denial.seen = true;
        return anyFrom(branches, ctx, reporter, i + 1, denial);
      },
    );
  }
  if (denial.seen) throw denial.error;
  return false;
}

/**
 * Allows when any branch allows, trying them in order and stopping at the
 * first allow. A branch that throws counts as that branch's denial (an
 * error other than `AuthorizationError` goes to the `onError` of the runner
 * or Authorizer evaluating it; called directly, to the default warning);
 * when no branch allows, the first `AuthorizationError` seen propagates,
 * else it denies. Scope-aware exactly when every branch is: `missingScopes` is the
 * smallest branch shortfall (the first on a tie), empty if any branch is
 * satisfied, and `requiredScopes` are that one branch's requirements (the
 * first satisfied branch's, else the nearest one's): the other branches are
 * alternatives, so a step-up never asks for them.
 *
 * @param checks The branches; at least one.
 * @returns The OR of the branches.
 * @throws {TypeError} When no check is given or one is not a function.
 *
 * @example Usage
 * ```ts
 * import { AuthContext, anyOf, requireScopes } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const readOrAdmin = anyOf(requireScopes("files:read"), requireScopes("admin"));
 * const ctx = new AuthContext({
 *   token: { token: "t", clientId: "c", scopes: ["admin"], claims: {} },
 *   component: { kind: "resource", name: "log", uri: "file:///log" },
 * });
 * assert.equal(await readOrAdmin(ctx), true);
 * ```
 */
export function anyOf(...checks: ScopeAwareCheck[]): ScopeAwareCheck;
/**
 * Allows when any branch allows; opaque when some branch is opaque.
 *
 * @param checks The branches; at least one.
 * @returns The OR of the branches.
 * @throws {TypeError} When no check is given or one is not a function.
 *
 * @example Usage
 * ```ts
 * import { AuthContext, anyOf, requireRoles, requireScopes } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const check = anyOf(requireScopes("admin"), requireRoles(["owner"], { extract: (c) => c.roles }));
 * const ctx = new AuthContext({
 *   token: { token: "t", clientId: "c", scopes: [], claims: { roles: ["owner"] } },
 *   component: { kind: "tool", name: "transfer" },
 * });
 * assert.equal(await check(ctx), true);
 * ```
 */
export function anyOf(...checks: AuthCheck[]): AuthCheck;
export function anyOf(...checks: AuthCheck[]): AuthCheck {
  assertChecks(checks, "anyOf()");
  const branches = Object.freeze([...checks]);
  const scopeAwareBranches = branches.every(isScopeAware)
    ? branches as readonly ScopeAwareCheck[]
    : undefined;
  return combinator(
    `anyOf(${branches.length})`,
    (ctx, reporter) => anyFrom(branches, ctx, reporter, 0, { seen: false }),
    scopeAwareBranches && [
      (ctx) => [...nearestBranch(scopeAwareBranches, ctx).missing],
      (ctx) => {
        const { branch } = nearestBranch(scopeAwareBranches, ctx);
        return branch === undefined ? [] : requiredBy(branch, ctx);
      },
    ],
  );
}

/**
 * The branch of an `anyOf` a token is nearest to: the first satisfied one,
 * else the one with the smallest shortfall (the first on a tie). Its
 * shortfall is the combinator's, and only its requirements are the
 * combinator's: the other branches are alternatives, not requirements.
 */
function nearestBranch(
  branches: readonly ScopeAwareCheck[],
  ctx: AuthContext,
): { branch: ScopeAwareCheck | undefined; missing: readonly string[] } {
  let nearest: { branch: ScopeAwareCheck; missing: string[] } | undefined;
  for (const branch of branches) {
    const missing = branch.missingScopes(ctx);
    if (missing.length === 0) return { branch, missing };
    if (nearest === undefined || missing.length < nearest.missing.length) {
      nearest = { branch, missing };
    }
  }
  return nearest ?? { branch: undefined, missing: [] };
}

/**
 * One check that is the AND of its branches, in order, stopping at the first
 * denial. A branch's masked error goes where {@linkcode anyOf}'s do.
 * Scope-aware when every branch is (`missingScopes` and `requiredScopes` are
 * the unions of the branches'), so `anyOf(allOf(a, b), c)` composes.
 *
 * @param checks The branches; at least one.
 * @returns The AND of the branches.
 * @throws {TypeError} When no check is given or one is not a function.
 *
 * @example Usage
 * ```ts
 * import { AuthContext, allOf, anyOf, requireScopes } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const check = anyOf(allOf(requireScopes("read"), requireScopes("write")), requireScopes("admin"));
 * const ctx = new AuthContext({
 *   token: { token: "t", clientId: "c", scopes: ["read"], claims: {} },
 *   component: { kind: "tool", name: "sync" },
 * });
 * assert.equal(await check(ctx), false);
 * assert.deepEqual(check.missingScopes(ctx), ["write"]);
 * ```
 */
export function allOf(...checks: ScopeAwareCheck[]): ScopeAwareCheck;
/**
 * The AND of its branches; opaque when some branch is opaque.
 *
 * @param checks The branches; at least one.
 * @returns The AND of the branches.
 * @throws {TypeError} When no check is given or one is not a function.
 *
 * @example Usage
 * ```ts
 * import { AuthContext, allOf, requireRoles, requireScopes } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const check = allOf(requireScopes("write"), requireRoles(["editor"], { extract: (c) => c.roles }));
 * const ctx = new AuthContext({
 *   token: { token: "t", clientId: "c", scopes: ["write"], claims: { roles: "viewer" } },
 *   component: { kind: "tool", name: "publish" },
 * });
 * assert.equal(await check(ctx), false);
 * ```
 */
export function allOf(...checks: AuthCheck[]): AuthCheck;
export function allOf(...checks: AuthCheck[]): AuthCheck {
  assertChecks(checks, "allOf()");
  const branches = Object.freeze([...checks]);
  const scopeAwareBranches = branches.every(isScopeAware)
    ? branches as readonly ScopeAwareCheck[]
    : undefined;
  return combinator(
    `allOf(${branches.length})`,
    (ctx, reporter) => evaluateAll(branches, ctx, reporter),
    scopeAwareBranches && [
      (ctx) =>
        unionOf(scopeAwareBranches, (branch) => branch.missingScopes(ctx)),
      (ctx) => unionOf(scopeAwareBranches, (branch) => requiredBy(branch, ctx)),
    ],
  );
}

function unionOf(
  branches: readonly ScopeAwareCheck[],
  scopesOf: (branch: ScopeAwareCheck) => readonly string[],
): string[] {
  const union = new Set<string>();
  for (const branch of branches) {
    for (const scope of scopesOf(branch)) union.add(scope);
  }
  return [...union];
}
