/**
 * `deno task example:mcp-handler`: the notes server on Vercel's
 * `mcp-handler` (MCP SDK v2), served by `Deno.serve`, with the embedded
 * development authorization server; prints what to run next. Environment:
 * `PORT` (default 8000), `APPROVAL=page`.
 *
 * @module
 */

import { runStack } from "../_stack.ts";
import { createMcpHandlerExample } from "./server.ts";

await runStack(createMcpHandlerExample, {
  stack: "Vercel mcp-handler, MCP SDK v2",
  task: "example:mcp-handler",
});
