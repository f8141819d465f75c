/**
 * `deno task example:v1`: the notes server on the plain MCP SDK 1.x
 * (`McpServer` + `WebStandardStreamableHTTPServerTransport`, served by
 * `Deno.serve`), with the embedded development authorization server;
 * prints what to run next. Environment: `PORT` (default 8000),
 * `APPROVAL=page`.
 *
 * @module
 */

import { runStack } from "../_stack.ts";
import { createV1Example } from "./server.ts";

await runStack(createV1Example, {
  stack: "MCP SDK 1.x, Web-standard transport on Deno.serve",
  task: "example:v1",
});
