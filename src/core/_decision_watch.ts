/**
 * How the `Authorizer` reports its decisions without deciding any
 * differently: a watch wraps one `authorize` or `filter` call, notes what
 * the evaluation leaves behind (the layer being run, whether the deciding
 * check threw, the errors masked) and emits one event when the call
 * settles. Nobody listening, no watch: the call runs as it always did.
 *
 * A caller that owns the decision (the MCP guard) hands the Authorizer an
 * {@linkcode Asking} under the {@linkcode asking} key of the options (or to
 * the {@linkcode listing} method): the event then carries its operation and
 * request id, goes to its sink instead of the Authorizer's, and says
 * `hidden` for every denial the caller answers as not found. Internal.
 *
 * @module
 */

import { type Tracker, tracker } from "./runner.ts";
import type { AccessToken, Component, ComponentKind } from "./context.ts";
import type { ErrorReporter } from "./_evaluate.ts";
import { isAuthorizationError, isUnavailableError } from "./_evaluate.ts";
import { InsufficientScopeError } from "../errors.ts";
import { isScopeToken } from "../_internal/scope_token.ts";
import type {
  DecisionOperation,
  DecisionOutcome,
  DecisionReason,
} from "./decision.ts";
import {
  componentFields,
  decisionEvent,
  type DecisionSink,
  identityOf,
  NO_DETAILS,
} from "./_decision_sink.ts";

export {
  compileDecisions,
  DECISION_OPTION_NAMES as OPTION_NAMES,
  type DecisionSink,
} from "./_decision_sink.ts";

/** The key of `AuthorizeOptions` under which a caller passes an {@linkcode Asking}. */
export const asking: unique symbol = Symbol();
/** `authorizer[listing](token, components, asked)`: `filter` for a caller that owns the decision. */
export const listing: unique symbol = Symbol();
/** `authorizer[decisionsOf]`: the Authorizer's own sink, for a caller with none. */
export const decisionsOf: unique symbol = Symbol();

/** What a caller that owns a decision tells the Authorizer about it. */
export interface Asking {
  /** The operation the caller answers. */
  readonly operation: DecisionOperation;
  /** The request's id, when it has one. */
  readonly requestId: string | number | undefined;
  /** The kind of the components listed, for a list. */
  readonly kind: ComponentKind | undefined;
  /** Where the event goes, instead of the Authorizer's sink. */
  readonly sink: DecisionSink;
  /** Whether the caller answers every denial but a shortfall as not found. */
  readonly hides: boolean;
}

/** The {@linkcode Asking} an options object carries; never throws. */
function askedBy(options: unknown): Asking | undefined {
  try {
    const asked = (options as { [asking]?: unknown } | undefined)?.[asking];
    return typeof asked === "object" && asked !== null
      ? asked as Asking
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The watch of one `authorize` call, or `undefined` when nobody listens.
 *
 * @param own The Authorizer's sink.
 * @param notFound The message of the Authorizer's not-found denial.
 */
export function watchAuthorize(
  own: DecisionSink | undefined,
  token: AccessToken | undefined,
  component: Component | undefined,
  options: unknown,
  notFound: string,
): AuthorizeWatch | undefined {
  const asked = askedBy(options);
  if (asked === undefined && own === undefined) return undefined;
  return new AuthorizeWatch(asked, own!, token, component, options, notFound);
}

/** What one `authorize` call leaves behind, and its event when it settles. */
export class AuthorizeWatch {
  /** The index of the layer being evaluated; `undefined` before the first. */
  layer: number | undefined = undefined;
  #asked: Asking | undefined;
  #sink: DecisionSink;
  #token: AccessToken | undefined;
  #component: Component | undefined;
  #options: unknown;
  #notFound: string;
  #tracked: Tracker | undefined;
  #errors: unknown[] | undefined;

  /** A watch over one call. */
  constructor(
    asked: Asking | undefined,
    own: DecisionSink,
    token: AccessToken | undefined,
    component: Component | undefined,
    options: unknown,
    notFound: string,
  ) {
    this.#asked = asked;
    this.#sink = asked?.sink ?? own;
    this.#token = token;
    this.#component = component;
    this.#options = options;
    this.#notFound = notFound;
  }

  /**
   * The call's tracker, reporting to `report` and keeping what it masks
   * (for `redactDecision`) and whether the deciding check threw.
   */
  track(report: ErrorReporter): Tracker {
    this.#tracked = tracker(
      this.#sink.redacts
        ? (error, check) => {
          (this.#errors ??= []).push(error);
          report(error, check);
        }
        : report,
    );
    return this.#tracked;
  }

  /** `decided`, unchanged, having emitted its event once it settles. */
  settle(decided: Promise<void>): Promise<void> {
    return decided.then(
      () => this.#emit(false),
      (error: unknown) => {
        this.#emit(true, error);
        throw error;
      },
    );
  }

  /** What the call's answer means, as the caller answers it. */
  #outcome(
    denied: boolean,
    error: unknown,
  ): [DecisionOutcome, DecisionReason?, (readonly string[])?] {
    if (!denied) return ["allow"];
    if (this.#component == null) return ["hidden", "unknown_component"];
    // The engine behind a check could not decide: the caller says retry.
    if (isUnavailableError(error)) return ["unavailable", "unavailable"];
    // A shortfall that does not read as scopes (a hostile error) asks for
    // nothing: the guard answers it as not found.
    const missing = error instanceof InsufficientScopeError
      ? scopeTokens(error)
      : undefined;
    if (missing !== undefined) {
      return ["step-up", "insufficient_scope", missing];
    }
    // A check's own AuthorizationError reaches a direct caller as it is.
    const open = this.#asked?.hides !== true && isAuthorizationError(error) &&
      error.message !== this.#notFound;
    return [
      open ? "deny" : "hidden",
      this.#tracked?.masked === true ? "masked_error" : "opaque_denial",
    ];
  }

  #emit(denied: boolean, error?: unknown): void {
    try {
      const [outcome, reason, missingScopes] = this.#outcome(denied, error);
      const sink = this.#sink;
      sink.emit(
        decisionEvent({
          operation: this.#asked?.operation ?? "authorize",
          outcome,
          reason,
          ...componentFields(this.#component),
          missingScopes,
          // Where a known component was denied: a layer, or its own auth.
          layer: reason === undefined || reason === "unknown_component"
            ? undefined
            : this.layer ?? "component",
          ...identityOf(this.#token),
          requestId: this.#asked?.requestId,
        }),
        sink.redacts
          ? {
            ...(this.#token === undefined ? {} : { token: this.#token }),
            ...argumentsOf(this.#options),
            ...(this.#errors === undefined ? {} : { errors: this.#errors }),
          }
          : NO_DETAILS,
      );
    } catch {
      // An event that cannot be built changes nothing.
    }
  }
}

/** The unmet scopes of a shortfall, frozen, or `undefined` if none reads as one. */
function scopeTokens(
  error: InsufficientScopeError,
): readonly string[] | undefined {
  try {
    const scopes: unknown = error.requiredScopes;
    if (!Array.isArray(scopes) || scopes.length === 0) return undefined;
    const copy: unknown[] = [...scopes];
    return copy.every(isScopeToken)
      ? Object.freeze(copy as string[])
      : undefined;
  } catch {
    return undefined;
  }
}

function argumentsOf(
  options: unknown,
): { arguments?: Readonly<Record<string, unknown>> } {
  const args = (options as { arguments?: unknown } | undefined)?.arguments;
  return typeof args === "object" && args !== null
    ? { arguments: args as Record<string, unknown> }
    : {};
}

/**
 * The watch of one `filter` call, or `undefined` when nobody listens.
 *
 * @param own The Authorizer's sink.
 */
export function watchList<C>(
  own: DecisionSink | undefined,
  asked: Asking | undefined,
  token: AccessToken | undefined,
  components: Iterable<C>,
): ListWatch<C> | undefined {
  if (asked === undefined && own === undefined) return undefined;
  return new ListWatch(asked, asked?.sink ?? own!, token, components);
}

/** What one `filter` call saw, and its event (or events) once it settles. */
export class ListWatch<C> {
  /** What to hand the filter: `components`, or a pass that counts them. */
  readonly components: Iterable<C>;
  #asked: Asking | undefined;
  #sink: DecisionSink;
  #token: AccessToken | undefined;
  #seen: readonly C[];
  #failed = false;

  /** A watch over one list. */
  constructor(
    asked: Asking | undefined,
    sink: DecisionSink,
    token: AccessToken | undefined,
    components: Iterable<C>,
  ) {
    this.#asked = asked;
    this.#sink = sink;
    this.#token = token;
    if (Array.isArray(components)) {
      this.#seen = components;
      this.components = components;
    } else {
      const seen: C[] = [];
      this.#seen = seen;
      this.components = this.#counting(components, seen);
    }
  }

  *#counting(source: Iterable<C>, seen: C[]): Generator<C> {
    try {
      for (const component of source) {
        seen.push(component);
        yield component;
      }
    } catch (error) {
      this.#failed = true;
      throw error;
    }
  }

  /** `kept`, unchanged, having emitted the list's event once it settles. */
  settle(kept: Promise<C[]>): Promise<C[]> {
    return kept.then((list) => {
      this.#emit(list);
      return list;
    });
  }

  #emit(kept: readonly C[]): void {
    try {
      const operation = this.#asked?.operation ?? "filter";
      const { clientId, subject } = identityOf(this.#token);
      const requestId = this.#asked?.requestId;
      const details = !this.#sink.redacts || this.#token === undefined
        ? NO_DETAILS
        : { token: this.#token };
      const seen = this.#seen;
      if (this.#sink.each) {
        // `kept` is `seen` in order, less what was hidden.
        let next = 0;
        for (const component of seen) {
          const shown = next < kept.length && kept[next] === component;
          if (shown) next++;
          this.#sink.emit(
            decisionEvent({
              operation,
              outcome: shown ? "allow" : "hidden",
              ...componentFields(component),
              clientId,
              subject,
              requestId,
            }),
            details,
          );
        }
      }
      this.#sink.emit(
        decisionEvent({
          operation,
          outcome: this.#failed ? "hidden" : "allow",
          reason: this.#failed ? "masked_error" : undefined,
          kind: this.#asked?.kind,
          shown: kept.length,
          hidden: Math.max(0, seen.length - kept.length),
          clientId,
          subject,
          requestId,
        }),
        details,
      );
    } catch {
      // An event that cannot be built changes nothing.
    }
  }
}
