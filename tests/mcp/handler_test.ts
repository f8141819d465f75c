// guardedMcpHandler: createMcpHandler with the preflight in front, one
// guarded server per request, both protocol eras, with the SDK v2 Client
// over Streamable HTTP on 127.0.0.1.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Client,
  InsufficientScopeError as ClientInsufficientScopeError,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import {
  type AccessToken,
  type AuthCheck,
  Authorizer,
  requireScopes,
  restrictTag,
} from "../../mod.ts";
import { guardedMcpHandler, guardServer } from "../../src/mcp/mod.ts";
import { serve, type Served } from "../_serve.ts";
import { post, seen, tokenOf, TOKENS } from "./_stacks.ts";

const METADATA = "http://127.0.0.1/.well-known/oauth-protected-resource/mcp";
const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

let runs = 0;
let built = 0;
const counting: AuthCheck = () => {
  runs++;
  return true;
};
const authorizer = new Authorizer({
  layers: [restrictTag("admin", { scopes: ["admin"] })],
  stepUp: "always",
});

function notes() {
  built++;
  const guarded = guardServer(
    new McpServer({ name: "notes", version: "1.0.0" }),
    {
      authorizer,
    },
  );
  guarded.tool("read_notes", { auth: counting }, () => text("notes"));
  guarded.tool(
    "add_note",
    { auth: requireScopes("write") },
    () => text("added"),
  );
  guarded.tool("purge", { tags: ["admin"] }, () => text("purged"));
  guarded.tool(
    "owned",
    {
      auth:
        ((ctx) => ctx.arguments?.owner === ctx.token?.clientId) as AuthCheck,
    },
    () => text("owned"),
  );
  return guarded;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function start(): Promise<URL> {
  const mcp = guardedMcpHandler(notes, {
    preflight: { resourceMetadataUrl: METADATA },
  });
  const served: Served = await serve((request) =>
    mcp.fetch(request, {
      authInfo: tokenOf(request.headers.get("authorization")),
    })
  );
  closers.push(async () => {
    await served.close();
    await mcp.close();
  });
  return new URL("/mcp", served.origin);
}

async function connect(
  url: URL,
  token: string,
  versionNegotiation?: { mode: "auto" },
): Promise<Client> {
  const client = new Client(
    { name: "handler", version: "1.0.0" },
    versionNegotiation === undefined ? {} : { versionNegotiation },
  );
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

const ERAS = [
  { era: "2025 (initialize)", versionNegotiation: undefined },
  {
    era: "2026-07-28 (envelopes)",
    versionNegotiation: { mode: "auto" as const },
  },
];

describe("guardedMcpHandler()", () => {
  for (const { era, versionNegotiation } of ERAS) {
    it(`serves the ${era} era: list, call (checks once), 403 step-up`, async () => {
      const url = await start();
      const client = await connect(url, "reader", versionNegotiation);
      try {
        const { tools } = await client.listTools();
        assert.deepEqual(tools.map((tool) => tool.name), [
          "read_notes",
          "add_note",
          "purge",
        ]);
        runs = 0;
        const read = await client.callTool({ name: "read_notes" });
        assert.deepEqual(read.content, [{ type: "text", text: "notes" }]);
        assert.equal(runs, 1);
        for (
          const [name, scope] of [["add_note", "write"], ["purge", "admin"]]
        ) {
          const error = await client.callTool({ name: name! }).then(
            () => assert.fail("expected a 403"),
            (error: unknown) => error,
          );
          assert.ok(
            error instanceof ClientInsufficientScopeError,
            String(error),
          );
          assert.equal(error.requiredScope, scope);
          assert.equal(error.resourceMetadataUrl?.href, METADATA);
        }
      } finally {
        await client.close();
      }
    });
  }

  it("builds one guarded server per request, and keeps concurrent requests apart", async () => {
    const url = await start();
    built = 0;
    const calls = Array.from({ length: 12 }, (_, i) => {
      const token = i % 2 === 0 ? "reader" : "writer";
      // "owned" allows only when the owner is the token's own client.
      const owner = i % 3 === 0 ? "app" : "someone";
      return post(url, {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "owned", arguments: { owner } },
      }, `Bearer ${token}`).then(async (response) => ({
        owner,
        body: await response.text(),
      }));
    });
    for (const { owner, body } of await Promise.all(calls)) {
      if (owner === "app") assert.match(body, /"owned"/);
      else assert.match(body, /Tool not found or not authorized/);
    }
    assert.equal(built, 12);
  });

  it("answers what the preflight does not read as createMcpHandler does", async () => {
    const url = await start();
    const mcp = createMcpHandler(() => notes().server);
    closers.push(() => mcp.close());
    const bare = await serve((request) => mcp.fetch(request));
    closers.push(bare.close);
    const bareUrl = new URL("/mcp", bare.origin);
    for (
      const headers of [{ "content-type": "text/plain" }, {}] as Record<
        string,
        string
      >[]
    ) {
      assert.deepEqual(
        await seen(await post(url, "{}", "Bearer reader", headers)),
        await seen(await post(bareUrl, "{}", "Bearer reader", headers)),
      );
    }
    const get = (target: URL) =>
      fetch(target, {
        headers: {
          authorization: "Bearer reader",
          accept: "text/event-stream",
        },
      });
    assert.deepEqual(
      await seen(await get(url)),
      await seen(await get(bareUrl)),
    );
  });

  it("refuses a factory that is not a function, and wrong options, at construction", () => {
    assert.throws(
      () => guardedMcpHandler("notes" as never),
      /guardedMcpHandler expects a factory \(ctx\) => GuardedServer/,
    );
    assert.throws(
      () => guardedMcpHandler(notes, { preflight: { maxBodySize: -1 } }),
      /"maxBodySize" must be an integer/,
    );
    assert.throws(
      () => guardedMcpHandler(notes, { responsemode: "json" } as never),
      /Unknown guardedMcpHandler option "responsemode" \(did you mean "responseMode"\?\)/,
    );
  });

  it("hands the factory the request and its token", async () => {
    const seenBy: { request: Request; token: AccessToken | undefined }[] = [];
    const mcp = guardedMcpHandler((ctx) => {
      seenBy.push(ctx);
      return notes();
    });
    closers.push(() => mcp.close());
    const request = new Request("http://127.0.0.1/mcp", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    const response = await mcp.fetch(request, { authInfo: TOKENS.reader });
    await response.body?.cancel();
    assert.equal(seenBy.length, 1);
    assert.equal(seenBy[0]!.request, request);
    assert.equal(seenBy[0]!.token, TOKENS.reader);
  });
});
