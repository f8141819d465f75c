/**
 * What the registrations of a guarded 1.x `McpServer` take: the SDK's
 * configuration plus `tags` and `auth`, for `GuardedServer.tool()`,
 * `.prompt()`, `.resource()` and for the server's own `registerTool`,
 * `registerPrompt` and `registerResource`, which the guard takes over
 * ({@linkcode GuardedMcpServer}, the type of `GuardedServer.server`).
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
 * The registration methods of a guarded 1.x `McpServer`, as the guard
 * makes them: the SDK's `registerTool`, `registerPrompt` and
 * `registerResource`, whose configuration also takes `tags` and `auth`.
 *
 * @example Usage
 * ```ts
 * import { requireScopes } from "@mcp-authz/core";
 * import { guardServer, type GuardedRegistration } from "@mcp-authz/core/mcp/v1";
 * // @ts-types="@modelcontextprotocol/sdk/server/mcp"
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import assert from "node:assert/strict";
 *
 * const registration: GuardedRegistration = guardServer(
 *   new McpServer({ name: "files", version: "1.0.0" }),
 * ).server;
 * const tool = registration.registerTool("wipe", { auth: requireScopes("admin") }, () => ({ content: [] }));
 * assert.equal(tool.enabled, true);
 * ```
 */
export interface GuardedRegistration {
  /**
   * Registers a tool with its `tags` and `auth`: `GuardedServer.tool()`.
   *
   * @typeParam OutputArgs The output schema.
   * @typeParam InputArgs The input schema, or `undefined`.
   * @param name The tool name.
   * @param config The SDK's tool configuration plus `tags` and `auth`.
   * @param cb The tool implementation, called only when authorized.
   * @returns The SDK's handle for the tool.
   */
  registerTool<
    OutputArgs extends ZodRawShapeCompat | AnySchema,
    InputArgs extends undefined | ZodRawShapeCompat | AnySchema = undefined,
  >(
    name: string,
    config: GuardedToolConfig<InputArgs, OutputArgs>,
    cb: ToolCallback<InputArgs>,
  ): RegisteredTool;
  /**
   * Registers a prompt with its `tags` and `auth`: `GuardedServer.prompt()`.
   *
   * @typeParam Args The arguments' raw shape, or `undefined`.
   * @param name The prompt name.
   * @param config The SDK's prompt configuration plus `tags` and `auth`.
   * @param cb The prompt implementation, called only when authorized.
   * @returns The SDK's handle for the prompt.
   */
  registerPrompt<Args extends undefined | ZodRawShapeCompat = undefined>(
    name: string,
    config: GuardedPromptConfig<Args>,
    cb: PromptCallback<Args>,
  ): RegisteredPrompt;
  /**
   * Registers a resource with its `tags` and `auth`:
   * `GuardedServer.resource()`.
   *
   * @param name The resource name.
   * @param uri The URI.
   * @param config The SDK's resource metadata plus `tags` and `auth`.
   * @param read The read callback, called only when authorized.
   * @returns The SDK's handle for the resource.
   */
  registerResource(
    name: string,
    uri: string,
    config: GuardedResourceConfig,
    read: ReadResourceCallback,
  ): RegisteredResource;
  /**
   * Registers a resource template with its `tags` and `auth`.
   *
   * @param name The template name.
   * @param template The `ResourceTemplate`.
   * @param config The SDK's resource metadata plus `tags` and `auth`.
   * @param read The read callback, called only when authorized.
   * @returns The SDK's handle for the template.
   */
  registerResource(
    name: string,
    template: ResourceTemplate,
    config: GuardedResourceConfig,
    read: ReadResourceTemplateCallback,
  ): RegisteredResourceTemplate;
}

/**
 * A 1.x `McpServer` that a guard took over: still an `McpServer` (connect
 * it to a transport), whose `registerTool`, `registerPrompt` and
 * `registerResource` take `tags` and `auth` too. Only a guarded server has
 * this type: an unguarded one refuses `auth` at compile time, so that a
 * check is never silently dropped.
 *
 * @example Usage
 * ```ts
 * import { requireScopes } from "@mcp-authz/core";
 * import { guardServer, type GuardedMcpServer } from "@mcp-authz/core/mcp/v1";
 * // @ts-types="@modelcontextprotocol/sdk/server/mcp"
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import assert from "node:assert/strict";
 *
 * const server: GuardedMcpServer = guardServer(new McpServer({ name: "files", version: "1.0.0" })).server;
 * server.registerTool("wipe", { tags: ["admin"], auth: requireScopes("admin") }, () => ({ content: [] }));
 * const plain: McpServer = server;
 * assert.equal(plain, server);
 * ```
 */
export type GuardedMcpServer = GuardedRegistration & McpServer;
