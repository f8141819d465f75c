// examples/v1: the plain MCP SDK 1.x (McpServer + its Web-standard
// transport) behind withBearerAuth, logged into by the SDK clients v2 and
// 1.x. The 1.x SDK has no 403 hook: the guard's preflight answers every
// scope shortfall with the 403.
import { createV1Example } from "../../examples/v1/server.ts";
import { describeStack } from "./_stack_suite.ts";

describeStack({
  title: "examples/v1 (MCP SDK 1.x, Web-standard transport)",
  task: "example:v1",
  create: createV1Example,
});
