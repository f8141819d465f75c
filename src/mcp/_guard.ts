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
import { guardedHandler, type GuardScope, listGate } from "./_handlers.ts";
import { challengeHook, type ScopeChallengeHook } from "./_hook.ts";
import {
  calleeOf,
  guardConfig,
  type GuardOptions,
  type GuardOwner,
} from "./_options.ts";
import {
  type Preflight,
  type PreflightInput,
  preflightOf,
  type PreflightOptions,
} from "./preflight.ts";
import type { AccessToken } from "../core/context.ts";
import {
  ComponentRegistry,
  type Entry,
  type Handle,
  type MayList,
  producing,
  type TemplateHandle,
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

/**
 * Checks what `owner` was given, before anything is changed. Returns the
 * options as read, for the guard to be built from (not read twice).
 *
 * @throws {TypeError} When `server` is not an `McpServer` of `binding`'s SDK
 * or `options` are wrong.
 */
export function checkGuardArguments(
  owner: GuardOwner,
  server: unknown,
  options: unknown,
  binding: SdkBinding,
): GuardOptions {
  assertMcpServer(calleeOf(owner), server, binding);
  return guardConfig(owner, options).options;
}

/** The SDK-independent guard behind `guardServer`. One per `McpServer`. */
export class Guard {
  #binding: SdkBinding;
  #scope: GuardScope;
  #registry = new ComponentRegistry();
  #installed = new Set<string>();
  #checked = new Set<readonly string[]>();
  /** The v2 pre-dispatch hook every registration carries, if the SDK takes one. */
  #hook: ScopeChallengeHook | undefined;
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
    this.#hook = binding.scopeChallenge
      ? challengeHook(this.#scope)
      : undefined;
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

  /** The HTTP preflight of one request (`preflight.ts`). */
  preflight(
    input: PreflightInput,
    token: AccessToken | undefined,
    options: PreflightOptions | undefined,
  ): Promise<Preflight> {
    return preflightOf(this.#scope, input, token, options);
  }

  /** Registers a tool with its `tags` and `auth`. */
  tool(name: unknown, config: unknown, handler: unknown): unknown {
    const key = nameOf(name, "Tool");
    const declaration = declarationOf(config, "Tool", key);
    const entry = this.#entry("tool", key, declaration, undefined);
    const handle = this.#sdk.tool(
      name,
      this.#sdkConfig(declaration),
      handler,
    ) as Handle;
    entry.handle = handle;
    this.#registry.addTool(key, entry);
    return this.#verified(handle, TOOL_METHODS);
  }

  /** Registers a prompt with its `tags` and `auth`. */
  prompt(name: unknown, config: unknown, handler: unknown): unknown {
    const key = nameOf(name, "Prompt");
    const declaration = declarationOf(config, "Prompt", key);
    const entry = this.#entry("prompt", key, declaration, undefined);
    const handle = this.#sdk.prompt(
      name,
      this.#sdkConfig(declaration),
      handler,
    ) as Handle;
    entry.handle = handle;
    this.#registry.addPrompt(key, entry);
    return this.#verified(handle, PROMPT_METHODS);
  }

  /** Registers a resource (a URI) or a template with its `tags` and `auth`. */
  resource(
    name: unknown,
    uriOrTemplate: unknown,
    config: unknown,
    read: unknown,
  ): unknown {
    const key = nameOf(name, "Resource");
    const declaration = declarationOf(config, "Resource", key);
    if (typeof uriOrTemplate === "string") {
      const entry = this.#entry("resource", key, declaration, uriOrTemplate);
      const handle = this.#sdk.resource(
        name,
        uriOrTemplate,
        this.#sdkConfig(declaration),
        read,
      ) as Handle;
      entry.handle = handle;
      this.#registry.addResource(uriOrTemplate, entry);
      return this.#verified(handle, RESOURCE_METHODS);
    }
    const template = isRecord(uriOrTemplate)
      ? uriOrTemplate.uriTemplate
      : undefined;
    if (!isRecord(template)) {
      throw new TypeError(
        `Resource "${key}" needs a URI string or a ResourceTemplate, got ${
          show(uriOrTemplate)
        }`,
      );
    }
    const entry = this.#entry(
      "resourceTemplate",
      key,
      declaration,
      String(template),
    );
    // Its listed resources are marked as produced by this entry, so that a
    // list judges them by this template's checks (not by URI matching).
    const mayList = listGate(this.#scope, entry);
    const handle = this.#sdk.resource(
      name,
      producing(uriOrTemplate as object, entry, mayList),
      this.#sdkConfig(declaration),
      read,
    ) as TemplateHandle;
    listsAs(handle, entry, mayList);
    entry.handle = handle;
    this.#registry.addTemplate(key, entry as Entry<TemplateHandle>);
    return this.#verified(handle, RESOURCE_METHODS);
  }

  /** The index entry of a registration; its handle is set once the SDK has one. */
  #entry(
    kind: Component["kind"],
    name: string,
    declaration: Declaration,
    uri: string | undefined,
  ): Entry {
    // Both fields from the start: one shape, no property added later.
    return {
      component: componentOf(
        kind,
        name,
        declaration,
        uri,
        declaration.sdkConfig._meta,
      ),
      handle: undefined,
    } as unknown as Entry;
  }

  /**
   * The configuration the SDK registers with: the guard's own copy, with
   * the v2 hook set on it (no further copy: this runs per registration).
   */
  #sdkConfig(declaration: Declaration): Record<string, unknown> {
    const sdkConfig = declaration.sdkConfig;
    if (this.#hook !== undefined) sdkConfig.scopeChallenge = this.#hook;
    return sdkConfig;
  }

  /**
   * Undoes the registration if its handlers bypassed the guard. Checked
   * once per group of methods: the guard only ever adds to `#installed`,
   * so once a group went through it, later registrations cannot change that.
   */
  #verified(handle: Handle, methods: readonly string[]): Handle {
    if (!this.#checked.has(methods)) {
      verify(this.#installed, methods, handle, this.#binding);
      this.#checked.add(methods);
    }
    return handle;
  }
}

/** `assertInstalled` for `handle`: a function of its own, so that the
 * closure's context is made only when it runs, not per registration. */
function verify(
  installed: ReadonlySet<string>,
  methods: readonly string[],
  handle: Handle,
  binding: SdkBinding,
): void {
  assertInstalled(installed, methods, () => handle.remove(), binding);
}

/**
 * Keeps a template's listed resources attributed to it when the SDK's
 * handle is given a new template (`update({ template })`), and shows checks
 * its new URI template as `component.uri`: a layer on URIs must judge the
 * template by the URIs it now serves, not by those it used to.
 */
function listsAs(handle: unknown, entry: Entry, mayList: MayList): void {
  if (!isRecord(handle) || typeof handle.update !== "function") return;
  const sdkUpdate = handle.update as (updates: unknown) => unknown;
  handle.update = (updates: unknown) => {
    const template = isRecord(updates) && isRecord(updates.template)
      ? updates.template
      : undefined;
    if (template === undefined) return sdkUpdate(updates);
    const result = sdkUpdate({
      ...(updates as Record<string, unknown>),
      template: producing(template, entry, mayList),
    });
    const uriTemplate = template.uriTemplate;
    if (isRecord(uriTemplate)) {
      entry.component = Object.freeze({
        ...entry.component,
        uri: String(uriTemplate),
      });
    }
    return result;
  };
}
