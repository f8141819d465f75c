// examples/v2: the plain MCP SDK v2 (McpServer + createMcpHandler) behind
// withBearerAuth, logged into by the SDK clients v2 and 1.x. The guard's
// preflight (guardedMcpHandler) answers every scope shortfall with the 403.
import { createV2Example } from "../../examples/v2/server.ts";
import { describeStack } from "./_stack_suite.ts";

describeStack({
  title: "examples/v2 (MCP SDK v2, createMcpHandler)",
  task: "example:v2",
  create: createV2Example,
});
