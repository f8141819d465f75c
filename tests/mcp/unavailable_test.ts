// A decision that could not be made (AuthorizationUnavailableError: a policy
// engine down) as an MCP client sees it: the component hidden from lists, a
// call answered with the retryable JSON-RPC error -32603 and data.retryAfter
// (src/mcp/_denial.ts), the handler never run. On both SDKs in memory, and
// over Streamable HTTP, where it stays that JSON-RPC error for now.
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
} from "../../mod.ts";
import { guardServer } from "../../src/mcp/mod.ts";
import { serve } from "../_serve.ts";
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

  it("is, for now, the JSON-RPC error -32603 in a 200 (the 503 needs a transport-level layer)", async () => {
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
