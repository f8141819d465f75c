/**
 * Authorization for an `McpServer` of the official MCP TypeScript SDK v2
 * (`@modelcontextprotocol/server`): lists filtered, calls guarded, per
 * request, from the verified token the transport was given as `authInfo`.
 *
 * @module
 */

import type {
  CacheHint,
  Icon,
  McpServer,
  PromptCallback,
  ReadResourceCallback,
  ReadResourceTemplateCallback,
  RegisteredPrompt,
  RegisteredResource,
  RegisteredResourceTemplate,
  RegisteredTool,
  ResourceMetadata,
  ResourceTemplate,
  StandardSchemaWithJSON,
  ToolAnnotations,
  ToolCallback,
} from "@modelcontextprotocol/server";
import type { ComponentAuth } from "./_declaration.ts";
import { checkGuardArguments, Guard } from "./_guard.ts";
import type { GuardOptions } from "./_options.ts";
import { SDK_V2 } from "./_sdk.ts";

export type { ComponentAuth, GuardOptions };

/**
 * The configuration of {@linkcode GuardedServer.prototype.tool}: the SDK's
 * `registerTool` configuration plus {@linkcode ComponentAuth}.
 *
 * @typeParam InputArgs The input schema (a Standard Schema with JSON
 * Schema, e.g. a zod object), or `undefined` for a tool without arguments.
 * @typeParam OutputArgs The output schema.
 *
 * @example Usage
 * ```ts
 * import { requireScopes } from "@mcp-authz/core";
 * import type { GuardedToolConfig } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const config: GuardedToolConfig = { description: "Deletes a file", auth: requireScopes("write") };
 * assert.equal(config.description, "Deletes a file");
 * ```
 */
export interface GuardedToolConfig<
  InputArgs extends StandardSchemaWithJSON | undefined = undefined,
  OutputArgs extends StandardSchemaWithJSON = StandardSchemaWithJSON,
> extends ComponentAuth {
  /** Human-readable title. */
  title?: string;
  /** What the tool does. */
  description?: string;
  /** Schema of the arguments. */
  inputSchema?: InputArgs;
  /** Schema of the structured result. */
  outputSchema?: OutputArgs;
  /** Behaviour hints for clients. */
  annotations?: ToolAnnotations;
  /** Icons for clients. */
  icons?: Icon[];
  /** Free-form metadata, sent to clients; checks see it as `component.meta`. */
  _meta?: Record<string, unknown>;
}

/**
 * The configuration of {@linkcode GuardedServer.prototype.prompt}: the
 * SDK's `registerPrompt` configuration plus {@linkcode ComponentAuth}.
 *
 * @typeParam Args The arguments schema, or `undefined` for none.
 *
 * @example Usage
 * ```ts
 * import type { GuardedPromptConfig } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const config: GuardedPromptConfig = { description: "Greets", tags: ["public"] };
 * assert.equal(config.description, "Greets");
 * ```
 */
export interface GuardedPromptConfig<
  Args extends StandardSchemaWithJSON | undefined = undefined,
> extends ComponentAuth {
  /** Human-readable title. */
  title?: string;
  /** What the prompt is for. */
  description?: string;
  /** Schema of the arguments. */
  argsSchema?: Args;
  /** Icons for clients. */
  icons?: Icon[];
  /** Free-form metadata, sent to clients; checks see it as `component.meta`. */
  _meta?: Record<string, unknown>;
}

/**
 * The configuration of {@linkcode GuardedServer.prototype.resource}: the
 * SDK's resource metadata plus {@linkcode ComponentAuth}.
 *
 * @example Usage
 * ```ts
 * import type { GuardedResourceConfig } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const config: GuardedResourceConfig = { mimeType: "text/plain", tags: ["admin"] };
 * assert.equal(config.mimeType, "text/plain");
 * ```
 */
export type GuardedResourceConfig = ResourceMetadata & ComponentAuth & {
  /** Cache hint for `resources/read` results (protocol 2026-07-28). */
  cacheHint?: CacheHint;
};

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
  /** The guarded SDK server: connect it to a transport as usual. */
  readonly server: McpServer;
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
    this.server = server;
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
 *   shortfall is, on the Streamable HTTP transport, an HTTP 403
 *   `insufficient_scope` challenge naming the scopes to ask for (the SDK's
 *   scope-challenge hook): every scope the call requires that the
 *   scope-aware checks know of, held ones too (RFC 6750 §3), so that a
 *   client replacing its scopes with the challenge's keeps them; on any
 *   other transport it is a `-32602` error naming the missing scopes,
 *   whose `data.requiredScopes` names the same scopes as the 403.
 *   A check that could not decide (`AuthorizationUnavailableError`, a
 *   policy engine down) is the retryable `-32603` error with
 *   `data.retryAfter`.
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
 * adding `tags` and `auth`. Over HTTP, a call's checks run twice: in the
 * transport's pre-dispatch hook and in dispatch, so checks should have no
 * side effects.
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
  checkGuardArguments("guardServer", server, options, SDK_V2);
  return new GuardedServer(server, options);
}
