/**
 * The options of `guardServer` and `new GuardedServer`, checked once at
 * construction. A mistake here must never leave a server unguarded: an
 * `Authorizer` passed where `{ authorizer }` belongs, a misspelt key, or a
 * plain `{ layers }` object in place of an `Authorizer` would each load no
 * layers (admin tools visible), so each throws a `TypeError` that says what
 * to write. Internal.
 *
 * @module
 */

import { isRecord, label, optionsObject, show } from "../_internal/options.ts";
import { Authorizer } from "../core/authorizer.ts";
import type { DecisionOptions } from "../core/decision.ts";
import {
  compileDecisions,
  DECISION_OPTION_NAMES,
  type DecisionSink,
} from "../core/_decision_sink.ts";
import { decisionsOf } from "../core/_decision_watch.ts";

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
export interface GuardOptions extends DecisionOptions {
  /** Server-wide layers and scope hierarchy. Default: no layers. */
  authorizer?: Authorizer | undefined;
}

/** {@linkcode GuardOptions}, compiled once. */
export interface GuardConfig {
  /** The authorizer every guarded handler asks. */
  readonly authorizer: Authorizer;
  /** Where the guard's decision events go: its own, else the authorizer's. */
  readonly decisions?: DecisionSink | undefined;
  /** The options as read, once (what `guardServer` hands `GuardedServer`). */
  readonly options: GuardOptions;
}

/** Who takes the options: the function or the constructor. */
export type GuardOwner = "guardServer" | "GuardedServer";

const KEYS: readonly (keyof GuardOptions)[] = Object.freeze([
  "authorizer",
  ...DECISION_OPTION_NAMES,
]);

/** How `owner` is called, for messages that say what to write. */
export function calleeOf(owner: GuardOwner): string {
  return owner === "guardServer" ? "guardServer()" : "new GuardedServer()";
}

function callWith(owner: GuardOwner, options: string): string {
  return owner === "guardServer"
    ? `guardServer(server, ${options})`
    : `new GuardedServer(server, ${options})`;
}

/** Looks like an `Authorizer`, possibly from another copy of the library. */
function isAuthorizerLike(value: object): boolean {
  const { authorize, filter } = value as Record<string, unknown>;
  return typeof authorize === "function" && typeof filter === "function";
}

/** Whether `options` is an Authorizer itself; a hostile Proxy is left to the kit. */
function passedAuthorizer(options: unknown): boolean {
  try {
    return options instanceof Authorizer ||
      (isRecord(options) && isAuthorizerLike(options));
  } catch {
    return false;
  }
}

/**
 * Checks and compiles the options of `owner`.
 *
 * @param owner Who was called, for messages.
 * @param options What was passed as options.
 * @returns The config, frozen.
 * @throws {TypeError} When `options` is an `Authorizer` (write `{ authorizer
 * }`), not a plain object, has an unknown key, or its `authorizer` is not an
 * `Authorizer`.
 */
export function guardConfig(owner: GuardOwner, options: unknown): GuardConfig {
  if (options === undefined) return withDecisions(owner, new Authorizer(), {});
  // Its fields are #private, so an Authorizer has no own keys: read as
  // options it would be `{}`, no layers at all.
  if (passedAuthorizer(options)) {
    throw new TypeError(
      `${owner} takes the Authorizer as an option: write ${
        callWith(owner, "{ authorizer }")
      }`,
    );
  }
  const hint = `options { authorizer }, as in ${
    callWith(owner, "{ authorizer: new Authorizer({ layers }) }")
  }`;
  const checked = optionsObject<GuardOptions>(
    owner,
    options as GuardOptions,
    KEYS,
    hint,
  );
  const { authorizer } = checked;
  if (authorizer === undefined) {
    return withDecisions(owner, new Authorizer(), checked);
  }
  if (!(authorizer instanceof Authorizer)) {
    throw new TypeError(
      `${label(owner, "authorizer")} must be an Authorizer: write ${
        callWith(owner, "{ authorizer: new Authorizer({ layers }) }")
      }, got ${show(authorizer)}`,
    );
  }
  return withDecisions(owner, authorizer, checked);
}

/** The config: the authorizer, and the guard's decision sink or the authorizer's. */
function withDecisions(
  owner: GuardOwner,
  authorizer: Authorizer,
  options: GuardOptions,
): GuardConfig {
  const decisions = compileDecisions(owner, options) ??
    authorizer[decisionsOf];
  return Object.freeze({ authorizer, decisions, options });
}
