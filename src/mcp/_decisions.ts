/**
 * The guard's decision events: one per guarded request (list, call, read,
 * get, complete), operation the MCP method, request id the JSON-RPC one.
 * The guard owns these decisions, so it hands the Authorizer an `Asking`
 * (its operation, request id and sink): the Authorizer's event then goes to
 * the guard's `onDecision`, or to the Authorizer's own when the guard has
 * none, and says `hidden` for every denial the guard answers as not found.
 * Unknown and disabled components never reach the Authorizer: they are
 * reported here. Internal.
 *
 * @module
 */

import { isRecord } from "../_internal/options.ts";
import { isPrintable } from "../_internal/show.ts";
import type { AccessToken, ComponentKind } from "../core/context.ts";
import type {
  DecisionDetails,
  DecisionEvent,
  DecisionOperation,
} from "../core/decision.ts";
import {
  componentFields,
  decisionEvent,
  type DecisionSink,
  identityOf,
  NO_DETAILS,
} from "../core/_decision_sink.ts";
import type { AuthorizeOptions } from "../core/authorizer.ts";
import { type Asking, asking } from "../core/_decision_watch.ts";
import { isGuardedMethod, type SdkBinding } from "./_binding.ts";
import type { GuardedKind } from "./_denial.ts";
import type { Entry } from "./_registry.ts";

/** What the guard's decision events need of its scope. */
interface Scope {
  readonly binding: SdkBinding;
  readonly decisions?: DecisionSink | undefined;
}

/** The kind of what each list lists. */
const LISTED: Readonly<Record<string, ComponentKind>> = Object.freeze({
  "tools/list": "tool",
  "prompts/list": "prompt",
  "resources/list": "resource",
  "resources/templates/list": "resourceTemplate",
});

/** The longest JSON-RPC id an event carries: the client chose it. */
export const MAX_REQUEST_ID_LENGTH = 256;

/**
 * A JSON-RPC id (JSON-RPC 2.0 §4) as events carry it: a finite number, or a
 * string of at most {@linkcode MAX_REQUEST_ID_LENGTH} printable characters.
 * The client chose it: one that could split a log line, drive a terminal or
 * fill a log is left out of the event (the client still gets it back).
 */
function requestIdOf(id: unknown): string | number | undefined {
  if (typeof id === "number") return isFinite(id) ? id : undefined;
  return typeof id === "string" && id.length <= MAX_REQUEST_ID_LENGTH &&
      isPrintable(id)
    ? id
    : undefined;
}

/**
 * The {@linkcode Asking} of a decision nobody hears: a template's list
 * callback asked before the SDK runs it (`_handlers.ts`), whose list is
 * then decided, and reported, by the list's own filter.
 */
export const UNHEARD: Asking = Object.freeze({
  operation: "resources/list",
  requestId: undefined,
  kind: "resourceTemplate",
  sink: Object.freeze({ each: false, redacts: false, emit() {} }),
  hides: true,
});

/** An {@linkcode Asking} for `sink`, or none for an unknown method. */
function askingWith(
  sink: DecisionSink,
  method: unknown,
  id: unknown,
): Asking | undefined {
  if (!isGuardedMethod(method)) return undefined;
  return {
    operation: method as DecisionOperation,
    requestId: requestIdOf(id),
    kind: LISTED[method],
    sink,
    hides: true,
  };
}

/**
 * What the guard tells the Authorizer about the request a handler answers,
 * or `undefined` when nobody listens (nothing is paid then).
 */
export function askingFor(
  guard: Scope,
  request: { method?: unknown } | undefined,
  ctx: unknown,
): Asking | undefined {
  const sink = guard.decisions;
  if (sink === undefined) return undefined;
  try {
    return askingWith(sink, request?.method, guard.binding.requestId(ctx));
  } catch {
    return undefined;
  }
}

/**
 * The same for the v2 pre-dispatch hook: only a step-up is its decision (it
 * answers the HTTP 403); whatever else it sees, the handler decides again
 * in dispatch, and reports that.
 */
export function askingBeforeDispatch(
  guard: Scope,
  request: unknown,
): Asking | undefined {
  const sink = guard.decisions;
  if (sink === undefined) return undefined;
  try {
    const message = isRecord(request) ? request : {};
    return askingWith(
      {
        each: false,
        redacts: sink.redacts,
        emit: (event, details) => {
          if (event.outcome === "step-up") sink.emit(event, details);
        },
      },
      message.method,
      message.id,
    );
  } catch {
    return undefined;
  }
}

const KINDS: Readonly<Record<GuardedKind, ComponentKind>> = Object.freeze({
  Tool: "tool",
  Resource: "resource",
  Prompt: "prompt",
});

/**
 * Reports an unknown component (or a disabled one, named as registered):
 * never what the request asked for, which may be anything.
 */
export function reportUnknown(
  asked: Asking | undefined,
  kind: GuardedKind,
  entry: Entry | undefined,
  token: AccessToken | undefined,
): void {
  if (asked === undefined) return;
  try {
    const named = entry === undefined
      ? { kind: KINDS[kind], name: undefined, uri: undefined }
      : componentFields(entry.component);
    const { clientId, subject } = identityOf(token);
    asked.sink.emit(
      decisionEvent({
        operation: asked.operation,
        outcome: "hidden",
        reason: "unknown_component",
        ...named,
        clientId,
        subject,
        requestId: asked.requestId,
      }),
      asked.sink.redacts && token !== undefined ? { token } : NO_DETAILS,
    );
  } catch {
    // An event that cannot be built changes nothing.
  }
}

/**
 * The options of an `authorize` the guard asks: the arguments checks see,
 * and (when someone listens) what the guard tells the Authorizer.
 */
export function authorizeOptions(
  args: Record<string, unknown> | undefined,
  asked: Asking | undefined,
): AuthorizeOptions {
  return asked === undefined
    ? { arguments: args }
    : { arguments: args, [asking]: asked } as AuthorizeOptions;
}

/**
 * A decision event held back: made before dispatch (the preflight), it is
 * emitted by whoever answers with that decision (the preflight's own 403
 * or 503, the v2 hook's 403, or dispatch reusing it), once. A decision
 * nobody answers with (decided again in dispatch, or a request the SDK
 * refuses before dispatch) emits nothing: the decision that does answer
 * the request reports it.
 */
export class HeldEvent {
  #sink: DecisionSink;
  #event: DecisionEvent | undefined;
  #details: DecisionDetails = NO_DETAILS;

  constructor(sink: DecisionSink) {
    this.#sink = sink;
  }

  /** The sink the Authorizer emits into: it holds the event instead. */
  holder(): DecisionSink {
    return {
      each: false,
      redacts: this.#sink.redacts,
      emit: (event, details) => {
        this.#event = event;
        this.#details = details;
      },
    };
  }

  /** Emits the held event, the first time only. */
  release(): void {
    const event = this.#event;
    if (event === undefined) return;
    this.#event = undefined;
    this.#sink.emit(event, this.#details);
  }
}

/**
 * What the preflight tells the Authorizer about one call of a body, and
 * where the event is held; `undefined` when nobody listens.
 */
export function askingAhead(
  guard: Scope,
  method: string,
  id: unknown,
): { asked: Asking; held: HeldEvent } | undefined {
  const sink = guard.decisions;
  if (sink === undefined) return undefined;
  try {
    const held = new HeldEvent(sink);
    const asked = askingWith(held.holder(), method, id);
    return asked === undefined ? undefined : { asked, held };
  } catch {
    return undefined;
  }
}

/**
 * For a list whose items share components (resources a template lists):
 * the Authorizer decides each component once, and the list's event counts
 * the items the client is sent, as for any other list. `count` emits it.
 */
export function askingShared(
  asked: Asking | undefined,
): { asked: Asking; count: (shown: number, hidden: number) => void } | {
  asked: undefined;
  count: undefined;
} {
  if (asked === undefined) return { asked, count: undefined };
  const sink = asked.sink;
  let summary: [DecisionEvent, DecisionDetails] | undefined;
  const holder: DecisionSink = {
    each: sink.each,
    redacts: sink.redacts,
    emit: (event, details) => {
      // Per component events go on; the summary waits for the items' count.
      if (event.shown === undefined) sink.emit(event, details);
      else summary = [event, details];
    },
  };
  return {
    asked: { ...asked, sink: holder },
    count: (shown, hidden) => {
      if (summary === undefined) return;
      const [event, details] = summary;
      try {
        sink.emit(decisionEvent({ ...event, shown, hidden }), details);
      } catch {
        // An event that cannot be built changes nothing.
      }
    },
  };
}
