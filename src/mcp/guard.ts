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
  ScopeChallenge,
  ScopeChallengeHandler,
  StandardSchemaWithJSON,
  ToolAnnotations,
  ToolCallback,
} from "@modelcontextprotocol/server";
import { Authorizer } from "../authorizer.ts";
import type { AuthCheck } from "../checks.ts";
import type { AccessToken, Component } from "../context.ts";
import {
  denialError,
  type GuardedKind,
  notFoundError,
  scopeChallengeOf,
} from "./denial.ts";
import { interceptRequestHandlers, type SpecHandler } from "./sdk.ts";
import { accessTokenOf } from "./token.ts";

/**
 * What a server author declares about a component at registration, next to
 * the SDK's own configuration.
 *
 * @example Usage
 * ```ts
 * import { requireScopes } from "@mcp-authz/core";
 * import type { ComponentAuth } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const declared: ComponentAuth = { tags: ["admin"], auth: requireScopes("files:write") };
 * assert.deepEqual(declared.tags, ["admin"]);
 * ```
 */
export interface ComponentAuth {
  /** Tags for tag-based layers such as `restrictTag`. Never sent to clients. */
  tags?: readonly string[] | ReadonlySet<string> | undefined;
  /** The component's own checks, run before the server-wide layers. */
  auth?: AuthCheck | readonly AuthCheck[] | undefined;
}

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
 * Options of {@linkcode guardServer}.
 *
 * @example Usage
 * ```ts
 * import { Authorizer, restrictTag } from "@mcp-authz/core";
 * import type { GuardOptions } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const options: GuardOptions = {
 *   authorizer: new Authorizer({ layers: [restrictTag("admin", { scopes: ["admin"] })] }),
 * };
 * assert.ok(options.authorizer);
 * ```
 */
export interface GuardOptions {
  /** Server-wide layers and scope hierarchy. Default: no layers. */
  authorizer?: Authorizer | undefined;
}

interface Entry<H> {
  component: Component;
  handle: H;
}

const ITEM: unique symbol = Symbol("mcp-authz.item");
type Listed = Component & { [ITEM]: unknown };

const guardedServers = new WeakSet<object>();

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "undefined"
    ? "undefined"
    : type === "object"
    ? "an object"
    : `a ${type}`;
}

function recordOf(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

/** Splits our keys off, so the SDK never lists tags or serializes checks. */
function splitConfig(
  config: unknown,
  where: string,
): { auth: ComponentAuth; rest: Record<string, unknown> } {
  const record = recordOf(config);
  if (record === undefined) {
    throw new TypeError(
      `${where} config must be an object, got ${describe(config)}`,
    );
  }
  const { tags, auth, scopeChallenge: _ignored, ...rest } = record;
  if (
    tags !== undefined && !Array.isArray(tags) && !(tags instanceof Set)
  ) {
    throw new TypeError(
      `${where} tags must be an array or Set of strings, got ${describe(tags)}`,
    );
  }
  const checks = auth === undefined ? [] : Array.isArray(auth) ? auth : [auth];
  for (const check of checks) {
    if (typeof check !== "function") {
      throw new TypeError(
        `${where} auth must be a check (ctx) => boolean or a list of them, got ${
          describe(check)
        }`,
      );
    }
  }
  return {
    auth: {
      tags: tags as ComponentAuth["tags"],
      auth: auth as ComponentAuth["auth"],
    },
    rest,
  };
}

function componentOf(
  kind: Component["kind"],
  name: string,
  declared: ComponentAuth,
  extra: { uri?: string | undefined; meta?: unknown },
): Component {
  const component: Component = { kind, name };
  if (declared.tags !== undefined) {
    component.tags = Object.freeze(new Set(declared.tags));
  }
  if (declared.auth !== undefined) {
    component.auth = Array.isArray(declared.auth)
      ? Object.freeze([...declared.auth])
      : declared.auth;
  }
  if (extra.uri !== undefined) component.uri = extra.uri;
  const meta = recordOf(extra.meta);
  if (meta !== undefined) component.meta = meta;
  return Object.freeze(component);
}

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
  #authorizer: Authorizer;
  #tools = new Map<string, Entry<RegisteredTool>>();
  #prompts = new Map<string, Entry<RegisteredPrompt>>();
  #resources = new Map<string, Entry<RegisteredResource>>();
  #templates = new Map<string, Entry<RegisteredResourceTemplate>>();
  #installed = new Set<string>();
  #registerTool: McpServer["registerTool"];
  #registerPrompt: McpServer["registerPrompt"];
  #registerResource: McpServer["registerResource"];

  /**
   * Guards `server`. Call it right after `new McpServer(...)`, before any
   * registration.
   *
   * @param server An `McpServer` with nothing registered yet.
   * @param options The authorizer holding the server-wide layers.
   * @throws {TypeError} When `server` is not an unguarded `McpServer` with
   * nothing registered, or `authorizer` is not an `Authorizer`.
   */
  constructor(server: McpServer, options: GuardOptions = {}) {
    const inner = (server as { server?: unknown } | null)?.server;
    if (
      server === null || typeof server !== "object" ||
      typeof (server as Partial<McpServer>).registerTool !== "function" ||
      inner === null || typeof inner !== "object"
    ) {
      throw new TypeError(
        `guardServer() needs an McpServer from "@modelcontextprotocol/server", got ${
          describe(server)
        }`,
      );
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `guardServer() options must be an object, got ${describe(options)}`,
      );
    }
    const authorizer = options.authorizer ?? new Authorizer();
    if (!(authorizer instanceof Authorizer)) {
      throw new TypeError(
        `guardServer() authorizer must be an Authorizer, got ${
          describe(authorizer)
        }`,
      );
    }
    if (guardedServers.has(server)) {
      throw new TypeError("This McpServer is already guarded");
    }
    interceptRequestHandlers(
      server,
      (method, handler) => this.#wrap(method, handler),
      this.#installed,
    );
    guardedServers.add(server);
    this.server = server;
    this.#authorizer = authorizer;
    this.#registerTool = server.registerTool.bind(server);
    this.#registerPrompt = server.registerPrompt.bind(server);
    this.#registerResource = server.registerResource.bind(server);
    // Registrations made on the SDK server directly are guarded too.
    Object.defineProperties(server, {
      registerTool: {
        value: (name: string, config: unknown, cb: unknown) =>
          this.tool(name, config as GuardedToolConfig, cb as ToolCallback),
      },
      registerPrompt: {
        value: (name: string, config: unknown, cb: unknown) =>
          this.prompt(
            name,
            config as GuardedPromptConfig,
            cb as PromptCallback,
          ),
      },
      registerResource: {
        value: (name: string, uri: unknown, config: unknown, cb: unknown) =>
          this.resource(
            name,
            uri as string,
            config as GuardedResourceConfig,
            cb as ReadResourceCallback,
          ),
      },
    });
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
    const { auth, rest } = splitConfig(config, `Tool "${name}"`);
    const component = componentOf("tool", name, auth, { meta: rest._meta });
    const entry = {} as Entry<RegisteredTool>;
    entry.component = component;
    const handle = this.#registerTool(name, {
      ...rest,
      scopeChallenge: this.#challenge(
        entry,
        (request) => recordOf(request.params?.arguments),
      ),
    } as never, handler as never) as RegisteredTool;
    entry.handle = handle;
    this.#track(this.#tools, name, entry, "name", "tool");
    this.#assertInstalled(["tools/list", "tools/call"], () => handle.remove());
    return handle;
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
    const { auth, rest } = splitConfig(config, `Prompt "${name}"`);
    const component = componentOf("prompt", name, auth, { meta: rest._meta });
    const entry = {} as Entry<RegisteredPrompt>;
    entry.component = component;
    const handle = this.#registerPrompt(name, {
      ...rest,
      scopeChallenge: this.#challenge(
        entry,
        (request) => recordOf(request.params?.arguments),
      ),
    } as never, handler as never) as RegisteredPrompt;
    entry.handle = handle;
    this.#track(this.#prompts, name, entry, "name", "prompt");
    this.#assertInstalled(
      ["prompts/list", "prompts/get"],
      () => handle.remove(),
    );
    return handle;
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
    const { auth, rest } = splitConfig(config, `Resource "${name}"`);
    const installed = [
      "resources/list",
      "resources/templates/list",
      "resources/read",
    ];
    if (typeof uriOrTemplate === "string") {
      const component = componentOf("resource", name, auth, {
        uri: uriOrTemplate,
        meta: rest._meta,
      });
      const entry = {} as Entry<RegisteredResource>;
      entry.component = component;
      const handle = this.#registerResource(name, uriOrTemplate, {
        ...rest,
        scopeChallenge: this.#challenge(entry, () => undefined),
      } as never, read as ReadResourceCallback);
      entry.handle = handle;
      this.#track(this.#resources, uriOrTemplate, entry, "uri", "resource");
      this.#assertInstalled(installed, () => handle.remove());
      return handle;
    }
    const template = uriOrTemplate as ResourceTemplate;
    const component = componentOf("resourceTemplate", name, auth, {
      uri: String(template?.uriTemplate),
      meta: rest._meta,
    });
    const entry = {} as Entry<RegisteredResourceTemplate>;
    entry.component = component;
    const handle = this.#registerResource(name, template, {
      ...rest,
      scopeChallenge: this.#challenge(
        entry,
        (request) => this.#variables(entry.handle, request.params?.uri),
      ),
    } as never, read as ReadResourceTemplateCallback);
    entry.handle = handle;
    this.#track(this.#templates, name, entry, "name", "resourceTemplate");
    this.#assertInstalled(installed, () => handle.remove());
    return handle;
  }

  /** Fails closed if the SDK installed a handler without going through us. */
  #assertInstalled(methods: string[], undo: () => void): void {
    const missing = methods.filter((m) => !this.#installed.has(m));
    if (missing.length === 0) return;
    undo();
    throw new Error(
      `guardServer() could not guard "${
        missing.join('", "')
      }": this version of @modelcontextprotocol/server is not supported`,
    );
  }

  /** Keeps our index in step with the SDK's when a handle is renamed or removed. */
  #track<H extends { update(updates: never): void }>(
    map: Map<string, Entry<H>>,
    key: string,
    entry: Entry<H>,
    keyField: "name" | "uri",
    kind: Component["kind"],
  ): void {
    map.set(key, entry);
    const handle = entry.handle as unknown as {
      update(updates: Record<string, unknown>): void;
    };
    const sdkUpdate = handle.update;
    let current = key;
    handle.update = (updates) => {
      sdkUpdate(updates);
      const next = updates?.[keyField];
      if (next === undefined || next === current) return;
      map.delete(current);
      if (typeof next === "string" && next !== "") {
        const renamed: Component = { ...entry.component };
        if (keyField === "uri") renamed.uri = next;
        else if (kind !== "resource") renamed.name = next;
        entry.component = Object.freeze(renamed);
        map.set(next, entry);
        current = next;
      }
    };
  }

  #variables(
    handle: RegisteredResourceTemplate | undefined,
    uri: unknown,
  ): Record<string, unknown> | undefined {
    if (handle === undefined || typeof uri !== "string") return undefined;
    try {
      return recordOf(handle.resourceTemplate.uriTemplate.match(uri)) ??
        undefined;
    } catch {
      return undefined;
    }
  }

  /** The SDK's pre-dispatch hook: a scope shortfall becomes an HTTP 403. */
  #challenge<H>(
    entry: Entry<H>,
    argumentsOf: (
      request: { params?: Record<string, unknown> },
    ) => Record<string, unknown> | undefined,
  ): ScopeChallengeHandler {
    return async (
      { request, authInfo },
    ): Promise<ScopeChallenge | undefined> => {
      try {
        const args = argumentsOf(
          request as { params?: Record<string, unknown> },
        );
        await this.#authorizer.authorize(
          accessTokenOf(authInfo),
          entry.component,
          { arguments: args },
        );
        return undefined;
      } catch (error) {
        // Only a shortfall challenges; any other denial is answered in
        // dispatch with the not-found error, so the hook never throws.
        return scopeChallengeOf(error);
      }
    };
  }

  async #authorize(
    token: AccessToken | undefined,
    entry: Entry<{ enabled: boolean }> | undefined,
    args: Record<string, unknown> | undefined,
    kind: GuardedKind,
  ): Promise<void> {
    if (entry === undefined || entry.handle?.enabled !== true) {
      throw notFoundError(kind);
    }
    try {
      await this.#authorizer.authorize(token, entry.component, {
        arguments: args,
      });
    } catch (error) {
      throw denialError(error, kind);
    }
  }

  /** The entry a `resources/read` URI resolves to, in the SDK's order. */
  #resolveResource(uri: unknown): {
    entry: Entry<{ enabled: boolean }> | undefined;
    args: Record<string, unknown> | undefined;
  } {
    if (typeof uri !== "string") return { entry: undefined, args: undefined };
    let href: string;
    try {
      href = new URL(uri).toString();
    } catch {
      return { entry: undefined, args: undefined };
    }
    const direct = this.#resources.get(href);
    if (direct !== undefined) return { entry: direct, args: undefined };
    for (const entry of this.#templates.values()) {
      const args = this.#variables(entry.handle, href);
      if (args !== undefined) return { entry, args };
    }
    return { entry: undefined, args: undefined };
  }

  async #filter<T>(
    token: AccessToken | undefined,
    items: unknown,
    entryOf: (item: Record<string, unknown>) => Entry<unknown> | undefined,
  ): Promise<T[]> {
    if (!Array.isArray(items)) return [];
    const listed: Listed[] = [];
    for (const item of items) {
      const record = recordOf(item);
      const entry = record === undefined ? undefined : entryOf(record);
      // Only what was registered through the guard is ever listed.
      if (entry !== undefined) {
        listed.push({ ...entry.component, [ITEM]: item });
      }
    }
    const kept = await this.#authorizer.filter(token, listed);
    return kept.map((component) => component[ITEM] as T);
  }

  #wrap(method: string, handler: SpecHandler): SpecHandler {
    const tokenOf = (ctx: Parameters<SpecHandler>[1]) =>
      accessTokenOf(ctx?.http?.authInfo);
    switch (method) {
      case "tools/list":
        return async (request, ctx) => {
          const result = recordOf(await handler(request, ctx)) ?? {};
          const tools = await this.#filter(
            tokenOf(ctx),
            result.tools,
            (tool) =>
              typeof tool.name === "string"
                ? this.#tools.get(tool.name)
                : undefined,
          );
          return { ...result, tools };
        };
      case "prompts/list":
        return async (request, ctx) => {
          const result = recordOf(await handler(request, ctx)) ?? {};
          const prompts = await this.#filter(
            tokenOf(ctx),
            result.prompts,
            (p) =>
              typeof p.name === "string"
                ? this.#prompts.get(p.name)
                : undefined,
          );
          return { ...result, prompts };
        };
      case "resources/templates/list":
        return async (request, ctx) => {
          const result = recordOf(await handler(request, ctx)) ?? {};
          const resourceTemplates = await this.#filter(
            tokenOf(ctx),
            result.resourceTemplates,
            (t) =>
              typeof t.name === "string"
                ? this.#templates.get(t.name)
                : undefined,
          );
          return { ...result, resourceTemplates };
        };
      case "resources/list":
        return async (request, ctx) => {
          const result = recordOf(await handler(request, ctx)) ?? {};
          const resources = await this.#filter(
            tokenOf(ctx),
            result.resources,
            (r) =>
              this.#resolveResource(r.uri).entry as Entry<unknown> | undefined,
          );
          return { ...result, resources };
        };
      case "tools/call":
        return async (request, ctx) => {
          const name = request?.params?.name;
          const entry = typeof name === "string"
            ? this.#tools.get(name)
            : undefined;
          const args = recordOf(request?.params?.arguments);
          await this.#authorize(tokenOf(ctx), entry, args, "Tool");
          return handler(request, ctx);
        };
      case "prompts/get":
        return async (request, ctx) => {
          const name = request?.params?.name;
          const entry = typeof name === "string"
            ? this.#prompts.get(name)
            : undefined;
          const args = recordOf(request?.params?.arguments);
          await this.#authorize(tokenOf(ctx), entry, args, "Prompt");
          return handler(request, ctx);
        };
      case "resources/read":
        return async (request, ctx) => {
          const { entry, args } = this.#resolveResource(request?.params?.uri);
          await this.#authorize(tokenOf(ctx), entry, args, "Resource");
          return handler(request, ctx);
        };
      case "completion/complete":
        // Completions name prompts and templates: answer only for visible ones.
        return async (request, ctx) => {
          const ref = recordOf(request?.params?.ref);
          if (ref?.type === "ref/prompt" && typeof ref.name === "string") {
            await this.#authorize(
              tokenOf(ctx),
              this.#prompts.get(ref.name),
              undefined,
              "Prompt",
            );
          } else if (
            ref?.type === "ref/resource" && typeof ref.uri === "string"
          ) {
            const entry = [...this.#templates.values()].find((e) =>
              String(e.handle.resourceTemplate.uriTemplate) === ref.uri
            ) ?? this.#resources.get(ref.uri);
            await this.#authorize(tokenOf(ctx), entry, undefined, "Resource");
          } else {
            throw notFoundError("Resource");
          }
          return handler(request, ctx);
        };
      default:
        // Unreachable: only GUARDED_METHODS are wrapped. Fail closed anyway.
        return () => {
          throw notFoundError("Tool");
        };
    }
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
 *   JSON-RPC error (`-32602`, "Tool not found or not authorized"). A scope
 *   shortfall is, on the Streamable HTTP transport, an HTTP 403
 *   `insufficient_scope` challenge naming the scopes to ask for (the SDK's
 *   scope-challenge hook); on any other transport it is a `-32602` error
 *   whose `data.requiredScopes` names them.
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
 * nothing registered, or `authorizer` is not an `Authorizer`.
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
  return new GuardedServer(server, options);
}
