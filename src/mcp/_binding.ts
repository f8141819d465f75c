/**
 * What the guard needs to know about an MCP SDK, and nothing more: which
 * request methods it wraps, how a `setRequestHandler` call names one, where
 * a handler finds `authInfo`, which error class the SDK sends as a JSON-RPC
 * error. `_sdk.ts` (v2) and `_sdk_v1.ts` (1.x) each fill one
 * {@linkcode SdkBinding}; everything else in this folder is SDK-independent.
 * Internal.
 *
 * @module
 */

import type { Denial } from "./_denial.ts";

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

const GUARDED: ReadonlySet<string> = new Set(GUARDED_METHODS);

/** Whether `method` is one of {@linkcode GUARDED_METHODS}. */
export function isGuardedMethod(method: unknown): method is string {
  return typeof method === "string" && GUARDED.has(method);
}

/** A request handler as the SDKs call it: `(request, ctx)`. */
export type Handler = (
  request: { method?: string; params?: Record<string, unknown> },
  ctx: unknown,
) => unknown;

/** The parts of an SDK the guard depends on. */
export interface SdkBinding {
  /** Names the SDK in error messages. */
  readonly name: string;
  /** This binding's entry point, for messages: `@mcp-authz/core/mcp`. */
  readonly entry: string;
  /**
   * When `server` is recognizably an `McpServer` of the other SDK major:
   * that SDK, and the entry point that guards it.
   */
  wrongSdk(
    server: Record<string, unknown>,
  ): readonly [sdk: string, entry: string] | undefined;
  /**
   * The guarded method a `setRequestHandler(first, ...)` call installs, or
   * `undefined` for any other method.
   *
   * @throws {TypeError} When the call installs a guarded method in a form
   * the guard cannot wrap (e.g. with a custom schema).
   */
  methodOf(first: unknown): string | undefined;
  /** How the SDK's handlers are written, for messages: `(request, ctx)`. */
  readonly handlerShape: string;
  /**
   * What else makes a server too late to guard on this SDK, appended to
   * "must run before any tool, resource or prompt is registered" ("" when
   * nothing).
   */
  readonly tooLate: string;
  /**
   * Registration methods of the SDK's `McpServer` that bypass the guard,
   * each with what to call instead: they throw once the server is guarded.
   */
  readonly bypasses: readonly (readonly [method: string, instead: string])[];
  /** The `authInfo` the transport gave a request, from a handler's `ctx`. */
  authInfo(ctx: unknown): unknown;
  /** The JSON-RPC id of the request a handler's `ctx` serves. */
  requestId(ctx: unknown): unknown;
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
