/**
 * Batch decisions: a check that can decide many contexts at once (one policy
 * engine round trip for a whole list), and the scope through which
 * `Authorizer.filter` asks it once per list.
 *
 * @module
 */

import { reportSafely } from "../_internal/report.ts";
import type { AuthCheck, AuthContext } from "./context.ts";
import {
  type ErrorReporter,
  evaluateAll,
  evaluateCheck,
  isAuthorizationError,
  toCheckList,
} from "./_evaluate.ts";

/**
 * A check that can also decide many contexts in one call: a function with an
 * own `decideMany` method (`Object.assign(check, { decideMany })`).
 * `Authorizer.filter`
 * gathers every context of one list that reaches the same batch check
 * (directly in a component's `auth` or in a layer, not inside `anyOf` /
 * `allOf`) and calls `decideMany` once for all of them; calls and reads
 * (`Authorizer.authorize`) still call the check itself.
 *
 * `decideMany` resolves one decision per context, in order, with the same
 * meaning as the check's own answer: exactly `true` allows, anything else
 * denies. A rejection, or a result that is not an array of that length,
 * denies every context of the batch, and is reported to the Authorizer's
 * `onError` unless it is an `AuthorizationError`. The contexts carry that
 * reporter as any context the Authorizer builds does, so a combinator or a
 * check called from `decideMany` reports there too.
 *
 * @example Usage
 * ```ts
 * import { Authorizer, type AuthContext, type BatchCheck } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * let calls = 0;
 * const allowed = new Set(["search", "read"]);
 * const engine: BatchCheck = Object.assign(
 *   (ctx: AuthContext) => allowed.has(ctx.component.name),
 *   {
 *     decideMany(contexts: readonly AuthContext[]) {
 *       calls++;
 *       return Promise.resolve(contexts.map((ctx) => allowed.has(ctx.component.name)));
 *     },
 *   },
 * );
 * const tools = ["search", "read", "write"].map((name) => ({ kind: "tool" as const, name }));
 * const visible = await new Authorizer({ layers: [engine] }).filter(undefined, tools);
 * assert.deepEqual(visible.map((tool) => tool.name), ["search", "read"]);
 * assert.equal(calls, 1);
 * ```
 */
export interface BatchCheck extends AuthCheck {
  /**
   * Decides every context at once.
   *
   * @param contexts The contexts of one list, in order (frozen).
   * @returns One decision per context, in the same order.
   */
  decideMany(contexts: readonly AuthContext[]): Promise<readonly boolean[]>;
}

/**
 * Whether `check` is a function with an own `decideMany` method. Robust to
 * hostile values: a check whose property cannot be read is not a batch
 * check (it is then called, and fails, as any other check would).
 *
 * @param check Anything.
 * @returns Whether it is a {@linkcode BatchCheck}.
 *
 * @example Usage
 * ```ts
 * import { isBatchCheck, requireScopes } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isBatchCheck(requireScopes("read")), false);
 * const batch = Object.assign(() => true, { decideMany: () => Promise.resolve([]) });
 * assert.equal(isBatchCheck(batch), true);
 * ```
 */
export function isBatchCheck(check: unknown): check is BatchCheck {
  try {
    // An own property first: it fails fast on the common check (a frozen
    // function, whose prototype chain a plain read would walk).
    return typeof check === "function" && Object.hasOwn(check, "decideMany") &&
      typeof (check as { decideMany?: unknown }).decideMany === "function";
  } catch {
    return false;
  }
}

/** One check's batch: the contexts, and how to settle each one's decision. */
type Batch = [contexts: AuthContext[], settle: ((ok: boolean) => void)[]];

/**
 * One list's batches. Stands in for each batch check with a function that
 * records the context and answers a promise; the recorded contexts go to
 * `decideMany` in one call per check on the next microtask, so that every
 * context reached while the list is walked synchronously shares one call
 * (contexts reached later, after an async check, share a later one).
 * Internal: not exported from `mod.ts`. One per `filter` call; nothing
 * outlives it.
 */
export class BatchScope {
  #report: ErrorReporter;
  // Made when a stand-in is first called: a list without batch checks pays
  // for nothing but this object.
  #pending: Map<BatchCheck, Batch> | undefined;

  /** A scope reporting the failures of `decideMany` to `report`. */
  constructor(report: ErrorReporter) {
    this.#report = report;
  }

  /**
   * `checks` with every batch check replaced by its stand-in; the very same
   * list when there is none (the common case allocates nothing).
   */
  substitute(checks: readonly AuthCheck[]): readonly AuthCheck[] {
    for (let i = 0; i < checks.length; i++) {
      if (isBatchCheck(checks[i])) {
        return checks.map((check) =>
          isBatchCheck(check) ? this.#standIn(check) : check
        );
      }
    }
    return checks;
  }

  /**
   * A component's own `auth`, evaluated for this list: its batch checks
   * answer through this scope; a lone check is evaluated as itself (no list
   * built). `memo` (one per Authorizer, weak) says per `auth` value whether
   * it holds a batch check: one lookup per component, not a property read
   * per check per list.
   */
  evaluateOwn(
    own: unknown,
    ctx: AuthContext,
    report: ErrorReporter,
    memo: WeakMap<object, boolean>,
  ): boolean | Promise<boolean> {
    // A malformed `auth` (not a check or a list) is no key: it denies.
    if (
      own === null || (typeof own !== "function" && typeof own !== "object")
    ) {
      return evaluateAll(toCheckList(own), ctx, report);
    }
    let batched = memo.get(own);
    if (batched === undefined) {
      batched = toCheckList(own).some(isBatchCheck);
      memo.set(own, batched);
    }
    if (batched) {
      return evaluateAll(this.substitute(toCheckList(own)), ctx, report);
    }
    return typeof own === "function"
      ? evaluateCheck(own as AuthCheck, ctx, report)
      : evaluateAll(toCheckList(own), ctx, report);
  }

  #standIn(check: BatchCheck): AuthCheck {
    return (ctx) =>
      new Promise<boolean>((resolve) => {
        let pending = this.#pending;
        if (pending === undefined) {
          const round = pending = this.#pending = new Map();
          queueMicrotask(() => {
            this.#pending = undefined;
            round.forEach((batch, batched) => this.#decide(batched, batch));
          });
        }
        let batch = pending.get(check);
        if (batch === undefined) pending.set(check, batch = [[], []]);
        batch[0].push(ctx);
        batch[1].push(resolve);
      });
  }

  #decide(check: BatchCheck, [contexts, settle]: Batch): void {
    const fail = (error: unknown) => {
      if (!isAuthorizationError(error)) {
        reportSafely(this.#report, error, check);
      }
      for (const deny of settle) deny(false);
    };
    let result: unknown;
    try {
      result = check.decideMany(Object.freeze(contexts));
    } catch (error) {
      return fail(error);
    }
    Promise.resolve(result).then((decisions) => {
      if (!Array.isArray(decisions) || decisions.length !== contexts.length) {
        throw new TypeError(
          "decideMany() must resolve one decision per context",
        );
      }
      // Read every answer before settling any: a getter that throws halfway
      // must deny the whole batch, not leave its first half allowed.
      const answers = contexts.map((_, i) => decisions[i] === true);
      answers.forEach((ok, i) => settle[i]!(ok));
    }).catch(fail);
  }
}
