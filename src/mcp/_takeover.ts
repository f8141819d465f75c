/**
 * Taking an `McpServer` over: checking that it is one, that nothing is
 * registered and that no guard holds it yet; routing its handlers through
 * the guard ({@linkcode interceptRequestHandlers}); pointing its own
 * `registerTool`, `registerPrompt` and `registerResource` at the guard; and
 * refusing a registration whose handlers did not go through it. Internal.
 *
 * @module
 */

import { isRecord, show } from "../_internal/options.ts";
import type { Handler, SdkBinding } from "./_binding.ts";
import { interceptRequestHandlers } from "./_intercept.ts";

/** An SDK registration method: `registerTool`, `registerPrompt` ... */
export type Register = (...args: unknown[]) => unknown;

/** The registration methods of an `McpServer`, as the SDK made them. */
export interface SdkRegistration {
  /** The SDK's `registerTool`, bound to the server. */
  readonly tool: Register;
  /** The SDK's `registerPrompt`, bound to the server. */
  readonly prompt: Register;
  /** The SDK's `registerResource`, bound to the server. */
  readonly resource: Register;
}

/** What an `McpServer` looks like, as far as the guard cares. */
interface McpServerShape {
  registerTool: Register;
  registerPrompt: Register;
  registerResource: Register;
  server: object;
}

/**
 * Marks a server as guarded, on the server itself: a second guard (from this
 * copy of the library or another) would wrap the handlers twice.
 */
const GUARDED_BY: unique symbol = Symbol.for("@mcp-authz/core.guarded");

/**
 * Checks that `server` is an `McpServer` of `binding`'s SDK.
 *
 * @param callee Who was called, for the message (`guardServer()`).
 * @throws {TypeError} When it is not, naming the entry point to import
 * when it is one of the other SDK major.
 */
export function assertMcpServer(
  callee: string,
  server: unknown,
  binding: SdkBinding,
): asserts server is McpServerShape {
  if (
    !isRecord(server) || typeof server.registerTool !== "function" ||
    typeof server.registerPrompt !== "function" ||
    typeof server.registerResource !== "function" || !isRecord(server.server)
  ) {
    throw new TypeError(
      `${callee} needs an McpServer from "${binding.name}", got ${
        show(server)
      }`,
    );
  }
  const other = binding.wrongSdk(server);
  if (other !== undefined) {
    throw new TypeError(
      `${callee} from "${binding.entry}" guards an McpServer of "${binding.name}", but this one is from ${
        other[0]
      }: use the one from "${other[1]}" instead`,
    );
  }
}

/**
 * Takes `server` over: its guarded handlers go through `wrap`, its own
 * registration methods call `guard`'s, and the ones that would bypass the
 * guard throw.
 *
 * @param server An `McpServer` (see {@linkcode assertMcpServer}).
 * @param binding Its SDK.
 * @param wrap Makes the guarded handler from the SDK's own.
 * @param guard The registration methods that replace the server's.
 * @param installed Receives each guarded method whose handler went through
 * `wrap`.
 * @returns The server's original registration methods, bound to it.
 * @throws {TypeError} When the server is already guarded or has registered
 * something.
 */
export function takeOver(
  server: McpServerShape,
  binding: SdkBinding,
  wrap: (method: string, handler: Handler) => Handler,
  guard: SdkRegistration,
  installed: Set<string>,
): SdkRegistration {
  if (Object.hasOwn(server, GUARDED_BY)) {
    throw new TypeError("This McpServer is already guarded");
  }
  interceptRequestHandlers(binding, server, wrap, installed);
  Object.defineProperty(server, GUARDED_BY, { value: true });
  const original: SdkRegistration = Object.freeze({
    tool: server.registerTool.bind(server),
    prompt: server.registerPrompt.bind(server),
    resource: server.registerResource.bind(server),
  });
  // Registrations made on the SDK server directly are guarded too.
  Object.defineProperties(server, {
    registerTool: { value: guard.tool },
    registerPrompt: { value: guard.prompt },
    registerResource: { value: guard.resource },
  });
  for (const [method, instead] of binding.bypasses) {
    Object.defineProperty(server, method, {
      value: () => {
        throw new TypeError(
          `A guarded McpServer registers with ${instead}() or the guard's ${method}(), not the deprecated ${method}()`,
        );
      },
    });
  }
  return original;
}

/**
 * Fails closed if the SDK installed a handler without going through the
 * guard: the registration is undone and refused.
 *
 * @param installed The guarded methods whose handlers went through the guard.
 * @param methods The methods the registration needs guarded.
 * @param remove Undoes the registration.
 * @throws {Error} Naming the methods left unguarded.
 */
export function assertInstalled(
  installed: ReadonlySet<string>,
  methods: readonly string[],
  remove: () => void,
  binding: SdkBinding,
): void {
  const missing = methods.filter((m) => !installed.has(m));
  if (missing.length === 0) return;
  try {
    remove();
  } catch {
    // The registration is refused below either way.
  }
  throw new Error(
    `guardServer() could not guard "${
      missing.join('", "')
    }": this version of ${binding.name} is not supported`,
  );
}
