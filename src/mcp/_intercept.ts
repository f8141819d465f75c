/**
 * The one place that relies on how an `McpServer` installs its request
 * handlers, on both SDK majors: through the public `setRequestHandler` of
 * its low-level `server`, lazily, on the first registration of a tool,
 * resource or prompt. Replacing that method lets the guard sit in front of
 * the SDK's own list, call, read and get handlers without touching any
 * private field. How a call names its method differs per SDK
 * ({@linkcode SdkBinding.methodOf}, in `_sdk.ts` and `_sdk_v1.ts`).
 * `tests/mcp/sdk_test.ts` and `tests/mcp/guard_v1_test.ts` fail loudly if a
 * release stops installing handlers this way. Internal.
 *
 * @module
 */

import { GUARDED_METHODS, type Handler, type SdkBinding } from "./_binding.ts";

type SetRequestHandler = (
  this: unknown,
  first: unknown,
  handler: unknown,
  ...more: unknown[]
) => unknown;

interface LowLevelServer {
  assertCanSetRequestHandler(method: string): void;
  setRequestHandler: SetRequestHandler;
}

/**
 * Routes every handler that `server` installs for a guarded method through
 * `wrap`, and records which methods were wrapped in `seen`.
 *
 * @param binding The SDK `server` comes from.
 * @param server The `McpServer`.
 * @param wrap Makes the guarded handler from the SDK's own.
 * @param seen Receives each method wrapped, so a registration can check that
 * its handlers went through `wrap`.
 * @throws {TypeError} When a guarded method already has a handler (the
 * server registered components before it was guarded).
 */
export function interceptRequestHandlers(
  binding: SdkBinding,
  server: unknown,
  wrap: (method: string, handler: Handler) => Handler,
  seen: Set<string>,
): void {
  const inner = (server as { server: LowLevelServer }).server;
  for (const method of GUARDED_METHODS) {
    try {
      inner.assertCanSetRequestHandler(method);
    } catch {
      throw new TypeError(
        `guardServer() must run before any tool, resource or prompt is registered${binding.tooLate}: "${method}" already has a handler`,
      );
    }
  }
  const original = inner.setRequestHandler;
  const setRequestHandler: SetRequestHandler = function (
    first,
    handler,
    ...more
  ) {
    const method = binding.methodOf(first);
    if (method === undefined) {
      return original.call(this, first, handler, ...more);
    }
    if (typeof handler !== "function" || more.some((v) => v !== undefined)) {
      throw new TypeError(
        `A guarded server takes "${method}" handlers as ${binding.handlerShape} functions only`,
      );
    }
    seen.add(method);
    return original.call(this, first, wrap(method, handler as Handler));
  };
  Object.defineProperty(inner, "setRequestHandler", {
    value: setRequestHandler,
    configurable: true,
    writable: false,
  });
}
