// The demo as `deno task demo` starts it (the task itself, on a free port),
// logged into by the official SDK Clients (v2 and 1.x) through their OAuth
// providers, with a 403 step-up (tests/dev/_sdk_flows.ts).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type DemoProcess, startDemoTask } from "./_demo_process.ts";
import { assertDiscoverable, v1Flow, v2Flow } from "./_sdk_flows.ts";

const skip = typeof Deno === "undefined" && "spawns `deno task demo`";

describe("`deno task demo`, logged into with OAuth by the SDK clients", () => {
  let demo: DemoProcess | undefined;
  before(async () => {
    if (!skip) demo = await startDemoTask();
  });
  after(async () => {
    await demo?.stop();
  });

  it(
    "prints that its authorization server is for development",
    { skip },
    () => {
      assert.match(demo!.output(), /DEVELOPMENT authorization server/);
      assert.match(
        demo!.output(),
        /Authorization server: http:\/\/127\.0\.0\.1:\d+\/oauth/,
      );
      assert.doesNotMatch(demo!.output(), /legacy behavior/);
    },
  );

  it(
    "advertises an issuer whose RFC 8414 metadata names itself",
    { skip },
    async () => {
      await assertDiscoverable(demo!.mcpUrl);
    },
  );

  it(
    "SDK v2: registers, logs in for read, then steps up for admin",
    { skip },
    async () => {
      await v2Flow(demo!.mcpUrl);
    },
  );

  it(
    "SDK 1.x: registers, logs in for read, then steps up for admin",
    { skip },
    async () => {
      await v1Flow(demo!.mcpUrl);
      // The flows ran: nothing warned about Deno.serve's legacy abort.
      assert.doesNotMatch(demo!.output(), /legacy behavior/);
    },
  );

  it(
    "printed its audit log: one JSON line per decision, the step-ups included",
    { skip },
    () => {
      const events = demo!.output().split("\n")
        .filter((line) => line.startsWith('{"time":'))
        .map((line) => JSON.parse(line));
      assert.ok(events.some((e) => e.operation === "http" && e.status === 401));
      assert.ok(
        events.some((e) =>
          e.operation === "tools/call" && e.outcome === "step-up" &&
          e.missingScopes?.includes("admin")
        ),
      );
    },
  );
});
