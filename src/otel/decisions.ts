/**
 * Decision events as OpenTelemetry signals: each one added to the active
 * span (a span event, and the semantic-convention attributes on the span),
 * and counted in one metric with low-cardinality attributes (outcome,
 * reason, operation).
 *
 * Attribute names: `mcp.method.name` and `mcp.resource.uri` from the MCP
 * semantic conventions, `gen_ai.tool.name` and `gen_ai.prompt.name` from
 * the GenAI registry, `http.response.status_code` and `jsonrpc.request.id`;
 * `gen_ai.security.decision.type` (`allow` / `deny`) and
 * `gen_ai.security.decision.reason` as the GenAI security-guardrail
 * proposal names them (not yet in the registry); everything else under
 * `mcp_authz.`.
 *
 * @module
 */

import {
  type Attributes,
  type Counter,
  type Meter,
  metrics,
  trace,
} from "@opentelemetry/api";
import {
  booleanOption,
  isRecord,
  label,
  optionsObject,
  show,
} from "../_internal/options.ts";
import { reportSafely, swallow } from "../_internal/report.ts";
import {
  DECISION_OPERATIONS,
  DECISION_OUTCOMES,
  DECISION_REASONS,
  type DecisionEvent,
  type DecisionListener,
} from "../core/decision.ts";

/** The name of the one decision counter. */
export const DECISION_METRIC = "mcp_authz.decisions";

/** The name of the span event each decision adds to the active span. */
export const DECISION_SPAN_EVENT = "mcp_authz.decision";

/**
 * Options of {@linkcode otelDecisions}.
 *
 * @example Usage
 * ```ts
 * import type { OtelDecisionOptions } from "@mcp-authz/core/otel";
 * import { metrics } from "@opentelemetry/api";
 * import assert from "node:assert/strict";
 *
 * const options: OtelDecisionOptions = { meter: metrics.getMeter("my-server"), spans: true };
 * assert.equal(options.spans, true);
 * ```
 */
export interface OtelDecisionOptions {
  /**
   * Where the counter is created. Default: the global meter provider's
   * `@mcp-authz/core` meter, read when `otelDecisions` is called (so call
   * it once the SDK is set up).
   */
  meter?: Meter | undefined;
  /** Whether decisions are added to the active span. Default `true`. */
  spans?: boolean | undefined;
}

const LISTS: ReadonlySet<string> = new Set([
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
  "filter",
]);

/** An event for one component of a list (`listDecisions: "each"`). */
function isListEntry(event: DecisionEvent): boolean {
  return LISTS.has(event.operation) && event.shown === undefined;
}

/**
 * The semantic-convention attributes of a decision: what it was about
 * (`mcp.method.name`, `gen_ai.tool.name`, `gen_ai.prompt.name`,
 * `mcp.resource.uri`) and what it decided (`gen_ai.security.decision.type`,
 * `gen_ai.security.decision.reason`).
 *
 * @param event A decision event.
 * @returns The attributes, only those that apply.
 *
 * @example Usage
 * ```ts
 * import { semconvAttributes } from "@mcp-authz/core/otel";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   semconvAttributes({ operation: "tools/call", outcome: "hidden", reason: "opaque_denial", kind: "tool", name: "vault" }),
 *   {
 *     "mcp.method.name": "tools/call",
 *     "gen_ai.tool.name": "vault",
 *     "gen_ai.security.decision.type": "deny",
 *     "gen_ai.security.decision.reason": "opaque_denial",
 *   },
 * );
 * ```
 */
export function semconvAttributes(event: DecisionEvent): Attributes {
  const attributes: Attributes = {};
  const { operation, kind, name, uri } = event;
  if (
    operation !== "http" && operation !== "filter" && operation !== "authorize"
  ) {
    attributes["mcp.method.name"] = operation;
  }
  if (kind === "tool" && name !== undefined) {
    attributes["gen_ai.tool.name"] = name;
  } else if (kind === "prompt" && name !== undefined) {
    attributes["gen_ai.prompt.name"] = name;
  } else if (kind === "resource" && uri !== undefined) {
    attributes["mcp.resource.uri"] = uri;
  }
  attributes["gen_ai.security.decision.type"] = event.outcome === "allow"
    ? "allow"
    : "deny";
  if (event.reason !== undefined) {
    attributes["gen_ai.security.decision.reason"] = event.reason;
  }
  return attributes;
}

/**
 * Every attribute of a decision's span event: the semantic-convention ones
 * ({@linkcode semconvAttributes}) and the rest of the event under
 * `mcp_authz.decision.` (outcome, operation, layer, missing scopes, list
 * counts), with `http.response.status_code`, `jsonrpc.request.id` and
 * `mcp_authz.client_id`. Not the subject: a user identifier stays in your
 * own logs unless you add it.
 *
 * @param event A decision event.
 * @returns The attributes, only those that apply.
 *
 * @example Usage
 * ```ts
 * import { decisionAttributes } from "@mcp-authz/core/otel";
 * import assert from "node:assert/strict";
 *
 * const attributes = decisionAttributes({ operation: "http", outcome: "deny", reason: "no_token", status: 401 });
 * assert.equal(attributes["http.response.status_code"], 401);
 * assert.equal(attributes["mcp_authz.decision.outcome"], "deny");
 * ```
 */
export function decisionAttributes(event: DecisionEvent): Attributes {
  const attributes = semconvAttributes(event);
  attributes["mcp_authz.decision.outcome"] = event.outcome;
  attributes["mcp_authz.decision.operation"] = event.operation;
  if (event.kind === "resourceTemplate" && event.uri !== undefined) {
    attributes["mcp_authz.resource.uri_template"] = event.uri;
  }
  if (event.kind !== undefined) {
    attributes["mcp_authz.component.kind"] = event.kind;
  }
  if (event.layer !== undefined) {
    attributes["mcp_authz.decision.layer"] = String(event.layer);
  }
  if (event.missingScopes !== undefined) {
    attributes["mcp_authz.decision.missing_scopes"] = [...event.missingScopes];
  }
  if (event.shown !== undefined) {
    attributes["mcp_authz.decision.shown"] = event.shown;
  }
  if (event.hidden !== undefined) {
    attributes["mcp_authz.decision.hidden"] = event.hidden;
  }
  if (event.status !== undefined) {
    attributes["http.response.status_code"] = event.status;
  }
  if (event.requestId !== undefined) {
    attributes["jsonrpc.request.id"] = String(event.requestId);
  }
  if (event.clientId !== undefined) {
    attributes["mcp_authz.client_id"] = event.clientId;
  }
  return attributes;
}

/**
 * The attributes a decision is counted under: outcome, reason and
 * operation, each from a fixed set (at most 6 × 9 × 12 series): a value
 * outside it (an event a `redactDecision` rewrote) is counted as `_OTHER`.
 *
 * @param event A decision event.
 * @returns `mcp_authz.decision.outcome`, `.reason` (when any), `.operation`.
 *
 * @example Usage
 * ```ts
 * import { metricAttributes } from "@mcp-authz/core/otel";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(metricAttributes({ operation: "tools/call", outcome: "allow", name: "echo" }), {
 *   "mcp_authz.decision.outcome": "allow",
 *   "mcp_authz.decision.operation": "tools/call",
 * });
 * ```
 */
export function metricAttributes(event: DecisionEvent): Attributes {
  const outcome = known(event.outcome, OUTCOMES);
  const operation = known(event.operation, OPERATIONS);
  return event.reason === undefined
    ? {
      "mcp_authz.decision.outcome": outcome,
      "mcp_authz.decision.operation": operation,
    }
    : {
      "mcp_authz.decision.outcome": outcome,
      "mcp_authz.decision.reason": known(event.reason, REASONS),
      "mcp_authz.decision.operation": operation,
    };
}

const OUTCOMES: ReadonlySet<unknown> = new Set(DECISION_OUTCOMES);
const REASONS: ReadonlySet<unknown> = new Set(DECISION_REASONS);
const OPERATIONS: ReadonlySet<unknown> = new Set(DECISION_OPERATIONS);

/**
 * `value` when it is one of `values`, else `_OTHER` (the semantic
 * conventions' value for one outside a known set): an event a
 * `redactDecision` rewrote, or one handed over by hand, cannot add series.
 */
function known(value: unknown, values: ReadonlySet<unknown>): string {
  return values.has(value) ? value as string : "_OTHER";
}

function readMeter(value: unknown): Meter {
  if (value === undefined) return metrics.getMeter("@mcp-authz/core");
  if (isRecord(value) && typeof value.createCounter === "function") {
    return value as unknown as Meter;
  }
  throw new TypeError(
    `${
      label("otelDecisions", "meter")
    } must be an OpenTelemetry Meter (meterProvider.getMeter(name)), got ${
      show(value)
    }`,
  );
}

/**
 * An `onDecision` listener that records every decision in OpenTelemetry:
 * a `mcp_authz.decision` event on the active span (when one is recording)
 * with {@linkcode decisionAttributes}, the {@linkcode semconvAttributes} set
 * on that span, and one count on the `mcp_authz.decisions` counter with
 * {@linkcode metricAttributes}. The per-component events of
 * `listDecisions: "each"` become span events only: the counter counts each
 * list once.
 *
 * Give the same listener to each emitter (`Authorizer` or `guardServer`,
 * and `bearerAuth` / `withBearerAuth`); it never throws into a decision.
 *
 * @param options The meter, and whether to touch spans.
 * @returns The listener.
 * @throws {TypeError} When an option is unknown or not what it should be.
 *
 * @example Usage
 * ```ts
 * import { Authorizer, requireScopes } from "@mcp-authz/core";
 * import { otelDecisions } from "@mcp-authz/core/otel";
 * import assert from "node:assert/strict";
 *
 * // With no OpenTelemetry SDK registered, the API records nothing.
 * const authorizer = new Authorizer({ onDecision: otelDecisions() });
 * const tool = { kind: "tool" as const, name: "admin", auth: requireScopes("admin") };
 * await assert.rejects(authorizer.authorize(undefined, tool));
 * ```
 */
export function otelDecisions(
  options: OtelDecisionOptions = {},
): DecisionListener {
  const checked = optionsObject<OtelDecisionOptions>(
    "otelDecisions",
    options,
    ["meter", "spans"],
    "an options object such as { meter }",
  );
  const spans = booleanOption("otelDecisions", "spans", checked.spans, true);
  const counter: Counter = readMeter(checked.meter).createCounter(
    DECISION_METRIC,
    {
      description:
        "Authorization decisions of @mcp-authz/core, by outcome, reason and operation",
      unit: "{decision}",
    },
  );
  return (event) => {
    const entry = isListEntry(event);
    // Apart: a span that fails loses no count, and neither ever throws.
    if (spans) reportSafely(record, event, entry);
    if (!entry) reportSafely(count, counter, event);
  };
}

/** Adds `event` to the active span, when one is recording. */
function record(event: DecisionEvent, entry: boolean): void {
  const span = trace.getActiveSpan();
  if (span === undefined || !span.isRecording()) return;
  swallow(span.addEvent(DECISION_SPAN_EVENT, decisionAttributes(event)));
  if (!entry) swallow(span.setAttributes(semconvAttributes(event)));
}

/** Counts `event`; what a meter answers (even a rejected promise) is dropped. */
function count(counter: Counter, event: DecisionEvent): unknown {
  return counter.add(1, metricAttributes(event));
}
