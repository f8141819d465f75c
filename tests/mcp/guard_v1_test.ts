// The guard on the 1.x SDK (@modelcontextprotocol/sdk): in memory, and end
// to end over Streamable HTTP on 127.0.0.1 with the 1.x Client. Also the
// canary for src/mcp/_intercept.ts with src/mcp/_sdk_v1.ts, the one place
// that relies on how a 1.x McpServer installs its handlers.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
import * as z3 from "zod/v3";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import {
  McpServer,
  ResourceTemplate,
} from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  type AccessToken,
  Authorizer,
  requireScopes,
  restrictTag,
} from "../../mod.ts";
import { guardServer } from "../../src/mcp/mod_v1.ts";
import { GUARDED_METHODS } from "../../src/mcp/_binding.ts";
import { interceptRequestHandlers } from "../../src/mcp/_intercept.ts";
import { SDK_V1 } from "../../src/mcp/_sdk_v1.ts";
import { serve } from "../_serve.ts";

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

function tokenWith(scopes: string[]): AccessToken {
  return {
    token: `${scopes.join("-")}-token`,
    clientId: "app",
    scopes,
    claims: {},
  };
}

function notesServer(seen: unknown[] = []): McpServer {
  const server = new McpServer({ name: "notes", version: "1.0.0" });
  const guarded = guardServer(server, {
    authorizer: new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
    }),
  });
  guarded.tool("read_notes", { description: "Reads" }, () => text("notes"));
  guarded.tool(
    "add_note",
    {
      inputSchema: { text: z.string() },
      auth: [requireScopes("write"), (ctx) => {
        seen.push(ctx.arguments);
        return true;
      }],
    },
    ({ text: note }) => text(`added ${note}`),
  );
  guarded.tool("purge", { tags: ["admin"] }, () => text("purged"));
  guarded.resource("secrets", "file:///secrets", { tags: ["admin"] }, (
    uri,
  ) => ({ contents: [{ uri: uri.href, text: "s3cr3t" }] }));
  guarded.prompt("greet", {}, () => ({
    messages: [{ role: "user", content: { type: "text", text: "hi" } }],
  }));
  return server;
}

async function inMemoryClient(
  server: McpServer,
  token: AccessToken | undefined,
): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const send = clientSide.send.bind(clientSide);
  clientSide.send = (message, options) =>
    send(message, { ...options, ...(token ? { authInfo: token } : {}) });
  await server.connect(serverSide);
  const client = new Client({ name: "v1", version: "1.0.0" });
  await client.connect(clientSide);
  return client;
}

async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: unknown; message: string; data: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: unknown; message: string; data?: unknown };
    return { code: e.code, message: e.message, data: e.data };
  }
  assert.fail("expected a rejection");
}

describe("SDK canary: a 1.x McpServer installs handlers via setRequestHandler", () => {
  it("routes every guarded method through the interceptor", () => {
    const server = new McpServer({ name: "x", version: "1.0.0" });
    const seen = new Set<string>();
    interceptRequestHandlers(
      SDK_V1,
      server,
      (_method, handler) => handler,
      seen,
    );
    server.registerTool("t", {}, () => text("x"));
    server.registerResource(
      "tpl",
      new ResourceTemplate("file:///t/{id}", {
        list: undefined,
        complete: { id: () => ["1"] },
      }),
      {},
      (uri) => ({ contents: [{ uri: uri.href, text: "t" }] }),
    );
    server.registerPrompt("p", {}, () => ({ messages: [] }));
    assert.deepEqual([...seen].sort(), [...GUARDED_METHODS].sort());
  });
});

describe("guardServer() on the 1.x SDK, in memory", () => {
  it("lists only the tools a token may use", async () => {
    const client = await inMemoryClient(notesServer(), tokenWith(["read"]));
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ["read_notes"]);
    await client.close();
  });

  it("gives an unknown tool and a hidden tool identical errors", async () => {
    const client = await inMemoryClient(notesServer(), tokenWith(["read"]));
    const unknown = await rejection(client.callTool({ name: "nope" }));
    const hidden = await rejection(
      client.callTool({ name: "add_note", arguments: { text: 1 } }),
    );
    assert.equal(unknown.code, -32602);
    assert.match(unknown.message, /Tool not found or not authorized/);
    assert.deepEqual(hidden, unknown);
    await client.close();
  });

  it("names the missing scopes in data.requiredScopes", async () => {
    const client = await inMemoryClient(notesServer(), tokenWith(["write"]));
    const tool = await rejection(client.callTool({ name: "purge" }));
    assert.deepEqual(tool.data, { requiredScopes: ["admin"] });
    const resource = await rejection(
      client.readResource({ uri: "file:///secrets" }),
    );
    assert.deepEqual(resource.data, { requiredScopes: ["admin"] });
    await client.close();
  });

  it("shows checks the call's arguments as ctx.arguments", async () => {
    const seen: unknown[] = [];
    const client = await inMemoryClient(
      notesServer(seen),
      tokenWith(["write"]),
    );
    const result = await client.callTool({
      name: "add_note",
      arguments: { text: "hi" },
    });
    assert.deepEqual(result.content, [{ type: "text", text: "added hi" }]);
    assert.deepEqual(seen, [{ text: "hi" }]);
    await client.close();
  });

  it("refuses the deprecated registration methods that would bypass the guard", () => {
    const server = new McpServer({ name: "x", version: "1.0.0" });
    guardServer(server);
    assert.throws(
      () => server.tool("t", () => text("x")),
      /registers with registerTool\(\) or the guard's tool\(\)/,
    );
  });
});

describe("guardServer() on the 1.x SDK refuses look-alike request schemas", () => {
  const lookAlikes: [string, unknown][] = [
    [
      "a zod 4 literal list",
      z.object({ method: z.literal(["tools/call", "x"]), params: z.any() }),
    ],
    ["a zod 4 enum", z.object({ method: z.enum(["tools/call"]) })],
    [
      "a zod 3 enum",
      z3.object({ method: z3.enum(["tools/call"]), params: z3.any() }),
    ],
    ["a zod 3 literal", z3.object({ method: z3.literal("tools/call") })],
    [
      "a zod 4 shape read from _zod.def only",
      {
        _zod: {
          def: {
            shape: { method: { _zod: { def: { values: ["tools/list"] } } } },
          },
        },
      },
    ],
    [
      "a zod 3 shape given as a function",
      {
        _def: {},
        shape: () => ({ method: { _def: { value: "resources/read" } } }),
      },
    ],
    [
      "a schema whose shape getter throws",
      {
        get shape(): never {
          throw new Error("hostile");
        },
      },
    ],
    ["something that is no schema", "tools/call"],
  ];

  for (const [label, schema] of lookAlikes) {
    it(`refuses ${label}, installing nothing around the guard`, async () => {
      const server = notesServer();
      const unguarded = () => text("unguarded");
      assert.throws(
        () => server.server.setRequestHandler(schema as never, unguarded),
        TypeError,
      );
      const client = await inMemoryClient(server, tokenWith([]));
      try {
        const hidden = await rejection(client.callTool({ name: "purge" }));
        assert.equal(hidden.code, -32602);
        const { tools } = await client.listTools();
        assert.deepEqual(tools.map((t) => t.name), ["read_notes"]);
      } finally {
        await client.close();
      }
    });
  }

  it("still installs handlers for methods it does not guard, zod 3 or 4", () => {
    const server = notesServer();
    for (
      const schema of [
        z.object({ method: z.literal("x/custom") }),
        z3.object({ method: z3.literal("y/custom") }),
      ]
    ) {
      server.server.setRequestHandler(schema as never, () => ({}) as never);
    }
    assert.throws(
      () => server.server.assertCanSetRequestHandler("x/custom"),
      /already exists/,
    );
    assert.throws(
      () => server.server.assertCanSetRequestHandler("y/custom"),
      /already exists/,
    );
  });
});

describe("guardServer() on the 1.x SDK, over Streamable HTTP", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  async function start(): Promise<URL> {
    const tokens = new Map(
      [tokenWith(["read"]), tokenWith(["read", "write"])].map((
        t,
      ) => [t.token, t]),
    );
    const server = await serve(async (request) => {
      const bearer = request.headers.get("authorization")?.match(
        /^Bearer (\S+)$/,
      )?.[1];
      const token = bearer === undefined ? undefined : tokens.get(bearer);
      if (token === undefined) return new Response(null, { status: 401 });
      // Stateless: one server and transport per request.
      const mcp = notesServer();
      // No sessionIdGenerator: stateless.
      const transport = new WebStandardStreamableHTTPServerTransport({
        enableJsonResponse: true,
      });
      await mcp.connect(transport);
      return transport.handleRequest(request, { authInfo: token });
    });
    closers.push(() => server.close());
    return new URL("/mcp", server.origin);
  }

  async function connect(url: URL, token: string): Promise<Client> {
    const client = new Client({ name: "v1-http", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(url, {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    return client;
  }

  it("lists, calls, hides and names missing scopes for the 1.x client", async () => {
    const url = await start();
    const writer = await connect(url, "read-write-token");
    const reader = await connect(url, "read-token");
    try {
      const { tools } = await writer.listTools();
      assert.deepEqual(tools.map((t) => t.name), ["read_notes", "add_note"]);
      const added = await writer.callTool({
        name: "add_note",
        arguments: { text: "x" },
      });
      assert.deepEqual(added.content, [{ type: "text", text: "added x" }]);
      const stepUp = await rejection(writer.callTool({ name: "purge" }));
      assert.equal(stepUp.code, -32602);
      assert.deepEqual(stepUp.data, { requiredScopes: ["admin"] });
      const unknown = await rejection(reader.callTool({ name: "nope" }));
      const hidden = await rejection(reader.callTool({ name: "add_note" }));
      assert.deepEqual(hidden, unknown);
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
