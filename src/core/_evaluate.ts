/**
 * The evaluation core shared by the runner, the combinators and the
 * Authorizer. Internal: not exported from `mod.ts`.
 *
 * Checks are called synchronously and awaited only when they return a
 * thenable, so an all-sync chain never allocates a promise. Exactly `true`
 * allows and `false` denies; any other result (or resolved value) denies
 * and is reported as a `TypeError` naming the check; an
 * `AuthorizationError` propagates; anything else thrown is reported and
 * denies.
 *
 * The reporter is explicit: every function here takes the one masked errors
 * go to. A combinator, called with a context only, takes it from the
 * context (`carriedReporter`), which the runner or Authorizer evaluating it
 * built to carry its own (`AuthContext[carrying]`, `AuthContext[seeded]`).
 * No state outlives a call.
 *
 * @module
 */

import { reportSafely } from "../_internal/report.ts";
import {
  type AuthCheck,
  type AuthContext,
  checkName,
  type ErrorReporter,
  reporter,
  warnOnError,
} from "./context.ts";
import {
  AuthorizationError,
  type AuthorizationUnavailableError,
} from "../errors.ts";

export { type ErrorReporter, warnOnError };

/** Whether `error` is a deliberate denial, robust to hostile thrown values. */
export function isAuthorizationError(
  error: unknown,
): error is AuthorizationError {
  try {
    return error instanceof AuthorizationError;
  } catch {
    // A Proxy whose getPrototypeOf trap throws is not a deliberate denial.
    return false;
  }
}

/**
 * Whether `error` says "could not decide now" (an engine unreachable): an
 * `AuthorizationUnavailableError`, told by its `code` so that the core
 * bundle does not carry the class. Robust to hostile thrown values.
 */
export function isUnavailableError(
  error: unknown,
): error is AuthorizationUnavailableError {
  try {
    return isAuthorizationError(error) &&
      error.code === "ERR_AUTHORIZATION_UNAVAILABLE";
  } catch {
    return false;
  }
}

/**
 * The reporter `ctx` carries: the one of the run evaluating it, or the
 * default warning for a context no runner built (a combinator called
 * directly) and for a value that is not an AuthContext.
 */
export function carriedReporter(ctx: AuthContext): ErrorReporter {
  try {
    const carried: unknown = (ctx as { [reporter]?: unknown })[reporter];
    if (typeof carried === "function") return carried as ErrorReporter;
  } catch {
    // A hostile context (a Proxy that throws) reports to the default.
  }
  return warnOnError;
}

/** Rethrows a deliberate denial; reports anything else and denies. */
function settleError(
  error: unknown,
  check: AuthCheck,
  report: ErrorReporter,
): false {
  if (isAuthorizationError(error)) throw error;
  reportSafely(report, error, check);
  return false;
}

/** Whether `value` is a thenable; reading `then` may throw (the caller catches). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value instanceof Promise) return true;
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}

/** What a value is, for a message: its kind, never its content. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return `${type === "object" ? "an" : "a"} ${type}`;
}

/**
 * Reports a result that is neither `true` nor `false` (a truthy `"true"`,
 * `1`, `{}`, a forgotten `return`): it denies, and the user learns why.
 */
function denyNonBoolean(
  value: unknown,
  check: AuthCheck,
  report: ErrorReporter,
  verb: string,
): false {
  reportSafely(
    report,
    new TypeError(
      `Auth check "${checkName(check)}" ${verb} ${
        kindOf(value)
      }, not a boolean: only true allows, so it denies`,
    ),
    check,
  );
  return false;
}

async function settle(
  pending: PromiseLike<unknown>,
  check: AuthCheck,
  report: ErrorReporter,
): Promise<boolean> {
  let value: unknown;
  try {
    value = await pending;
  } catch (error) {
    return settleError(error, check, report);
  }
  if (value === true || value === false) return value;
  return denyNonBoolean(value, check, report, "resolved to");
}

function notAFunction(check: unknown): TypeError {
  return new TypeError(`An auth check must be a function, got ${typeof check}`);
}

/**
 * Evaluates one check. Returns a boolean when the check is synchronous and a
 * promise only when it returned a thenable. Throws (or rejects with) an
 * `AuthorizationError` only.
 */
export function evaluateCheck(
  check: AuthCheck,
  ctx: AuthContext,
  report: ErrorReporter,
): boolean | Promise<boolean> {
  let result: unknown;
  try {
    if (typeof check !== "function") throw notAFunction(check);
    result = check(ctx);
    if (result === true || result === false) return result;
    // Reading `then` may run a hostile getter: keep it inside the try.
    if (isThenable(result)) return settle(result, check, report);
  } catch (error) {
    return settleError(error, check, report);
  }
  return denyNonBoolean(result, check, report, "returned");
}

/**
 * Evaluates checks with AND logic, in order, stopping at the first denial.
 * Stays synchronous until a check returns a thenable.
 */
export function evaluateAll(
  checks: readonly AuthCheck[],
  ctx: AuthContext,
  report: ErrorReporter,
  start = 0,
): boolean | Promise<boolean> {
  // One guarded section for the whole synchronous run, not a call and a
  // guard per check: this loop is the hot path of every list and call.
  let i = start;
  try {
    for (; i < checks.length; i++) {
      const check = checks[i]!;
      if (typeof check !== "function") throw notAFunction(check);
      const result: unknown = check(ctx);
      if (result === true) continue;
      if (result === false) return false;
      if (!isThenable(result)) {
        return denyNonBoolean(result, check, report, "returned");
      }
      const next = i + 1;
      return settle(result, check, report).then((ok) =>
        ok && evaluateAll(checks, ctx, report, next)
      );
    }
    return true;
  } catch (error) {
    return settleError(error, checks[i]!, report);
  }
}

/** A check list as given by a user: one check, a list, or nothing. */
export function toCheckList(checks: unknown): readonly AuthCheck[] {
  if (Array.isArray(checks)) return checks;
  // A lone non-function is kept so that evaluating it denies (fail closed).
  return [checks as AuthCheck];
}
