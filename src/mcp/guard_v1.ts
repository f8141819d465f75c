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
  ResourceMetadata,
  ResourceTemplate,
  ToolCallback,
} from "@modelcontextprotocol/sdk/server/mcp";
import type {
  AnySchema,
  ZodRawShapeCompat,
} from "@modelcontextprotocol/sdk/server/zod-compat";
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types";
import type { ComponentAuth } from "./_declaration.ts";
import { checkGuardArguments, Guard } from "./_guard.ts";
import type { GuardOptions } from "./_options.ts";
import { SDK_V1 } from "./_sdk_v1.ts";

export type { ComponentAuth, GuardOptions };

/**
 * The configuration of {@linkcode GuardedServer.prototype.tool} for the 1.x
 * SDK: its `registerTool` configuration plus {@linkcode ComponentAuth}.
 *
 * @typeParam InputArgs A zod object or raw shape, or `undefined`.
 * @typeParam OutputArgs The output schema.
 *
 * @example Usage
 * ```ts
 * import { requireScopes } from "@mcp-authz/core";
 * import type { GuardedToolConfig } from "@mcp-authz/core/mcp/v1";
 * import assert from "node:assert/strict";
 *
 * const config: GuardedToolConfig = { description: "Deletes", auth: requireScopes("write") };
 * assert.equal(config.description, "Deletes");
 * ```
 */
export interface GuardedToolConfig<
  InputArgs extends undefined | ZodRawShapeCompat | AnySchema = undefined,
  OutputArgs extends ZodRawShapeCompat | AnySchema = AnySchema,
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
  /** Free-form metadata, sent to clients; checks see it as `component.meta`. */
  _meta?: Record<string, unknown>;
}

/**
 * The configuration of {@linkcode GuardedServer.prototype.prompt} for the
 * 1.x SDK: its `registerPrompt` configuration plus {@linkcode ComponentAuth}.
 *
 * @typeParam Args A raw shape of zod string schemas, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import type { GuardedPromptConfig } from "@mcp-authz/core/mcp/v1";
 * import assert from "node:assert/strict";
 *
 * const config: GuardedPromptConfig = { description: "Greets", tags: ["public"] };
 * assert.equal(config.description, "Greets");
 * ```
 */
export interface GuardedPromptConfig<
  Args extends undefined | ZodRawShapeCompat = undefined,
> extends ComponentAuth {
  /** Human-readable title. */
  title?: string;
  /** What the prompt is for. */
  description?: string;
  /** Schema of the arguments. */
  argsSchema?: Args;
}

/**
 * The configuration of {@linkcode GuardedServer.prototype.resource} for the
 * 1.x SDK: its resource metadata plus {@linkcode ComponentAuth}.
 *
 * @example Usage
 * ```ts
 * import type { GuardedResourceConfig } from "@mcp-authz/core/mcp/v1";
 * import assert from "node:assert/strict";
 *
 * const config: GuardedResourceConfig = { mimeType: "text/plain", tags: ["admin"] };
 * assert.equal(config.mimeType, "text/plain");
 * ```
 */
export type GuardedResourceConfig = ResourceMetadata & ComponentAuth;

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
  readonly server: McpServer;
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
 * same `-32602` error. The 1.x SDK has no scope-challenge hook, so a scope
 * shortfall is a `-32602` error whose `data.requiredScopes` names the
 * scopes to ask for, held ones too (use the v2 SDK and
 * `@mcp-authz/core/mcp` for the HTTP 403 step-up). A check that could
 * not decide (`AuthorizationUnavailableError`) is the retryable `-32603`
 * error with `data.retryAfter`; `tools/list` carries what checks advertise
 * in each tool's `inputSchema`, as with the v2 guard.
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
  checkGuardArguments("guardServer", server, options, SDK_V1);
  return new GuardedServer(server, options);
}
