/**
 * OpenTelemetry for `@mcp-authz/core`: an `onDecision` listener that adds
 * every authorization decision to the active span and counts it in one
 * metric, `mcp_authz.decisions`, by outcome, reason and operation. Only this
 * entry point imports `@opentelemetry/api` (an optional peer dependency);
 * the rest of the library never does.
 *
 * @example Usage
 * ```ts
 * import { Authorizer, bearerAuth, StaticTokenVerifier } from "@mcp-authz/core";
 * import { otelDecisions } from "@mcp-authz/core/otel";
 * import assert from "node:assert/strict";
 *
 * const onDecision = otelDecisions(); // the global meter provider's meter
 * const authorizer = new Authorizer({ onDecision });
 * const auth = bearerAuth({ verifier: new StaticTokenVerifier({ tokens: {} }), onDecision });
 * const refused = await auth(new Request("https://mcp.example.com/mcp"));
 * assert.ok(refused instanceof Response && refused.status === 401);
 * assert.ok(authorizer);
 * ```
 *
 * @module
 */

export type { OtelDecisionOptions } from "./decisions.ts";
export {
  DECISION_METRIC,
  DECISION_SPAN_EVENT,
  decisionAttributes,
  metricAttributes,
  otelDecisions,
  semconvAttributes,
} from "./decisions.ts";
