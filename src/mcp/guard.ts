/**
 * Authorization for an `McpServer` of the official MCP TypeScript SDK v2
 * (`@modelcontextprotocol/server`): lists filtered, calls guarded, per
 * request, from the verified token the transport was given as `authInfo`.
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
  StandardSchemaWithJSON,
  ToolCallback,
} from "@modelcontextprotocol/server";
import type { AccessToken } from "../core/context.ts";
import type { ComponentAuth } from "./_declaration.ts";
import { checkGuardArguments, Guard } from "./_guard.ts";
import type { GuardOptions } from "./_options.ts";
import { SDK_V2 } from "./_sdk.ts";
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
} from "./registration.ts";

export type { ComponentAuth, GuardOptions };

/**
 * An `McpServer` whose lists are filtered and whose calls, reads and gets
 * are authorized, per request, by an {@linkcode Authorizer}: see
 * {@linkcode guardServer}.
 *
 * @example Usage
 * ```ts
 * import { Authorizer, requireScopes } from "@mcp-authz/core";
 * import { GuardedServer } from "@mcp-authz/core/mcp";
 * import { McpServer } from "@modelcontextprotocol/server";
 * import assert from "node:assert/strict";
 *
 * const server = new McpServer({ name: "files", version: "1.0.0" });
 * const guarded = new GuardedServer(server, { authorizer: new Authorizer() });
 * guarded.tool("wipe", { auth: requireScopes("admin") }, () => ({ content: [] }));
 * assert.equal(guarded.server, server);
 * ```
 */
export class GuardedServer {
  /**
   * The guarded SDK server: connect it to a transport as usual. Its
   * `registerTool`, `registerPrompt` and `registerResource` take `tags`
   * and `auth` too (the guard took them over).
   */
  readonly server: GuardedMcpServer;
  #guard: Guard;

  /**
   * Guards `server`. Call it right after `new McpServer(...)`, before any
   * registration.
   *
   * @param server An `McpServer` with nothing registered yet.
   * @param options The authorizer holding the server-wide layers.
   * @throws {TypeError} When `server` is not an unguarded `McpServer` with
   * nothing registered, or `options` are not `{ authorizer }` with an
   * `Authorizer` (an unknown key, or an `Authorizer` in their place).
   */
  constructor(server: McpServer, options: GuardOptions = {}) {
    this.#guard = new Guard(server, options, SDK_V2, "GuardedServer");
    this.server = server as GuardedMcpServer;
  }

  /**
   * The HTTP preflight of one request, to run before the request reaches
   * the SDK's transport (`createMcpHandler`, or a
   * `WebStandardStreamableHTTPServerTransport`): it reads the JSON-RPC body
   * once (single or batch, at most `maxBodySize`), authorizes each
   * `tools/call`, `resources/read` and `prompts/get` in it, and answers
   *
   * - a scope shortfall with the RFC 6750 §3.1 403 step-up challenge
   *   (`WWW-Authenticate: Bearer error="insufficient_scope",
   *   scope="<InsufficientScopeError.challengeScopes>",
   *   resource_metadata="..."`, or on `DPoP` for a DPoP client;
   *   `Cache-Control: no-store`), which SDK clients follow to re-authorize;
   * - a check that could not decide (`AuthorizationUnavailableError`) with
   *   503 and `Retry-After`;
   * - a body over `maxBodySize` with 413, one the client stopped sending
   *   mid-way with 400 (never a rejection).
   *
   * Otherwise hand the transport `request` and `sdkOptions` (`{
   * parsedBody, authInfo }`): `parsedBody` so that nothing reads the body
   * again, `authInfo` because it carries the decisions, so that dispatch
   * runs no check again. Everything else (other
   * methods, unknown or hidden components, malformed JSON, other content
   * types) passes through for the SDK and the guard's dispatch to answer
   * as they would, so an unknown and a hidden tool stay indistinguishable.
   * What a shortfall shows depends on the Authorizer's `stepUp`.
   *
   * Works with a guard made per request (stateless servers) and with one
   * server serving many requests at once: each request's decisions ride on
   * its own `authInfo`. A request without a token carries none (its checks
   * run again in dispatch).
   *
   * @param request The request, its body unread.
   * @param token The verified token (`bearerAuth`'s), or `undefined`.
   * @param options Where challenges point (`resourceMetadataUrl`, default:
   * the token's own), `realm`, `dpop`, `maxBodySize`.
   * @returns The answer to send, or what to hand the transport.
   * @throws {TypeError} When the body was already read, or `options` are
   * wrong.
   *
   * @example A 403 step-up before the SDK sees the request
   * ```ts
   * import { Authorizer, restrictTag } from "@mcp-authz/core";
   * import { guardServer } from "@mcp-authz/core/mcp";
   * import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
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
   * const build = () => {
   *   const guarded = guardServer(new McpServer({ name: "notes", version: "1.0.0" }), { authorizer });
   *   guarded.tool("purge", { tags: ["admin"] }, () => ({ content: [] }));
   *   guarded.tool("read", {}, () => ({ content: [{ type: "text", text: "notes" }] }));
   *   return guarded;
   * };
   *
   * const denied = await build().preflight(call("purge"), token, {
   *   resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
   * });
   * assert.equal(denied.response?.status, 403);
   * assert.match(denied.response?.headers.get("www-authenticate") ?? "", /scope="admin"/);
   *
   * const guarded = build();
   * const passed = await guarded.preflight(call("read"), token);
   * assert.equal(passed.response, undefined);
   * const mcp = createMcpHandler(() => guarded.server);
   * const answered = await mcp.fetch(passed.request, passed.sdkOptions);
   * assert.match(await answered.text(), /notes/);
   * ```
   */
  preflight(
    request: Request,
    token: AccessToken | undefined,
    options?: PreflightOptions,
  ): Promise<RequestPreflight>;
  /**
   * The HTTP preflight of a Node request (`IncomingMessage`, Express's
   * `Request`), or of a body a framework already parsed: see the overload
   * above. A Node request's body is read from its stream unless a body
   * parser left it in `req.body` (then it is used as it is); a body read
   * that is not JSON is left on `req.rawBody` for the SDK's Node transport.
   *
   * @param input The Node request, or `{ body, authorization }`.
   * @param token The verified token, or `undefined`.
   * @param options As above.
   * @returns The answer to send (write it with `writeResponse`), or what to
   * hand the transport (`req.auth = authInfo`, `parsedBody`).
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
   * @throws {Error} What `registerTool` throws (e.g. a duplicate name).
   *
   * @example Usage
   * ```ts
   * import { requireScopes } from "@mcp-authz/core";
   * import { guardServer } from "@mcp-authz/core/mcp";
   * import { McpServer } from "@modelcontextprotocol/server";
   * import * as z from "zod";
   * import assert from "node:assert/strict";
   *
   * const guarded = guardServer(new McpServer({ name: "files", version: "1.0.0" }));
   * const tool = guarded.tool(
   *   "delete_file",
   *   {
   *     description: "Deletes a file",
   *     inputSchema: z.object({ path: z.string() }),
   *     auth: (ctx) => !String(ctx.arguments?.path).startsWith("/etc"),
   *   },
   *   ({ path }) => ({ content: [{ type: "text", text: `deleted ${path}` }] }),
   * );
   * assert.equal(tool.enabled, true);
   * ```
   */
  tool<
    OutputArgs extends StandardSchemaWithJSON,
    InputArgs extends StandardSchemaWithJSON | undefined = undefined,
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
   * @typeParam Args The arguments schema, or `undefined`.
   * @param name The prompt name.
   * @param config The SDK's prompt configuration plus `tags` and `auth`.
   * @param handler The prompt implementation, called only when authorized.
   * @returns The SDK's handle for the prompt.
   * @throws {TypeError} When `tags` or `auth` are malformed.
   * @throws {Error} What `registerPrompt` throws (e.g. a duplicate name).
   *
   * @example Usage
   * ```ts
   * import { guardServer } from "@mcp-authz/core/mcp";
   * import { McpServer } from "@modelcontextprotocol/server";
   * import assert from "node:assert/strict";
   *
   * const guarded = guardServer(new McpServer({ name: "docs", version: "1.0.0" }));
   * const prompt = guarded.prompt("audit", { tags: ["admin"] }, () => ({
   *   messages: [{ role: "user", content: { type: "text", text: "Audit the logs" } }],
   * }));
   * assert.equal(prompt.enabled, true);
   * ```
   */
  prompt<Args extends StandardSchemaWithJSON | undefined = undefined>(
    name: string,
    config: GuardedPromptConfig<Args>,
    handler: PromptCallback<Args>,
  ): RegisteredPrompt {
    return this.#guard.prompt(name, config, handler) as RegisteredPrompt;
  }

  /**
   * Registers a resource (a URI) or a resource template, as
   * `McpServer.registerResource` does, with its `tags` and `auth`. For a
   * template, checks see the URI's variables as `ctx.arguments`, and the
   * resources its `list` callback yields are listed under the template's
   * checks.
   *
   * @param name The resource or template name.
   * @param uriOrTemplate A URI, or a `ResourceTemplate`.
   * @param config The SDK's resource metadata plus `tags` and `auth`.
   * @param read The read callback, called only when authorized.
   * @returns The SDK's handle for the resource or template.
   * @throws {TypeError} When `tags` or `auth` are malformed.
   * @throws {Error} What `registerResource` throws (e.g. a duplicate).
   *
   * @example Usage
   * ```ts
   * import { requireScopes } from "@mcp-authz/core";
   * import { guardServer } from "@mcp-authz/core/mcp";
   * import { McpServer, ResourceTemplate } from "@modelcontextprotocol/server";
   * import assert from "node:assert/strict";
   *
   * const guarded = guardServer(new McpServer({ name: "files", version: "1.0.0" }));
   * guarded.resource("readme", "file:///readme.md", {}, (uri) => ({
   *   contents: [{ uri: uri.href, text: "# Hello" }],
   * }));
   * const template = guarded.resource(
   *   "user-file",
   *   new ResourceTemplate("file:///users/{user}/{path}", { list: undefined }),
   *   { auth: (ctx) => ctx.arguments?.user === ctx.token?.claims.sub },
   *   (uri) => ({ contents: [{ uri: uri.href, text: "..." }] }),
   * );
   * assert.equal(template.enabled, true);
   * ```
   */
  resource(
    name: string,
    uriOrTemplate: string,
    config: GuardedResourceConfig,
    read: ReadResourceCallback,
  ): RegisteredResource;
  /**
   * Registers a resource template, as `McpServer.registerResource` does,
   * with its `tags` and `auth`; see the overload above.
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
 * Guards an `McpServer` of the official MCP TypeScript SDK v2
 * (`@modelcontextprotocol/server`), per request, from the verified token
 * the transport was given as `authInfo` (e.g.
 * `transport.handleRequest(request, { authInfo: token })`):
 *
 * - `tools/list`, `resources/list`, `resources/templates/list` and
 *   `prompts/list` show only what the token may use
 *   ({@linkcode Authorizer.prototype.filter});
 * - `tools/call`, `resources/read`, `prompts/get` (and
 *   `completion/complete`) run {@linkcode Authorizer.prototype.authorize}
 *   first. An unknown component and one the token may not use get the same
 *   JSON-RPC error (`-32602`, "Tool not found or not authorized"; a
 *   `resources/read` echoes the client's URI as `data.uri`). A scope
 *   shortfall is, over HTTP, a 403 `insufficient_scope` challenge naming
 *   the scopes to ask for: from {@linkcode GuardedServer.prototype.preflight}
 *   (or `guardedMcpHandler`), else from the SDK's scope-challenge hook;
 *   every scope the call requires that the scope-aware checks know of, held
 *   ones too (RFC 6750 §3), so that a client replacing its scopes with the
 *   challenge's keeps them. On any other transport it is a `-32602` error
 *   naming the missing scopes, whose `data.requiredScopes` names the same
 *   scopes as the 403. What a shortfall shows depends on the Authorizer's
 *   `stepUp`. A check that could not decide (`AuthorizationUnavailableError`,
 *   a policy engine down) is, over HTTP with the preflight, a 503 with
 *   `Retry-After`, else the retryable `-32603` error with `data.retryAfter`.
 * - in `tools/list`, a check of the tool's own `auth` or of a layer with an
 *   `advertise(component)` method adds the `x-...` keywords it returns to
 *   the tool's `inputSchema` (never replacing one): the AuthZEN check's
 *   declared mappings, as COAZ-MCP's `x-authzen-mapping`.
 * - list and read results are marked `cacheScope: "private"` (protocol
 *   2026-07-28), whatever cache hints the server was given: they depend on
 *   the token, so no shared cache may keep them.
 *
 * Register components with {@linkcode GuardedServer.prototype.tool},
 * `.resource()` and `.prompt()` (or the server's own `registerTool`,
 * `registerResource` and `registerPrompt`, which the guard takes over),
 * adding `tags` and `auth`. With the preflight, a call's checks run once per
 * HTTP request; without it, twice (the SDK's pre-dispatch hook, then
 * dispatch), so checks should have no side effects.
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
 * import { Authorizer, requireScopes, restrictTag } from "@mcp-authz/core";
 * import { guardServer } from "@mcp-authz/core/mcp";
 * import { McpServer, InMemoryTransport } from "@modelcontextprotocol/server";
 * import { Client } from "@modelcontextprotocol/client";
 * import assert from "node:assert/strict";
 *
 * const server = new McpServer({ name: "files", version: "1.0.0" });
 * const guarded = guardServer(server, {
 *   authorizer: new Authorizer({ layers: [restrictTag("admin", { scopes: ["admin"] })] }),
 * });
 * const text = (text: string) => ({ content: [{ type: "text" as const, text }] });
 * guarded.tool("read", {}, () => text("contents"));
 * guarded.tool("write", { auth: requireScopes("write") }, () => text("written"));
 * guarded.tool("reset", { tags: ["admin"] }, () => text("reset"));
 *
 * // Over HTTP the token comes from `handleRequest(req, { authInfo: token })`;
 * // in memory, the client's transport hands it along with each message.
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
 * await assert.rejects(client.callTool({ name: "write" }), /not found or not authorized/);
 * await client.close();
 * ```
 */
export function guardServer(
  server: McpServer,
  options?: GuardOptions,
): GuardedServer {
  return new GuardedServer(
    server,
    checkGuardArguments("guardServer", server, options, SDK_V2),
  );
}
