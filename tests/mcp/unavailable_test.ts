// A decision that could not be made (AuthorizationUnavailableError: a policy
// engine down) as an MCP client sees it: the component hidden from lists, a
// call answered with the retryable JSON-RPC error -32603 and data.retryAfter
// (src/mcp/_denial.ts), the handler never run. On both SDKs in memory; over
// Streamable HTTP without the preflight, that same JSON-RPC error in a 200;
// with the guard's preflight, on every stack it serves (and behind
// withBearerAuth, as the examples wire it), an HTTP 503 with Retry-After.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport } from "@modelcontextprotocol/server";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport as InMemoryTransportV1 } from "@modelcontextprotocol/sdk/inMemory.js";
import {
  type AccessToken,
  type AuthCheck,
  AuthorizationUnavailableError,
  Authorizer,
  bearerAuth,
  StaticTokenVerifier,
  withBearerAuth,
} from "../../mod.ts";
import { guardedMcpHandler, guardServer } from "../../src/mcp/mod.ts";
import * as v1 from "../../src/mcp/mod_v1.ts";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer as McpServerV1 } from "@modelcontextprotocol/sdk/server/mcp.js";
import { serve } from "../_serve.ts";
import { type Build, post, STACKS, type Started } from "./_stacks.ts";
import { authzenCheck } from "../../src/authzen/mod.ts";
import { closedPort } from "../authzen/_helpers.ts";
import { SDKS, text, tokenWith } from "./_sdks.ts";

const down: AuthCheck = () =>
  Promise.reject(
    new AuthorizationUnavailableError("pdp.internal:8443 refused", {
      retryAfter: 4,
    }),
  );

interface JsonRpcError {
  code?: unknown;
  message: string;
  data?: unknown;
}

async function rejection(promise: Promise<unknown>): Promise<JsonRpcError> {
  try {
    await promise;
  } catch (error) {
    return error as JsonRpcError;
  }
  assert.fail("expected a rejection");
}

/** A v2 client talking to `server` in memory, its messages carrying `token`. */
async function connected(
  server: McpServer,
  token: AccessToken,
): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const send = clientSide.send.bind(clientSide);
  clientSide.send = (message, options) =>
    send(message, { ...options, authInfo: token });
  await server.connect(serverSide);
  const client = new Client({ name: "c", version: "1.0.0" });
  await client.connect(clientSide);
  return client;
}

for (const sdk of SDKS) {
  describe(`an unavailable decision through the guard, SDK ${sdk.name}`, () => {
    it("hides the tool in a list, whether its own auth or a layer could not decide", async () => {
      for (
        const [layers, auth] of [[[down], undefined], [[], down]] as const
      ) {
        const server = sdk.server();
        const guarded = sdk.guardServer(server, {
          authorizer: new Authorizer({ layers: [...layers] }),
        });
        guarded.tool("search", { auth }, () => text("ran"));
        guarded.tool("open", {}, () => text("ran"));
        const tools = await sdk.listTools(server, tokenWith([]));
        assert.deepEqual(
          tools.map((t) => t.name),
          layers.length > 0 ? [] : ["open"],
        );
      }
    });
  });
}

describe("an unavailable decision through the v2 guard, in memory", () => {
  it("answers a call, read or get with -32603 and data.retryAfter, and never runs the handler", async () => {
    for (const where of ["layer", "own auth"] as const) {
      let ran = 0;
      const server = new McpServer({ name: "t", version: "1.0.0" });
      const guarded = guardServer(server, {
        authorizer: new Authorizer({
          layers: where === "layer" ? [down] : [],
        }),
      });
      const auth = where === "own auth" ? down : undefined;
      guarded.tool("search", { auth }, () => (ran++, text("ran")));
      guarded.prompt("greet", { auth }, () => (ran++, { messages: [] }));
      guarded.resource("readme", "file:///readme", { auth }, (uri) => (ran++, {
        contents: [{ uri: uri.href, text: "hello" }],
      }));
      const client = await connected(server, tokenWith([]));
      try {
        for (
          const call of [
            client.callTool({ name: "search", arguments: {} }),
            client.getPrompt({ name: "greet" }),
            client.readResource({ uri: "file:///readme" }),
          ]
        ) {
          const error = await rejection(call);
          assert.equal(error.code, -32603, where);
          assert.deepEqual(error.data, { retryAfter: 4 });
          assert.match(error.message, /Authorization service unavailable/);
          assert.doesNotMatch(error.message, /pdp\.internal/);
        }
        // An unknown tool is still "not found".
        const unknown = await rejection(
          client.callTool({ name: "nope", arguments: {} }),
        );
        assert.equal(unknown.code, -32602);
      } finally {
        await client.close();
      }
      assert.equal(ran, 0);
    }
  });
});

describe("an unavailable decision through the 1.x guard, in memory", () => {
  it("answers a call with -32603 and data.retryAfter", async () => {
    const sdk = SDKS[1]!;
    const server = sdk.server();
    let ran = false;
    sdk.guardServer(server, {
      authorizer: new Authorizer({ layers: [down] }),
    }).tool("search", {}, () => {
      ran = true;
      return text("ran");
    });
    const [clientSide, serverSide] = InMemoryTransportV1.createLinkedPair();
    const send = clientSide.send.bind(clientSide);
    clientSide.send = (message, options) =>
      send(message, { ...options, authInfo: tokenWith([]) });
    await (server as { connect(t: unknown): Promise<void> }).connect(
      serverSide,
    );
    const client = new ClientV1({ name: "c", version: "1.0.0" });
    await client.connect(clientSide);
    try {
      const error = await rejection(
        client.callTool({ name: "search", arguments: {} }),
      );
      assert.equal(error.code, -32603);
      assert.deepEqual(error.data, { retryAfter: 4 });
    } finally {
      await client.close();
    }
    assert.equal(ran, false);
  });
});

describe("an unavailable decision over Streamable HTTP (v2)", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  it("without the preflight, is the JSON-RPC error -32603 in a 200", async () => {
    const mcp = createMcpHandler(() => {
      const server = new McpServer({ name: "t", version: "1.0.0" });
      guardServer(server, {
        authorizer: new Authorizer({ layers: [down] }),
      }).tool("search", {}, () => text("ran"));
      return server;
    });
    const auth = bearerAuth({
      verifier: new StaticTokenVerifier({
        tokens: { "reader-token": { clientId: "reader", scopes: [] } },
      }),
    });
    const served = await serve(async (request) => {
      const token = await auth(request);
      if (token instanceof Response) return token;
      return mcp.fetch(request, { authInfo: token! });
    });
    closers.push(() => served.close(), () => mcp.close());
    const response = await fetch(`${served.origin}/mcp`, {
      method: "POST",
      headers: {
        Authorization: "Bearer reader-token",
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "search", arguments: {} },
      }),
    });
    const body = await response.text();
    assert.equal(response.status, 200);
    const message = JSON.parse(body.slice(body.indexOf("{")));
    assert.equal(message.error.code, -32603);
    assert.deepEqual(message.error.data, { retryAfter: 4 });
    assert.doesNotMatch(body, /pdp\.internal/);
  });
});

/** The JSON-RPC messages that ask for a tool, a prompt and a resource. */
const ASKS = [
  { method: "tools/call", params: { name: "search", arguments: {} } },
  { method: "prompts/get", params: { name: "greet" } },
  { method: "resources/read", params: { uri: "file:///readme" } },
];

/** A guarded server whose every component asks the engine that is down. */
function outage(where: "layer" | "own auth", ran: { count: number }): Build {
  const authorizer = new Authorizer({
    layers: where === "layer" ? [down] : [],
  });
  const auth = where === "own auth" ? down : undefined;
  return (guard) => {
    const guarded = guard({ authorizer });
    guarded.tool("search", { auth }, () => (ran.count++, text("ran")));
    guarded.prompt("greet", { auth }, () => (ran.count++, { messages: [] }));
    guarded.resource("readme", "file:///readme", { auth }, (uri: URL) => (
      ran.count++, { contents: [{ uri: uri.href, text: "hello" }] }
    ));
    return guarded;
  };
}

/** The preflight's 503: retry later, never cached, nothing of the error. */
async function assertUnavailable(response: Response): Promise<void> {
  const body = await response.text();
  assert.equal(response.status, 503, body);
  assert.equal(response.headers.get("retry-after"), "4");
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.equal(JSON.parse(body).error, "temporarily_unavailable");
  assert.doesNotMatch(body, /pdp\.internal/);
}

describe("an unavailable decision over HTTP, with the preflight", () => {
  const running: Started[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((started) => started.close()));
  });

  for (const stack of STACKS) {
    it(`${stack.name}: a call, get or read is a 503 with Retry-After, the handler never run`, async () => {
      for (const where of ["layer", "own auth"] as const) {
        const ran = { count: 0 };
        const started = await stack.start(outage(where, ran));
        running.push(started);
        for (const [i, ask] of ASKS.entries()) {
          await assertUnavailable(
            await post(
              started.url,
              { jsonrpc: "2.0", id: i + 1, ...ask },
              "Bearer reader",
            ),
          );
        }
        assert.equal(ran.count, 0, where);
      }
    });

    it(`${stack.name}: an AuthZEN PDP that is down (authzenCheck) is a 503 with Retry-After`, async () => {
      let ran = 0;
      const authorizer = new Authorizer({
        layers: [authzenCheck({ pdp: await closedPort() })],
        onError: () => {},
      });
      const started = await stack.start((guard) => {
        const guarded = guard({ authorizer });
        guarded.tool("search", {}, () => (ran++, text("ran")));
        return guarded;
      });
      running.push(started);
      const response = await post(
        started.url,
        { jsonrpc: "2.0", id: 1, ...ASKS[0] },
        "Bearer alice",
      );
      const body = await response.text();
      assert.equal(response.status, 503, body);
      assert.match(response.headers.get("retry-after") ?? "", /^\d+$/);
      assert.equal(JSON.parse(body).error, "temporarily_unavailable");
      assert.doesNotMatch(body, /127\.0\.0\.1/);
      assert.equal(ran, 0);
    });
  }

  it("SDK v2 guardedMcpHandler behind withBearerAuth: the 503 goes through as it is", async () => {
    const ran = { count: 0 };
    const mcp = guardedMcpHandler(() =>
      outage("layer", ran)((options) =>
        guardServer(
          new McpServer({ name: "t", version: "1.0.0" }),
          options as never,
        ) as never
      ) as never
    );
    const handler = withBearerAuth(
      (request, token) => mcp.fetch(request, { authInfo: token }),
      {
        verifier: new StaticTokenVerifier({
          tokens: { reader: { clientId: "reader", scopes: [] } },
        }),
      },
    );
    const served = await serve(handler);
    running.push({
      url: new URL("/mcp", served.origin),
      close: async () => {
        await served.close();
        await mcp.close();
      },
    });
    await assertUnavailable(
      await post(
        new URL("/mcp", served.origin),
        { jsonrpc: "2.0", id: 1, ...ASKS[0] },
        "Bearer reader",
      ),
    );
    assert.equal(ran.count, 0);
  });

  it("a body the framework parsed ({ body, authorization }, as with Hono): the 503", async () => {
    const ran = { count: 0 };
    const guarded = outage("own auth", ran)((options) =>
      v1.guardServer(
        new McpServerV1({ name: "t", version: "1.0.0" }),
        options as never,
      ) as never
    );
    const checked = await guarded.preflight(
      {
        body: { jsonrpc: "2.0", id: 1, ...ASKS[1] },
        authorization: "Bearer reader",
      },
      tokenWith([]),
    );
    assert.ok(checked.response !== undefined);
    await assertUnavailable(checked.response);
    assert.equal(ran.count, 0);
  });
});
