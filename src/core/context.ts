/**
 * What a check sees: the verified token, the component asked for, and the
 * call's arguments. A context also carries, internally, the token's scope
 * set (built once) and the reporter of the run evaluating it, so that the
 * engine needs no module state: see the symbol-keyed members below.
 *
 * @module
 */

import {
  closeScopes,
  type CompiledHierarchy,
  compileHierarchy,
  holdsAll,
  holdsAllOf,
  NO_SCOPES,
  type ScopeHierarchy,
} from "./scopes.ts";

/**
 * A verified access token. Structurally assignable to the MCP TypeScript
 * SDK's `AuthInfo`, so it can be handed straight to
 * `transport.handleRequest(req, { authInfo: token })`.
 *
 * @example Usage
 * ```ts
 * import type { AccessToken } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const token: AccessToken = {
 *   token: "eyJ...",
 *   clientId: "my-client",
 *   scopes: ["files:read"],
 *   expiresAt: 1_900_000_000,
 *   claims: { sub: "user-1", scope: "files:read" },
 * };
 * assert.equal(token.scopes.length, 1);
 * ```
 */
export interface AccessToken {
  /** The raw token. */
  token: string;
  /** `client_id` ?? `azp` ?? `sub` ?? `"unknown"`. */
  clientId: string;
  /** The granted scopes. */
  scopes: string[];
  /** Expiry in seconds since the epoch (JWT `exp`). */
  expiresAt?: number;
  /** The RFC 8707 resource the token is bound to. */
  resource?: URL;
  /** Anything else a verifier wants to pass on. */
  extra?: Record<string, unknown>;
  /** Every claim of the token. */
  claims: Record<string, unknown>;
}

/**
 * A check: allows by returning (or resolving to) exactly `true`. Anything
 * else denies; throwing an `AuthorizationError` denies with that error;
 * throwing anything else is masked and denies.
 *
 * @example Usage
 * ```ts
 * import { type AuthCheck, AuthContext, runAuthChecks } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const ownerOnly: AuthCheck = (ctx) => ctx.token?.claims.sub === ctx.arguments?.owner;
 * const ctx = new AuthContext({
 *   token: { token: "t", clientId: "c", scopes: [], claims: { sub: "ann" } },
 *   component: { kind: "tool", name: "edit" },
 *   arguments: { owner: "ann" },
 * });
 * assert.equal(await runAuthChecks(ownerOnly, ctx), true);
 * ```
 */
export type AuthCheck = (ctx: AuthContext) => boolean | Promise<boolean>;

/**
 * The kinds of MCP component a check can guard.
 *
 * @example Usage
 * ```ts
 * import type { ComponentKind } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const kind: ComponentKind = "resourceTemplate";
 * assert.equal(kind, "resourceTemplate");
 * ```
 */
export type ComponentKind = "tool" | "resource" | "resourceTemplate" | "prompt";

/**
 * A tool, resource, resource template or prompt, as far as authorization is
 * concerned.
 *
 * @example Usage
 * ```ts
 * import { type Component, requireScopes } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const deleteFile: Component = {
 *   kind: "tool",
 *   name: "delete_file",
 *   tags: ["admin"],
 *   auth: requireScopes("files:write"),
 * };
 * assert.equal(deleteFile.kind, "tool");
 * ```
 */
export interface Component {
  /** What the component is. */
  kind: ComponentKind;
  /** The tool, prompt or resource name. */
  name: string;
  /** The resource URI or URI template. */
  uri?: string;
  /** Tags for tag-based policies such as `restrictTag`. */
  tags?: ReadonlySet<string> | readonly string[];
  /** The component's own checks, run before any server-wide layer. */
  auth?: AuthCheck | readonly AuthCheck[];
  /** Free-form metadata for custom checks. */
  meta?: Record<string, unknown>;
}

/**
 * What an {@linkcode AuthContext} is built from. A context is built per
 * decision, so unknown keys are not refused here (that check would double
 * the cost of a decision); a misspelt key leaves its option unset, which
 * only denies more (no token, no arguments, no implied scopes).
 *
 * @example Usage
 * ```ts
 * import { AuthContext, type AuthContextInit } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const init: AuthContextInit = { component: { kind: "prompt", name: "greet" } };
 * assert.equal(new AuthContext(init).token, undefined);
 * ```
 */
export interface AuthContextInit {
  /** The verified token; absent for an unauthenticated request. */
  token?: AccessToken | undefined;
  /** The component asked for or listed. */
  component: Component;
  /** Tool-call arguments, when known (absent when listing). */
  arguments?: Record<string, unknown> | undefined;
  /** Broader scope -> narrower scopes it implies. */
  scopeHierarchy?: ScopeHierarchy | undefined;
}

function isKind(kind: unknown): boolean {
  return kind === "tool" || kind === "resource" ||
    kind === "resourceTemplate" || kind === "prompt";
}

/** Receives an exception a check threw, which is then treated as denial. */
export type ErrorReporter = (error: unknown, check: AuthCheck) => void;

/** The name a check is reported under. Internal. */
export function checkName(check: unknown): string {
  try {
    const name = (check as { name?: unknown }).name;
    if (typeof name === "string" && name !== "") return name;
  } catch {
    // No check at all, or a hostile name getter.
  }
  return "anonymous check";
}

/** The default reporter: one warning naming the check, on the server's console. */
export const warnOnError: ErrorReporter = (error, check) => {
  console.warn(
    `mcp-authz: auth check "${checkName(check)}" failed; treated as denial`,
    error,
  );
};

// The keys of AuthContext's internal members: the core's own protocol with
// its contexts, never exported from mod.ts. Symbols rather than string names
// keep them out of the public type; they are read on one class only, so
// every lookup stays monomorphic. (No descriptions: they would only add
// bytes to every bundle.)

/** `ctx[holdsScopes](required)`: the scope test of `requireScopes`. */
export const holdsScopes: unique symbol = Symbol();
/** `ctx[reporter]`: where masked errors of this evaluation go. */
export const reporter: unique symbol = Symbol();
/** `AuthContext[seeded](init, granted, report)`: a context built by the Authorizer. */
export const seeded: unique symbol = Symbol();
/** `AuthContext[carrying](ctx, report)`: `ctx` as a runner with `report` evaluates it. */
export const carrying: unique symbol = Symbol();

/**
 * The input of every check: the token, the component, the call's arguments.
 * `grantedScopes` is computed once per context, on first use, and is
 * read-only. `token`, `component` and `arguments` are read-only too: a
 * check cannot replace what the checks after it see.
 *
 * @example Usage
 * ```ts
 * import { AuthContext } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const ctx = new AuthContext({
 *   token: { token: "t", clientId: "c", scopes: ["files:write"], claims: {} },
 *   component: { kind: "tool", name: "read_file" },
 *   arguments: { path: "/etc/motd" },
 *   scopeHierarchy: { "files:write": ["files:read"] },
 * });
 * assert.equal(ctx.tool?.name, "read_file");
 * assert.equal(ctx.arguments?.path, "/etc/motd");
 * assert.deepEqual([...ctx.grantedScopes].sort(), ["files:read", "files:write"]);
 * ```
 */
export class AuthContext {
  // Private fields behind getters, not frozen own properties: `readonly`
  // holds at run time (a check cannot swap the component, its tags, or the
  // token for the checks after it) and Object.freeze per context cost more
  // than the rest of a decision (bench/core_bench.ts).
  #token: AccessToken | undefined;
  #component: Component;
  #arguments: Readonly<Record<string, unknown>> | undefined;
  #hierarchy: CompiledHierarchy | undefined;
  #granted: ReadonlySet<string> | undefined;
  #report: ErrorReporter = warnOnError;

  /**
   * Builds a context.
   *
   * @param init The token, component, arguments and scope hierarchy.
   * @throws {TypeError} When the component is not an object with a known
   * `kind` and a string `name`, or the hierarchy is malformed.
   */
  constructor(init: AuthContextInit) {
    const component = init?.component;
    if (
      component === null || typeof component !== "object" ||
      !isKind(component.kind) || typeof component.name !== "string"
    ) {
      throw new TypeError(
        'AuthContext needs a component: an object with kind "tool", "resource", "resourceTemplate" or "prompt" and a string name',
      );
    }
    this.#token = init.token ?? undefined;
    this.#component = component;
    this.#arguments = init.arguments ?? undefined;
    this.#hierarchy = init.scopeHierarchy === undefined
      ? undefined
      : compileHierarchy(init.scopeHierarchy);
  }

  /** The verified token; `undefined` for an unauthenticated request. */
  get token(): AccessToken | undefined {
    return this.#token;
  }

  /** The component asked for or listed. */
  get component(): Component {
    return this.#component;
  }

  /** Tool-call arguments; `undefined` when listing. */
  get arguments(): Readonly<Record<string, unknown>> | undefined {
    return this.#arguments;
  }

  /**
   * What `JSON.stringify(ctx)` writes: the token, the component and the
   * arguments (mind the raw token before logging it).
   *
   * @returns A plain object of the three.
   */
  toJSON(): {
    token: AccessToken | undefined;
    component: Component;
    arguments: Readonly<Record<string, unknown>> | undefined;
  } {
    return {
      token: this.#token,
      component: this.#component,
      arguments: this.#arguments,
    };
  }

  /** The component when it is a tool (FastMCP's `ctx.tool`), else `undefined`. */
  get tool(): Component | undefined {
    return this.component.kind === "tool" ? this.component : undefined;
  }

  /**
   * The token's scopes closed under the scope hierarchy; empty without a
   * token. Computed once, then reused by every check.
   */
  get grantedScopes(): ReadonlySet<string> {
    if (this.#granted === undefined) {
      this.#granted = this.token === undefined
        ? NO_SCOPES
        : closeScopes(this.token.scopes, this.#hierarchy);
    }
    return this.#granted;
  }

  /**
   * Internal. Whether the token holds every scope in `required`, under the
   * hierarchy: `required.every((s) => this.grantedScopes.has(s))` without
   * building the set when no hierarchy applies.
   *
   * @ignore
   */
  [holdsScopes](required: readonly string[]): boolean {
    const token = this.token;
    if (token === undefined) return false;
    if (this.#granted === undefined && this.#hierarchy === undefined) {
      // No hierarchy and no set built yet: the token's own list answers
      // exactly what the set would, without allocating one per decision.
      return holdsAll(token.scopes, required, undefined);
    }
    return holdsAllOf(this.grantedScopes, required);
  }

  /**
   * Internal. The reporter of the run evaluating this context: combinators
   * report their branches' masked errors to it.
   *
   * @ignore
   */
  get [reporter](): ErrorReporter {
    return this.#report;
  }

  /**
   * Internal. A context whose `grantedScopes` is already known (listing many
   * components computes the token's scope set once) and whose masked errors
   * go to `report`.
   *
   * @ignore
   */
  static [seeded](
    init: AuthContextInit,
    granted: ReadonlySet<string> | undefined,
    report: ErrorReporter,
  ): AuthContext {
    const ctx = new AuthContext(init);
    ctx.#granted = granted;
    ctx.#report = report;
    return ctx;
  }

  /**
   * Internal. `ctx` itself when it already reports to `report`; else a copy
   * (same token, component, arguments, hierarchy and scope set) that does.
   * A value that is not an AuthContext is returned as given.
   *
   * @ignore
   */
  static [carrying](ctx: AuthContext, report: ErrorReporter): AuthContext {
    if (
      typeof ctx !== "object" || ctx === null || !(#report in ctx) ||
      ctx.#report === report
    ) {
      return ctx;
    }
    // A context reads as its own init: token, component and arguments.
    const copy = AuthContext[seeded](ctx, ctx.#granted, report);
    copy.#hierarchy = ctx.#hierarchy;
    return copy;
  }
}
