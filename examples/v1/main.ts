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
  notes: [
    "MCP SDK 1.x has no hook for an HTTP 403 yet: there, a scope shortfall",
    "is a -32602 JSON-RPC error naming data.requiredScopes, which clients do",
    "not step up from.",
  ],
});
