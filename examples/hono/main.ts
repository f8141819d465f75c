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
});
