/**
 * The one place that relies on how `McpServer` of the 1.x SDK
 * (`@modelcontextprotocol/sdk`) installs its request handlers: through the
 * public `setRequestHandler(schema, handler)` of its low-level `server`,
 * lazily, on the first registration. `tests/mcp/guard_v1_test.ts` fails loudly if
 * a release stops doing so. The 1.x SDK has no scope-challenge hook: a scope
 * shortfall is a JSON-RPC error whose `data.requiredScopes` names the scopes.
 *
 * @module
 */

// The package maps types for "./*" as "*.d.ts", which Deno does not apply
// to a ".js" path: name the declarations explicitly.
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Handler, SdkBinding } from "./_guard.ts";
import { GUARDED, replaceSetRequestHandler } from "./_intercept.ts";
import type { Denial } from "./_denial.ts";

/** The SDK's request schemas of the guarded methods, by identity. */
const SCHEMAS: ReadonlyMap<unknown, string> = new Map<unknown, string>([
  [ListToolsRequestSchema, "tools/list"],
  [CallToolRequestSchema, "tools/call"],
  [ListResourcesRequestSchema, "resources/list"],
  [ListResourceTemplatesRequestSchema, "resources/templates/list"],
  [ReadResourceRequestSchema, "resources/read"],
  [ListPromptsRequestSchema, "prompts/list"],
  [GetPromptRequestSchema, "prompts/get"],
  [CompleteRequestSchema, "completion/complete"],
]);

/** The method literal of a request schema (zod 3 or 4), when readable. */
function methodLiteral(schema: unknown): unknown {
  try {
    const method = (schema as { shape?: { method?: Record<string, unknown> } })
      ?.shape?.method;
    return method?.value ??
      (method?._def as { value?: unknown } | undefined)?.value;
  } catch {
    return undefined;
  }
}

type SetRequestHandler = (schema: unknown, handler: unknown) => void;

/**
 * Routes every handler that a 1.x `server` installs for a guarded method
 * through `wrap`, and records which methods were wrapped in `seen`.
 *
 * @throws {TypeError} When a guarded method already has a handler, or a
 * guarded method is installed with a schema other than the SDK's own.
 */
export function interceptRequestHandlersV1(
  server: unknown,
  wrap: (method: string, handler: Handler) => Handler,
  seen: Set<string>,
): void {
  replaceSetRequestHandler<SetRequestHandler>(
    server,
    "",
    (original) =>
      function (this: unknown, schema, handler) {
        const method = SCHEMAS.get(schema);
        if (method === undefined) {
          const literal = methodLiteral(schema);
          if (typeof literal === "string" && GUARDED.has(literal)) {
            throw new TypeError(
              `A guarded server takes "${literal}" handlers with the SDK's own request schema only`,
            );
          }
          return original.call(this, schema, handler);
        }
        if (typeof handler !== "function") {
          throw new TypeError(
            `A guarded server takes "${method}" handlers as (request, extra) functions only`,
          );
        }
        seen.add(method);
        return original.call(this, schema, wrap(method, handler as Handler));
      },
  );
}

/** `@modelcontextprotocol/sdk` 1.x, as the guard sees it. */
export const SDK_V1: SdkBinding = Object.freeze({
  name: "@modelcontextprotocol/sdk",
  intercept: interceptRequestHandlersV1,
  authInfo(ctx: unknown): unknown {
    return (ctx as { authInfo?: unknown } | undefined)?.authInfo;
  },
  error(denial: Denial): Error {
    return new McpError(denial.code, denial.message, denial.data);
  },
  scopeChallenge: false,
  cacheScope: false,
});
