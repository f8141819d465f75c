/**
 * `deno task example:v2`: the notes server on the plain MCP SDK v2
 * (`McpServer` + `createMcpHandler`, served by `Deno.serve`), with the
 * embedded development authorization server; prints what to run next.
 * Environment: `PORT` (default 8000), `APPROVAL=page`.
 *
 * @module
 */

import { runStack } from "../_stack.ts";
import { createV2Example } from "./server.ts";

await runStack(createV2Example, {
  stack: "MCP SDK v2, createMcpHandler on Deno.serve",
  task: "example:v2",
});
