// examples/v2: the plain MCP SDK v2 (McpServer + createMcpHandler) behind
// withBearerAuth, logged into by the SDK clients v2 and 1.x. SDK v2's
// scope-challenge hook already answers a layer's shortfall with the 403.
import { createV2Example } from "../../examples/v2/server.ts";
import { describeStack, TODO } from "./_stack_suite.ts";

describeStack({
  title: "examples/v2 (MCP SDK v2, createMcpHandler)",
  task: "example:v2",
  create: createV2Example,
  todo: {
    listStepUp: TODO.stepUp,
    ownStepUp: TODO.stepUp,
  },
});
