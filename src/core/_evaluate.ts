/**
 * The evaluation core shared by the runner, the combinators and the
 * Authorizer. Internal: not exported from `mod.ts`.
 *
 * Checks are called synchronously and awaited only when they return a
 * thenable, so an all-sync chain never allocates a promise. Exactly `true`
 * allows; an `AuthorizationError` propagates; anything else thrown is
 * reported and denies.
 *
 * @module
 */

import { reportSafely } from "../_internal/report.ts";
import type { AuthCheck } from "./context.ts";
import type { AuthContext } from "./context.ts";
import { AuthorizationError } from "../errors.ts";

/** Receives an exception a check threw, which is then treated as denial. */
export type ErrorReporter = (error: unknown, check: AuthCheck) => void;

/** The name a check is reported under. */
function checkName(check: unknown): string {
  try {
    const name = typeof check === "function" ? check.name : "";
    return typeof name === "string" && name !== "" ? name : "anonymous check";
  } catch {
    return "anonymous check";
  }
}

/** The default reporter: one warning naming the check, on the server's console. */
export const warnOnError: ErrorReporter = (error, check) => {
  console.warn(
    `mcp-authz: auth check "${checkName(check)}" threw; treated as denial`,
    error,
  );
};

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

/** Rethrows a deliberate denial; reports anything else and denies. */
function settleError(
  error: unknown,
  check: AuthCheck,
  reporter: ErrorReporter,
): false {
  if (isAuthorizationError(error)) throw error;
  reportSafely(reporter, error, check);
  return false;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value instanceof Promise) return true;
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}

async function settle(
  pending: PromiseLike<unknown>,
  check: AuthCheck,
  reporter: ErrorReporter,
): Promise<boolean> {
  try {
    return (await pending) === true;
  } catch (error) {
    return settleError(error, check, reporter);
  }
}

/**
 * The reporter of the evaluation under way. Set around every synchronous call
 * of a check, so that a combinator called by the runner reports its
 * branches' errors to the runner's `onError`; outside a run it is the default.
 */
let activeReporter: ErrorReporter = warnOnError;

/** The reporter a combinator should use for the call being made now. */
export function currentReporter(): ErrorReporter {
  return activeReporter;
}

/**
 * Evaluates one check. Returns a boolean when the check is synchronous and a
 * promise only when it returned a thenable. Throws (or rejects with) an
 * `AuthorizationError` only.
 */
export function evaluateCheck(
  check: AuthCheck,
  ctx: AuthContext,
  reporter: ErrorReporter,
): boolean | Promise<boolean> {
  let result: unknown;
  const outer = activeReporter;
  activeReporter = reporter;
  try {
    if (typeof check !== "function") {
      throw new TypeError(
        `An auth check must be a function, got ${typeof check}`,
      );
    }
    result = check(ctx);
    if (result === true || result === false) return result;
    // Reading `then` may run a hostile getter: keep it inside the try.
    if (isThenable(result)) return settle(result, check, reporter);
  } catch (error) {
    return settleError(error, check, reporter);
  } finally {
    activeReporter = outer;
  }
  return result === true;
}

/**
 * Evaluates checks with AND logic, in order, stopping at the first denial.
 * Stays synchronous until a check returns a thenable.
 */
export function evaluateAll(
  checks: readonly AuthCheck[],
  ctx: AuthContext,
  reporter: ErrorReporter,
  start = 0,
): boolean | Promise<boolean> {
  // One guarded section for the whole synchronous run, not one per check:
  // this loop is the hot path of every list and call.
  const outer = activeReporter;
  activeReporter = reporter;
  let i = start;
  try {
    for (; i < checks.length; i++) {
      const check = checks[i]!;
      if (typeof check !== "function") {
        throw new TypeError(
          `An auth check must be a function, got ${typeof check}`,
        );
      }
      const result: unknown = check(ctx);
      if (result === true) continue;
      if (result === false) return false;
      if (!isThenable(result)) return false;
      const next = i + 1;
      return settle(result, check, reporter).then((ok) =>
        ok && evaluateAll(checks, ctx, reporter, next)
      );
    }
    return true;
  } catch (error) {
    return settleError(error, checks[i]!, reporter);
  } finally {
    activeReporter = outer;
  }
}

/** A check list as given by a user: one check, a list, or nothing. */
export function toCheckList(checks: unknown): readonly AuthCheck[] {
  if (Array.isArray(checks)) return checks;
  // A lone non-function is kept so that evaluating it denies (fail closed).
  return [checks as AuthCheck];
}
