/**
 * `guardedMcpHandler`: the SDK v2's `createMcpHandler` with the guard's
 * preflight in front, for stateless servers that build one guarded
 * `McpServer` per request (Workers, Deno Deploy, Vercel, Bun).
 *
 * @module
 */

import {
  createMcpHandler,
  type CreateMcpHandlerOptions,
  type McpHttpHandler,
} from "@modelcontextprotocol/server";
import { optionsObject } from "../_internal/options.ts";
import type { AccessToken } from "../core/context.ts";
import type { GuardedServer } from "./guard.ts";
import type { PreflightOptions } from "./preflight.ts";
import { preflightConfig } from "./_refusal.ts";

/**
 * What a {@linkcode guardedMcpHandler} factory is given: the request being
 * served and its verified token.
 *
 * @example Usage
 * ```ts
 * import type { GuardedServerContext } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const ctx: GuardedServerContext = { request: new Request("https://mcp.example.com/mcp"), token: undefined };
 * assert.equal(ctx.token, undefined);
 * ```
 */
export interface GuardedServerContext {
  /** The HTTP request being served. */
  readonly request: Request;
  /** Its verified token, as given to `fetch` as `authInfo`. */
  readonly token: AccessToken | undefined;
}

/**
 * Options of {@linkcode guardedMcpHandler}: `createMcpHandler`'s, plus the
 * preflight's.
 *
 * @example Usage
 * ```ts
 * import type { GuardedMcpHandlerOptions } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const options: GuardedMcpHandlerOptions = {
 *   preflight: { resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp" },
 *   responseMode: "json",
 * };
 * assert.equal(options.responseMode, "json");
 * ```
 */
export interface GuardedMcpHandlerOptions extends CreateMcpHandlerOptions {
  /** How the preflight renders its answers (see `PreflightOptions`). */
  preflight?: PreflightOptions | undefined;
}

/**
 * The request options of a {@linkcode guardedMcpHandler}'s `fetch`.
 *
 * @example Usage
 * ```ts
 * import type { GuardedFetchOptions } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const options: GuardedFetchOptions = { authInfo: { token: "t", clientId: "c", scopes: [], claims: {} } };
 * assert.equal(options.authInfo?.clientId, "c");
 * ```
 */
export interface GuardedFetchOptions {
  /** The request's verified token (`bearerAuth`'s). */
  authInfo?: AccessToken | undefined;
}

/**
 * A {@linkcode guardedMcpHandler}: `createMcpHandler`'s face, whose `fetch`
 * preflights each request first.
 *
 * @example Usage
 * ```ts
 * import { guardedMcpHandler, guardServer, type GuardedMcpHttpHandler } from "@mcp-authz/core/mcp";
 * import { McpServer } from "@modelcontextprotocol/server";
 * import assert from "node:assert/strict";
 *
 * const mcp: GuardedMcpHttpHandler = guardedMcpHandler(() =>
 *   guardServer(new McpServer({ name: "x", version: "1.0.0" }))
 * );
 * assert.equal(typeof mcp.fetch, "function");
 * await mcp.close();
 * ```
 */
export interface GuardedMcpHttpHandler extends Omit<McpHttpHandler, "fetch"> {
  /**
   * Serves one request: the preflight's answer (403 step-up, 503, 413), or
   * the SDK's, with the body read once and every check run once.
   */
  fetch(request: Request, options?: GuardedFetchOptions): Promise<Response>;
}

type Server = GuardedServer["server"];

// The server a request was preflighted with rides on the request itself,
// which the SDK hands its factory (`requestInfo`): a module-private,
// non-enumerable slot, cheaper per request than a WeakMap entry set and
// deleted. A request that takes no expando (a frozen or exotic object)
// uses the weak map instead.
const READY: unique symbol = Symbol("mcp-authz preflighted server");
const FALLBACK = new WeakMap<Request, Server>();

function setReady(request: Request, server: Server): void {
  try {
    Object.defineProperty(request, READY, {
      value: server,
      configurable: true,
      writable: true,
    });
  } catch {
    FALLBACK.set(request, server);
  }
}

/** The server `request` was preflighted with, taken off it (once). */
function takeReady(request: Request): Server | undefined {
  const slot = request as { [READY]?: Server | undefined };
  const server = slot[READY];
  if (server !== undefined) {
    slot[READY] = undefined;
    return server;
  }
  const fallback = FALLBACK.get(request);
  if (fallback !== undefined) FALLBACK.delete(request);
  return fallback;
}

/**
 * Builds the guarded server of one request, for {@linkcode guardedMcpHandler}.
 *
 * @example Usage
 * ```ts
 * import { guardServer, type GuardedServerFactory } from "@mcp-authz/core/mcp";
 * import { McpServer } from "@modelcontextprotocol/server";
 * import assert from "node:assert/strict";
 *
 * const factory: GuardedServerFactory = () => guardServer(new McpServer({ name: "x", version: "1.0.0" }));
 * assert.ok(factory({ request: new Request("https://x/mcp"), token: undefined }));
 * ```
 */
export type GuardedServerFactory = (
  ctx: GuardedServerContext,
) => GuardedServer | Promise<GuardedServer>;

const KEYS = ["preflight"] as const;
// createMcpHandler's own options, passed on as they are.
const SDK_KEYS: readonly (keyof CreateMcpHandlerOptions)[] = [
  "legacy",
  "onerror",
  "responseMode",
  "bus",
  "maxSubscriptions",
  "keepAliveMs",
  "maxRequestBodySize",
];

/**
 * `createMcpHandler` with the guard's preflight in front: for each request,
 * `factory` builds the guarded server (one per request, as stateless
 * servers do), its `preflight` reads the body once and answers a scope
 * shortfall with the 403 step-up challenge (or 503, 413), and otherwise the
 * SDK serves the request from that same server, given the body already
 * read and the token carrying the decisions, so every check runs once.
 * Both protocol eras are served as `createMcpHandler` serves them.
 *
 * The same as, by hand: `const guarded = await factory(ctx); const pre =
 * await guarded.preflight(request, token); if (pre.response) return
 * pre.response;` then a `createMcpHandler` whose factory returns
 * `guarded.server`, called with `fetch(pre.request, pre.sdkOptions)`.
 *
 * @param factory Builds the guarded server for one request.
 * @param options `createMcpHandler`'s options, and `preflight`'s.
 * @returns `{ fetch, close, notify, bus }`; pass the verified token to
 * `fetch` as `authInfo`.
 * @throws {TypeError} When `factory` is not a function, or an option is
 * unknown or wrong.
 *
 * @example Usage
 * ```ts
 * import { Authorizer, requireScopes, StaticTokenVerifier, withBearerAuth } from "@mcp-authz/core";
 * import { guardedMcpHandler, guardServer } from "@mcp-authz/core/mcp";
 * import { McpServer } from "@modelcontextprotocol/server";
 * import assert from "node:assert/strict";
 *
 * const authorizer = new Authorizer({ stepUp: "always" });
 * const mcp = guardedMcpHandler(() => {
 *   const guarded = guardServer(new McpServer({ name: "notes", version: "1.0.0" }), { authorizer });
 *   guarded.tool("add_note", { auth: requireScopes("write") }, () => ({ content: [] }));
 *   return guarded;
 * });
 * const handler = withBearerAuth((request, token) => mcp.fetch(request, { authInfo: token }), {
 *   verifier: new StaticTokenVerifier({ tokens: { reader: { clientId: "app", scopes: ["read"] } } }),
 *   resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
 * });
 *
 * const response = await handler(new Request("https://mcp.example.com/mcp", {
 *   method: "POST",
 *   headers: { authorization: "Bearer reader", "content-type": "application/json" },
 *   body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "add_note" } }),
 * }));
 * assert.equal(response.status, 403);
 * assert.match(response.headers.get("www-authenticate") ?? "", /scope="write"/);
 * await mcp.close();
 * ```
 */
export function guardedMcpHandler(
  factory: GuardedServerFactory,
  options: GuardedMcpHandlerOptions = {},
): GuardedMcpHttpHandler {
  if (typeof factory !== "function") {
    throw new TypeError(
      "guardedMcpHandler expects a factory (ctx) => GuardedServer, such as () => guardServer(new McpServer(...), { authorizer })",
    );
  }
  const { preflight, ...sdkOptions } = optionsObject(
    "guardedMcpHandler",
    options,
    [...KEYS, ...SDK_KEYS],
  );
  // Checked now, so that a typo fails at construction.
  preflightConfig(preflight);
  const build = (ctx: GuardedServerContext) =>
    Promise.resolve(factory(ctx)).then((guarded) => guarded.server);
  const inner = createMcpHandler((ctx) => {
    const request = ctx.requestInfo;
    // The server this very request was preflighted with.
    const server = request === undefined ? undefined : takeReady(request);
    if (server !== undefined) return server;
    // A request the preflight did not read (e.g. not JSON): a fresh server,
    // which decides in dispatch.
    return build({
      request: request ?? new Request("http://localhost/"),
      token: ctx.authInfo as AccessToken | undefined,
    });
  }, sdkOptions);
  const fetch = async (
    request: Request,
    requestOptions?: GuardedFetchOptions,
  ): Promise<Response> => {
    const token = requestOptions?.authInfo;
    const guarded = await factory({ request, token });
    const checked = await guarded.preflight(request, token, preflight);
    if (checked.response !== undefined) return checked.response;
    const forward = checked.request;
    setReady(forward, guarded.server);
    try {
      return await inner.fetch(forward, checked.sdkOptions);
    } finally {
      takeReady(forward);
    }
  };
  return {
    fetch,
    close: inner.close,
    notify: inner.notify,
    bus: inner.bus,
  };
}
