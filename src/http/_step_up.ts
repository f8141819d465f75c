/**
 * The step-up channel between `withBearerAuth` and an SDK binding that
 * decides a scope shortfall inside the handler (the MCP SDK v2 answers it
 * with its own 403 `Bearer` challenge). `withBearerAuth` gives the handler a
 * token whose `extra` carries a hidden per-request sink; the binding reports
 * the shortfall into it; `withBearerAuth` then answers the handler's 403 from
 * that outcome, in the scheme the client used, without reading the SDK's
 * headers. A token copied without its `extra` object loses the sink: the
 * SDK's own 403 is then sent unchanged (still a denial). Internal.
 *
 * @module
 */

import type { AccessToken } from "../core/context.ts";

// Module-private key: only this module reads or writes the sink.
const SINK: unique symbol = /* @__PURE__ */ Symbol("mcp-authz step-up");

/** What the handler's binding reported for one request. */
export interface StepUp {
  /** The scopes to ask for, from the first shortfall reported. */
  scopes: readonly string[] | undefined;
}

/**
 * A copy of `token` whose `extra` is a fresh object carrying a sink for
 * this request. The sink is a non-enumerable property: invisible to
 * spreads of `extra`, JSON and equality checks.
 */
export function withStepUpSink(
  token: AccessToken,
): { token: AccessToken; stepUp: StepUp } {
  const stepUp: StepUp = { scopes: undefined };
  const extra = { ...token.extra };
  Object.defineProperty(extra, SINK, { value: stepUp });
  return { token: { ...token, extra }, stepUp };
}

/**
 * Tells `withBearerAuth` that the request of `authInfo` (the token it
 * handed out, or a copy sharing its `extra`) was refused for lacking
 * `scopes`. Does nothing for a token that carries no sink.
 *
 * @param authInfo What the SDK handed the binding as `authInfo`.
 * @param scopes The unmet scopes, as `InsufficientScopeError` names them.
 */
export function reportStepUp(
  authInfo: unknown,
  scopes: readonly string[],
): void {
  try {
    const extra = (authInfo as { extra?: unknown } | null | undefined)?.extra;
    if (extra === null || typeof extra !== "object") return;
    const stepUp = (extra as { [SINK]?: StepUp })[SINK];
    if (stepUp !== undefined && stepUp.scopes === undefined) {
      stepUp.scopes = [...scopes];
    }
  } catch {
    // A hostile authInfo (a throwing getter): nothing to report into.
  }
}
