/**
 * The step-up policy of an `Authorizer` (`stepUp`): what a list shows and a
 * call answers when only scopes stand between a token and a component.
 *
 * - `"layers"` (default, FastMCP's): a layer's scope shortfall hides the
 *   component from lists and answers a call with `InsufficientScopeError`;
 *   a shortfall of the component's own `auth` reads as "not found".
 * - `"always"`: a component whose every failing check is scope-aware (own
 *   `auth` or layers) stays listed, and a call answers
 *   `InsufficientScopeError` naming everything missing; an opaque denial
 *   hides and reads as "not found".
 * - `"never"`: every denial hides and every call reads as "not found".
 *
 * The `"layers"` engine is the Authorizer's own; this module holds the other
 * two, on the same runner (`evaluateShortfall`). Only
 * {@linkcode StepUpPolicy} is public; the rest serves the Authorizer.
 *
 * @module
 */

import { oneOfOption } from "../_internal/options.ts";
import { reportSafely } from "../_internal/report.ts";
import { isScopeToken } from "../_internal/scope_token.ts";
import { isScopeAware, named, type ScopeAwareCheck } from "./checks.ts";
import {
  type AccessToken,
  type AuthCheck,
  AuthContext,
  type AuthContextInit,
  type Component,
  seeded,
} from "./context.ts";
import { isThenable, isUnavailableError, toCheckList } from "./_evaluate.ts";
import {
  addRequirements,
  evaluateShortfall,
  type Shortfall,
  type Tracker,
} from "./runner.ts";
import { type AuthorizationError, InsufficientScopeError } from "../errors.ts";

/**
 * What lists show and calls answer when only scopes stand between a token
 * and a component (the MCP step-up flow), the `stepUp` option of
 * `Authorizer`:
 *
 * - `"layers"` (default, FastMCP's behaviour): a layer's scope shortfall
 *   hides the component from `filter` and makes `authorize` throw
 *   `InsufficientScopeError`; a shortfall of the component's own `auth` is
 *   "not found".
 * - `"always"`: a component whose every failing check is scope-aware (its
 *   own `auth` or layers) stays in `filter`'s result, and `authorize`
 *   throws `InsufficientScopeError` naming every scope it lacks; a denial
 *   by an opaque check hides it and reads as "not found".
 * - `"never"`: every denial hides the component and reads as "not found",
 *   scope shortfalls included: nothing tells a forbidden component from a
 *   missing one.
 *
 * Whatever the policy, an `AuthorizationUnavailableError` from a check is
 * let through (answer "retry", not "not found"). README's "Step-up policy"
 * table says what each one shows and leaks, and which to choose.
 *
 * @example Usage
 * ```ts
 * import { Authorizer, requireScopes, type StepUpPolicy } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const stepUp: StepUpPolicy = "always";
 * const authorizer = new Authorizer({ stepUp });
 * const write = { kind: "tool" as const, name: "write", auth: requireScopes("write") };
 * const reader = { token: "t", clientId: "c", scopes: ["read"], claims: {} };
 * assert.deepEqual(await authorizer.filter(reader, [write]), [write]);
 * await assert.rejects(authorizer.authorize(reader, write), { requiredScopes: ["write"] });
 * ```
 */
export type StepUpPolicy = "layers" | "always" | "never";

const POLICIES: readonly StepUpPolicy[] = Object.freeze([
  "layers",
  "always",
  "never",
]);

/**
 * Reads the `stepUp` option of `owner`.
 *
 * @throws {TypeError} When it is not one of the three policies.
 */
export function stepUpOption(owner: string, value: unknown): StepUpPolicy {
  return oneOfOption(owner, "stepUp", value, POLICIES, "layers");
}

/**
 * `"never"`: the answer of a call under the default engine, with every
 * denial turned into `notFound()` (unavailability excepted), so that a
 * scope shortfall reads exactly as an unknown component.
 */
export async function concealed(
  decision: Promise<void>,
  notFound: () => AuthorizationError,
): Promise<void> {
  try {
    await decision;
  } catch (error) {
    if (isUnavailableError(error)) throw error;
    throw notFound();
  }
}

/** Where an `"always"` run notes which list decided: the event's `layer`. */
export interface LayerNote {
  /** A layer's index; `undefined` for the component's own `auth`. */
  layer: number | undefined;
}

/**
 * `authorize` under `"always"`: own `auth` and every layer run to the end;
 * a denial only scope-aware checks make is a step-up naming all they lack,
 * any other reads as an unknown component (`notFound()`).
 *
 * @param token The verified token.
 * @param component The component asked for; `undefined` when unknown.
 * @param options The call's arguments.
 * @param layers The Authorizer's layers.
 * @param granted The token's scope set (may throw on a malformed token).
 * @param tracked The decision's tracker: where masked errors go.
 * @param notFound The error of an unknown component.
 * @param note Told which list decided (the first short of scopes, or the
 * opaque one), for the decision event.
 */
export async function authorizeAlways(
  token: AccessToken | undefined,
  component: Component | undefined,
  options: { arguments?: Record<string, unknown> | undefined } | undefined,
  layers: readonly (readonly AuthCheck[])[],
  granted: () => ReadonlySet<string>,
  tracked: Tracker,
  notFound: () => AuthorizationError,
  note?: LayerNote | undefined,
): Promise<void> {
  if (component == null) throw notFound();
  let lists: readonly (readonly AuthCheck[])[];
  let ctx: AuthContext;
  let init: AuthContextInit;
  let offset: number;
  try {
    init = { token, component, arguments: options?.arguments };
    const own = component.auth;
    offset = own === undefined ? 0 : 1;
    lists = own === undefined ? layers : [toCheckList(own), ...layers];
    ctx = AuthContext[seeded](
      init,
      granted(),
      tracked.report,
    );
  } catch (error) {
    reportSafely(tracked.report, error, malformed);
    throw notFound();
  }
  const at = note === undefined ? undefined : (i: number): void => {
    note.layer = i < offset ? undefined : i - offset;
  };
  let missing: string[] | undefined;
  try {
    missing = await scopeOnlyShortfall(lists, ctx, tracked, at);
  } catch (error) {
    // A check's own step-up, or an engine that could not decide, stands;
    // any other deliberate denial reads as an unknown component.
    if (error instanceof InsufficientScopeError || isUnavailableError(error)) {
      throw error;
    }
    throw notFound();
  }
  if (missing === undefined) throw notFound();
  if (missing.length === 0) return;
  throw shortfallError(missing, () => {
    // Every scope the checks require, held or not (RFC 6750 §3).
    const required = new Set<string>();
    for (const list of lists) {
      addRequirements(list, ctx, tracked.report, required);
    }
    return [...required];
  });
}

// Named in `onError` reports for a component that cannot be judged.
const malformed: AuthCheck = named(() => false, "invalidComponent");

/** Told the index of each list as it is run, and of the one that decided. */
type Note = ((list: number) => void) | undefined;

/**
 * `"always"`: runs every check list to the end (own `auth`, then each
 * layer), collecting what the token lacks. Resolves to `[]` when allowed,
 * to the sorted missing scopes when every failing check is scope-aware,
 * and to `undefined` when an opaque check denied (nothing can be said).
 * Rejects with what a check threw on purpose (`AuthorizationError`).
 * `ctx` must carry `tracked.report`. `note`, when given, is told the list
 * being run, and last the one that decided: the first short of scopes, or
 * the opaque one.
 */
export function scopeOnlyShortfall(
  lists: readonly (readonly AuthCheck[])[],
  ctx: AuthContext,
  tracked: Tracker,
  note?: Note,
): string[] | undefined | Promise<string[] | undefined> {
  const run: Run = { missing: undefined, first: undefined };
  for (let i = 0; i < lists.length; i++) {
    note?.(i);
    const result = evaluateShortfall(lists[i]!, ctx, tracked);
    if (result instanceof Promise) {
      return result.then((settled) =>
        merge(run, i, settled)
          ? continued(lists, i + 1, ctx, tracked, run, note)
          : undefined
      );
    }
    if (!merge(run, i, result)) return undefined;
  }
  return finished(run, note);
}

/** What a run has found so far. */
interface Run {
  missing: Set<string> | undefined;
  /** The first list short of scopes. */
  first: number | undefined;
}

/** Adds list `i`'s result to `run`; `false` when it denied opaquely. */
function merge(run: Run, i: number, result: Shortfall): boolean {
  if (result.authorized) return true;
  if (result.missingScopes.length === 0) return false;
  run.first ??= i;
  const union = run.missing ??= new Set<string>();
  for (const scope of result.missingScopes) union.add(scope);
  return true;
}

function finished(run: Run, note: Note): string[] {
  if (run.first === undefined) return [];
  note?.(run.first);
  return [...run.missing!].sort();
}

async function continued(
  lists: readonly (readonly AuthCheck[])[],
  start: number,
  ctx: AuthContext,
  tracked: Tracker,
  run: Run,
  note: Note,
): Promise<string[] | undefined> {
  for (let i = start; i < lists.length; i++) {
    note?.(i);
    if (!merge(run, i, await evaluateShortfall(lists[i]!, ctx, tracked))) {
      return undefined;
    }
  }
  return finished(run, note);
}

/**
 * The `InsufficientScopeError` of an `"always"` shortfall: `missing` as
 * `requiredScopes`, and every scope the checks require as
 * `challengeScopes`. Falls back to `missing` alone when a required scope is
 * not a valid scope token (a custom check's claim the error refuses).
 */
export function shortfallError(
  missing: string[],
  required: () => string[],
): InsufficientScopeError {
  try {
    return new InsufficientScopeError(missing, {
      challengeScopes: required(),
    });
  } catch {
    return new InsufficientScopeError(missing);
  }
}

/**
 * `"always"` in lists: `check` made lenient, so that a list keeps what only
 * scopes keep out. A scope-aware check then passes when it passes, or when
 * it denies naming the scopes the token lacks; an opaque check is returned
 * unchanged (a denial it makes still hides). One wrapper per check
 * (`lenient`, cached), so lists allocate none.
 */
export function lenient(check: AuthCheck): AuthCheck {
  if (!isScopeAware(check)) return check;
  let wrapper = LENIENT.get(check);
  if (wrapper === undefined) {
    const names = (ctx: AuthContext): boolean => namesShortfall(check, ctx);
    wrapper = named((ctx: AuthContext): boolean | Promise<boolean> => {
      const result: unknown = check(ctx);
      if (result === true) return true;
      if (isThenable(result)) {
        return Promise.resolve(result).then((ok) => ok === true || names(ctx));
      }
      return names(ctx);
    }, check.name);
    LENIENT.set(check, wrapper);
  }
  return wrapper;
}

/**
 * A component's own `auth` made lenient: a check as `lenient` makes it, a
 * list with each check so (one list per `auth` value, cached, so that
 * batch-check memos keyed by it still hit), anything else as it is.
 */
export function lenientAuth(own: unknown): unknown {
  if (typeof own === "function") return lenient(own as AuthCheck);
  if (!Array.isArray(own)) return own;
  let list = LENIENT_LISTS.get(own);
  if (list === undefined) {
    list = lenientList(own);
    LENIENT_LISTS.set(own, list);
  }
  return list;
}

// Own `auth` lists are frozen by the guard and registered once: bounded by them.
const LENIENT_LISTS = new WeakMap<readonly AuthCheck[], readonly AuthCheck[]>();

/** The lenient form of each check of a list; the list itself when none changes. */
export function lenientList(
  checks: readonly AuthCheck[],
): readonly AuthCheck[] {
  let changed: AuthCheck[] | undefined;
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i]!;
    const wrapped = typeof check === "function" ? lenient(check) : check;
    if (wrapped !== check) {
      changed ??= checks.slice();
      changed[i] = wrapped;
    }
  }
  return changed ?? checks;
}

// Checks are frozen functions registered once: a weak cache bounded by them.
const LENIENT = new WeakMap<AuthCheck, AuthCheck>();

/**
 * Whether a denying scope-aware check names what the token lacks, as the
 * runner judges it (a non-empty list of scope tokens). Anything else it
 * answers is a misconfiguration: thrown, so that the run reports it.
 */
function namesShortfall(check: ScopeAwareCheck, ctx: AuthContext): boolean {
  const missing: unknown = check.missingScopes(ctx);
  if (!Array.isArray(missing) || !missing.every(isScopeToken)) {
    throw new TypeError(
      "missingScopes() must return an array of scope strings (RFC 6749 §3.3)",
    );
  }
  return missing.length > 0;
}
