// The guard over Streamable HTTP on 127.0.0.1, with the official SDK v2
// createMcpHandler and Client, against what issue 9 found: a layer throwing
// a hostile InsufficientScopeError must get the not-found error (never a
// 500, never its text), and the step-up 403 names every scope the call
// requires, held ones too, and is never cached.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Client,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import {
  type AuthCheck,
  Authorizer,
  bearerAuth,
  requireScopes,
  restrictTag,
  StaticTokenVerifier,
  withBearerAuth,
} from "../../mod.ts";
import { guardServer } from "../../src/mcp/mod.ts";
import { serve } from "../_serve.ts";
import { hostileShortfalls, LEAK } from "./_hostile.ts";

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

const METADATA = "https://mcp.example.com/.well-known/oauth-protected-resource";

const verifier = new StaticTokenVerifier({
  tokens: { "mcp-token": { clientId: "app", scopes: ["mcp", "other"] } },
});

function notesServer(layers: AuthCheck[]): McpServer {
  const server = new McpServer({ name: "notes", version: "1.0.0" });
  const guarded = guardServer(server, {
    authorizer: new Authorizer({ layers, onError: () => {} }),
  });
  guarded.tool("read_notes", {}, () => text("notes"));
  guarded.tool("purge", { tags: ["admin"] }, () => text("purged"));
  return server;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/**
 * MCP at `/mcp`, behind `withBearerAuth` or behind `bearerAuth` and the
 * SDK's own answer.
 */
async function start(
  layers: AuthCheck[],
  gate: "withBearerAuth" | "bearerAuth",
): Promise<URL> {
  const mcp = createMcpHandler(() => notesServer(layers));
  const options = { verifier, resourceMetadataUrl: METADATA };
  const forward = (request: Request, token: unknown) =>
    mcp.fetch(request, {
      authInfo: { ...token as object, resourceMetadataUrl: METADATA } as never,
    });
  let handler: (request: Request) => Promise<Response>;
  if (gate === "withBearerAuth") {
    handler = withBearerAuth(forward, options);
  } else {
    const auth = bearerAuth(options);
    handler = async (request) => {
      const token = await auth(request);
      return token instanceof Response ? token : forward(request, token);
    };
  }
  const server = await serve(handler);
  closers.push(async () => {
    await server.close();
    await mcp.close();
  });
  return new URL("/mcp", server.origin);
}

function callPurge(url: URL): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      Authorization: "Bearer mcp-token",
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": "2025-11-25",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "purge", arguments: {} },
    }),
  });
}

const ERAS = [
  { era: "2025 (initialize)", versionNegotiation: undefined },
  {
    era: "2026-07-28 (envelopes)",
    versionNegotiation: { mode: "auto" as const },
  },
];

describe("the guard over Streamable HTTP, SDK v2, with hostile shortfalls", () => {
  for (const { era, versionNegotiation } of ERAS) {
    for (const [label, hostile] of hostileShortfalls()) {
      it(`answers a layer throwing ${label} as not found, never a 500 or its text, ${era}`, async () => {
        const url = await start([() => {
          throw hostile;
        }], "withBearerAuth");
        const seen: { status: number; body: string }[] = [];
        const client = new Client(
          { name: "e2e", version: "1.0.0" },
          versionNegotiation === undefined ? {} : { versionNegotiation },
        );
        await client.connect(
          new StreamableHTTPClientTransport(url, {
            requestInit: { headers: { Authorization: "Bearer mcp-token" } },
            fetch: async (input, init) => {
              const response = await fetch(input, init);
              seen.push({
                status: response.status,
                body: await response.clone().text(),
              });
              return response;
            },
          }),
        );
        try {
          const rejected = await client.callTool({ name: "read_notes" }).then(
            () => assert.fail("expected a rejection"),
            (error: { code?: unknown; message: string; data?: unknown }) =>
              error,
          );
          assert.equal(rejected.code, -32602);
          assert.match(rejected.message, /Tool not found or not authorized/);
          assert.equal(rejected.data, undefined);
        } finally {
          await client.close();
        }
        assert.ok(seen.length > 0);
        for (const { status, body } of seen) {
          assert.notEqual(status, 500, body);
          assert.doesNotMatch(body, LEAK);
        }
      });
    }
  }
});

describe("the step-up 403 over Streamable HTTP, SDK v2", () => {
  const layers = [
    requireScopes("mcp"),
    restrictTag("admin", { scopes: ["admin"] }),
  ];

  it("names every scope the call requires, held ones too, and is never cached (withBearerAuth)", async () => {
    const response = await callPurge(await start(layers, "withBearerAuth"));
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer error="insufficient_scope", error_description="Insufficient scope", scope="admin mcp", resource_metadata="${METADATA}"`,
    );
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.deepEqual(await response.json(), {
      error: "insufficient_scope",
      error_description: "Insufficient scope",
    });
  });

  it("is never cached behind withBearerAuth, whatever scopes it names", async () => {
    const url = await start(
      [restrictTag("admin", { scopes: ["admin"] })],
      "withBearerAuth",
    );
    const response = await callPurge(url);
    await response.body?.cancel();
    assert.equal(response.status, 403);
    assert.match(
      response.headers.get("www-authenticate") ?? "",
      /error="insufficient_scope", .*scope="admin"/,
    );
    assert.equal(response.headers.get("cache-control"), "no-store");
  });

  it("names the held scopes too in the SDK's own 403 (bearerAuth, then the SDK)", async () => {
    const response = await callPurge(await start(layers, "bearerAuth"));
    await response.body?.cancel();
    assert.equal(response.status, 403);
    assert.match(
      response.headers.get("www-authenticate") ?? "",
      /^Bearer error="insufficient_scope", .*scope="admin mcp"/,
    );
  });
});
