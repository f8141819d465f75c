/**
 * The guard's decisions made before dispatch, once per HTTP request: each
 * `tools/call`, `resources/read` and `prompts/get` of a JSON-RPC body
 * (single or batch) is authorized here, and its decision travels with the
 * request to the SDK's dispatch (and to the v2 pre-dispatch hook), which
 * reuse it instead of running the checks again.
 *
 * The decisions ride on a copy of the request's token, made for this
 * request alone (the `authInfo` the transport is then given), under a
 * module-private symbol: two requests never share one, even with the same
 * token object (a verifier's cache hands out one per token), and a guard
 * only reads the decisions it made itself. A decision is reused only for
 * the same method, JSON-RPC id, component and arguments; anything else is
 * decided again. Internal.
 *
 * @module
 */

import { isRecord } from "../_internal/options.ts";
import type { Authorizer } from "../core/authorizer.ts";
import type { AccessToken, Component } from "../core/context.ts";
import { isUnavailableError } from "../core/_evaluate.ts";
import { InsufficientScopeError } from "../errors.ts";
import type { SdkBinding } from "./_binding.ts";
import type { ComponentRegistry, Entry } from "./_registry.ts";
import { accessTokenOf } from "./_token.ts";
import type { DecisionSink } from "../core/_decision_sink.ts";
import { askingAhead, authorizeOptions, type HeldEvent } from "./_decisions.ts";

/** What a guard decides with (the shape of `GuardScope`). */
export interface DecidingScope {
  /** The server-wide layers and scope hierarchy. */
  readonly authorizer: Authorizer;
  /** The SDK the server comes from. */
  readonly binding: SdkBinding;
  /** What was registered through the guard. */
  readonly registry: ComponentRegistry;
  /** Where decision events go; `undefined` when nobody listens. */
  readonly decisions?: DecisionSink | undefined;
}

/** One call's decision. */
interface Decision {
  /** The index entry decided on. */
  readonly entry: Entry;
  /** Its component as it was then (a rename replaces it). */
  readonly component: Component;
  /** The arguments its checks saw. */
  readonly args: Record<string, unknown> | undefined;
  /** Whether it was allowed; else `error` is why not. */
  readonly allowed: boolean;
  /** What `Authorizer.authorize` threw. */
  readonly error: unknown;
  /**
   * Its decision event, held until someone answers with the decision
   * (`release()`); `undefined` when nobody listens.
   */
  readonly held: HeldEvent | undefined;
}

// Module-private: only this module reads or writes the decisions.
const DECISIONS: unique symbol = Symbol("mcp-authz preflight");

/** The decisions of one request, by one guard. */
class Decisions {
  readonly scope: DecidingScope;
  /** By method and id; `null` when a batch repeats the key (decide again). */
  readonly byKey: Map<string, Decision | null> = new Map();

  constructor(scope: DecidingScope) {
    this.scope = scope;
  }

  add(key: string, decision: Decision): void {
    this.byKey.set(key, this.byKey.has(key) ? null : decision);
  }
}

/** The SDKs refuse larger batches: nothing in them is decided here. */
const MAX_BATCH = 100;

const CALLS: ReadonlySet<string> = new Set([
  "tools/call",
  "prompts/get",
  "resources/read",
]);

function keyOf(method: string, id: unknown): string {
  return `${method}\n${typeof id}\n${String(id)}`;
}

function isRequestId(id: unknown): id is string | number {
  return typeof id === "string" || typeof id === "number";
}

/**
 * The component a `tools/call`, `prompts/get` or `resources/read` names and
 * the arguments its checks see, exactly as the guarded handler resolves
 * them; `undefined` when unknown or disabled (dispatch answers it as not
 * found, without running a check), or for any other method.
 */
export function targetOf(
  scope: DecidingScope,
  method: string,
  params: Record<string, unknown> | undefined,
): { entry: Entry; args: Record<string, unknown> | undefined } | undefined {
  let entry: Entry | undefined;
  let args: Record<string, unknown> | undefined;
  if (method === "resources/read") {
    ({ entry, args } = scope.registry.resolve(params?.uri));
  } else if (method !== "tools/call" && method !== "prompts/get") {
    return undefined;
  } else {
    const name = params?.name;
    entry = method === "tools/call"
      ? scope.registry.tool(name)
      : scope.registry.prompt(name);
    const given = params?.arguments;
    args = isRecord(given) ? given : undefined;
  }
  if (entry === undefined || entry.handle?.enabled !== true) return undefined;
  return { entry, args };
}

/** What deciding a body gave. */
export interface Decided {
  /** The `authInfo` for the transport: a carrier of the decisions, or the token. */
  readonly authInfo: AccessToken | undefined;
  /**
   * The first call refused in a way HTTP answers (a scope shortfall, a
   * check that could not decide): what `authorize` threw. Nothing after it
   * was decided.
   */
  readonly refused: unknown;
  /** The refused call's decision event, for the preflight to emit if it answers. */
  readonly refusal: HeldEvent | undefined;
}

/**
 * Authorizes every call of a JSON-RPC body, in order, once.
 *
 * @param scope The guard deciding.
 * @param body The parsed body: one message or a batch.
 * @param token The request's verified token, as given to the transport.
 */
export async function decide(
  scope: DecidingScope,
  body: unknown,
  token: AccessToken | undefined,
): Promise<Decided> {
  const messages = Array.isArray(body)
    ? (body.length <= MAX_BATCH ? body : [])
    : [body];
  // Checks see the token exactly as dispatch hands it to them.
  const checked = accessTokenOf(token);
  let decisions: Decisions | undefined;
  let refused: unknown;
  let refusal: HeldEvent | undefined;
  for (const message of messages) {
    if (!isRecord(message)) continue;
    const { method, id } = message;
    if (typeof method !== "string" || !CALLS.has(method) || !isRequestId(id)) {
      continue;
    }
    const params = isRecord(message.params) ? message.params : undefined;
    const target = targetOf(scope, method, params);
    if (target === undefined) continue;
    let allowed = false;
    let error: unknown;
    // The event waits for whoever answers with this decision.
    const ahead = askingAhead(scope, method, id);
    try {
      await scope.authorizer.authorize(
        checked,
        target.entry.component,
        authorizeOptions(target.args, ahead?.asked),
      );
      allowed = true;
    } catch (thrown) {
      error = thrown;
    }
    if (checked !== undefined) {
      decisions ??= new Decisions(scope);
      decisions.add(keyOf(method, id), {
        entry: target.entry,
        component: target.entry.component,
        args: target.args,
        allowed,
        error,
        held: ahead?.held,
      });
    }
    if (!allowed && answeredOverHttp(error)) {
      refused = error;
      refusal = ahead?.held;
      break;
    }
  }
  return {
    authInfo: decisions === undefined ? token : carrier(token!, decisions),
    refused,
    refusal,
  };
}

/** Whether HTTP answers this denial (403, 503) rather than dispatch. */
function answeredOverHttp(error: unknown): boolean {
  return error instanceof InsufficientScopeError || isUnavailableError(error);
}

/** A copy of `token` for this request alone, carrying its decisions. */
function carrier(token: AccessToken, decisions: Decisions): AccessToken {
  const copy = { ...token };
  // Not enumerable: invisible to spreads, JSON and equality checks.
  Object.defineProperty(copy, DECISIONS, { value: decisions });
  return copy;
}

/**
 * The decision made before dispatch for this call, when `authInfo`
 * carries one made by `scope` for the same method, id, component and
 * arguments; `undefined` otherwise (decide now).
 *
 * @returns Whether it was allowed, else the error to answer with, and
 * its held event: whoever answers with the decision releases it.
 */
export function recall(
  scope: DecidingScope,
  authInfo: unknown,
  method: string,
  id: unknown,
  entry: Entry,
  args: Record<string, unknown> | undefined,
):
  | {
    readonly allowed: boolean;
    readonly error: unknown;
    readonly held: HeldEvent | undefined;
  }
  | undefined {
  if (authInfo === null || typeof authInfo !== "object") return undefined;
  const decisions = (authInfo as { [DECISIONS]?: unknown })[DECISIONS];
  if (!(decisions instanceof Decisions) || decisions.scope !== scope) {
    return undefined;
  }
  const decision = decisions.byKey.get(keyOf(method, id));
  if (
    decision == null || decision.entry !== entry ||
    decision.component !== entry.component ||
    !sameArguments(decision.args, args)
  ) {
    return undefined;
  }
  return decision;
}

/** Nodes compared at most: larger arguments are decided again. */
const MAX_NODES = 1000;

/**
 * Whether dispatch's arguments are the ones preflight's checks saw: equal
 * JSON values (the SDKs copy what they validate, so identity is not
 * enough), within a bound.
 */
function sameArguments(a: unknown, b: unknown): boolean {
  const budget = { nodes: MAX_NODES };
  return equalJson(a, b, budget);
}

function equalJson(a: unknown, b: unknown, budget: { nodes: number }): boolean {
  if (Object.is(a, b)) return true;
  if (--budget.nodes < 0) return false;
  if (
    a === null || b === null || typeof a !== "object" ||
    typeof b !== "object"
  ) {
    return false;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!equalJson(a[i], b[i], budget)) return false;
    }
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key)) return false;
    const left = (a as Record<string, unknown>)[key];
    const right = (b as Record<string, unknown>)[key];
    if (!equalJson(left, right, budget)) return false;
  }
  return true;
}
