/**
 * The guard behind both SDK façades (`guard.ts`, `guard_v1.ts`): it takes an
 * `McpServer` over, indexes what is registered through it, and puts the
 * guarded handlers in front of the SDK's. What differs between SDK majors
 * comes in as an {@linkcode SdkBinding}. Internal.
 *
 * @module
 */

import { isRecord, show } from "../_internal/options.ts";
import type { Component } from "../core/context.ts";
import type { SdkBinding } from "./_binding.ts";
import {
  componentOf,
  type Declaration,
  declarationOf,
  nameOf,
} from "./_declaration.ts";
import {
  type ArgumentsOf,
  guardedHandler,
  type GuardScope,
  withScopeChallenge,
} from "./_handlers.ts";
import { calleeOf, guardConfig, type GuardOwner } from "./_options.ts";
import {
  ComponentRegistry,
  type Entry,
  type Handle,
  producing,
  type TemplateHandle,
  variablesOf,
} from "./_registry.ts";
import {
  assertInstalled,
  assertMcpServer,
  type SdkRegistration,
  takeOver,
} from "./_takeover.ts";

const TOOL_METHODS = Object.freeze(["tools/list", "tools/call"]);
const PROMPT_METHODS = Object.freeze(["prompts/list", "prompts/get"]);
const RESOURCE_METHODS = Object.freeze([
  "resources/list",
  "resources/templates/list",
  "resources/read",
]);

/** Tools and prompts: checks see `params.arguments`. */
const namedArguments: ArgumentsOf = (request) => {
  const args = request.params?.arguments;
  return isRecord(args) ? args : undefined;
};
const noArguments: ArgumentsOf = () => undefined;
/** Templates: checks see the URI's variables. */
const templateVariables: ArgumentsOf = (request, entry) =>
  variablesOf(entry.handle as TemplateHandle, request.params?.uri);

/**
 * Checks what `owner` was given, before anything is changed.
 *
 * @throws {TypeError} When `server` is not an `McpServer` of `binding`'s SDK
 * or `options` are wrong.
 */
export function checkGuardArguments(
  owner: GuardOwner,
  server: unknown,
  options: unknown,
  binding: SdkBinding,
): void {
  assertMcpServer(calleeOf(owner), server, binding);
  guardConfig(owner, options);
}

/** The SDK-independent guard behind `guardServer`. One per `McpServer`. */
export class Guard {
  #binding: SdkBinding;
  #scope: GuardScope;
  #registry = new ComponentRegistry();
  #installed = new Set<string>();
  #sdk: SdkRegistration;

  /**
   * Takes over `server`'s handlers and registration methods.
   *
   * @param server An `McpServer` with nothing registered.
   * @param options The options given to `owner`.
   * @param binding The SDK `server` comes from.
   * @param owner Who was called, for messages.
   * @throws {TypeError} When `server` is not an unguarded McpServer with
   * nothing registered, or the options are wrong.
   */
  constructor(
    server: unknown,
    options: unknown,
    binding: SdkBinding,
    owner: GuardOwner,
  ) {
    assertMcpServer(calleeOf(owner), server, binding);
    const { authorizer, decisions } = guardConfig(owner, options);
    this.#binding = binding;
    this.#scope = Object.freeze({
      authorizer,
      binding,
      registry: this.#registry,
      decisions,
    });
    this.#sdk = takeOver(
      server,
      binding,
      (method, handler) => guardedHandler(method, handler, this.#scope),
      {
        tool: (name, config, cb) => this.tool(name, config, cb),
        prompt: (name, config, cb) => this.prompt(name, config, cb),
        resource: (name, uri, config, cb) =>
          this.resource(name, uri, config, cb),
      },
      this.#installed,
    );
  }

  /** Registers a tool with its `tags` and `auth`. */
  tool(name: unknown, config: unknown, handler: unknown): unknown {
    const key = nameOf(name, "Tool");
    return this.#register({
      kind: "tool",
      name: key,
      declaration: declarationOf(config, `Tool "${key}"`),
      argumentsOf: namedArguments,
      register: (sdkConfig) => this.#sdk.tool(name, sdkConfig, handler),
      index: (entry) => this.#registry.addTool(key, entry),
      methods: TOOL_METHODS,
    });
  }

  /** Registers a prompt with its `tags` and `auth`. */
  prompt(name: unknown, config: unknown, handler: unknown): unknown {
    const key = nameOf(name, "Prompt");
    return this.#register({
      kind: "prompt",
      name: key,
      declaration: declarationOf(config, `Prompt "${key}"`),
      argumentsOf: namedArguments,
      register: (sdkConfig) => this.#sdk.prompt(name, sdkConfig, handler),
      index: (entry) => this.#registry.addPrompt(key, entry),
      methods: PROMPT_METHODS,
    });
  }

  /** Registers a resource (a URI) or a template with its `tags` and `auth`. */
  resource(
    name: unknown,
    uriOrTemplate: unknown,
    config: unknown,
    read: unknown,
  ): unknown {
    const key = nameOf(name, "Resource");
    const where = `Resource "${key}"`;
    const declaration = declarationOf(config, where);
    if (typeof uriOrTemplate === "string") {
      const register = (sdkConfig: Record<string, unknown>) =>
        this.#sdk.resource(name, uriOrTemplate, sdkConfig, read);
      return this.#register({
        kind: "resource",
        name: key,
        uri: uriOrTemplate,
        declaration,
        argumentsOf: noArguments,
        register,
        index: (entry) => this.#registry.addResource(uriOrTemplate, entry),
        methods: RESOURCE_METHODS,
      });
    }
    const template = isRecord(uriOrTemplate)
      ? uriOrTemplate.uriTemplate
      : undefined;
    if (!isRecord(template)) {
      throw new TypeError(
        `${where} needs a URI string or a ResourceTemplate, got ${
          show(uriOrTemplate)
        }`,
      );
    }
    return this.#register({
      kind: "resourceTemplate",
      name: key,
      uri: String(template),
      declaration,
      argumentsOf: templateVariables,
      register: (sdkConfig, entry) => {
        const handle = this.#sdk.resource(
          name,
          producing(uriOrTemplate as object, entry),
          sdkConfig,
          read,
        );
        listsAs(handle, entry);
        return handle;
      },
      index: (entry) =>
        this.#registry.addTemplate(key, entry as Entry<TemplateHandle>),
      methods: RESOURCE_METHODS,
    });
  }

  /**
   * Registers with the SDK (the hook added), indexes the component, and
   * undoes the registration if its handlers bypassed the guard.
   */
  #register(registration: Registration): unknown {
    const { declaration, methods } = registration;
    const entry = {
      component: componentOf(
        registration.kind,
        registration.name,
        declaration.declared,
        {
          uri: registration.uri,
          meta: declaration.sdkConfig._meta,
        },
      ),
    } as Entry;
    const handle = registration.register(
      withScopeChallenge(
        declaration.sdkConfig,
        entry,
        registration.argumentsOf,
        this.#scope,
      ),
      entry,
    ) as Handle;
    entry.handle = handle;
    registration.index(entry);
    assertInstalled(
      this.#installed,
      methods,
      () => handle.remove(),
      this.#binding,
    );
    return handle;
  }
}

/**
 * Keeps a template's listed resources attributed to it when the SDK's
 * handle is given a new template (`update({ template })`).
 */
function listsAs(handle: unknown, entry: Entry): void {
  if (!isRecord(handle) || typeof handle.update !== "function") return;
  const sdkUpdate = handle.update as (updates: unknown) => unknown;
  handle.update = (updates: unknown) =>
    sdkUpdate(
      isRecord(updates) && isRecord(updates.template)
        ? { ...updates, template: producing(updates.template, entry) }
        : updates,
    );
}

/** One registration, as `Guard.#register` carries it out. */
interface Registration {
  readonly kind: Component["kind"];
  readonly name: string;
  readonly uri?: string;
  readonly declaration: Declaration;
  readonly argumentsOf: ArgumentsOf;
  readonly register: (
    sdkConfig: Record<string, unknown>,
    entry: Entry,
  ) => unknown;
  readonly index: (entry: Entry) => void;
  readonly methods: readonly string[];
}
