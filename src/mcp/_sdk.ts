/**
 * `@modelcontextprotocol/server` (v2), as the guard sees it: handlers are
 * installed with `setRequestHandler(method, handler)` (a method string), a
 * handler finds `authInfo` at `ctx.http.authInfo`, registrations take the
 * `scopeChallenge` hook, and results carry the 2026-07-28 cache fields.
 * Internal.
 *
 * @module
 */

import { ProtocolError } from "@modelcontextprotocol/server";
import { isGuardedMethod, type SdkBinding } from "./_binding.ts";
import type { Denial } from "./_denial.ts";

/** `@modelcontextprotocol/server` v2, as the guard sees it. */
export const SDK_V2: SdkBinding = Object.freeze({
  name: "@modelcontextprotocol/server",
  entry: "@mcp-authz/core/mcp",
  wrongSdk(server: Record<string, unknown>) {
    // The deprecated registration methods of every 1.x McpServer, which v2
    // removed: without this, 1.x would install handlers the guard cannot
    // see, and fail on the first registration instead of here.
    const v1 = typeof server.tool === "function" &&
      typeof server.resource === "function" &&
      typeof server.prompt === "function";
    return v1
      ? ["@modelcontextprotocol/sdk (1.x)", "@mcp-authz/core/mcp/v1"] as const
      : undefined;
  },
  methodOf(first: unknown): string | undefined {
    return isGuardedMethod(first) ? first : undefined;
  },
  handlerShape: "(request, ctx)",
  tooLate:
    ", and the McpServer must not declare tools, resources or prompts capabilities in its constructor",
  bypasses: Object.freeze([]),
  authInfo(ctx: unknown): unknown {
    return (ctx as { http?: { authInfo?: unknown } } | undefined)?.http
      ?.authInfo;
  },
  requestId(ctx: unknown): unknown {
    return (ctx as { mcpReq?: { id?: unknown } } | undefined)?.mcpReq?.id;
  },
  error(denial: Denial): Error {
    return new ProtocolError(denial.code, denial.message, denial.data);
  },
  scopeChallenge: true,
  cacheScope: true,
});
