/**
 * Server-level authorization: FastMCP's `AuthMiddleware`, as layers.
 *
 * @module
 */

import { functionOption, optionsObject } from "../_internal/options.ts";
import {
  type AccessToken,
  type AuthCheck,
  AuthContext,
  type Component,
  seeded,
} from "./context.ts";
import { AuthorizationError } from "../errors.ts";
import { reportSafely } from "../_internal/report.ts";
import {
  type ErrorReporter,
  evaluateAll,
  isAuthorizationError,
  warnOnError,
} from "./_evaluate.ts";
import { BatchScope, isBatchCheck } from "./batch.ts";
import { type Tracker, tracker } from "./runner.ts";
import { named } from "./checks.ts";
import { authorizeLayers, compileLayers, componentShape } from "./_layers.ts";
// stepUp (issue 11): the "always" and "never" policies.
import {
  authorizeAlways,
  concealed,
  lenient,
  lenientAuth,
  stepUpOption,
  type StepUpPolicy,
} from "./step_up.ts";
import type { DecisionOptions } from "./decision.ts";
import * as events from "./_decision_watch.ts";
import {
  closeScopes,
  type CompiledHierarchy,
  compileHierarchy,
  NO_SCOPES,
  type ScopeHierarchy,
} from "./scopes.ts";

/**
 * Options of {@linkcode Authorizer}.
 *
 * @example Usage
 * ```ts
 * import { Authorizer, type AuthorizerOptions, restrictTag } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: AuthorizerOptions = {
 *   layers: [restrictTag("admin", { scopes: ["admin"] })],
 *   scopeHierarchy: { admin: ["write"], write: ["read"] },
 * };
 * assert.ok(new Authorizer(options));
 * ```
 */
export interface AuthorizerOptions extends DecisionOptions {
  /**
   * Server-wide layers, each one FastMCP `AuthMiddleware`: a check or a list
   * of checks (AND). Run in order, after the component's own `auth`.
   */
  layers?: ReadonlyArray<AuthCheck | readonly AuthCheck[]> | undefined;
  /** Handed to every `AuthContext` the authorizer builds. */
  scopeHierarchy?: ScopeHierarchy | undefined;
  /**
   * Receives exceptions thrown by checks (other than `AuthorizationError`),
   * a combinator's branches' included, and a `TypeError` naming a check
   * whose result is not a boolean; they deny. Default: one
   * `console.warn` naming the check. Called without a receiver.
   */
  onError?: ((error: unknown, check: AuthCheck) => void) | undefined;
  /**
   * What lists show and calls answer when only scopes stand between the
   * token and a component: `"layers"` (default, FastMCP's), `"always"` or
   * `"never"` (see {@linkcode StepUpPolicy}).
   */
  stepUp?: StepUpPolicy | undefined;
}

/**
 * Options of {@linkcode Authorizer.prototype.authorize}. Read on every call,
 * so unknown keys are not refused here (a misspelt `arguments` leaves
 * `ctx.arguments` undefined, which checks reading it deny).
 *
 * @example Usage
 * ```ts
 * import type { AuthorizeOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: AuthorizeOptions = { arguments: { path: "/tmp/x" } };
 * assert.equal(options.arguments?.path, "/tmp/x");
 * ```
 */
export interface AuthorizeOptions {
  /** The tool-call arguments, shown to checks as `ctx.arguments`. */
  arguments?: Record<string, unknown> | undefined;
}

/** The message shared by an unknown component and one its own auth denies. */
const NOT_FOUND_MESSAGE = "Component not found or not authorized";

/** Every option `new Authorizer` takes: any other key is refused. */
const OPTION_KEYS: readonly (keyof AuthorizerOptions)[] = [
  ...(["layers", "scopeHierarchy", "onError", "stepUp"] as const),
  ...events.OPTION_NAMES,
];

/**
 * `authorizer[layerChecks]`: every check of every layer, in order. Internal:
 * the MCP guard asks them what they advertise about a listed tool.
 */
export const layerChecks: unique symbol = Symbol();

// Stand-in named in `onError` reports when a component list threw while
// iterated. Named explicitly: a minifier renames function expressions.
const componentList: AuthCheck = named(() => false, "unreadableComponentList");

/**
 * Decides which components a token may see and use: a component's own
 * `auth` first, then each server-wide layer in order.
 *
 * - `filter` answers list operations: it keeps, in order, the components
 *   that pass everything; a check throwing `AuthorizationError` drops that
 *   component. A `BatchCheck` is asked once for every component
 *   of the list that reaches it (`decideMany`), not once per component.
 * - `authorize` answers a call, read or get: it throws the same
 *   `AuthorizationError` for an unknown component and for one its own `auth`
 *   denies, so existence never leaks; a layer's scope shortfall throws
 *   `InsufficientScopeError` naming every scope still needed up to the first
 *   opaque layer; any other denial is answered as for an unknown component.
 *
 * @example Usage
 * ```ts
 * import {
 *   Authorizer,
 *   InsufficientScopeError,
 *   requireScopes,
 *   restrictTag,
 * } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const authorizer = new Authorizer({
 *   layers: [requireScopes("mcp"), restrictTag("admin", { scopes: ["admin"] })],
 * });
 * const tools = [
 *   { kind: "tool" as const, name: "echo" },
 *   { kind: "tool" as const, name: "reset", tags: ["admin"] },
 * ];
 * const token = { token: "t", clientId: "c", scopes: ["mcp"], claims: {} };
 * assert.deepEqual((await authorizer.filter(token, tools)).map((t) => t.name), ["echo"]);
 * const error = await authorizer.authorize(token, tools[1]).catch((e) => e);
 * assert.ok(error instanceof InsufficientScopeError);
 * assert.deepEqual(error.requiredScopes, ["admin"]); // what the token lacks
 * assert.deepEqual(error.challengeScopes, ["admin", "mcp"]); // what to ask for
 * ```
 */
export class Authorizer {
  #layers: readonly (readonly AuthCheck[])[];
  #flat: readonly AuthCheck[];
  #batched: boolean;
  // Per own `auth` value, whether it holds a batch check (BatchScope).
  #ownBatched: WeakMap<object, boolean> = new WeakMap();
  #compiled: CompiledHierarchy | undefined;
  #report: ErrorReporter;
  #stepUp: StepUpPolicy;
  /** The layers as `filter` runs them: lenient under `"always"`. */
  #listFlat: readonly AuthCheck[];
  #decisions: events.DecisionSink | undefined;

  /**
   * Validates the layers and hierarchy once.
   *
   * @param options Layers, scope hierarchy, error reporter, step-up policy.
   * @throws {TypeError} When `options` is not an object or has a key other
   * than `layers`, `scopeHierarchy`, `onError`, `stepUp`, `onDecision`,
   * `redactDecision` and `listDecisions` (a misspelt `layers` would load
   * none), a layer is not a check or list of checks, the hierarchy is not
   * scope -> scope list, `onError` / `onDecision` is not a function, or
   * `stepUp` is not `"layers"`, `"always"` or `"never"`.
   */
  constructor(options: AuthorizerOptions = {}) {
    const given = optionsObject(
      "Authorizer",
      options,
      OPTION_KEYS,
      "an options object such as { layers: [...] }",
    );
    const { layers, scopeHierarchy, onError, stepUp } = given;
    // stepUp (issue 11): read first, the layers' list form depends on it.
    this.#stepUp = stepUpOption("Authorizer", stepUp);
    this.#layers = compileLayers(layers);
    this.#flat = Object.freeze(this.#layers.flat());
    this.#batched = this.#flat.some(isBatchCheck);
    this.#listFlat = this.#stepUp === "always"
      ? Object.freeze(this.#flat.map(lenient))
      : this.#flat;
    this.#compiled = scopeHierarchy === undefined
      ? undefined
      : compileHierarchy(scopeHierarchy);
    this.#report = functionOption(
      "Authorizer",
      "onError",
      onError,
      warnOnError,
    );
    this.#decisions = events.compileDecisions("Authorizer", given);
  }

  /** @ignore Internal: this Authorizer's sink, the MCP guard's default. */
  get [events.decisionsOf](): events.DecisionSink | undefined {
    return this.#decisions;
  }

  /** @ignore Internal. Every check of every layer, in order. */
  get [layerChecks](): readonly AuthCheck[] {
    return this.#flat;
  }

  /** The token's scope set, computed once per call and shared by every context. */
  #granted(token: AccessToken | undefined): ReadonlySet<string> {
    return token === undefined
      ? NO_SCOPES
      : closeScopes(token.scopes, this.#compiled);
  }

  /**
   * Own auth, then every layer (`flat`), as lists judge them (lenient
   * under `"always"`): one AND chain, synchronous until a check is not.
   * Batch checks answer through `batch`, once per list.
   */
  #decide(
    token: AccessToken | undefined,
    component: Component,
    granted: ReadonlySet<string>,
    flat: readonly AuthCheck[],
    batch: BatchScope,
  ): boolean | Promise<boolean> {
    const ctx = AuthContext[seeded](
      { token, component },
      granted,
      this.#report,
    );
    const own = component.auth;
    // stepUp (issue 11): under "always", own scope checks are lenient too.
    const auth = this.#listFlat === this.#flat ? own : lenientAuth(own);
    const first = own === undefined ||
      batch.evaluateOwn(auth, ctx, this.#report, this.#ownBatched);
    return first === true
      ? evaluateAll(flat, ctx, this.#report)
      : first && first.then((ok) => ok && evaluateAll(flat, ctx, this.#report));
  }

  /** A decision that never throws: an AuthorizationError or a bad component drops. */
  #keep(
    token: AccessToken | undefined,
    component: Component,
    granted: ReadonlySet<string>,
    flat: readonly AuthCheck[],
    batch: BatchScope,
  ): boolean | Promise<boolean> {
    try {
      const decision = this.#decide(token, component, granted, flat, batch);
      return typeof decision === "boolean"
        ? decision
        : decision.catch(() => false);
    } catch (error) {
      // Only an AuthorizationError, or a malformed component, gets here.
      if (!isAuthorizationError(error)) {
        reportSafely(this.#report, error, componentShape);
      }
      return false;
    }
  }

  /**
   * The components `token` may see, in their original order.
   *
   * @typeParam C The component type, kept in the result.
   * @param token The verified token, or `undefined` when unauthenticated.
   * @param components The components to filter.
   * @returns The components that pass their own `auth` and every layer
   * (with `stepUp: "always"`, also those whose every failing check is
   * scope-aware and names what the token lacks).
   *
   * @example Usage
   * ```ts
   * import { Authorizer, restrictTag } from "@mcp-authz/core";
   * import assert from "node:assert/strict";
   *
   * const authorizer = new Authorizer({ layers: [restrictTag("admin", { scopes: ["admin"] })] });
   * const prompts = [
   *   { kind: "prompt" as const, name: "summarize" },
   *   { kind: "prompt" as const, name: "audit", tags: new Set(["admin"]) },
   * ];
   * const visible = await authorizer.filter(undefined, prompts);
   * assert.deepEqual(visible.map((p) => p.name), ["summarize"]);
   * ```
   */
  filter<C extends Component>(
    token: AccessToken | undefined,
    components: Iterable<C>,
  ): Promise<C[]> {
    return this[events.listing](token, components, undefined);
  }

  /** @ignore Internal: `filter` for a caller owning its event (the guard). */
  [events.listing]<C extends Component>(
    token: AccessToken | undefined,
    components: Iterable<C>,
    asked: events.Asking | undefined,
  ): Promise<C[]> {
    const watch = events.watchList(this.#decisions, asked, token, components);
    if (watch === undefined) return this.#filter(token, components);
    return watch.settle(this.#filter(token, watch.components));
  }

  #filter<C extends Component>(
    token: AccessToken | undefined,
    components: Iterable<C>,
  ): Promise<C[]> {
    try {
      const granted = this.#granted(token);
      // Batch checks (decideMany) are asked once for the whole list.
      const batch = new BatchScope(this.#report);
      // stepUp (issue 11): the layers as lists judge them (lenient under "always").
      const base = this.#listFlat;
      const flat = this.#batched ? batch.substitute(base) : base;
      const kept: C[] = [];
      // Once a check goes async, the rest are collected in order and awaited.
      let pending: [C, boolean | Promise<boolean>][] | undefined;
      for (const component of components) {
        const decision = this.#keep(token, component, granted, flat, batch);
        if (pending !== undefined) pending.push([component, decision]);
        else if (decision === true) kept.push(component);
        else if (decision !== false) pending = [[component, decision]];
      }
      if (pending === undefined) return Promise.resolve(kept);
      return Promise.all(pending.map(([, decision]) => decision)).then(
        (decisions) => {
          decisions.forEach((ok, i) => {
            if (ok) kept.push(pending[i]![0]);
          });
          return kept;
        },
      );
    } catch (error) {
      // Iterating `components` itself threw: list nothing.
      reportSafely(this.#report, error, componentList);
      return Promise.resolve([]);
    }
  }

  /**
   * Allows a call, read or get, or throws why not.
   *
   * @param token The verified token, or `undefined` when unauthenticated.
   * @param component The component asked for; `undefined` when unknown.
   * @param options The call's arguments, shown to checks as `ctx.arguments`.
   * @throws {AuthorizationError} With one message for an unknown component,
   * for one its own `auth` denies, and for a layer that denies without a
   * scope shortfall (no step-up can help, so existence is not revealed).
   * @throws {InsufficientScopeError} When a layer denies for want of scopes:
   * `requiredScopes` is that layer's shortfall widened by the requirements of
   * the following scope-only layers, up to the first opaque one. With
   * `stepUp: "always"`, whenever every failing check (own `auth` included)
   * is scope-aware, naming all they lack; with `stepUp: "never"`, never (the
   * unknown component's `AuthorizationError` instead).
   * @throws {AuthorizationUnavailableError} When a check (own `auth` or a
   * layer) throws it: the engine behind it could not decide, so the caller
   * answers "retry" (HTTP 503), not "not found".
   *
   * @example Usage
   * ```ts
   * import { AuthorizationError, Authorizer, requireScopes } from "@mcp-authz/core";
   * import assert from "node:assert/strict";
   *
   * const authorizer = new Authorizer();
   * const token = { token: "t", clientId: "c", scopes: [], claims: {} };
   * const secret = { kind: "tool" as const, name: "secret", auth: requireScopes("root") };
   * const unknown = await authorizer.authorize(token, undefined).catch((e) => e);
   * const denied = await authorizer.authorize(token, secret).catch((e) => e);
   * assert.ok(unknown instanceof AuthorizationError);
   * assert.equal(unknown.message, denied.message);
   * ```
   */
  authorize(
    token: AccessToken | undefined,
    component: Component | undefined,
    options?: AuthorizeOptions,
  ): Promise<void> {
    const watch = events.watchAuthorize(
      this.#decisions,
      token,
      component,
      options,
      NOT_FOUND_MESSAGE,
    );
    // One tracker per decision: it notes masked errors (and, for the
    // watch, what a redactor may see) whichever engine decides.
    const tracked = watch?.track(this.#report) ?? tracker(this.#report);
    const decided = this.#byPolicy(token, component, options, watch, tracked);
    return watch === undefined ? decided : watch.settle(decided);
  }

  /** The decision of `authorize`, by the engine of the step-up policy. */
  #byPolicy(
    token: AccessToken | undefined,
    component: Component | undefined,
    options: AuthorizeOptions | undefined,
    watch: events.AuthorizeWatch | undefined,
    tracked: Tracker,
  ): Promise<void> {
    // What both engines take first: the call, the layers, the token's scopes.
    const call = [
      token,
      component,
      options,
      this.#layers,
      () => this.#granted(token),
    ] as const;
    // stepUp (issue 11): the policy picks the engine.
    if (this.#stepUp === "always") {
      return authorizeAlways(...call, tracked, notFoundError, watch);
    }
    const decided = authorizeLayers(
      ...call,
      this.#report,
      tracked,
      notFoundError,
      watch,
    );
    // "never": the watch sees the concealed answer (a shortfall: hidden).
    return this.#stepUp === "never"
      ? concealed(decided, notFoundError)
      : decided;
  }
}

/** The one error of an unknown component and of one that reads as such. */
function notFoundError(): AuthorizationError {
  return new AuthorizationError(NOT_FOUND_MESSAGE);
}
