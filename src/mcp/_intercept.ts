/**
 * What both SDK bindings do to the low-level `server` of an `McpServer`
 * before they intercept its handlers: refuse a server whose guarded methods
 * already have handlers, then replace its public `setRequestHandler`. How
 * a call is matched to a guarded method differs per SDK and stays in
 * `_sdk.ts` and `_sdk_v1.ts`.
 *
 * @module
 */

import { GUARDED_METHODS } from "./_guard.ts";

/** The guarded methods, for a quick lookup per `setRequestHandler` call. */
export const GUARDED: ReadonlySet<string> = new Set(GUARDED_METHODS);

/**
 * Replaces the `setRequestHandler` of `server.server` with what `intercept`
 * makes of the original, once no guarded method has a handler yet.
 *
 * @param server The `McpServer`.
 * @param tooLate Added to the error message after "before any tool,
 * resource or prompt is registered": what else makes a server too late to
 * guard on this SDK ("" when nothing).
 * @param intercept Makes the replacement from the original method.
 * @throws {TypeError} When a guarded method already has a handler.
 */
export function replaceSetRequestHandler<F>(
  server: unknown,
  tooLate: string,
  intercept: (original: F) => F,
): void {
  const inner = (server as {
    server: {
      assertCanSetRequestHandler(method: string): void;
      setRequestHandler: unknown;
    };
  }).server;
  for (const method of GUARDED_METHODS) {
    try {
      inner.assertCanSetRequestHandler(method);
    } catch {
      throw new TypeError(
        `guardServer() must run before any tool, resource or prompt is registered${tooLate}: "${method}" already has a handler`,
      );
    }
  }
  Object.defineProperty(inner, "setRequestHandler", {
    value: intercept(inner.setRequestHandler as F),
    configurable: true,
    writable: false,
  });
}
