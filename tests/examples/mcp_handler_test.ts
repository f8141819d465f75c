// examples/mcp-handler: Vercel's mcp-handler (MCP SDK v2 server) behind
// withMcpAuth of @mcp-authz/core/mcp-handler, served without Next.js, with
// the real package, logged into by the SDK clients v2 and 1.x. SDK v2's
// scope-challenge hook answers every shortfall with the 403 (stepUp:
// "always" makes an own-auth shortfall one too).
import { createMcpHandlerExample } from "../../examples/mcp-handler/server.ts";
import { describeStack } from "./_stack_suite.ts";

describeStack({
  title: "examples/mcp-handler (Vercel mcp-handler)",
  task: "example:mcp-handler",
  create: createMcpHandlerExample,
});
