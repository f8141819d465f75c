/**
 * The `Authorizer`'s server-wide layers: compiled once from the `layers`
 * option, and the default engine of `authorize` (`stepUp: "layers"`,
 * FastMCP's): own `auth` hides, a layer's scope shortfall steps up naming
 * what the following scope-only layers need too. Internal.
 *
 * @module
 */

import { show } from "../_internal/options.ts";
import { reportSafely } from "../_internal/report.ts";
import {
  type AccessToken,
  type AuthCheck,
  AuthContext,
  type Component,
  seeded,
} from "./context.ts";
import { type AuthorizationError, InsufficientScopeError } from "../errors.ts";
import {
  type ErrorReporter,
  evaluateAll,
  isUnavailableError,
  toCheckList,
} from "./_evaluate.ts";
import {
  addRequirements,
  evaluateShortfall,
  scopeRequirements,
  type Tracker,
} from "./runner.ts";
import { named } from "./checks.ts";
import type { LayerNote } from "./step_up.ts";

/**
 * Named in `onError` reports for a component that cannot be judged.
 * Named explicitly: a minifier renames function expressions.
 */
export const componentShape: AuthCheck = named(
  () => false,
  "invalidComponent",
);

/**
 * The `layers` option, each layer a frozen list of checks.
 *
 * @throws {TypeError} When it is not an array of checks or check lists.
 */
export function compileLayers(
  layers: unknown,
): readonly (readonly AuthCheck[])[] {
  if (layers === undefined) return [];
  if (!Array.isArray(layers)) {
    throw new TypeError(
      `Authorizer option "layers" must be an array of checks or check lists, got ${
        show(layers)
      }`,
    );
  }
  return Object.freeze(
    layers.map((layer, i) =>
      Object.freeze(
        toCheckList(layer).map((check, j) => {
          if (typeof check === "function") return check;
          throw new TypeError(
            `Authorizer layer ${i}${
              Array.isArray(layer) ? `, check ${j},` : ""
            } must be a function (ctx) => boolean, got ${show(check)}`,
          );
        }),
      )
    ),
  );
}

/**
 * `authorize` under `"layers"`: own `auth` first (any denial reads as an
 * unknown component), then each layer; the first layer short of scopes
 * throws `InsufficientScopeError`, any other denial `notFound()`.
 *
 * @param token The verified token.
 * @param component The component asked for; `undefined` when unknown.
 * @param options The call's arguments.
 * @param layers The Authorizer's layers.
 * @param granted The token's scope set (may throw on a malformed token).
 * @param report The Authorizer's reporter (a malformed component).
 * @param tracked The decision's tracker: where the checks' errors go.
 * @param notFound The error of an unknown component.
 * @param note Told which layer is being run, for the decision event.
 */
export async function authorizeLayers(
  token: AccessToken | undefined,
  component: Component | undefined,
  options: { arguments?: Record<string, unknown> | undefined } | undefined,
  layers: readonly (readonly AuthCheck[])[],
  granted: () => ReadonlySet<string>,
  report: ErrorReporter,
  tracked: Tracker,
  notFound: () => AuthorizationError,
  note?: LayerNote | undefined,
): Promise<void> {
  // One context for the whole decision, reporting through a tracker: a
  // layer whose check threw is opaque, whatever it claims to lack.
  let ctx: AuthContext | undefined;
  let visible = false;
  try {
    if (component != null) {
      ctx = AuthContext[seeded](
        { token, component, arguments: options?.arguments },
        granted(),
        tracked.report,
      );
      visible = component.auth === undefined ||
        await evaluateAll(toCheckList(component.auth), ctx, tracked.report);
    }
  } catch (error) {
    // An engine that could not decide is not a "not found": say retry.
    if (isUnavailableError(error)) throw error;
    // A malformed component is reported; own auth's errors already were.
    if (ctx === undefined) reportSafely(report, error, componentShape);
  }
  // Unknown, malformed, or hidden by its own auth (whatever the reason):
  // one answer, so that existence never leaks.
  if (!visible) throw notFound();

  for (let i = 0; i < layers.length; i++) {
    if (note !== undefined) note.layer = i;
    const result = await evaluateShortfall(layers[i]!, ctx!, tracked);
    if (result.authorized) continue;
    // No step-up can help: answer exactly as for an unknown component, so
    // a hidden component cannot be told from a missing one.
    if (result.missingScopes.length === 0) throw notFound();
    const required = new Set(result.missingScopes);
    let end = i + 1;
    for (; end < layers.length; end++) {
      const more = scopeRequirements(layers[end]!, ctx!, { onError: report });
      if (more === undefined) break; // an opaque layer: say nothing beyond it
      for (const scope of more) required.add(scope);
    }
    throw new InsufficientScopeError([...required], {
      challengeScopes: challengeScopes(ctx!, layers, end, report),
    });
  }
}

/**
 * What a step-up challenge names beside the missing scopes (RFC 6750 §3):
 * every scope the component's own auth and the layers before `end`
 * require, held or not, so that a client which replaces its scopes with
 * the challenge's (MCP 2025-11-25) keeps the ones this call needs.
 */
function challengeScopes(
  ctx: AuthContext,
  layers: readonly (readonly AuthCheck[])[],
  end: number,
  report: ErrorReporter,
): string[] {
  const scopes = new Set<string>();
  const own = ctx.component.auth;
  if (own !== undefined) {
    addRequirements(toCheckList(own), ctx, report, scopes);
  }
  for (let i = 0; i < end; i++) {
    addRequirements(layers[i]!, ctx, report, scopes);
  }
  return [...scopes];
}
