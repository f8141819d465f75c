/**
 * The one place that relies on how `McpServer` (from
 * `@modelcontextprotocol/server` v2) installs its request handlers: through
 * the public `setRequestHandler` of its low-level `server`, lazily, on the
 * first registration of a tool, resource or prompt. Intercepting that call
 * lets the guard sit in front of the SDK's own list, call, read and get
 * handlers without touching any private field. `tests/mcp/sdk_test.ts`
 * fails loudly if a new SDK release stops installing handlers this way.
 *
 * @module
 */

import { ProtocolError } from "@modelcontextprotocol/server";
import type { Handler, SdkBinding } from "./_guard.ts";
import { GUARDED, replaceSetRequestHandler } from "./_intercept.ts";
import type { Denial } from "./_denial.ts";

type SetRequestHandler = (method: string, ...rest: unknown[]) => void;

/**
 * Routes every handler that `server` installs for a guarded method through
 * `wrap`, and records which methods were wrapped in `seen`.
 *
 * @throws {TypeError} When a guarded method already has a handler (the
 * server registered components, or declared their capabilities, before it
 * was guarded), or when a guarded method is installed with custom schemas.
 */
export function interceptRequestHandlers(
  server: unknown,
  wrap: (method: string, handler: Handler) => Handler,
  seen: Set<string>,
): void {
  replaceSetRequestHandler<SetRequestHandler>(
    server,
    ", and the McpServer must not declare tools, resources or prompts capabilities in its constructor",
    (original) =>
      function (this: unknown, method, ...rest) {
        if (!GUARDED.has(method)) return original.call(this, method, ...rest);
        const [handler, extra] = rest;
        if (typeof handler !== "function" || extra !== undefined) {
          throw new TypeError(
            `A guarded server takes "${method}" handlers as (request, ctx) functions only`,
          );
        }
        seen.add(method);
        return original.call(this, method, wrap(method, handler as Handler));
      },
  );
}

/** `@modelcontextprotocol/server` v2, as the guard sees it. */
export const SDK_V2: SdkBinding = Object.freeze({
  name: "@modelcontextprotocol/server",
  intercept: interceptRequestHandlers,
  authInfo(ctx: unknown): unknown {
    return (ctx as { http?: { authInfo?: unknown } } | undefined)?.http
      ?.authInfo;
  },
  error(denial: Denial): Error {
    return new ProtocolError(denial.code, denial.message, denial.data);
  },
  scopeChallenge: true,
  cacheScope: true,
});
