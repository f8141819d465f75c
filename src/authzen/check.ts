/**
 * `authzenCheck`: a check that asks an OpenID AuthZEN Authorization API 1.0
 * Policy Decision Point, with the COAZ-MCP mapping of MCP requests.
 *
 * @module
 */

import type { BatchCheck } from "../core/batch.ts";
import type { AuthContext, Component } from "../core/context.ts";
import { Decider } from "./_decider.ts";
import { authzenConfig } from "./_options.ts";
import { type AuthzenMappings, lookup } from "./mappings.ts";

/**
 * An AuthZEN Subject: who asks (AuthZEN 1.0 § "Subject").
 *
 * @example Usage
 * ```ts
 * import type { AuthzenSubject } from "@mcp-authz/core/authzen";
 * import assert from "node:assert/strict";
 *
 * const subject: AuthzenSubject = { type: "identity", id: "alice", properties: { tenant: "acme" } };
 * assert.equal(subject.id, "alice");
 * ```
 */
export interface AuthzenSubject {
  /** The kind of subject, e.g. `"identity"`. */
  type: string;
  /** Its identifier; must be the token's subject claim unless `subjectClaim: false`. */
  id: string;
  /** Attributes for the policy (Cerbos: `request.principal.attr`). */
  properties?: Record<string, unknown>;
}

/**
 * An AuthZEN Action (AuthZEN 1.0 § "Action").
 *
 * @example Usage
 * ```ts
 * import type { AuthzenAction } from "@mcp-authz/core/authzen";
 * import assert from "node:assert/strict";
 *
 * const action: AuthzenAction = { name: "tools/call" };
 * assert.equal(action.name, "tools/call");
 * ```
 */
export interface AuthzenAction {
  /** The action's name. COAZ default: the MCP method. */
  name: string;
  /** Attributes for the policy. */
  properties?: Record<string, unknown>;
}

/**
 * An AuthZEN Resource (AuthZEN 1.0 § "Resource").
 *
 * @example Usage
 * ```ts
 * import type { AuthzenResource } from "@mcp-authz/core/authzen";
 * import assert from "node:assert/strict";
 *
 * const resource: AuthzenResource = { type: "tool", id: "transfer", properties: { amount: 10 } };
 * assert.equal(resource.type, "tool");
 * ```
 */
export interface AuthzenResource {
  /** The kind of resource. COAZ default: `tool`, `resource` or `prompt`. */
  type: string;
  /** Its identifier. COAZ default: the name, or the URI of a resource. */
  id: string;
  /** Attributes for the policy (Cerbos: `request.resource.attr`). */
  properties?: Record<string, unknown>;
}

/**
 * Options of {@linkcode authzenCheck}. Every function receives the
 * `AuthContext` of the decision (`ctx.arguments` is `undefined` in a list),
 * may return a promise, and is called without a receiver.
 *
 * @example Usage
 * ```ts
 * import type { AuthzenCheckOptions } from "@mcp-authz/core/authzen";
 * import assert from "node:assert/strict";
 *
 * const options: AuthzenCheckOptions = {
 *   pdp: "https://pdp.example.com",
 *   headers: { authorization: "Bearer pdp-credential" },
 *   timeoutMs: 1000,
 *   cache: { ttlMs: 10_000, maxEntries: 5000 },
 * };
 * assert.equal(options.timeoutMs, 1000);
 * ```
 */
export interface AuthzenCheckOptions {
  /**
   * The PDP's base URL (its identifier): `https:`, or `http:` on a loopback
   * host; no query, fragment or credentials. Endpoints come from its
   * `/.well-known/authzen-configuration` (used only when its
   * `policy_decision_point` is this URL), else the defaults
   * (`/access/v1/evaluation`, `/access/v1/evaluations`).
   */
  pdp: string | URL;
  /** Sent with every PDP request, e.g. the PDP's credentials. */
  headers?: HeadersInit | undefined;
  /** Replaces the global `fetch` (called without a receiver). */
  fetch?:
    | ((input: string, init: RequestInit) => Promise<Response>)
    | undefined;
  /** How long one PDP exchange may take, body included, in ms (default 2000). */
  timeoutMs?: number | undefined;
  /**
   * The decision cache, keyed by everything sent to the PDP; failures are
   * never kept. Default `{ ttlMs: 5000, maxEntries: 1000 }`; `false` asks
   * the PDP every time.
   */
  cache?: { ttlMs?: number; maxEntries?: number } | false | undefined;
  /** Replaces the default subject `{ type: "identity", id: <claim> }`. */
  subject?:
    | ((ctx: AuthContext) => AuthzenSubject | Promise<AuthzenSubject>)
    | undefined;
  /** Replaces the default action `{ name: <MCP method> }`. */
  action?:
    | ((ctx: AuthContext) => AuthzenAction | Promise<AuthzenAction>)
    | undefined;
  /** Replaces the default resource `{ type: <kind>, id: <name or URI> }`. */
  resource?:
    | ((ctx: AuthContext) => AuthzenResource | Promise<AuthzenResource>)
    | undefined;
  /**
   * Replaces the default context `{ agent: <client id> }`. Arguments are
   * sent only when one of these functions puts them in.
   */
  context?:
    | ((
      ctx: AuthContext,
    ) =>
      | Record<string, unknown>
      | undefined
      | Promise<Record<string, unknown> | undefined>)
    | undefined;
  /**
   * The subject-identity claim (COAZ; default `"sub"`): `subject.id` must
   * equal it, or the PDP is not asked. `false` sends whatever `subject`
   * returns, unverified (then `subject` is required).
   */
  subjectClaim?: string | false | undefined;
  /**
   * Declared mappings (`x-authzen-mapping`) by tool name, from
   * `await compileMappings({...})`; for those tools they replace the
   * mapping functions and the default mapping.
   */
  mappings?: AuthzenMappings | undefined;
  /** Evaluations per Access Evaluations request (default 50, Cerbos's default limit). */
  batchSize?: number | undefined;
  /** PDP requests in flight at once for one list (default 8). */
  concurrency?: number | undefined;
  /** The clock of the cache, in ms (default `Date.now`). */
  now?: (() => number) | undefined;
}

/**
 * The check {@linkcode authzenCheck} returns: an opaque check (it never
 * names scopes) that also decides whole lists at once, and advertises its
 * declared mappings.
 *
 * @example Usage
 * ```ts
 * import { authzenCheck, type AuthzenCheck } from "@mcp-authz/core/authzen";
 * import assert from "node:assert/strict";
 *
 * const check: AuthzenCheck = authzenCheck({ pdp: "http://127.0.0.1:3592" });
 * assert.equal(typeof check.decideMany, "function");
 * assert.equal(check.advertise({ kind: "tool", name: "search" }), undefined);
 * ```
 */
export interface AuthzenCheck extends BatchCheck {
  /**
   * What a listing may say about `component`: for a tool with a declared
   * mapping, `{ "x-authzen-mapping": <the mapping> }` (a fresh copy), which
   * the MCP guard adds to its `inputSchema` in `tools/list` (COAZ-MCP
   * § "Declaring a Mapping"); else `undefined`.
   *
   * @param component The component listed.
   * @returns The schema extensions, or `undefined`.
   */
  advertise(component: Component): Record<string, unknown> | undefined;
}

/**
 * A check that asks an AuthZEN PDP (AuthZEN Authorization API 1.0), with the
 * COAZ-MCP default mapping out of the box:
 *
 * | field      | default                                                                       |
 * | ---------- | ----------------------------------------------------------------------------- |
 * | `subject`  | `{ type: "identity", id: <token sub> }`, verified against the token           |
 * | `action`   | `{ name: "tools/call" \| "resources/read" \| "prompts/get" }` (by kind)       |
 * | `resource` | `{ type: "tool" \| "resource" \| "resource_template" \| "prompt", id: <name or URI> }` |
 * | `context`  | `{ agent: <client id> }`                                                      |
 *
 * A list asks the same question as a call (may this token use it?), without
 * arguments. Exactly `decision: true` allows. No token, a request that
 * cannot be built, or a subject that is not the token's: denied without
 * asking. A PDP that is unreachable, slower than `timeoutMs`, answers
 * non-JSON, an error status or no boolean decision: in a list the component
 * is hidden; on a call the check throws `AuthorizationUnavailableError`
 * (HTTP 503, JSON-RPC `-32603`), so the client retries instead of being told
 * "not found". The reason goes to the `onError` of the Authorizer (or
 * runner) evaluating the check, never a token, an argument or what the PDP
 * said.
 *
 * In `Authorizer.filter` (and so the MCP guard's lists) every component that
 * reaches this check is decided in one Access Evaluations request (per
 * `batchSize`), or, for a PDP without that API, in single requests
 * `concurrency` at a time. Share one check between components to share the
 * request.
 *
 * @param options The PDP, its credentials, the mapping and the cache.
 * @returns The check.
 * @throws {TypeError} When an option is unknown or invalid.
 *
 * @example Usage
 * ```ts
 * import { Authorizer } from "@mcp-authz/core";
 * import { authzenCheck } from "@mcp-authz/core/authzen";
 * import assert from "node:assert/strict";
 *
 * // A stand-in PDP: allows every tool whose name starts with "public_".
 * const pdp = (url: string, init: RequestInit) => {
 *   if (!url.endsWith("/access/v1/evaluations")) {
 *     return Promise.resolve(new Response(null, { status: 404 }));
 *   }
 *   const body = JSON.parse(String(init.body));
 *   return Promise.resolve(Response.json({
 *     evaluations: body.evaluations.map((e: { resource: { id: string } }) => ({
 *       decision: e.resource.id.startsWith("public_"),
 *     })),
 *   }));
 * };
 * const authorizer = new Authorizer({
 *   layers: [authzenCheck({ pdp: "https://pdp.example.com", fetch: pdp })],
 * });
 * const token = { token: "t", clientId: "app", scopes: [], claims: { sub: "alice" } };
 * const tools = ["public_search", "admin_reset"].map((name) => ({ kind: "tool" as const, name }));
 * const visible = await authorizer.filter(token, tools);
 * assert.deepEqual(visible.map((tool) => tool.name), ["public_search"]);
 * ```
 */
export function authzenCheck(options: AuthzenCheckOptions): AuthzenCheck {
  const config = authzenConfig(options);
  // Named explicitly: a minifier renames function expressions, and reports
  // name the check.
  const check = (ctx: AuthContext): Promise<boolean> => decider.one(ctx);
  Object.defineProperty(check, "name", { value: "authzenCheck" });
  const decider = new Decider(config, check);
  const mappings = config.mappings;
  return Object.freeze(Object.assign(check, {
    decideMany(contexts: readonly AuthContext[]): Promise<boolean[]> {
      return decider.many(contexts);
    },
    advertise(component: Component): Record<string, unknown> | undefined {
      const declared = component?.kind === "tool"
        ? mappings?.[lookup](component.name)
        : undefined;
      return declared === undefined
        ? undefined
        : { "x-authzen-mapping": structuredClone(declared.declared) };
    },
  }));
}
