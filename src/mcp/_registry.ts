/**
 * The guard's index of what was registered through it: each component the
 * Authorizer judges, with the SDK's handle for it, keyed as the SDK keys it
 * (tools, prompts and templates by name, resources by URI), and kept in step
 * when the SDK renames or removes one. Only what is in this index is ever
 * listed or authorized; anything else is answered as not found. Internal.
 *
 * @module
 */

import { isRecord } from "../_internal/options.ts";
import type { Component } from "../core/context.ts";

/** What the SDK hands back from a registration, as far as the guard cares. */
export interface Handle {
  /** Whether the component is enabled: a disabled one is answered as missing. */
  enabled: boolean;
  /** The SDK's update, which renames (`name`, `uri`) and removes (`null`). */
  update(updates: Record<string, unknown>): void;
  /** Removes the component. */
  remove(): void;
}

/** The SDK's handle for a resource template. */
export interface TemplateHandle extends Handle {
  /** The template, whose URI template matches URIs. */
  resourceTemplate: { uriTemplate: { match(uri: string): unknown } };
}

/**
 * A registered component and the SDK's handle for it. `component` is
 * replaced (never mutated) on a rename.
 */
export interface Entry<H extends Handle = Handle> {
  /** What checks and layers see. */
  component: Component;
  /** The SDK's handle. */
  handle: H;
}

/** Where a `resources/read` URI leads, and the template variables it binds. */
export interface Resolved {
  /** The resource or template, or `undefined` when the URI names neither. */
  readonly entry: Entry | undefined;
  /** A template's URI variables, for checks as `ctx.arguments`. */
  readonly args: Record<string, unknown> | undefined;
}

/**
 * On a listed resource: the template entry whose list callback yielded it.
 * Module-private, so no callback or metadata can forge it.
 */
const PRODUCER: unique symbol = Symbol("mcp-authz.producer");

/**
 * Whether the caller of a list callback (the SDK hands it the request's
 * `ctx`, or `extra` on 1.x) may list the template's resources.
 */
export type MayList = (ctx: unknown) => Promise<boolean>;

/**
 * `template` as the SDK is given it: an object inheriting everything from
 * it (its URI template, completions, read routing), whose list callback
 * marks each resource it yields as produced by `entry`. The SDKs copy a
 * listed resource's own properties into the item they list, the mark
 * included, so that {@linkcode ComponentRegistry.listed} judges the item
 * by the checks of the template that produced it.
 *
 * The SDKs call every template's list callback on each `resources/list`,
 * whoever asks; the callback of a template the caller may not use
 * (`mayList`) is never called, and lists nothing: its resources would only
 * be filtered out, while the callback's work (a query over hidden records)
 * would run for anyone, and its error would fail the whole list with its
 * message, telling that a hidden template exists.
 */
export function producing(
  template: object,
  entry: Entry,
  mayList: MayList,
): object {
  return Object.create(template, {
    listCallback: {
      get(): unknown {
        const list: unknown = (template as { listCallback?: unknown })
          .listCallback;
        if (typeof list !== "function") return list;
        return async function (this: unknown, ...args: unknown[]) {
          if (!(await mayList(args[0]))) return { resources: [] };
          return marked(await list.apply(this, args), entry);
        };
      },
    },
  });
}

/** A list callback's result, each resource marked as produced by `entry`. */
function marked(result: unknown, entry: Entry): unknown {
  if (!isRecord(result) || !Array.isArray(result.resources)) return result;
  return {
    ...result,
    resources: result.resources.map((resource: unknown) =>
      isRecord(resource) ? { ...resource, [PRODUCER]: entry } : resource
    ),
  };
}

const UNRESOLVED: Resolved = Object.freeze({
  entry: undefined,
  args: undefined,
});

/**
 * A template's URI variables for `uri`, or `undefined` when it does not
 * match (or matching throws).
 */
export function variablesOf(
  handle: TemplateHandle | undefined,
  uri: unknown,
): Record<string, unknown> | undefined {
  if (handle === undefined || typeof uri !== "string") return undefined;
  try {
    const variables = handle.resourceTemplate.uriTemplate.match(uri);
    return isRecord(variables) ? variables : undefined;
  } catch {
    return undefined;
  }
}

/** The index of one guard: one per `McpServer`. */
export class ComponentRegistry {
  // Made on first use: a server built per request that registers only
  // tools pays for one map, not four.
  #tools: Map<string, Entry> | undefined;
  #prompts: Map<string, Entry> | undefined;
  #resources: Map<string, Entry> | undefined;
  #templates: Map<string, Entry<TemplateHandle>> | undefined;
  // The templates in the SDKs' order, made on the first read after a
  // change (registration, rename, removal): not rebuilt on every read.
  #templateOrder: Entry<TemplateHandle>[] | undefined;

  /** Indexes a tool under its name. */
  addTool(name: string, entry: Entry): void {
    track(this.#tools ??= new Map(), name, entry, "name");
  }

  /** Indexes a prompt under its name. */
  addPrompt(name: string, entry: Entry): void {
    track(this.#prompts ??= new Map(), name, entry, "name");
  }

  /** Indexes a resource under its URI. */
  addResource(uri: string, entry: Entry): void {
    track(this.#resources ??= new Map(), uri, entry, "uri");
  }

  /** Indexes a resource template under its name. */
  addTemplate(name: string, entry: Entry<TemplateHandle>): void {
    this.#templateOrder = undefined;
    track(this.#templates ??= new Map(), name, entry, "name", () => {
      this.#templateOrder = undefined;
    });
  }

  /** The templates in the order the SDKs try them ({@linkcode inSdkOrder}). */
  #orderedTemplates(): Entry<TemplateHandle>[] {
    return this.#templateOrder ??= inSdkOrder(this.#templates);
  }

  /** The tool named `name`, if any. */
  tool(name: unknown): Entry | undefined {
    return typeof name === "string" ? this.#tools?.get(name) : undefined;
  }

  /** The prompt named `name`, if any. */
  prompt(name: unknown): Entry | undefined {
    return typeof name === "string" ? this.#prompts?.get(name) : undefined;
  }

  /** The resource template named `name`, if any. */
  template(name: unknown): Entry | undefined {
    return typeof name === "string" ? this.#templates?.get(name) : undefined;
  }

  /**
   * What produced an item of the SDK's `resources/list`: the template whose
   * list callback yielded it, else the resource registered under its URI.
   * Never a template its URI merely matches: a catch-all template listing
   * nothing must not lend its checks to another template's resources.
   */
  listed(item: Record<string, unknown>): Entry | undefined {
    const producer = (item as { [PRODUCER]?: Entry })[PRODUCER];
    if (producer !== undefined) return producer;
    return typeof item.uri === "string"
      ? this.#resources?.get(item.uri)
      : undefined;
  }

  /**
   * The resource a `resources/read` URI names, in the SDKs' order: the
   * resource registered under its normalized form, else the first template
   * that matches it, in the order the SDKs try them
   * ({@linkcode inSdkOrder}).
   */
  resolve(uri: unknown): Resolved {
    if (typeof uri !== "string") return UNRESOLVED;
    let href: string;
    try {
      href = new URL(uri).toString();
    } catch {
      return UNRESOLVED;
    }
    const direct = this.#resources?.get(href);
    if (direct !== undefined) return { entry: direct, args: undefined };
    for (const entry of this.#orderedTemplates()) {
      const args = variablesOf(entry.handle, href);
      if (args !== undefined) return { entry, args };
    }
    return UNRESOLVED;
  }

  /**
   * What a `ref/resource` completion names: the template whose URI template
   * is `uri` to the letter, else the resource registered under `uri`.
   */
  completionTarget(uri: unknown): Entry | undefined {
    if (typeof uri !== "string") return undefined;
    for (const entry of this.#orderedTemplates()) {
      if (String(entry.handle.resourceTemplate.uriTemplate) === uri) {
        return entry;
      }
    }
    return this.#resources?.get(uri);
  }
}

/**
 * The entries of `map` in the order the SDKs try their templates: they keep
 * them in a plain object and take the first that matches, and an object
 * lists its array-index keys first, in ascending order, then the others in
 * insertion order (ECMA-262 §10.1.11.1 OrdinaryOwnPropertyKeys). Trying
 * them in the Map's insertion order instead would let a template named
 * `"0"`, registered last and hidden, be served for a URI the guard decided
 * by an earlier, allowed template. Built as the SDKs build theirs, a plain
 * object, so that `__proto__` is what the runtime makes of it there too
 * (Node and Bun set a prototype, Deno an own key).
 */
export function inSdkOrder<E extends object>(
  map: ReadonlyMap<string, E> | undefined,
): E[] {
  if (map === undefined) return [];
  const object: Record<string, E> = {};
  for (const [key, entry] of map) object[key] = entry;
  return Object.values(object);
}

/**
 * Indexes `entry` under `key`, and keeps the index in step with the SDK's
 * when its handle is renamed (`update({ name })`, `update({ uri })`: a
 * resource's new name reaches its component too) or removed
 * (`update({ name: null })`, which the SDKs' `remove()` calls).
 */
function track<H extends Handle>(
  map: Map<string, Entry<H>>,
  key: string,
  entry: Entry<H>,
  keyField: "name" | "uri",
  changed?: () => void,
): void {
  map.set(key, entry);
  const handle = entry.handle;
  const sdkUpdate = handle.update;
  let current = key;
  handle.update = (updates) => {
    sdkUpdate(updates);
    // A resource is keyed by URI, yet renamed too: checks see its new name.
    const name = keyField === "uri" ? updates?.name : undefined;
    if (typeof name === "string" && name !== entry.component.name) {
      entry.component = Object.freeze({ ...entry.component, name });
    }
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
    changed?.();
  };
}
