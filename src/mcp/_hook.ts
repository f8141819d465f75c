/**
 * The SDK v2's pre-dispatch scope-challenge hook (`scopeChallenge`), one
 * per guard: the transport calls it before dispatch, and a scope shortfall
 * becomes an HTTP 403 `insufficient_scope` challenge (RFC 6750 §3.1). It
 * finds the component as dispatch will (the guard's index), reuses the
 * preflight's decision when the request carries one (so checks run once,
 * and a request the preflight answered never gets a second 403), and
 * otherwise decides. Any other denial returns nothing: dispatch answers it
 * with the not-found error. One closure per guard, not per registration:
 * a stateless server registers everything on every request. Internal.
 *
 * @module
 */

import { isRecord } from "../_internal/options.ts";
import { reportStepUp } from "../http/_step_up.ts";
import { scopeChallengeOf, type ScopeChallengeShape } from "./_denial.ts";
import { type DecidingScope, recall, targetOf } from "./_preflight.ts";
import type { HeldEvent } from "./_decisions.ts";
import { accessTokenOf } from "./_token.ts";
import { askingBeforeDispatch, authorizeOptions } from "./_decisions.ts";

/** What the SDK hands the hook: the JSON-RPC request and its `authInfo`. */
export interface HookContext {
  readonly request?: unknown;
  readonly authInfo?: unknown;
}

/** The hook, as registrations take it. */
export type ScopeChallengeHook = (
  context: HookContext,
) => Promise<ScopeChallengeShape | undefined>;

/**
 * The scope-challenge hook of the guard `scope`, which never throws.
 *
 * @param scope The guard's authorizer, SDK and index.
 */
export function challengeHook(scope: DecidingScope): ScopeChallengeHook {
  return async (context) => {
    let held: HeldEvent | undefined;
    try {
      const request = isRecord(context?.request) ? context.request : undefined;
      const method = request?.method;
      if (typeof method !== "string") return undefined;
      const params = isRecord(request!.params) ? request!.params : undefined;
      const target = targetOf(scope, method, params);
      if (target === undefined) return undefined;
      const authInfo = context.authInfo;
      const early = recall(
        scope,
        authInfo,
        method,
        request!.id,
        target.entry,
        target.args,
      );
      if (early === undefined) {
        // Only a step-up is this hook's to report: anything else, dispatch
        // decides again and reports.
        await scope.authorizer.authorize(
          accessTokenOf(authInfo),
          target.entry.component,
          authorizeOptions(target.args, askingBeforeDispatch(scope, request)),
        );
      } else if (!early.allowed) {
        held = early.held;
        throw early.error;
      }
      return undefined;
    } catch (error) {
      // Only a shortfall challenges, and the hook never throws.
      const challenge = scopeChallengeOf(error);
      // withBearerAuth then answers the SDK's 403 in the client's scheme.
      if (challenge !== undefined) {
        reportStepUp(context?.authInfo, challenge.scopes);
        // The SDK answers the 403, dispatch never runs: the preflight's
        // decision is reported here (else dispatch reuses and reports it).
        held?.release();
      }
      return challenge;
    }
  };
}
