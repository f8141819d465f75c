// examples/express: Express 5 with the MCP SDK 1.x Node transport behind
// nodeBearerAuth (@mcp-authz/core/node), with the real packages, served by
// node:http on this runtime (Deno, Node or Bun), logged into by the SDK
// clients v2 and 1.x. The 1.x SDK has no 403 hook: the guard's preflight
// (reading the body from the IncomingMessage, once) answers every scope
// shortfall with the 403.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { listenExpressExample } from "../../examples/express/server.ts";
import { startDemoTask } from "../dev/_demo_process.ts";
import { assertLoggedInForRead, login, SDKS } from "./_stack_flows.ts";
import { describeStack } from "./_stack_suite.ts";

describeStack({
  title: "examples/express (Express 5, SDK 1.x Node transport)",
  task: "example:express",
  listen: listenExpressExample,
});

describe("`deno task example:express:node`: the Express example on Node 22", () => {
  it(
    "starts under Node as printed and serves the SDK clients",
    {
      skip: typeof Deno === "undefined" &&
        "spawns `deno task example:express:node`",
    },
    async () => {
      const started = await startDemoTask({}, "example:express:node");
      try {
        const output = started.output();
        assert.match(output, /DEVELOPMENT authorization server/);
        assert.match(
          output,
          /Started with: npx --yes deno@2\.9\.6 task example:express:node\./,
        );
        for (const sdk of SDKS) {
          const session = await login(sdk, started.mcpUrl);
          try {
            assertLoggedInForRead(session, started.mcpUrl);
            assert.match(await session.callTool("whoami"), /scopes "read"/);
          } finally {
            await session.close();
          }
        }
      } finally {
        await started.stop();
      }
    },
  );
});
