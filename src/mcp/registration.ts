/**
 * What the registrations of a guarded v2 `McpServer` take: the SDK's
 * configuration plus `tags` and `auth`, for `GuardedServer.tool()`,
 * `.prompt()`, `.resource()` and for the server's own `registerTool`,
 * `registerPrompt` and `registerResource`, which the guard takes over
 * ({@linkcode GuardedMcpServer}, the type of `GuardedServer.server`).
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
 * The registration methods of a guarded v2 `McpServer`, as the guard makes
 * them: the SDK's `registerTool`, `registerPrompt` and `registerResource`,
 * whose configuration also takes `tags` and `auth`.
 *
 * @example Usage
 * ```ts
 * import { requireScopes } from "@mcp-authz/core";
 * import { guardServer, type GuardedRegistration } from "@mcp-authz/core/mcp";
 * import { McpServer } from "@modelcontextprotocol/server";
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
    OutputArgs extends StandardSchemaWithJSON,
    InputArgs extends StandardSchemaWithJSON | undefined = undefined,
  >(
    name: string,
    config: GuardedToolConfig<InputArgs, OutputArgs>,
    cb: ToolCallback<InputArgs>,
  ): RegisteredTool;
  /**
   * Registers a prompt with its `tags` and `auth`: `GuardedServer.prompt()`.
   *
   * @typeParam Args The arguments schema, or `undefined`.
   * @param name The prompt name.
   * @param config The SDK's prompt configuration plus `tags` and `auth`.
   * @param cb The prompt implementation, called only when authorized.
   * @returns The SDK's handle for the prompt.
   */
  registerPrompt<Args extends StandardSchemaWithJSON | undefined = undefined>(
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
 * A v2 `McpServer` that a guard took over: still an `McpServer` (connect
 * it, return it from a `createMcpHandler` factory), whose `registerTool`,
 * `registerPrompt` and `registerResource` take `tags` and `auth` too. Only
 * a guarded server has this type: an unguarded one refuses `auth` at
 * compile time, so that a check is never silently dropped.
 *
 * @example Usage
 * ```ts
 * import { requireScopes } from "@mcp-authz/core";
 * import { guardServer, type GuardedMcpServer } from "@mcp-authz/core/mcp";
 * import { McpServer } from "@modelcontextprotocol/server";
 * import assert from "node:assert/strict";
 *
 * const server: GuardedMcpServer = guardServer(new McpServer({ name: "files", version: "1.0.0" })).server;
 * server.registerTool("wipe", { tags: ["admin"], auth: requireScopes("admin") }, () => ({ content: [] }));
 * const plain: McpServer = server;
 * assert.equal(plain, server);
 * ```
 */
export type GuardedMcpServer = GuardedRegistration & McpServer;
