/**
 * Decision events: what `Authorizer`, the MCP guard and `bearerAuth` tell an
 * `onDecision` listener about every decision they make. One event per
 * decision, built from low-cardinality facts only: never the token, never a
 * call's arguments, never the message of a masked error, unless a
 * `redactDecision` function the user wrote puts them in.
 *
 * @module
 */

import type { AccessToken, ComponentKind } from "./context.ts";

/**
 * What a decision let happen:
 *
 * - `allow`: the request goes on (a list is answered with what the token may
 *   see; `shown` and `hidden` count it);
 * - `deny`: refused in the open (an HTTP 400/401/403 that another token
 *   could not lift by scopes alone, or a check's own `AuthorizationError`);
 * - `hidden`: answered as if the component did not exist (unknown, or denied
 *   by its own `auth` or an opaque layer: existence is not revealed);
 * - `step-up`: refused for want of scopes, naming them (`missingScopes`);
 * - `unavailable`: it could not be decided (HTTP 503: a verifier or a DPoP
 *   store down).
 *
 * @example Usage
 * ```ts
 * import { DECISION_OUTCOMES, type DecisionOutcome } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const outcome: DecisionOutcome = "step-up";
 * assert.ok(DECISION_OUTCOMES.includes(outcome));
 * ```
 */
export type DecisionOutcome =
  | "allow"
  | "deny"
  | "hidden"
  | "step-up"
  | "unavailable";

/**
 * Why a request was not simply allowed, from a small fixed set (so that it
 * can label a metric). The names follow RFC 6750 §3.1 where one applies:
 *
 * - `no_token`: no credentials (a 401 without error code, or an anonymous
 *   request let through by `optional: true`);
 * - `invalid_token`: malformed, refused, expired or foreign credentials (a
 *   400 `invalid_request`, a 401 `invalid_token`, a refused DPoP proof);
 * - `insufficient_scope`: the token lacks scopes (`missingScopes` names them);
 * - `opaque_denial`: a check said no without naming a scope;
 * - `masked_error`: a check threw, and its error was masked as a denial (the
 *   error itself went to `onError`);
 * - `unknown_component`: no such tool, resource or prompt (or a disabled one);
 * - `unavailable`: the decision could not be made (HTTP 503).
 *
 * @example Usage
 * ```ts
 * import { DECISION_REASONS, type DecisionReason } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const reason: DecisionReason = "masked_error";
 * assert.ok(DECISION_REASONS.includes(reason));
 * ```
 */
export type DecisionReason =
  | "no_token"
  | "invalid_token"
  | "insufficient_scope"
  | "opaque_denial"
  | "masked_error"
  | "unknown_component"
  | "unavailable";

/**
 * What was decided on: the MCP method the guard answered, `"http"` for
 * `bearerAuth` and `withBearerAuth`, or `"filter"` and `"authorize"` for an
 * `Authorizer` called directly.
 *
 * @example Usage
 * ```ts
 * import type { DecisionOperation } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const operation: DecisionOperation = "tools/call";
 * assert.equal(operation, "tools/call");
 * ```
 */
export type DecisionOperation =
  | "http"
  | "filter"
  | "authorize"
  | "tools/list"
  | "tools/call"
  | "prompts/list"
  | "prompts/get"
  | "resources/list"
  | "resources/templates/list"
  | "resources/read"
  | "completion/complete";

/**
 * One decision, as an `onDecision` listener receives it (frozen). Only the
 * fields that apply are present; none holds a token, an argument value or
 * a masked error's message.
 *
 * @example Usage
 * ```ts
 * import type { DecisionEvent } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const event: DecisionEvent = {
 *   operation: "tools/call",
 *   outcome: "step-up",
 *   reason: "insufficient_scope",
 *   kind: "tool",
 *   name: "delete_all_notes",
 *   missingScopes: ["admin"],
 *   layer: 0,
 *   clientId: "inspector",
 *   subject: "dev-user",
 *   requestId: 3,
 * };
 * assert.equal(JSON.parse(JSON.stringify(event)).outcome, "step-up");
 * ```
 */
export interface DecisionEvent {
  /** The MCP method, `"http"`, `"filter"` or `"authorize"`. */
  readonly operation: DecisionOperation;
  /** What the decision let happen. */
  readonly outcome: DecisionOutcome;
  /** Why, for every outcome but a plain `allow`. */
  readonly reason?: DecisionReason | undefined;
  /** The kind of the component asked for, or of the components listed. */
  readonly kind?: ComponentKind | undefined;
  /** The component's name, as registered (absent for an unknown one). */
  readonly name?: string | undefined;
  /** A resource's URI, or a template's URI template, as registered. */
  readonly uri?: string | undefined;
  /** On `step-up`: the scopes to ask for. */
  readonly missingScopes?: readonly string[] | undefined;
  /**
   * Which layer decided a denial: the index of a server-wide layer of the
   * `Authorizer`, or `"component"` for the component's own `auth`.
   */
  readonly layer?: number | "component" | undefined;
  /** On a list: how many components it showed. */
  readonly shown?: number | undefined;
  /** On a list: how many it hid. */
  readonly hidden?: number | undefined;
  /** On `"http"`: the status answered (absent when the request goes on). */
  readonly status?: number | undefined;
  /** The verified token's `clientId`. */
  readonly clientId?: string | undefined;
  /** The verified token's `sub` claim, when a string. */
  readonly subject?: string | undefined;
  /** The JSON-RPC id of the MCP request. */
  readonly requestId?: string | number | undefined;
}

/**
 * What a decision event withholds, for a `redactDecision` function that
 * chooses to put some of it back (or to add fields of its own). Handle
 * with care: this is exactly what must not reach a log by default.
 *
 * @example Usage
 * ```ts
 * import type { DecisionDetails } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const details: DecisionDetails = { arguments: { path: "/tmp/x" } };
 * assert.equal(details.arguments?.path, "/tmp/x");
 * ```
 */
export interface DecisionDetails {
  /** The verified token (its raw string included). */
  readonly token?: AccessToken;
  /** A call's arguments, or a resource template's URI variables. */
  readonly arguments?: Readonly<Record<string, unknown>>;
  /** The errors checks threw while deciding (also given to `onError`). */
  readonly errors?: readonly unknown[];
  /** The HTTP request, for `bearerAuth` and `withBearerAuth`. */
  readonly request?: Request;
}

/**
 * Receives every decision event. It observes, it never decides: whatever it
 * throws (or an async one rejects with) is swallowed. Called without a
 * receiver, synchronously, as the decision is made.
 *
 * @example Usage
 * ```ts
 * import type { DecisionListener } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const audit: DecisionListener = (event) => void lines.push(JSON.stringify(event));
 * audit({ operation: "http", outcome: "allow", clientId: "app" });
 * assert.equal(lines.length, 1);
 * ```
 */
export type DecisionListener = (event: DecisionEvent) => void;

/**
 * Turns an event into the one the listener receives, seeing what the event
 * withholds: return a new object (`{ ...event, requestId: ... }`). A throw,
 * or anything but an object returned, hands the listener the event
 * unchanged.
 *
 * @example Usage
 * ```ts
 * import type { DecisionRedactor } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const withTrace: DecisionRedactor = (event, { request }) => ({
 *   ...event,
 *   requestId: request?.headers.get("x-request-id") ?? undefined,
 * });
 * const request = new Request("https://mcp.example.com/mcp", { headers: { "x-request-id": "r-1" } });
 * assert.equal(withTrace({ operation: "http", outcome: "allow" }, { request }).requestId, "r-1");
 * ```
 */
export type DecisionRedactor = (
  event: DecisionEvent,
  details: DecisionDetails,
) => DecisionEvent;

/**
 * The decision options `Authorizer`, `guardServer` and `bearerAuth` /
 * `withBearerAuth` share.
 *
 * @example Usage
 * ```ts
 * import { Authorizer, type DecisionEvent, type DecisionOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const events: DecisionEvent[] = [];
 * const options: DecisionOptions = { onDecision: (event) => void events.push(event) };
 * await new Authorizer(options).authorize(undefined, { kind: "tool", name: "echo" });
 * assert.deepEqual(events, [{ operation: "authorize", outcome: "allow", kind: "tool", name: "echo" }]);
 * ```
 */
export interface DecisionOptions {
  /** Receives one event per decision. Default: none, and no cost. */
  onDecision?: DecisionListener | undefined;
  /**
   * Rewrites each event before `onDecision` sees it, with what the event
   * withholds at hand (see {@linkcode DecisionRedactor}). Only with
   * `onDecision`.
   */
  redactDecision?: DecisionRedactor | undefined;
  /**
   * `"summary"` (default): one event per list, counting what it showed and
   * hid. `"each"`: also one event per component listed (`allow` or
   * `hidden`, saying what, not why). Only with `onDecision`.
   */
  listDecisions?: "summary" | "each" | undefined;
}

/**
 * Every {@linkcode DecisionOutcome}, for dashboards and exhaustive tests.
 *
 * @example Usage
 * ```ts
 * import { DECISION_OUTCOMES } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DECISION_OUTCOMES.length, 5);
 * ```
 */
export const DECISION_OUTCOMES: readonly DecisionOutcome[] =
  /* @__PURE__ */ Object
    .freeze([
      "allow",
      "deny",
      "hidden",
      "step-up",
      "unavailable",
    ]);

/**
 * Every {@linkcode DecisionOperation}: the label values a metric can take.
 *
 * @example Usage
 * ```ts
 * import { DECISION_OPERATIONS } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * assert.ok(DECISION_OPERATIONS.includes("tools/call"));
 * ```
 */
export const DECISION_OPERATIONS: readonly DecisionOperation[] =
  /* @__PURE__ */ Object
    .freeze([
      "http",
      "filter",
      "authorize",
      "tools/list",
      "tools/call",
      "prompts/list",
      "prompts/get",
      "resources/list",
      "resources/templates/list",
      "resources/read",
      "completion/complete",
    ]);

/**
 * Every {@linkcode DecisionReason}: the label values a metric can take.
 *
 * @example Usage
 * ```ts
 * import { DECISION_REASONS } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * assert.ok(DECISION_REASONS.includes("unknown_component"));
 * ```
 */
export const DECISION_REASONS: readonly DecisionReason[] =
  /* @__PURE__ */ Object
    .freeze([
      "no_token",
      "invalid_token",
      "insufficient_scope",
      "opaque_denial",
      "masked_error",
      "unknown_component",
      "unavailable",
    ]);
