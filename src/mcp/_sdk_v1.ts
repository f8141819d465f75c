/**
 * `@modelcontextprotocol/sdk` (1.x), as the guard sees it: handlers are
 * installed with `setRequestHandler(schema, handler)` (the SDK's zod request
 * schema, matched by identity), a handler finds `authInfo` at
 * `extra.authInfo`, and the deprecated `tool()`, `resource()` and `prompt()`
 * would bypass the guard. 1.x has no scope-challenge hook: in dispatch, a
 * scope shortfall is a JSON-RPC error whose `data.requiredScopes` names the
 * scopes (over HTTP, the preflight answers it with a 403 first).
 * Internal.
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
// @ts-types="@modelcontextprotocol/sdk/server/zod-compat"
import {
  type AnyObjectSchema,
  type AnySchema,
  getLiteralValue,
  getObjectShape,
} from "@modelcontextprotocol/sdk/server/zod-compat.js";
import { isGuardedMethod, type SdkBinding } from "./_binding.ts";
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

/**
 * The method a request schema installs, read exactly as the 1.x SDK's
 * `setRequestHandler` reads it, with its own helpers (zod 3 or 4: a
 * `literal`, the first of a literal list or an `enum`, a shape given as a
 * function ...), so that no schema can name a method to the SDK and
 * another to the guard. `undefined` when it names none (the SDK would
 * refuse it too).
 */
function methodLiteral(schema: unknown): string | undefined {
  try {
    const shape = getObjectShape(schema as AnyObjectSchema);
    const method: unknown = shape?.method;
    if (method === undefined || method === null) return undefined;
    const literal = getLiteralValue(method as AnySchema);
    return typeof literal === "string" ? literal : undefined;
  } catch {
    return undefined;
  }
}

/** `@modelcontextprotocol/sdk` 1.x, as the guard sees it. */
export const SDK_V1: SdkBinding = Object.freeze({
  name: "@modelcontextprotocol/sdk",
  entry: "@mcp-authz/core/mcp/v1",
  wrongSdk(server: Record<string, unknown>) {
    // Every 1.x McpServer has the deprecated tool(); v2 removed it.
    return typeof server.tool === "function"
      ? undefined
      : ["@modelcontextprotocol/server (v2)", "@mcp-authz/core/mcp"] as const;
  },
  methodOf(schema: unknown): string | undefined {
    const method = SCHEMAS.get(schema);
    if (method !== undefined) return method;
    // A look-alike schema would install a handler the guard never sees;
    // one whose method cannot be read might name a guarded one to the SDK.
    const literal = methodLiteral(schema);
    if (literal === undefined) {
      throw new TypeError(
        "A guarded server takes request schemas whose method is a string literal, such as the SDK's own",
      );
    }
    if (isGuardedMethod(literal)) {
      throw new TypeError(
        `A guarded server takes "${literal}" handlers with the SDK's own request schema only`,
      );
    }
    return undefined;
  },
  handlerShape: "(request, extra)",
  tooLate: "",
  bypasses: Object.freeze(
    [
      ["tool", "registerTool"],
      ["resource", "registerResource"],
      ["prompt", "registerPrompt"],
    ] as const,
  ),
  authInfo(ctx: unknown): unknown {
    return (ctx as { authInfo?: unknown } | undefined)?.authInfo;
  },
  requestId(ctx: unknown): unknown {
    return (ctx as { requestId?: unknown } | undefined)?.requestId;
  },
  error(denial: Denial): Error {
    return new McpError(denial.code, denial.message, denial.data);
  },
  scopeChallenge: false,
  cacheScope: false,
});
