/**
 * What a server author declares about a component at registration: the
 * `tags` and `auth` next to the SDK's own configuration. They are read and
 * checked here, then taken off, so the SDK never lists tags or serializes
 * checks; the rest goes to the SDK untouched (its keys are the SDK's to
 * judge, not ours). Internal.
 *
 * @module
 */

import { isRecord, show } from "../_internal/options.ts";
import type { AuthCheck, Component } from "../core/context.ts";

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
 * A registration's configuration, split into ours (`tags` and `auth`,
 * checked) and the SDK's. One object: this is made per registration.
 */
export interface Declaration extends ComponentAuth {
  /** Everything else, for the SDK: the guard's own copy. */
  readonly sdkConfig: Record<string, unknown>;
}

/**
 * Keys that are almost `tags` or `auth`, or that name what only `auth`
 * does (`scopes: ["admin"]`, `roles`, `checks` ...): the SDKs ignore an
 * unknown key (or, for a resource, send it to clients), so `tag: ["admin"]`
 * would leave an admin tool untagged, and `scopes: ["admin"]` would leave it
 * unchecked, hence open. Lower-cased; only these few, none a key of the
 * SDKs' configurations, so a key the SDK adds one day is never refused by
 * accident.
 */
const NEAR_MISSES: ReadonlyMap<string, keyof ComponentAuth> = new Map([
  ["tag", "tags"],
  ["tags", "tags"],
  ["auth", "auth"],
  ["auths", "auth"],
  ["scope", "auth"],
  ["scopes", "auth"],
  ["requiredscopes", "auth"],
  ["requirescopes", "auth"],
  ["roles", "auth"],
  ["check", "auth"],
  ["checks", "auth"],
  ["authorize", "auth"],
  ["authorization", "auth"],
  ["permissions", "auth"],
]);

/** The lengths of the near misses: other keys are never lower-cased. */
const SHORTEST_MISS = 3;
const LONGEST_MISS = 14;

/**
 * A component's name, checked.
 *
 * @throws {TypeError} When it is not a non-empty string.
 */
export function nameOf(name: unknown, kind: string): string {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `${kind} name must be a non-empty string, got ${show(name)}`,
    );
  }
  return name;
}

/**
 * Splits a registration's configuration into the `tags` and `auth` it
 * declares and what goes to the SDK.
 *
 * @param config The configuration given at registration.
 * @param kind What is registered, for messages (`Tool`).
 * @param name Its name, for messages: `Tool "wipe"` (only built for one).
 * @throws {TypeError} When `config` is not an object, `tags` or `auth` are
 * malformed or misspelt, or `config` sets the `scopeChallenge` the guard owns.
 */
export function declarationOf(
  config: unknown,
  kind: string,
  name: string,
): Declaration {
  // Runs for every registration of a per-request server: nothing is built
  // for messages unless one is thrown.
  if (!isRecord(config)) {
    const where = `${kind} "${name}"`;
    throw new TypeError(
      `${where} config must be an object, got ${show(config)}`,
    );
  }
  const { tags, auth, ...sdkConfig } = config;
  if (sdkConfig.scopeChallenge !== undefined) {
    const where = `${kind} "${name}"`;
    throw new TypeError(
      `${where} config has a scopeChallenge: the guard sets it from the Authorizer, so declare auth checks or tags instead`,
    );
  }
  // One pass over the SDK's keys, lower-casing only those as short as a
  // near miss (this runs for every registration of a per-request server).
  for (const key in sdkConfig) {
    if (key.length < SHORTEST_MISS || key.length > LONGEST_MISS) continue;
    const meant = NEAR_MISSES.get(key.toLowerCase());
    if (meant !== undefined) {
      const where = `${kind} "${name}"`;
      throw new TypeError(
        `${where} config has ${
          JSON.stringify(key)
        }, which the guard does not read: write ${JSON.stringify(meant)}`,
      );
    }
  }
  if (tags !== undefined) checkTags(tags, kind, name);
  if (Array.isArray(auth)) {
    for (const check of auth) checkCheck(check, kind, name);
  } else if (auth !== undefined) checkCheck(auth, kind, name);
  return {
    tags: tags as ComponentAuth["tags"],
    auth: auth as ComponentAuth["auth"],
    sdkConfig,
  };
}

/** The tags in their order, each once. */
function distinct(tags: readonly string[] | ReadonlySet<string>): string[] {
  if (!Array.isArray(tags)) return [...tags];
  const list = tags as readonly string[];
  for (let i = 1; i < list.length; i++) {
    // A repeat: keep the first of each (rare: tags are few).
    if (list.indexOf(list[i]!) < i) {
      return list.filter((tag, j) => list.indexOf(tag) === j);
    }
  }
  return list.slice();
}

function checkTags(tags: unknown, kind: string, name: string): void {
  if (!Array.isArray(tags) && !(tags instanceof Set)) {
    throw new TypeError(
      `${kind} "${name}" tags must be an array or Set of strings, got ${
        show(tags)
      }`,
    );
  }
  for (const tag of tags) {
    if (typeof tag !== "string") {
      throw new TypeError(
        `${kind} "${name}" tags must be an array or Set of strings, got ${
          show(tag)
        } in it`,
      );
    }
  }
}

function checkCheck(check: unknown, kind: string, name: string): void {
  if (typeof check !== "function") {
    throw new TypeError(
      `${kind} "${name}" auth must be a check (ctx) => boolean or a list of them, got ${
        show(check)
      }`,
    );
  }
}

/**
 * The frozen component checks and layers see, from what was declared. Its
 * tags are a frozen array (a frozen `Set` could still be added to, and
 * costs ten times the memory on a server built per request).
 *
 * @param kind What was registered.
 * @param name Its name.
 * @param declared Its `tags` and `auth`.
 * @param uri Its URI or URI template (resources, templates).
 * @param meta Its `_meta`.
 */
export function componentOf(
  kind: Component["kind"],
  name: string,
  declared: ComponentAuth,
  uri: string | undefined,
  meta: unknown,
): Component {
  const component: Component = { kind, name };
  if (declared.tags !== undefined) {
    component.tags = Object.freeze(distinct(declared.tags));
  }
  if (declared.auth !== undefined) {
    component.auth = Array.isArray(declared.auth)
      ? Object.freeze([...declared.auth])
      : declared.auth;
  }
  if (uri !== undefined) component.uri = uri;
  if (isRecord(meta)) component.meta = meta;
  return Object.freeze(component);
}
