/**
 * Running checks: `runAuthChecks` (FastMCP's `run_auth_checks`),
 * `runAuthChecksWithShortfall` and `scopeRequirements`.
 *
 * @module
 */

import { reportSafely } from "../_internal/report.ts";
import { isScopeAware } from "./checks.ts";
import { type AuthCheck, AuthContext, carrying } from "./context.ts";
import {
  type ErrorReporter,
  evaluateAll,
  evaluateCheck,
  toCheckList,
  warnOnError,
} from "./_evaluate.ts";
import { isScopeToken } from "../_internal/scope_token.ts";

/**
 * Options of the runners. Read on every call, so they are not checked for
 * unknown keys (that would cost an allocation per decision); a misspelt
 * `onError` leaves the default warning, and checks deny all the same.
 *
 * @example Usage
 * ```ts
 * import { AuthContext, runAuthChecks, type RunOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const seen: unknown[] = [];
 * const options: RunOptions = { onError: (error) => seen.push(error) };
 * const ctx = new AuthContext({ component: { kind: "tool", name: "t" } });
 * const broken = () => { throw new Error("database down"); };
 * assert.equal(await runAuthChecks(broken, ctx, options), false);
 * assert.equal(seen.length, 1);
 * ```
 */
export interface RunOptions {
  /**
   * Receives every exception a check throws other than an
   * `AuthorizationError`, a combinator's branches' included, and a
   * `TypeError` naming a check whose result is not a boolean (`"true"`,
   * `1`, `undefined`); the check is then treated as denying. Default (also
   * for a value that is not a function): one `console.warn` naming the
   * check. Never reaches the caller. Called without a receiver.
   */
  onError?: ((error: unknown, check: AuthCheck) => void) | undefined;
}

/**
 * The outcome of {@linkcode runAuthChecksWithShortfall}.
 *
 * @example Usage
 * ```ts
 * import type { Shortfall } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const denied: Shortfall = { authorized: false, missingScopes: ["admin"] };
 * assert.equal(denied.authorized, false);
 * ```
 */
export interface Shortfall {
  /** Whether every check allowed. */
  authorized: boolean;
  /**
   * The sorted union of the scopes the token lacks, across every
   * scope-aware check; empty when authorized or when an opaque check denied.
   */
  missingScopes: string[];
}

/** The reporter named by the options, or the default warning. */
function reporterFrom(options: RunOptions | undefined): ErrorReporter {
  const onError = options?.onError;
  return typeof onError === "function" ? onError : warnOnError;
}

/**
 * Runs checks with AND logic, in order, stopping at the first denial. An
 * empty list allows. Sync and async checks mix freely; only real thenables
 * are awaited. A check allows only by returning exactly `true`.
 *
 * With an `onError`, the checks see a copy of `ctx` that carries it (same
 * token, component, arguments and scope set), so that a combinator reports
 * its branches' errors there too; without options, `ctx` itself.
 *
 * @param checks One check or a list.
 * @param ctx What the checks see.
 * @param options Where masked exceptions are reported.
 * @returns Whether every check allowed.
 * @throws {AuthorizationError} When a check throws one (it propagates
 * unchanged and stops the chain). Any other exception is masked: reported to
 * `onError` and treated as denial.
 *
 * @example Usage
 * ```ts
 * import { AuthContext, requireScopes, runAuthChecks } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const ctx = new AuthContext({
 *   token: { token: "t", clientId: "c", scopes: ["read"], claims: {} },
 *   component: { kind: "tool", name: "search" },
 * });
 * assert.equal(await runAuthChecks([requireScopes("read"), async () => true], ctx), true);
 * // Anything but a boolean denies, and is reported as a misconfiguration.
 * const seen: unknown[] = [];
 * const onError = (error: unknown) => seen.push(error);
 * assert.equal(await runAuthChecks(() => "yes" as never, ctx, { onError }), false);
 * assert.ok(seen[0] instanceof TypeError);
 * ```
 */
export function runAuthChecks(
  checks: AuthCheck | readonly AuthCheck[],
  ctx: AuthContext,
  options?: RunOptions,
): Promise<boolean> {
  try {
    const report = reporterFrom(options);
    // Without options, nothing to carry: `ctx` already says where its
    // combinators report (the default warning, for a context built by hand).
    const run = options === undefined
      ? ctx
      : AuthContext[carrying](ctx, report);
    // A lone check skips the list: the common case on a hot path.
    const result = Array.isArray(checks)
      ? evaluateAll(checks, run, report)
      : evaluateCheck(checks as AuthCheck, run, report);
    return typeof result === "boolean" ? (result ? ALLOW : DENY) : result;
  } catch (error) {
    return Promise.reject(error);
  }
}

// Settled results are immutable, so one promise per outcome serves every call.
// Pure: a bundle without runAuthChecks drops them.
const ALLOW: Promise<boolean> = /* @__PURE__ */ Promise.resolve(true);
const DENY: Promise<boolean> = /* @__PURE__ */ Promise.resolve(false);

/** A denial that names no scope. */
function opaqueDenial(): Shortfall {
  return { authorized: false, missingScopes: [] };
}

/**
 * The scopes a scope-aware check says the token lacks, or `undefined` when
 * it cannot say: the check is opaque, or `missingScopes` threw or returned
 * something other than a list of valid scope tokens.
 */
function shortfallOf(
  check: AuthCheck,
  ctx: AuthContext,
  report: ErrorReporter,
): readonly string[] | undefined {
  if (!isScopeAware(check)) return undefined;
  try {
    const missing: unknown = check.missingScopes(ctx);
    if (!Array.isArray(missing) || !missing.every(isScopeToken)) {
      throw new TypeError(
        "missingScopes() must return an array of scope strings (RFC 6749 §3.3)",
      );
    }
    return missing;
  } catch (error) {
    reportSafely(report, error, check);
    return undefined;
  }
}

/**
 * Adds to `into` every scope the checks say they require of `ctx`, held or
 * not (their `requiredScopes`): what a step-up challenge names beside the
 * missing scopes. A check without `requiredScopes` adds nothing here (its
 * missing scopes come from its shortfall); one whose `requiredScopes`
 * throws or returns anything but scope tokens is reported and adds nothing.
 * Internal.
 */
export function addRequirements(
  checks: readonly AuthCheck[],
  ctx: AuthContext,
  report: ErrorReporter,
  into: Set<string>,
): void {
  for (const check of checks) {
    if (!isScopeAware(check)) continue;
    try {
      const requiredScopes: unknown = check.requiredScopes;
      if (requiredScopes === undefined) continue;
      const required: unknown = typeof requiredScopes === "function"
        ? requiredScopes.call(check, ctx)
        : undefined;
      if (!Array.isArray(required) || !required.every(isScopeToken)) {
        throw new TypeError(
          "requiredScopes() must return an array of scope strings (RFC 6749 §3.3)",
        );
      }
      for (const scope of required) into.add(scope);
    } catch (error) {
      reportSafely(report, error, check);
    }
  }
}

/**
 * A reporter that notes masked errors, a combinator's branches' included:
 * a check that threw is opaque, whatever its `missingScopes` claims.
 * Internal; one per run, evaluated one check after another.
 */
export interface Tracker {
  /** Forwards to the run's reporter and sets `masked`. */
  readonly report: ErrorReporter;
  /** Whether `report` was called since the run last cleared it. */
  masked: boolean;
}

/** A {@linkcode Tracker} forwarding to `report`. */
export function tracker(report: ErrorReporter): Tracker {
  const tracked: Tracker = {
    masked: false,
    report: (error, check) => {
      tracked.masked = true;
      report(error, check);
    },
  };
  return tracked;
}

/**
 * Adds what a denied check says the token lacks to `missing` (made on first
 * use: an allowed run allocates nothing); `undefined` when it names nothing
 * (opaque, masked, or no token): the run stops there.
 */
function addShortfall(
  check: AuthCheck,
  ctx: AuthContext,
  tracked: Tracker,
  missing: Set<string> | undefined,
): Set<string> | undefined {
  const lacking = tracked.masked
    ? undefined
    : shortfallOf(check, ctx, tracked.report);
  if (lacking === undefined || lacking.length === 0) return undefined;
  const union = missing ?? new Set<string>();
  for (const scope of lacking) union.add(scope);
  return union;
}

/**
 * Runs the checks to the end, collecting the scope shortfall. Stops at an
 * opaque denial (nothing more can be said) and at an AuthorizationError.
 * `ctx` must carry `tracked.report` (see `AuthContext[carrying]`).
 */
export function evaluateShortfall(
  checks: readonly AuthCheck[],
  ctx: AuthContext,
  tracked: Tracker,
  start = 0,
  missing?: Set<string>,
): Shortfall | Promise<Shortfall> {
  for (let i = start; i < checks.length; i++) {
    const check = checks[i]!;
    tracked.masked = false;
    const result = evaluateCheck(check, ctx, tracked.report);
    if (result === true) continue;
    if (result === false) {
      missing = addShortfall(check, ctx, tracked, missing);
      if (missing === undefined) return opaqueDenial();
      continue;
    }
    // One check at a time: `masked` is this check's alone when it settles.
    return result.then((ok) => {
      const more = ok ? missing : addShortfall(check, ctx, tracked, missing);
      return ok || more !== undefined
        ? evaluateShortfall(checks, ctx, tracked, i + 1, more)
        : opaqueDenial();
    });
  }
  return missing === undefined
    ? { authorized: true, missingScopes: [] }
    : { authorized: false, missingScopes: [...missing].sort() };
}

/**
 * Runs checks like {@linkcode runAuthChecks} but to the end, and says which
 * scopes the token lacks: the sorted union of every unmet scope across all
 * scope-aware checks, reported only when every opaque check passed. An
 * opaque denial gives `{ authorized: false, missingScopes: [] }`.
 *
 * @param checks One check or a list.
 * @param ctx What the checks see.
 * @param options Where masked exceptions are reported.
 * @returns Whether the checks allowed, and the scope shortfall.
 * @throws {AuthorizationError} When a check throws one.
 *
 * @example Usage
 * ```ts
 * import { AuthContext, requireScopes, restrictTag, runAuthChecksWithShortfall } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const ctx = new AuthContext({
 *   token: { token: "t", clientId: "c", scopes: [], claims: {} },
 *   component: { kind: "tool", name: "wipe", tags: ["admin"] },
 * });
 * const result = await runAuthChecksWithShortfall(
 *   [requireScopes("write"), restrictTag("admin", { scopes: ["admin"] })],
 *   ctx,
 * );
 * assert.deepEqual(result, { authorized: false, missingScopes: ["admin", "write"] });
 * ```
 */
export function runAuthChecksWithShortfall(
  checks: AuthCheck | readonly AuthCheck[],
  ctx: AuthContext,
  options?: RunOptions,
): Promise<Shortfall> {
  try {
    const tracked = tracker(reporterFrom(options));
    const run = AuthContext[carrying](ctx, tracked.report);
    return Promise.resolve(
      evaluateShortfall(toCheckList(checks), run, tracked),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The scopes the token lacks for these checks, without running any of them:
 * the sorted union of their `missingScopes`, or `undefined` when any check
 * is opaque (its requirement cannot be known without running it).
 *
 * @param checks One check or a list.
 * @param ctx What the checks see.
 * @param options Where exceptions from `missingScopes` are reported.
 * @returns The unmet scopes, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { AuthContext, requireRoles, requireScopes, scopeRequirements } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const ctx = new AuthContext({
 *   token: { token: "t", clientId: "c", scopes: ["read"], claims: {} },
 *   component: { kind: "tool", name: "edit" },
 * });
 * assert.deepEqual(scopeRequirements([requireScopes("read", "write")], ctx), ["write"]);
 * const opaque = requireRoles(["editor"], { extract: (claims) => claims.roles });
 * assert.equal(scopeRequirements([requireScopes("write"), opaque], ctx), undefined);
 * ```
 */
export function scopeRequirements(
  checks: AuthCheck | readonly AuthCheck[],
  ctx: AuthContext,
  options?: RunOptions,
): string[] | undefined {
  const report = reporterFrom(options);
  const union = new Set<string>();
  for (const check of toCheckList(checks)) {
    const lacking = shortfallOf(check, ctx, report);
    if (lacking === undefined) return undefined;
    for (const scope of lacking) union.add(scope);
  }
  return [...union].sort();
}
