// Interception of an McpServer's request handlers (src/mcp/_intercept.ts):
// refused once a guarded method has a handler, every guarded handler routed
// through `wrap` and recorded, other methods untouched, and no handler shape
// the guard could not wrap. On a real McpServer of each SDK major.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer as McpServerV1 } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  CallToolRequestSchema,
  SetLevelRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Handler } from "../../src/mcp/_binding.ts";
import { interceptRequestHandlers } from "../../src/mcp/_intercept.ts";
import { SDK_V2 } from "../../src/mcp/_sdk.ts";
import { SDK_V1 } from "../../src/mcp/_sdk_v1.ts";

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

/** A v2 server intercepted with a `wrap` that records what it wraps and runs. */
function intercepted() {
  // Logging declared: a method the guard leaves alone, which the SDK takes.
  const server = new McpServer({ name: "x", version: "1.0.0" }, {
    capabilities: { logging: {} },
  });
  const seen = new Set<string>();
  const wrapped: string[] = [];
  const ran: string[] = [];
  interceptRequestHandlers(SDK_V2, server, (method, handler): Handler => {
    wrapped.push(method);
    return (request, ctx) => {
      ran.push(method);
      return handler(request, ctx);
    };
  }, seen);
  // The low-level server's method, typed loosely: these tests call it wrong.
  const set = (...args: unknown[]) =>
    (server.server.setRequestHandler as (...a: unknown[]) => unknown)
      .apply(server.server, args);
  return { server, seen, wrapped, ran, set };
}

describe("interceptRequestHandlers()", () => {
  it("refuses a server whose guarded methods already have handlers", () => {
    const server = new McpServer({ name: "x", version: "1.0.0" });
    server.registerTool("t", {}, () => text("x"));
    assert.throws(
      () => interceptRequestHandlers(SDK_V2, server, (_m, h) => h, new Set()),
      {
        name: "TypeError",
        message:
          `guardServer() must run before any tool, resource or prompt is registered${SDK_V2.tooLate}: "tools/list" already has a handler`,
      },
    );
  });

  it("routes the SDK's handlers of guarded methods through wrap, and records them", async () => {
    const { server, seen, wrapped, ran } = intercepted();
    server.registerTool("echo", {}, () => text("hi"));
    assert.deepEqual([...seen].sort(), ["tools/call", "tools/list"]);
    assert.deepEqual(wrapped.sort(), ["tools/call", "tools/list"]);

    const [client, transport] = InMemoryTransport.createLinkedPair();
    await server.connect(transport);
    const mcp = new Client({ name: "c", version: "1.0.0" });
    await mcp.connect(client);
    try {
      const { tools } = await mcp.listTools();
      assert.deepEqual(tools.map((t) => t.name), ["echo"]);
      const result = await mcp.callTool({ name: "echo", arguments: {} });
      assert.deepEqual(result.content, [{ type: "text", text: "hi" }]);
      assert.deepEqual(ran, ["tools/list", "tools/call"]);
    } finally {
      await mcp.close();
      await server.close();
    }
  });

  it("leaves other methods' handlers as they are", () => {
    const { seen, wrapped, set } = intercepted();
    set("logging/setLevel", () => ({}));
    assert.deepEqual(wrapped, []);
    assert.equal(seen.size, 0);
  });

  it("takes guarded handlers only as plain (request, ctx) functions", () => {
    const { server, seen, wrapped, set } = intercepted();
    const message =
      'A guarded server takes "tools/call" handlers as (request, ctx) functions only';
    assert.throws(() => set("tools/call", "not a function"), {
      name: "TypeError",
      message,
    });
    assert.throws(
      () => set("tools/call", { params: {} }, () => ({ content: [] })),
      { name: "TypeError", message },
    );
    assert.equal(seen.size, 0);
    assert.deepEqual(wrapped, []);
    // Trailing undefined arguments change nothing: still wrapped (once a
    // tool gave the server the tools capability the SDK requires).
    server.registerTool("t", {}, () => text("x"));
    wrapped.length = 0;
    set("tools/call", () => ({ content: [] }), undefined);
    assert.deepEqual(wrapped, ["tools/call"]);
  });

  it("cannot be undone by assigning setRequestHandler", () => {
    const { server } = intercepted();
    const replaced = server.server.setRequestHandler;
    assert.throws(() => {
      (server.server as { setRequestHandler: unknown }).setRequestHandler =
        () => {};
    }, TypeError);
    assert.equal(server.server.setRequestHandler, replaced);
  });

  it("names methods by the 1.x SDK's request schemas under SDK_V1", () => {
    const server = new McpServerV1({ name: "x", version: "1.0.0" }, {
      capabilities: { logging: {} },
    });
    const seen = new Set<string>();
    const wrapped: string[] = [];
    interceptRequestHandlers(SDK_V1, server, (method, handler) => {
      wrapped.push(method);
      return handler;
    }, seen);
    const set = server.server.setRequestHandler as (
      ...a: unknown[]
    ) => unknown;
    set.call(server.server, SetLevelRequestSchema, () => ({}));
    assert.deepEqual(wrapped, []);
    server.registerTool("t", {}, () => text("x"));
    assert.deepEqual(wrapped.sort(), ["tools/call", "tools/list"]);
    set.call(server.server, CallToolRequestSchema, () => ({ content: [] }));
    assert.deepEqual(wrapped, ["tools/call", "tools/list", "tools/call"]);
    assert.deepEqual([...seen].sort(), ["tools/call", "tools/list"]);
    assert.throws(
      () => set.call(server.server, CallToolRequestSchema, "handler"),
      /A guarded server takes "tools\/call" handlers as \(request, extra\) functions only/,
    );
  });

  it("refuses a 1.x server that registered components before", () => {
    const server = new McpServerV1({ name: "x", version: "1.0.0" });
    server.registerTool("t", {}, () => text("x"));
    assert.throws(
      () => interceptRequestHandlers(SDK_V1, server, (_m, h) => h, new Set()),
      /^TypeError: guardServer\(\) must run before any tool, resource or prompt is registered: "tools\/list" already has a handler$/,
    );
  });
});
