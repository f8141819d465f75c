// The demo's handler (examples/demo/server.ts createDemo) served on this
// runtime, Deno, Bun or Node, and logged into with OAuth by the SDK Clients
// (v2 and 1.x), with a 403 step-up (tests/dev/_sdk_flows.ts).
import { after, before, describe, it } from "node:test";
import { createDemo, type DemoApp } from "../../examples/demo/server.ts";
import { serve, type Served } from "../_serve.ts";
import { assertDiscoverable, v1Flow, v2Flow } from "./_sdk_flows.ts";

describe("the demo's handler on this runtime, logged into with OAuth", () => {
  let app: DemoApp;
  let served: Served;
  before(async () => {
    // The handler is bound once the port is known.
    let handler: (request: Request) => Promise<Response> = () =>
      Promise.resolve(new Response(null, { status: 503 }));
    served = await serve((request) => handler(request));
    app = await createDemo({ origin: served.origin, warn: false });
    handler = app.handler;
  });
  after(async () => {
    await served?.close();
    await app?.close();
  });

  it("advertises an issuer whose RFC 8414 metadata names itself", async () => {
    await assertDiscoverable(app.mcpUrl);
  });

  it("SDK v2: registers, logs in for read, then steps up for admin", async () => {
    await v2Flow(app.mcpUrl);
  });

  it("SDK 1.x: registers, logs in for read, then steps up for admin", async () => {
    await v1Flow(app.mcpUrl);
  });
});
