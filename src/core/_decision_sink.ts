/**
 * Where decision events go: the `onDecision` options compiled once into a
 * {@linkcode DecisionSink}, the one function that builds an event (frozen,
 * only the fields that apply, in a fixed order), and the readers of the
 * identity and component fields, which never throw. Shared by the
 * `Authorizer`, `bearerAuth` and the MCP guard. Internal.
 *
 * @module
 */

import { functionOption, label, show } from "../_internal/options.ts";
import { reportSafely } from "../_internal/report.ts";
import type { AccessToken, ComponentKind } from "./context.ts";
import type {
  DecisionDetails,
  DecisionEvent,
  DecisionListener,
  DecisionOptions,
  DecisionRedactor,
} from "./decision.ts";

/** Where one emitter's events go. */
export interface DecisionSink {
  /** `listDecisions: "each"`: one event per listed component too. */
  readonly each: boolean;
  /** Whether a `redactDecision` reads the details: else none need building. */
  readonly redacts: boolean;
  /** Hands `event` (rewritten by `redactDecision`, if any) to `onDecision`. */
  emit(event: DecisionEvent, details: DecisionDetails): void;
}

/** The option names of {@linkcode DecisionOptions}, for `optionsObject`. */
export const DECISION_OPTION_NAMES: readonly (keyof DecisionOptions)[] = Object
  .freeze(["onDecision", "redactDecision", "listDecisions"]);

/** The decision options as given, before validation. */
interface RawDecisionOptions {
  readonly onDecision?: unknown;
  readonly redactDecision?: unknown;
  readonly listDecisions?: unknown;
}

/**
 * Compiles the decision options of `owner`.
 *
 * @returns The sink, or `undefined` without `onDecision` (nothing to do,
 * and nothing paid per decision).
 * @throws {TypeError} When an option is not what it should be, or
 * `redactDecision` / `listDecisions` is given without `onDecision`.
 */
export function compileDecisions(
  owner: string,
  options: RawDecisionOptions,
): DecisionSink | undefined {
  const { onDecision, redactDecision, listDecisions } = options;
  if (
    listDecisions !== undefined && listDecisions !== "summary" &&
    listDecisions !== "each"
  ) {
    throw new TypeError(
      `${label(owner, "listDecisions")} must be "summary" or "each", got ${
        show(listDecisions)
      }`,
    );
  }
  if (onDecision === undefined) {
    const orphan = redactDecision !== undefined
      ? "redactDecision"
      : listDecisions !== undefined
      ? "listDecisions"
      : undefined;
    if (orphan !== undefined) {
      throw new TypeError(
        `${
          label(owner, orphan)
        } only applies to decision events: add onDecision: (event) => ... beside it`,
      );
    }
    return undefined;
  }
  const listener = functionOption<DecisionListener>(
    owner,
    "onDecision",
    onDecision,
    ignore,
  );
  const redact = redactDecision === undefined
    ? undefined
    : functionOption<DecisionRedactor>(
      owner,
      "redactDecision",
      redactDecision,
      keepEvent,
    );
  return Object.freeze({
    each: listDecisions === "each",
    redacts: redact !== undefined,
    emit: (event: DecisionEvent, details: DecisionDetails) =>
      deliver(listener, redact, event, details),
  });
}

function ignore(): void {}

function keepEvent(event: DecisionEvent): DecisionEvent {
  return event;
}

/** Runs the redactor (a throw or a non-object keeps the event), then the listener. */
function deliver(
  listener: DecisionListener,
  redact: DecisionRedactor | undefined,
  event: DecisionEvent,
  details: DecisionDetails,
): void {
  let delivered = event;
  if (redact !== undefined) {
    try {
      const rewritten: unknown = redact(event, details);
      if (
        typeof rewritten === "object" && rewritten !== null &&
        !Array.isArray(rewritten) &&
        typeof (rewritten as { then?: unknown }).then !== "function"
      ) {
        delivered = rewritten as DecisionEvent;
      }
    } catch {
      // A failing redactor hands the event as built: it holds nothing secret.
    }
  }
  reportSafely(listener, delivered);
}

/** Every field of an event, each possibly undefined. */
export interface EventFields {
  operation: DecisionEvent["operation"];
  outcome: DecisionEvent["outcome"];
  reason?: DecisionEvent["reason"] | undefined;
  kind?: ComponentKind | undefined;
  name?: string | undefined;
  uri?: string | undefined;
  missingScopes?: readonly string[] | undefined;
  layer?: number | "component" | undefined;
  shown?: number | undefined;
  hidden?: number | undefined;
  status?: number | undefined;
  clientId?: string | undefined;
  subject?: string | undefined;
  requestId?: string | number | undefined;
}

/** No details: what an event is given when no `redactDecision` reads them. */
export const NO_DETAILS: DecisionDetails = Object.freeze({});

/** The fields after `operation` and `outcome`, in the order events hold them. */
const FIELD_ORDER: readonly (keyof EventFields)[] = [
  "reason",
  "kind",
  "name",
  "uri",
  "missingScopes",
  "layer",
  "shown",
  "hidden",
  "status",
  "clientId",
  "subject",
  "requestId",
];

/**
 * The event of `fields`: only the defined ones, in the order a JSON audit
 * line prints them, frozen.
 */
export function decisionEvent(fields: EventFields): DecisionEvent {
  const event: Record<string, unknown> = {
    operation: fields.operation,
    outcome: fields.outcome,
  };
  for (const name of FIELD_ORDER) {
    if (fields[name] !== undefined) event[name] = fields[name];
  }
  return Object.freeze(event) as unknown as DecisionEvent;
}

/** Who a token names: its `clientId` and `sub`, when strings. */
export interface Identity {
  clientId: string | undefined;
  subject: string | undefined;
}

const NOBODY: Identity = Object.freeze({
  clientId: undefined,
  subject: undefined,
});

/** The identity of a verified token; nothing for a hostile one. */
export function identityOf(token: AccessToken | undefined): Identity {
  if (token === undefined || token === null) return NOBODY;
  try {
    const clientId: unknown = token.clientId;
    const subject: unknown = token.claims?.sub;
    return {
      clientId: typeof clientId === "string" ? clientId : undefined,
      subject: typeof subject === "string" ? subject : undefined,
    };
  } catch {
    return NOBODY;
  }
}

/** What names a component in an event. */
export interface ComponentFields {
  kind: ComponentKind | undefined;
  name: string | undefined;
  uri: string | undefined;
}

const NOTHING: ComponentFields = Object.freeze({
  kind: undefined,
  name: undefined,
  uri: undefined,
});

/** The kind, name and URI of a component as registered; nothing for a malformed one. */
export function componentFields(component: unknown): ComponentFields {
  if (component === null || typeof component !== "object") return NOTHING;
  try {
    const { kind, name, uri } = component as Record<string, unknown>;
    return {
      kind: kind === "tool" || kind === "resource" ||
          kind === "resourceTemplate" || kind === "prompt"
        ? kind
        : undefined,
      name: typeof name === "string" ? name : undefined,
      uri: typeof uri === "string" ? uri : undefined,
    };
  } catch {
    return NOTHING;
  }
}

/** A frozen copy of a scope list, its strings only. */
export function scopeList(scopes: unknown): readonly string[] | undefined {
  try {
    if (!Array.isArray(scopes)) return undefined;
    return Object.freeze(scopes.filter((s) => typeof s === "string"));
  } catch {
    return undefined;
  }
}
