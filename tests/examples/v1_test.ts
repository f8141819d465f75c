// examples/v1: the plain MCP SDK 1.x (McpServer + its Web-standard
// transport) behind withBearerAuth, logged into by the SDK clients v2 and
// 1.x. The 1.x SDK has no 403 hook: every step-up waits for the preflight.
import { createV1Example } from "../../examples/v1/server.ts";
import { describeStack, TODO } from "./_stack_suite.ts";

describeStack({
  title: "examples/v1 (MCP SDK 1.x, Web-standard transport)",
  task: "example:v1",
  create: createV1Example,
  todo: {
    listStepUp: TODO.stepUp,
    ownStepUp: TODO.both,
    layerStepUp: TODO.preflight,
  },
});
