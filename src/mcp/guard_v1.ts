/**
 * Authorization for an `McpServer` of the 1.x MCP TypeScript SDK
 * (`@modelcontextprotocol/sdk`): the same guard as for v2, typed for 1.x.
 *
 * @module
 */

import type {
  McpServer,
  PromptCallback,
  ReadResourceCallback,
  ReadResourceTemplateCallback,
  RegisteredPrompt,
  RegisteredResource,
  RegisteredResourceTemplate,
  RegisteredTool,
  ResourceTemplate,
  ToolCallback,
} from "@modelcontextprotocol/sdk/server/mcp";
import type {
  AnySchema,
  ZodRawShapeCompat,
} from "@modelcontextprotocol/sdk/server/zod-compat";
import type { AccessToken } from "../core/context.ts";
import type { ComponentAuth } from "./_declaration.ts";
import { checkGuardArguments, Guard } from "./_guard.ts";
import type { GuardOptions } from "./_options.ts";
import { SDK_V1 } from "./_sdk_v1.ts";
import type {
  NodeRequestLike,
  Preflight,
  PreflightBody,
  PreflightOptions,
  RequestPreflight,
} from "./preflight.ts";
import type {
  GuardedMcpServer,
  GuardedPromptConfig,
  GuardedResourceConfig,
  GuardedToolConfig,
} from "./registration_v1.ts";

export type { ComponentAuth, GuardOptions };

/**
 * An `McpServer` of the 1.x SDK whose lists are filtered and whose calls,
 * reads and gets are authorized: see {@linkcode guardServer}.
 *
 * @example Usage
 * ```ts
 * import { requireScopes } from "@mcp-authz/core";
 * import { GuardedServer } from "@mcp-authz/core/mcp/v1";
 * // @ts-types="@modelcontextprotocol/sdk/server/mcp"
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import assert from "node:assert/strict";
 *
 * const server = new McpServer({ name: "files", version: "1.0.0" });
 * const guarded = new GuardedServer(server);
 * guarded.tool("wipe", { auth: requireScopes("admin") }, () => ({ content: [] }));
 * assert.equal(guarded.server, server);
 * ```
 */
export class GuardedServer {
  /** The guarded SDK server: connect it to a transport as usual. */
  /**
   * The guarded SDK server: connect it to a transport as usual. Its
   * `registerTool`, `registerPrompt` and `registerResource` take `tags`
   * and `auth` too (the guard took them over).
   */
  readonly server: GuardedMcpServer;
  #guard: Guard;

  /**
   * Guards `server`. Call it right after `new McpServer(...)`, before any
   * registration. The deprecated `tool()`, `resource()` and `prompt()`
   * methods of the server then throw: they would bypass the guard.
   *
   * @param server An `McpServer` with nothing registered yet.
   * @param options The authorizer holding the server-wide layers.
   * @throws {TypeError} When `server` is not an unguarded `McpServer` with
   * nothing registered, or `options` are not `{ authorizer }` with an
   * `Authorizer` (an unknown key, or an `Authorizer` in their place).
   */
  constructor(server: McpServer, options: GuardOptions = {}) {
    this.#guard = new Guard(server, options, SDK_V1, "GuardedServer");
    this.server = server as GuardedMcpServer;
  }

  /**
   * The HTTP preflight of one request, to run before the request reaches
   * the SDK's transport: the 1.x SDK has no pre-dispatch hook, so this is
   * what answers a scope shortfall with the RFC 6750 §3.1 403 step-up
   * (`WWW-Authenticate: Bearer error="insufficient_scope", scope="...",
   * resource_metadata="..."`, `Cache-Control: no-store`) that clients
   * follow to re-authorize, instead of a `-32602` no client acts on. It
   * reads the JSON-RPC body once (single or batch, at most `maxBodySize`),
   * authorizes each `tools/call`, `resources/read` and `prompts/get`, and
   * answers a shortfall with 403, a check that could not decide with 503
   * and `Retry-After`, a body over `maxBodySize` with 413 (one the client
   * stopped sending mid-way with 400, never a rejection). Otherwise hand
   * the transport `request` and `sdkOptions` (`{ parsedBody, authInfo }`:
   * the body read once, and the token carrying the decisions, so that
   * dispatch runs no check again). Everything else passes through for the
   * SDK and the guard's dispatch to answer as they would.
   *
   * Works with a guard made per request (stateless servers) and with one
   * server serving many requests at once: each request's decisions ride on
   * its own `authInfo`. A request without a token carries none.
   *
   * @param request The request, its body unread.
   * @param token The verified token (`bearerAuth`'s), or `undefined`.
   * @param options Where challenges point (`resourceMetadataUrl`, default:
   * the token's own), `realm`, `dpop`, `maxBodySize`.
   * @returns The answer to send, or what to hand the transport.
   * @throws {TypeError} When the body was already read, or `options` are
   * wrong.
   *
   * @example With the Web-standard transport
   * ```ts
   * import { Authorizer, restrictTag } from "@mcp-authz/core";
   * import { guardServer } from "@mcp-authz/core/mcp/v1";
   * // @ts-types="@modelcontextprotocol/sdk/server/mcp"
   * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
   * // @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
   * import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
   * import assert from "node:assert/strict";
   *
   * const authorizer = new Authorizer({ layers: [restrictTag("admin", { scopes: ["admin"] })] });
   * const token = { token: "t", clientId: "app", scopes: ["read"], claims: {} };
   * const call = (name: string) =>
   *   new Request("https://mcp.example.com/mcp", {
   *     method: "POST",
   *     headers: {
   *       authorization: "Bearer t",
   *       "content-type": "application/json",
   *       accept: "application/json, text/event-stream",
   *     },
   *     body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name } }),
   *   });
   * // Stateless: one guarded server and transport per request.
   * async function handle(request: Request): Promise<Response> {
   *   const guarded = guardServer(new McpServer({ name: "notes", version: "1.0.0" }), { authorizer });
   *   guarded.tool("purge", { tags: ["admin"] }, () => ({ content: [] }));
   *   guarded.tool("read", {}, () => ({ content: [{ type: "text", text: "notes" }] }));
   *   const checked = await guarded.preflight(request, token, {
   *     resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
   *   });
   *   if (checked.response !== undefined) return checked.response;
   *   const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
   *   await guarded.server.connect(transport);
   *   return transport.handleRequest(checked.request, checked.sdkOptions);
   * }
   *
   * const denied = await handle(call("purge"));
   * assert.equal(denied.status, 403);
   * assert.match(denied.headers.get("www-authenticate") ?? "", /scope="admin"/);
   * assert.match(await (await handle(call("read"))).text(), /notes/);
   * ```
   */
  preflight(
    request: Request,
    token: AccessToken | undefined,
    options?: PreflightOptions,
  ): Promise<RequestPreflight>;
  /**
   * The HTTP preflight of a Node request (`IncomingMessage`, Express's
   * `Request`), for the SDK's `StreamableHTTPServerTransport`, or of a body
   * a framework already parsed: see the overload above. A Node request's
   * body is read from its stream unless a body parser left it in
   * `req.body` (then it is used as it is); a body read that is not JSON is
   * left on `req.rawBody`, where the SDK's Node transport reads it.
   *
   * @param input The Node request, or `{ body, authorization }`.
   * @param token The verified token, or `undefined`.
   * @param options As above.
   * @returns The answer to send (write it with `writeResponse`), or what to
   * hand the transport: `req.auth = authInfo`, then
   * `transport.handleRequest(req, res, parsedBody)`.
   * @throws {TypeError} When the body was already read, or `options` are
   * wrong.
   */
  preflight(
    input: NodeRequestLike | PreflightBody,
    token: AccessToken | undefined,
    options?: PreflightOptions,
  ): Promise<Preflight>;
  preflight(
    input: Request | NodeRequestLike | PreflightBody,
    token: AccessToken | undefined,
    options?: PreflightOptions,
  ): Promise<Preflight | RequestPreflight> {
    return this.#guard.preflight(input, token, options);
  }

  /**
   * Registers a tool, as `McpServer.registerTool` does, with its `tags` and
   * `auth`. Checks see the call's arguments as `ctx.arguments`.
   *
   * @typeParam OutputArgs The output schema.
   * @typeParam InputArgs The input schema, or `undefined`.
   * @param name The tool name.
   * @param config The SDK's tool configuration plus `tags` and `auth`.
   * @param handler The tool implementation, called only when authorized.
   * @returns The SDK's handle for the tool.
   * @throws {TypeError} When `tags` or `auth` are malformed.
   *
   * @example Usage
   * ```ts
   * import { guardServer } from "@mcp-authz/core/mcp/v1";
   * // @ts-types="@modelcontextprotocol/sdk/server/mcp"
   * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
   * import * as z from "zod";
   * import assert from "node:assert/strict";
   *
   * const guarded = guardServer(new McpServer({ name: "files", version: "1.0.0" }));
   * const tool = guarded.tool(
   *   "delete_file",
   *   {
   *     inputSchema: { path: z.string() },
   *     auth: (ctx) => !String(ctx.arguments?.path).startsWith("/etc"),
   *   },
   *   ({ path }) => ({ content: [{ type: "text", text: `deleted ${path}` }] }),
   * );
   * assert.equal(tool.enabled, true);
   * ```
   */
  tool<
    OutputArgs extends ZodRawShapeCompat | AnySchema,
    InputArgs extends undefined | ZodRawShapeCompat | AnySchema = undefined,
  >(
    name: string,
    config: GuardedToolConfig<InputArgs, OutputArgs>,
    handler: ToolCallback<InputArgs>,
  ): RegisteredTool {
    return this.#guard.tool(name, config, handler) as RegisteredTool;
  }

  /**
   * Registers a prompt, as `McpServer.registerPrompt` does, with its `tags`
   * and `auth`. Checks see the prompt's arguments as `ctx.arguments`.
   *
   * @typeParam Args The arguments' raw shape, or `undefined`.
   * @param name The prompt name.
   * @param config The SDK's prompt configuration plus `tags` and `auth`.
   * @param handler The prompt implementation, called only when authorized.
   * @returns The SDK's handle for the prompt.
   * @throws {TypeError} When `tags` or `auth` are malformed.
   *
   * @example Usage
   * ```ts
   * import { guardServer } from "@mcp-authz/core/mcp/v1";
   * // @ts-types="@modelcontextprotocol/sdk/server/mcp"
   * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
   * import assert from "node:assert/strict";
   *
   * const guarded = guardServer(new McpServer({ name: "docs", version: "1.0.0" }));
   * const prompt = guarded.prompt("audit", { tags: ["admin"] }, () => ({
   *   messages: [{ role: "user", content: { type: "text", text: "Audit the logs" } }],
   * }));
   * assert.equal(prompt.enabled, true);
   * ```
   */
  prompt<Args extends undefined | ZodRawShapeCompat = undefined>(
    name: string,
    config: GuardedPromptConfig<Args>,
    handler: PromptCallback<Args>,
  ): RegisteredPrompt {
    return this.#guard.prompt(name, config, handler) as RegisteredPrompt;
  }

  /**
   * Registers a resource (a URI), as `McpServer.registerResource` does, with
   * its `tags` and `auth`.
   *
   * @param name The resource name.
   * @param uriOrTemplate The URI.
   * @param config The SDK's resource metadata plus `tags` and `auth`.
   * @param read The read callback, called only when authorized.
   * @returns The SDK's handle for the resource.
   * @throws {TypeError} When `tags` or `auth` are malformed.
   *
   * @example Usage
   * ```ts
   * import { guardServer } from "@mcp-authz/core/mcp/v1";
   * // @ts-types="@modelcontextprotocol/sdk/server/mcp"
   * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
   * import assert from "node:assert/strict";
   *
   * const guarded = guardServer(new McpServer({ name: "files", version: "1.0.0" }));
   * const readme = guarded.resource("readme", "file:///readme.md", {}, (uri) => ({
   *   contents: [{ uri: uri.href, text: "# Hello" }],
   * }));
   * assert.equal(readme.enabled, true);
   * ```
   */
  resource(
    name: string,
    uriOrTemplate: string,
    config: GuardedResourceConfig,
    read: ReadResourceCallback,
  ): RegisteredResource;
  /**
   * Registers a resource template, with its `tags` and `auth`; checks see
   * the URI's variables as `ctx.arguments`.
   *
   * @param name The template name.
   * @param uriOrTemplate The `ResourceTemplate`.
   * @param config The SDK's resource metadata plus `tags` and `auth`.
   * @param read The read callback, called only when authorized.
   * @returns The SDK's handle for the template.
   * @throws {TypeError} When `tags` or `auth` are malformed.
   */
  resource(
    name: string,
    uriOrTemplate: ResourceTemplate,
    config: GuardedResourceConfig,
    read: ReadResourceTemplateCallback,
  ): RegisteredResourceTemplate;
  resource(
    name: string,
    uriOrTemplate: string | ResourceTemplate,
    config: GuardedResourceConfig,
    read: ReadResourceCallback | ReadResourceTemplateCallback,
  ): RegisteredResource | RegisteredResourceTemplate {
    return this.#guard.resource(name, uriOrTemplate, config, read) as
      | RegisteredResource
      | RegisteredResourceTemplate;
  }
}

/**
 * Guards an `McpServer` of the 1.x MCP TypeScript SDK
 * (`@modelcontextprotocol/sdk`), per request, from the verified token the
 * transport was given as `authInfo`: lists filtered, calls, reads and gets
 * authorized first, an unknown and a forbidden component answered with the
 * same `-32602` error. The 1.x SDK has no scope-challenge hook: over HTTP,
 * run {@linkcode GuardedServer.prototype.preflight} before its transport,
 * and a scope shortfall is the RFC 6750 403 step-up challenge (a check that
 * could not decide: 503 with `Retry-After`); elsewhere it is a `-32602`
 * error whose `data.requiredScopes` names the scopes to ask for, held ones
 * too, and a check that could not decide is the retryable `-32603` error
 * with `data.retryAfter`. `tools/list` carries what checks advertise in
 * each tool's `inputSchema`, as with the v2 guard.
 *
 * @param server A new `McpServer` with nothing registered yet.
 * @param options The authorizer holding the server-wide layers.
 * @returns The guard, whose `tool`, `resource` and `prompt` register.
 * @throws {TypeError} When `server` is not an unguarded `McpServer` with
 * nothing registered, or `options` are not `{ authorizer }` with an
 * `Authorizer` (an unknown key, or an `Authorizer` in their place: write
 * `guardServer(server, { authorizer })`).
 *
 * @example Usage
 * ```ts
 * import { Authorizer, restrictTag } from "@mcp-authz/core";
 * import { guardServer } from "@mcp-authz/core/mcp/v1";
 * // @ts-types="@modelcontextprotocol/sdk/server/mcp"
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * // @ts-types="@modelcontextprotocol/sdk/client/index"
 * import { Client } from "@modelcontextprotocol/sdk/client/index.js";
 * // @ts-types="@modelcontextprotocol/sdk/inMemory"
 * import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
 * import assert from "node:assert/strict";
 *
 * const server = new McpServer({ name: "files", version: "1.0.0" });
 * const guarded = guardServer(server, {
 *   authorizer: new Authorizer({ layers: [restrictTag("admin", { scopes: ["admin"] })] }),
 * });
 * const text = (text: string) => ({ content: [{ type: "text" as const, text }] });
 * guarded.tool("read", {}, () => text("contents"));
 * guarded.tool("reset", { tags: ["admin"] }, () => text("reset"));
 *
 * const token = { token: "t", clientId: "app", scopes: ["read"], claims: {} };
 * const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 * const send = clientSide.send.bind(clientSide);
 * clientSide.send = (message, options) => send(message, { ...options, authInfo: token });
 * await server.connect(serverSide);
 * const client = new Client({ name: "app", version: "1.0.0" });
 * await client.connect(clientSide);
 *
 * const { tools } = await client.listTools();
 * assert.deepEqual(tools.map((tool) => tool.name), ["read"]);
 * await assert.rejects(client.callTool({ name: "reset" }), /Insufficient scope/);
 * await client.close();
 * ```
 */
export function guardServer(
  server: McpServer,
  options?: GuardOptions,
): GuardedServer {
  return new GuardedServer(
    server,
    checkGuardArguments("guardServer", server, options, SDK_V1),
  );
}
