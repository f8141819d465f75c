/**
 * `@modelcontextprotocol/sdk` (1.x), as the guard sees it: handlers are
 * installed with `setRequestHandler(schema, handler)` (the SDK's zod request
 * schema, matched by identity), a handler finds `authInfo` at
 * `extra.authInfo`, and the deprecated `tool()`, `resource()` and `prompt()`
 * would bypass the guard. 1.x has no scope-challenge hook: a scope shortfall
 * is a JSON-RPC error whose `data.requiredScopes` names the scopes.
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

/** `@modelcontextprotocol/sdk` 1.x, as the guard sees it. */
export const SDK_V1: SdkBinding = Object.freeze({
  name: "@modelcontextprotocol/sdk",
  methodOf(schema: unknown): string | undefined {
    const method = SCHEMAS.get(schema);
    if (method !== undefined) return method;
    // A look-alike schema would install a handler the guard never sees.
    const literal = methodLiteral(schema);
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
