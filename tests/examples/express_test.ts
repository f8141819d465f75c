// examples/express: Express 5 with the MCP SDK 1.x Node transport behind
// nodeBearerAuth (@mcp-authz/core/node), with the real packages, served by
// node:http on this runtime (Deno, Node or Bun), logged into by the SDK
// clients v2 and 1.x. The 1.x SDK has no 403 hook: every step-up waits for
// the preflight.
import { listenExpressExample } from "../../examples/express/server.ts";
import { describeStack, TODO } from "./_stack_suite.ts";

describeStack({
  title: "examples/express (Express 5, SDK 1.x Node transport)",
  task: "example:express",
  listen: listenExpressExample,
  todo: {
    listStepUp: TODO.stepUp,
    ownStepUp: TODO.both,
    layerStepUp: TODO.preflight,
  },
});
