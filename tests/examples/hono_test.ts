// examples/hono: Hono + @hono/mcp (MCP SDK 1.x server) behind mcpBearerAuth,
// with the real packages, logged into by the SDK clients v2 and 1.x. The
// 1.x SDK has no 403 hook: the guard's preflight answers every step-up.
import { createHonoExample } from "../../examples/hono/server.ts";
import { describeStack } from "./_stack_suite.ts";

describeStack({
  title: "examples/hono (Hono + @hono/mcp)",
  task: "example:hono",
  create: createHonoExample,
});
