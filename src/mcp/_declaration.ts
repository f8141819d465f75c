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

/** A registration's configuration, split into ours and the SDK's. */
export interface Declaration {
  /** The `tags` and `auth`, checked. */
  readonly declared: ComponentAuth;
  /** Everything else, for the SDK. */
  readonly sdkConfig: Record<string, unknown>;
}

/**
 * Keys that are almost `tags` or `auth`: the SDKs ignore an unknown key (or,
 * for a resource, send it to clients), so `tag: ["admin"]` would leave an
 * admin tool untagged, hence visible. Lower-cased; only these few, so a key
 * the SDK adds one day is never refused by accident.
 */
const NEAR_MISSES: ReadonlyMap<string, keyof ComponentAuth> = new Map([
  ["tag", "tags"],
  ["tags", "tags"],
  ["auth", "auth"],
  ["auths", "auth"],
]);

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
 * @param where Names the registration in messages (`Tool "wipe"`).
 * @throws {TypeError} When `config` is not an object, `tags` or `auth` are
 * malformed or misspelt, or `config` sets the `scopeChallenge` the guard owns.
 */
export function declarationOf(config: unknown, where: string): Declaration {
  if (!isRecord(config)) {
    throw new TypeError(
      `${where} config must be an object, got ${show(config)}`,
    );
  }
  const { tags, auth, ...sdkConfig } = config;
  if (sdkConfig.scopeChallenge !== undefined) {
    throw new TypeError(
      `${where} config has a scopeChallenge: the guard sets it from the Authorizer, so declare auth checks or tags instead`,
    );
  }
  for (const key of Object.keys(sdkConfig)) {
    const meant = NEAR_MISSES.get(key.toLowerCase());
    if (meant !== undefined) {
      throw new TypeError(
        `${where} config has ${
          JSON.stringify(key)
        }, which the guard does not read: write ${JSON.stringify(meant)}`,
      );
    }
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
    sdkConfig,
  };
}

/**
 * The frozen component checks and layers see, from what was declared.
 *
 * @param kind What was registered.
 * @param name Its name.
 * @param declared Its `tags` and `auth`.
 * @param extra Its URI (resources, templates) and `_meta`.
 */
export function componentOf(
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
  if (isRecord(extra.meta)) component.meta = extra.meta;
  return Object.freeze(component);
}
