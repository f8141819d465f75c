/**
 * `deno task example:hono`: the notes server on Hono + `@hono/mcp` (MCP SDK
 * 1.x), with the embedded development authorization server; prints what to
 * run next. Environment: `PORT` (default 8000), `APPROVAL=page`.
 *
 * @module
 */

import { runStack } from "../_stack.ts";
import { createHonoExample } from "./server.ts";

await runStack(createHonoExample, {
  stack: "Hono + @hono/mcp, MCP SDK 1.x",
  task: "example:hono",
  notes: [
    "MCP SDK 1.x (under @hono/mcp) has no hook for an HTTP 403 yet: there, a",
    "scope shortfall is a -32602 JSON-RPC error naming data.requiredScopes,",
    "which clients do not step up from.",
  ],
});
