/**
 * The guard shared by the SDK integrations: an index of what was registered
 * through it, and the wrappers that filter the SDK's list results and
 * authorize its calls, reads and gets before they run. What differs between
 * SDK versions (how handlers are intercepted, where `authInfo` is, which
 * error class the SDK sends) comes in as a {@linkcode SdkBinding}.
 * Internal: the entry points expose typed façades.
 *
 * @module
 */

import { show } from "../_internal/show.ts";
import { Authorizer } from "../core/authorizer.ts";
import type { AuthCheck } from "../core/context.ts";
import type { AccessToken, Component } from "../core/context.ts";
import {
  type Denial,
  denialOf,
  type GuardedKind,
  notFound,
  scopeChallengeOf,
  type ScopeChallengeShape,
} from "./denial.ts";
import { accessTokenOf } from "./token.ts";
import { reportStepUp } from "../http/_step_up.ts";

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
 * Options of `guardServer`.
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

/** The request methods the guard wraps. */
export const GUARDED_METHODS: readonly string[] = Object.freeze([
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "prompts/list",
  "prompts/get",
  "completion/complete",
]);

/** A request handler as the SDKs call it: `(request, ctx)`. */
export type Handler = (
  request: { method?: string; params?: Record<string, unknown> },
  ctx: unknown,
) => unknown;

/** The parts of an SDK the guard depends on. */
export interface SdkBinding {
  /** Names the SDK in error messages. */
  readonly name: string;
  /**
   * Routes the handlers `server` installs for the guarded methods through
   * `wrap`, recording each wrapped method in `seen`.
   */
  intercept(
    server: unknown,
    wrap: (method: string, handler: Handler) => Handler,
    seen: Set<string>,
  ): void;
  /** The `authInfo` the transport gave a request, from a handler's `ctx`. */
  authInfo(ctx: unknown): unknown;
  /** The error class the SDK turns into a JSON-RPC error response. */
  error(denial: Denial): Error;
  /** Whether registrations take the v2 `scopeChallenge` hook. */
  readonly scopeChallenge: boolean;
  /**
   * Whether results carry the 2026-07-28 cache fields, so that a
   * per-token result can be marked `cacheScope: "private"`.
   */
  readonly cacheScope: boolean;
}

/** What the SDK hands back from a registration, as far as the guard cares. */
interface Handle {
  enabled: boolean;
  update(updates: Record<string, unknown>): void;
  remove(): void;
}

interface TemplateHandle extends Handle {
  resourceTemplate: { uriTemplate: { match(uri: string): unknown } };
}

interface Entry<H extends Handle = Handle> {
  component: Component;
  handle: H;
}

type Register = (...args: unknown[]) => unknown;

const ITEM: unique symbol = Symbol("mcp-authz.item");
type Listed = Component & { [ITEM]: unknown };

const guardedServers = new WeakSet<object>();

const TOOL_METHODS = ["tools/list", "tools/call"];
const PROMPT_METHODS = ["prompts/list", "prompts/get"];
const RESOURCE_METHODS = [
  "resources/list",
  "resources/templates/list",
  "resources/read",
];

function nameOf(name: unknown, kind: string): string {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `${kind} name must be a non-empty string, got ${show(name)}`,
    );
  }
  return name;
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
): { declared: ComponentAuth; rest: Record<string, unknown> } {
  const record = recordOf(config);
  if (record === undefined) {
    throw new TypeError(
      `${where} config must be an object, got ${show(config)}`,
    );
  }
  const { tags, auth, ...rest } = record;
  if (rest.scopeChallenge !== undefined) {
    throw new TypeError(
      `${where} config has a scopeChallenge: the guard sets it from the Authorizer, so declare auth checks or tags instead`,
    );
  }
  if (tags !== undefined && !Array.isArray(tags) && !(tags instanceof Set)) {
    throw new TypeError(
      `${where} tags must be an array or Set of strings, got ${show(tags)}`,
    );
  }
  for (const tag of tags ?? []) {
    if (typeof tag !== "string") {
      throw new TypeError(
        `${where} tags must be an array or Set of strings, got ${
          show(tag)
        } in it`,
      );
    }
  }
  const checks = auth === undefined ? [] : Array.isArray(auth) ? auth : [auth];
  for (const check of checks) {
    if (typeof check !== "function") {
      throw new TypeError(
        `${where} auth must be a check (ctx) => boolean or a list of them, got ${
          show(check)
        }`,
      );
    }
  }
  return {
    declared: {
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
 * The SDK-independent guard behind `guardServer`. One per `McpServer`.
 */
export class Guard {
  #authorizer: Authorizer;
  #binding: SdkBinding;
  #tools = new Map<string, Entry>();
  #prompts = new Map<string, Entry>();
  #resources = new Map<string, Entry>();
  #templates = new Map<string, Entry<TemplateHandle>>();
  #installed = new Set<string>();
  #registerTool: Register;
  #registerPrompt: Register;
  #registerResource: Register;

  /**
   * Takes over `server`'s handlers and registration methods.
   *
   * @throws {TypeError} When `server` is not an unguarded McpServer with
   * nothing registered, or `options.authorizer` is not an `Authorizer`.
   */
  constructor(server: unknown, options: unknown, binding: SdkBinding) {
    const record = recordOf(server);
    if (
      record === undefined || typeof record.registerTool !== "function" ||
      typeof record.registerPrompt !== "function" ||
      typeof record.registerResource !== "function" ||
      recordOf(record.server) === undefined
    ) {
      throw new TypeError(
        `guardServer() needs an McpServer from "${binding.name}", got ${
          show(server)
        }`,
      );
    }
    const opts = options === undefined ? {} : recordOf(options);
    if (opts === undefined) {
      throw new TypeError(
        `guardServer() options must be an object, got ${show(options)}`,
      );
    }
    const authorizer = opts.authorizer ?? new Authorizer();
    if (!(authorizer instanceof Authorizer)) {
      throw new TypeError(
        `guardServer() authorizer must be an Authorizer, got ${
          show(authorizer)
        }`,
      );
    }
    if (guardedServers.has(record)) {
      throw new TypeError("This McpServer is already guarded");
    }
    binding.intercept(
      record,
      (method, handler) => this.#wrap(method, handler),
      this.#installed,
    );
    guardedServers.add(record);
    this.#authorizer = authorizer;
    this.#binding = binding;
    this.#registerTool = (record.registerTool as Register).bind(record);
    this.#registerPrompt = (record.registerPrompt as Register).bind(record);
    this.#registerResource = (record.registerResource as Register).bind(
      record,
    );
    // Registrations made on the SDK server directly are guarded too.
    Object.defineProperties(record, {
      registerTool: {
        value: (name: unknown, config: unknown, cb: unknown) =>
          this.tool(name, config, cb),
      },
      registerPrompt: {
        value: (name: unknown, config: unknown, cb: unknown) =>
          this.prompt(name, config, cb),
      },
      registerResource: {
        value: (name: unknown, uri: unknown, config: unknown, cb: unknown) =>
          this.resource(name, uri, config, cb),
      },
    });
  }

  /** Registers a tool with its `tags` and `auth`. */
  tool(name: unknown, config: unknown, handler: unknown): unknown {
    return this.#registerNamed("tool", name, config, handler);
  }

  /** Registers a prompt with its `tags` and `auth`. */
  prompt(name: unknown, config: unknown, handler: unknown): unknown {
    return this.#registerNamed("prompt", name, config, handler);
  }

  /** Tools and prompts: keyed by name, checks see `params.arguments`. */
  #registerNamed(
    kind: "tool" | "prompt",
    name: unknown,
    config: unknown,
    handler: unknown,
  ): unknown {
    const [kindLabel, register, map, methods] = kind === "tool"
      ? ["Tool", this.#registerTool, this.#tools, TOOL_METHODS] as const
      : [
        "Prompt",
        this.#registerPrompt,
        this.#prompts,
        PROMPT_METHODS,
      ] as const;
    const label = `${kindLabel} "${nameOf(name, kindLabel)}"`;
    const { declared, rest } = splitConfig(config, label);
    const entry = {
      component: componentOf(kind, String(name), declared, {
        meta: rest._meta,
      }),
    } as Entry;
    const handle = register(
      name,
      this.#withChallenge(
        rest,
        entry,
        (request) => recordOf(request.params?.arguments),
      ),
      handler,
    ) as Handle;
    entry.handle = handle;
    this.#track(map, String(name), entry, "name");
    this.#assertInstalled(methods, handle);
    return handle;
  }

  /** Registers a resource (a URI) or a template with its `tags` and `auth`. */
  resource(
    name: unknown,
    uriOrTemplate: unknown,
    config: unknown,
    read: unknown,
  ): unknown {
    const label = `Resource "${nameOf(name, "Resource")}"`;
    const { declared, rest } = splitConfig(config, label);
    if (
      typeof uriOrTemplate !== "string" &&
      recordOf(recordOf(uriOrTemplate)?.uriTemplate) === undefined
    ) {
      throw new TypeError(
        `${label} needs a URI string or a ResourceTemplate, got ${
          show(uriOrTemplate)
        }`,
      );
    }
    if (typeof uriOrTemplate === "string") {
      const entry = {
        component: componentOf("resource", String(name), declared, {
          uri: uriOrTemplate,
          meta: rest._meta,
        }),
      } as Entry;
      const handle = this.#registerResource(
        name,
        uriOrTemplate,
        this.#withChallenge(rest, entry, () => undefined),
        read,
      ) as Handle;
      entry.handle = handle;
      this.#track(this.#resources, uriOrTemplate, entry, "uri");
      this.#assertInstalled(RESOURCE_METHODS, handle);
      return handle;
    }
    const template = recordOf(uriOrTemplate);
    const entry = {
      component: componentOf("resourceTemplate", String(name), declared, {
        uri: String(template?.uriTemplate),
        meta: rest._meta,
      }),
    } as Entry<TemplateHandle>;
    const handle = this.#registerResource(
      name,
      uriOrTemplate,
      this.#withChallenge(
        rest,
        entry,
        (request) => variablesOf(entry.handle, request.params?.uri),
      ),
      read,
    ) as TemplateHandle;
    entry.handle = handle;
    this.#track(this.#templates, String(name), entry, "name");
    this.#assertInstalled(RESOURCE_METHODS, handle);
    return handle;
  }

  /** Fails closed if the SDK installed a handler without going through us. */
  #assertInstalled(methods: string[], handle: Handle): void {
    const missing = methods.filter((m) => !this.#installed.has(m));
    if (missing.length === 0) return;
    try {
      handle.remove();
    } catch {
      // The registration is refused below either way.
    }
    throw new Error(
      `guardServer() could not guard "${
        missing.join('", "')
      }": this version of ${this.#binding.name} is not supported`,
    );
  }

  /** Keeps our index in step with the SDK's when a handle is renamed or removed. */
  #track<H extends Handle>(
    map: Map<string, Entry<H>>,
    key: string,
    entry: Entry<H>,
    keyField: "name" | "uri",
  ): void {
    map.set(key, entry);
    const handle = entry.handle;
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
        else renamed.name = next;
        entry.component = Object.freeze(renamed);
        map.set(next, entry);
        current = next;
      }
    };
  }

  /** Adds the v2 pre-dispatch hook: a scope shortfall becomes an HTTP 403. */
  #withChallenge(
    rest: Record<string, unknown>,
    entry: Entry<Handle>,
    argumentsOf: (
      request: { params?: Record<string, unknown> },
    ) => Record<string, unknown> | undefined,
  ): Record<string, unknown> {
    if (!this.#binding.scopeChallenge) return rest;
    const scopeChallenge = async (
      context: { request?: unknown; authInfo?: unknown },
    ): Promise<ScopeChallengeShape | undefined> => {
      try {
        const request = recordOf(context?.request) ?? {};
        await this.#authorizer.authorize(
          accessTokenOf(context?.authInfo),
          entry.component,
          { arguments: argumentsOf(request) },
        );
        return undefined;
      } catch (error) {
        // Only a shortfall challenges; any other denial is answered in
        // dispatch with the not-found error, so the hook never throws.
        const challenge = scopeChallengeOf(error);
        // withBearerAuth then answers the SDK's 403 in the client's scheme.
        if (challenge !== undefined) {
          reportStepUp(context?.authInfo, challenge.scopes);
        }
        return challenge;
      }
    };
    return { ...rest, scopeChallenge };
  }

  async #authorize(
    token: AccessToken | undefined,
    entry: Entry | undefined,
    args: Record<string, unknown> | undefined,
    kind: GuardedKind,
  ): Promise<void> {
    if (entry === undefined || entry.handle?.enabled !== true) {
      throw this.#binding.error(notFound(kind));
    }
    try {
      await this.#authorizer.authorize(token, entry.component, {
        arguments: args,
      });
    } catch (error) {
      throw this.#binding.error(denialOf(error, kind));
    }
  }

  /** The entry a `resources/read` URI resolves to, in the SDKs' order. */
  #resolveResource(uri: unknown): {
    entry: Entry | undefined;
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
      const args = variablesOf(entry.handle, href);
      if (args !== undefined) return { entry, args };
    }
    return { entry: undefined, args: undefined };
  }

  async #filter(
    token: AccessToken | undefined,
    items: unknown,
    entryOf: (item: Record<string, unknown>) => Entry | undefined,
  ): Promise<unknown[]> {
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
    return kept.map((component) => component[ITEM]);
  }

  #listWrapper(
    handler: Handler,
    key: string,
    entryOf: (item: Record<string, unknown>) => Entry | undefined,
  ): Handler {
    return async (request, ctx) => {
      const result = recordOf(await handler(request, ctx)) ?? {};
      const token = accessTokenOf(this.#binding.authInfo(ctx));
      return this.#private({
        ...result,
        [key]: await this.#filter(token, result[key], entryOf),
      });
    };
  }

  /**
   * A result that depends on the token must never sit in a shared cache,
   * whatever cache hint the server was configured with: a handler-returned
   * `cacheScope` wins over the configured one (protocol 2026-07-28).
   */
  #private(result: unknown): unknown {
    const record = recordOf(result);
    if (!this.#binding.cacheScope || record === undefined) return result;
    // Only complete results are cacheable; leave input_required alone.
    if (record.resultType !== undefined && record.resultType !== "complete") {
      return result;
    }
    return { ...record, cacheScope: "private" };
  }

  #wrap(method: string, handler: Handler): Handler {
    const tokenOf = (ctx: unknown) =>
      accessTokenOf(this.#binding.authInfo(ctx));
    const byName =
      (map: Map<string, Entry>) => (item: Record<string, unknown>) =>
        typeof item.name === "string" ? map.get(item.name) : undefined;
    switch (method) {
      case "tools/list":
        return this.#listWrapper(handler, "tools", byName(this.#tools));
      case "prompts/list":
        return this.#listWrapper(handler, "prompts", byName(this.#prompts));
      case "resources/templates/list":
        return this.#listWrapper(
          handler,
          "resourceTemplates",
          byName(this.#templates as Map<string, Entry>),
        );
      case "resources/list":
        return this.#listWrapper(
          handler,
          "resources",
          (item) => this.#resolveResource(item.uri).entry,
        );
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
          return this.#private(await handler(request, ctx));
        };
      case "completion/complete":
        // Completions name prompts and templates: answer only for usable ones.
        return async (request, ctx) => {
          const ref = recordOf(request?.params?.ref);
          if (ref?.type === "ref/prompt" && typeof ref.name === "string") {
            await this.#authorize(
              tokenOf(ctx),
              this.#prompts.get(ref.name),
              undefined,
              "Prompt",
            );
          } else {
            const uri = ref?.type === "ref/resource" ? ref.uri : undefined;
            const entry = typeof uri === "string"
              ? [...this.#templates.values()].find((e) =>
                String(e.handle.resourceTemplate.uriTemplate) === uri
              ) ?? this.#resources.get(uri)
              : undefined;
            await this.#authorize(tokenOf(ctx), entry, undefined, "Resource");
          }
          return handler(request, ctx);
        };
      default:
        // Unreachable: only the guarded methods are wrapped. Fail closed anyway.
        return () => {
          throw this.#binding.error(notFound("Tool"));
        };
    }
  }
}

/** A template's URI variables for `uri`, or `undefined` when it does not match. */
function variablesOf(
  handle: TemplateHandle | undefined,
  uri: unknown,
): Record<string, unknown> | undefined {
  if (handle === undefined || typeof uri !== "string") return undefined;
  try {
    return recordOf(handle.resourceTemplate.uriTemplate.match(uri));
  } catch {
    return undefined;
  }
}
