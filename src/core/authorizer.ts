/**
 * Server-level authorization: FastMCP's `AuthMiddleware`, as layers.
 *
 * @module
 */

import { functionOption, optionsObject, show } from "../_internal/options.ts";
import {
  type AccessToken,
  type AuthCheck,
  AuthContext,
  type Component,
  seeded,
} from "./context.ts";
import { AuthorizationError, InsufficientScopeError } from "../errors.ts";
import { reportSafely } from "../_internal/report.ts";
import {
  type ErrorReporter,
  evaluateAll,
  isAuthorizationError,
  isUnavailableError,
  toCheckList,
  warnOnError,
} from "./_evaluate.ts";
import { BatchScope, isBatchCheck } from "./batch.ts";
import {
  addRequirements,
  evaluateShortfall,
  scopeRequirements,
  tracker,
} from "./runner.ts";
import { named } from "./checks.ts";
import type { DecisionOptions } from "./decision.ts";
import * as events from "./_decision_watch.ts";
import {
  closeScopes,
  type CompiledHierarchy,
  compileHierarchy,
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

const EMPTY: ReadonlySet<string> = new Set();

/**
 * `authorizer[layerChecks]`: every check of every layer, in order. Internal:
 * the MCP guard asks them what they advertise about a listed tool.
 */
export const layerChecks: unique symbol = Symbol();

// Stand-ins named in `onError` reports for failures that are not a check's:
// a malformed component, or a component list that threw while iterated.
// Named explicitly: a minifier renames function expressions.
const componentShape: AuthCheck = named(() => false, "invalidComponent");
const componentList: AuthCheck = named(() => false, "unreadableComponentList");

function compileLayers(layers: unknown): readonly (readonly AuthCheck[])[] {
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
  #decisions: events.DecisionSink | undefined;

  /**
   * Validates the layers and hierarchy once.
   *
   * @param options Layers, scope hierarchy and error reporter.
   * @throws {TypeError} When `options` is not an object or has a key other
   * than `layers`, `scopeHierarchy`, `onError`, `onDecision`,
   * `redactDecision` and `listDecisions` (a misspelt `layers` would load
   * none), a layer is not a check or list of checks, the hierarchy is not
   * scope -> scope list, or `onError` / `onDecision` is not a function.
   */
  constructor(options: AuthorizerOptions = {}) {
    const { layers, scopeHierarchy, onError } = optionsObject(
      "Authorizer",
      options,
      ["layers", "scopeHierarchy", "onError", ...events.OPTION_NAMES],
      "an options object such as { layers: [...] }",
    );
    this.#layers = compileLayers(layers);
    this.#flat = Object.freeze(this.#layers.flat());
    this.#batched = this.#flat.some(isBatchCheck);
    this.#compiled = scopeHierarchy === undefined
      ? undefined
      : compileHierarchy(scopeHierarchy);
    this.#report = functionOption(
      "Authorizer",
      "onError",
      onError,
      warnOnError,
    );
    this.#decisions = events.compileDecisions("Authorizer", options);
  }

  /** @ignore Internal: this Authorizer's sink, the MCP guard's default. */
  get [events.decisionsOf](): events.DecisionSink | undefined {
    return this.#decisions;
  }

  /**
   * Internal. Every check of every layer, in order.
   *
   * @ignore
   */
  get [layerChecks](): readonly AuthCheck[] {
    return this.#flat;
  }

  /** The token's scope set, computed once per call and shared by every context. */
  #granted(token: AccessToken | undefined): ReadonlySet<string> {
    return token === undefined
      ? EMPTY
      : closeScopes(token.scopes, this.#compiled);
  }

  /**
   * Own auth, then every layer (`flat`): one AND chain, synchronous until a
   * check is not. Batch checks answer through `batch`, once per list.
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
    const first = own === undefined ||
      batch.evaluateOwn(own, ctx, this.#report, this.#ownBatched);
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
   * @returns The components that pass their own `auth` and every layer.
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
      const flat = this.#batched ? batch.substitute(this.#flat) : this.#flat;
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
   * the following scope-only layers, up to the first opaque one.
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
    const decided = this.#authorize(token, component, options, watch);
    return watch === undefined ? decided : watch.settle(decided);
  }

  async #authorize(
    token: AccessToken | undefined,
    component: Component | undefined,
    options: AuthorizeOptions | undefined,
    watch: events.AuthorizeWatch | undefined,
  ): Promise<void> {
    // One context for the whole decision, reporting through a tracker: a
    // layer whose check threw is opaque, whatever it claims to lack.
    const tracked = watch?.track(this.#report) ?? tracker(this.#report);
    let ctx: AuthContext | undefined;
    let visible = false;
    try {
      if (component != null) {
        ctx = AuthContext[seeded](
          { token, component, arguments: options?.arguments },
          this.#granted(token),
          tracked.report,
        );
        visible = component.auth === undefined ||
          await evaluateAll(toCheckList(component.auth), ctx, tracked.report);
      }
    } catch (error) {
      // An engine that could not decide is not a "not found": say retry.
      if (isUnavailableError(error)) throw error;
      // A malformed component is reported; own auth's errors already were.
      if (ctx === undefined) reportSafely(this.#report, error, componentShape);
    }
    // Unknown, malformed, or hidden by its own auth (whatever the reason):
    // one answer, so that existence never leaks.
    if (!visible) throw new AuthorizationError(NOT_FOUND_MESSAGE);

    for (let i = 0; i < this.#layers.length; i++) {
      if (watch !== undefined) watch.layer = i;
      const result = await evaluateShortfall(this.#layers[i]!, ctx!, tracked);
      if (result.authorized) continue;
      // No step-up can help: answer exactly as for an unknown component, so
      // a hidden component cannot be told from a missing one.
      if (result.missingScopes.length === 0) {
        throw new AuthorizationError(NOT_FOUND_MESSAGE);
      }
      const required = new Set(result.missingScopes);
      let end = i + 1;
      for (; end < this.#layers.length; end++) {
        const more = scopeRequirements(this.#layers[end]!, ctx!, {
          onError: this.#report,
        });
        if (more === undefined) break; // an opaque layer: say nothing beyond it
        for (const scope of more) required.add(scope);
      }
      throw new InsufficientScopeError([...required], {
        challengeScopes: this.#challengeScopes(ctx!, end),
      });
    }
  }

  /**
   * What a step-up challenge names beside the missing scopes (RFC 6750 §3):
   * every scope the component's own auth and the layers before `end`
   * require, held or not, so that a client which replaces its scopes with
   * the challenge's (MCP 2025-11-25) keeps the ones this call needs.
   */
  #challengeScopes(ctx: AuthContext, end: number): string[] {
    const scopes = new Set<string>();
    const own = ctx.component.auth;
    if (own !== undefined) {
      addRequirements(toCheckList(own), ctx, this.#report, scopes);
    }
    for (let i = 0; i < end; i++) {
      addRequirements(this.#layers[i]!, ctx, this.#report, scopes);
    }
    return [...scopes];
  }
}
