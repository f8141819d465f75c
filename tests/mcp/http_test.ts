// End to end over Streamable HTTP on 127.0.0.1: the official v2 SDK Client
// against an McpServer guarded by guardServer, served by the SDK's
// createMcpHandler behind a bearer gate, in both protocol eras (2025
// `initialize`, and 2026-07-28 per-request envelopes).
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
import {
  type AuthProvider,
  Client,
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
  InsufficientScopeError as ClientInsufficientScopeError,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import {
  Authorizer,
  bearerAuth,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  requireScopes,
  restrictTag,
  StaticTokenVerifier,
} from "../../mod.ts";
import { guardServer } from "../../src/mcp/mod.ts";
import { serve } from "../_serve.ts";

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

// Configured to let shared caches keep lists and reads: the guard must not.
const PUBLIC_CACHE = { ttlMs: 60_000, cacheScope: "public" as const };

/** What the guard's checks threw: reported, never shown to the client. */
const reported: unknown[] = [];

function notesServer(): McpServer {
  const server = new McpServer({ name: "notes", version: "1.0.0" }, {
    cacheHints: { "tools/list": PUBLIC_CACHE, "resources/read": PUBLIC_CACHE },
  });
  const guarded = guardServer(server, {
    authorizer: new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
      onError: (error) => reported.push(error),
    }),
  });
  guarded.tool("read_notes", { description: "Reads" }, () => text("notes"));
  guarded.tool(
    "add_note",
    {
      inputSchema: z.object({ text: z.string() }),
      auth: requireScopes("write"),
    },
    ({ text: note }) => text(`added ${note}`),
  );
  guarded.tool("purge", { tags: ["admin"] }, () => text("purged"));
  guarded.tool("flaky", {
    auth: () => {
      throw new Error("policy store down: db.internal:5432");
    },
  }, () => text("ran"));
  guarded.resource("readme", "file:///readme.md", {}, (uri) => ({
    contents: [{ uri: uri.href, text: "hello" }],
  }));
  return server;
}

const verifier = new StaticTokenVerifier({
  tokens: {
    "reader-token": { clientId: "reader", scopes: ["read"] },
    "writer-token": { clientId: "writer", scopes: ["read", "write"] },
  },
});

interface Running {
  mcpUrl: URL;
  metadataUrl: URL;
  close(): Promise<void>;
}

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(): Promise<Running> {
  const mcp = createMcpHandler(() => notesServer());
  // Bound once the port is known, right after the server listens.
  let route: (request: Request) => Promise<Response> | Response = () =>
    new Response(null, { status: 503 });
  const server = await serve((request) => route(request));
  const mcpUrl = new URL("/mcp", server.origin);
  const metadataUrl = protectedResourceMetadataUrl(mcpUrl);
  const metadata = protectedResourceMetadata({
    resource: mcpUrl,
    authorizationServers: ["https://auth.example.com"],
    scopesSupported: ["read", "write", "admin"],
  });
  const auth = bearerAuth({ verifier, resourceMetadataUrl: metadataUrl });
  route = async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === metadataUrl.pathname) return metadata(request);
    if (pathname !== "/mcp") return new Response(null, { status: 404 });
    const token = await auth(request);
    if (token instanceof Response) return token;
    return mcp.fetch(request, {
      authInfo: { ...token!, resourceMetadataUrl: metadataUrl.href },
    });
  };
  const handle: Running = {
    mcpUrl,
    metadataUrl,
    async close() {
      await server.close();
      await mcp.close();
    },
  };
  running.push(handle);
  return handle;
}

const ERAS = [
  { era: "2025 (initialize)", versionNegotiation: undefined },
  {
    era: "2026-07-28 (envelopes)",
    versionNegotiation: { mode: "auto" as const },
  },
];

async function connect(
  mcpUrl: URL,
  token: string | undefined,
  versionNegotiation?: { mode: "auto" },
  authProvider?: AuthProvider,
): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(mcpUrl, {
    ...(token === undefined
      ? {}
      : { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
    ...(authProvider === undefined ? {} : { authProvider }),
  });
  const client = new Client(
    { name: "e2e", version: "1.0.0" },
    versionNegotiation === undefined ? {} : { versionNegotiation },
  );
  await client.connect(transport);
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

for (const { era, versionNegotiation } of ERAS) {
  describe(`MCP over Streamable HTTP, SDK v2 client, ${era}`, () => {
    it("lists only the tools the bearer token may use", async () => {
      const { mcpUrl } = await start();
      const reader = await connect(mcpUrl, "reader-token", versionNegotiation);
      const writer = await connect(mcpUrl, "writer-token", versionNegotiation);
      try {
        const readable = await reader.listTools();
        assert.deepEqual(readable.tools.map((t) => t.name), ["read_notes"]);
        const writable = await writer.listTools();
        assert.deepEqual(writable.tools.map((t) => t.name), [
          "read_notes",
          "add_note",
        ]);
        const result = await writer.callTool({
          name: "add_note",
          arguments: { text: "hi" },
        });
        assert.deepEqual(result.content, [{ type: "text", text: "added hi" }]);
      } finally {
        await reader.close();
        await writer.close();
      }
    });

    it("answers a call short of a layer's scope with a 403 step-up challenge", async () => {
      const { mcpUrl, metadataUrl } = await start();
      const writer = await connect(mcpUrl, "writer-token", versionNegotiation);
      try {
        const error = await rejection(writer.callTool({ name: "purge" }));
        assert.ok(
          error instanceof ClientInsufficientScopeError,
          `expected InsufficientScopeError, got ${error}`,
        );
        assert.equal(error.requiredScope, "admin");
        assert.equal(error.resourceMetadataUrl?.href, metadataUrl.href);
      } finally {
        await writer.close();
      }
    });

    it("gives an unknown tool and a hidden tool identical errors", async () => {
      const { mcpUrl } = await start();
      const reader = await connect(mcpUrl, "reader-token", versionNegotiation);
      try {
        const unknown = await rejection(
          reader.callTool({ name: "nope", arguments: { text: "x" } }),
        ) as { code: unknown; message: string; data: unknown };
        const hidden = await rejection(
          reader.callTool({ name: "add_note", arguments: { text: "x" } }),
        ) as { code: unknown; message: string; data: unknown };
        assert.equal(unknown.code, -32602);
        assert.match(unknown.message, /Tool not found or not authorized/);
        assert.deepEqual(
          [hidden.code, hidden.message, hidden.data],
          [unknown.code, unknown.message, unknown.data],
        );
      } finally {
        await reader.close();
      }
    });

    it("answers a check that throws like an unknown tool, not with a 500", async () => {
      const { mcpUrl } = await start();
      const writer = await connect(mcpUrl, "writer-token", versionNegotiation);
      try {
        const unknown = await rejection(writer.callTool({ name: "nope" })) as {
          code: unknown;
          message: string;
        };
        const flaky = await rejection(writer.callTool({ name: "flaky" })) as {
          code: unknown;
          message: string;
        };
        assert.deepEqual(
          [flaky.code, flaky.message],
          [unknown.code, unknown.message],
        );
        assert.doesNotMatch(flaky.message, /db\.internal/);
        assert.ok(
          reported.some((e) => String(e).includes("policy store down")),
        );
      } finally {
        await writer.close();
      }
    });

    it(
      "refuses a client without a token with 401, and discovery follows resource_metadata",
      async () => {
        const { mcpUrl, metadataUrl } = await start();
        const error = await rejection(
          connect(mcpUrl, undefined, versionNegotiation),
        );
        // Without an auth provider the SDK gives up with the 401 it got.
        assert.equal(
          (error as { data?: { status?: number } }).data?.status,
          401,
          String(error),
        );

        // An auth provider learns where to go from the 401 and retries.
        const discovered: unknown[] = [];
        let token: string | undefined;
        const provider: AuthProvider = {
          token: () => Promise.resolve(token),
          async onUnauthorized({ response, serverUrl, fetchFn }) {
            const { resourceMetadataUrl } = extractWWWAuthenticateParams(
              response,
            );
            assert.equal(resourceMetadataUrl?.href, metadataUrl.href);
            discovered.push(
              await discoverOAuthProtectedResourceMetadata(serverUrl, {
                resourceMetadataUrl,
              }, fetchFn),
            );
            token = "reader-token";
          },
        };
        const client = await connect(
          mcpUrl,
          undefined,
          versionNegotiation,
          provider,
        );
        try {
          assert.deepEqual(discovered, [{
            resource: mcpUrl.href,
            authorization_servers: ["https://auth.example.com"],
            scopes_supported: ["read", "write", "admin"],
            bearer_methods_supported: ["header"],
          }]);
          const { tools } = await client.listTools();
          assert.deepEqual(tools.map((t) => t.name), ["read_notes"]);
        } finally {
          await client.close();
        }
      },
    );
  });
}

describe("MCP over Streamable HTTP, raw responses", () => {
  it(
    "marks per-token lists and reads private for caches, whatever the server's cache hints",
    async () => {
      const { mcpUrl } = await start();
      const bodies: string[] = [];
      const client = new Client({ name: "cache", version: "1.0.0" }, {
        versionNegotiation: { mode: "auto" },
      });
      await client.connect(
        new StreamableHTTPClientTransport(mcpUrl, {
          requestInit: { headers: { Authorization: "Bearer reader-token" } },
          fetch: async (url, init) => {
            const response = await fetch(url, init);
            bodies.push(await response.clone().text());
            return response;
          },
        }),
      );
      try {
        await client.listTools();
        await client.readResource({ uri: "file:///readme.md" });
      } finally {
        await client.close();
      }
      const results = bodies.filter((b) => b.includes("{")).map((b) =>
        JSON.parse(b.slice(b.indexOf("{"))).result
      ).filter((r) => Array.isArray(r?.tools) || Array.isArray(r?.contents));
      assert.equal(results.length, 2);
      for (const result of results) {
        assert.equal(result.cacheScope, "private");
        assert.equal(result.ttlMs, 60_000);
      }
    },
  );

  it(
    "sends the 403 insufficient_scope challenge with scope and resource_metadata",
    async () => {
      const { mcpUrl, metadataUrl } = await start();
      const response = await fetch(mcpUrl, {
        method: "POST",
        headers: {
          Authorization: "Bearer writer-token",
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
      await response.body?.cancel();
      assert.equal(response.status, 403);
      const challenge = response.headers.get("www-authenticate") ?? "";
      assert.match(challenge, /^Bearer /);
      assert.match(challenge, /error="insufficient_scope"/);
      assert.match(challenge, /scope="admin"/);
      assert.ok(
        challenge.includes(`resource_metadata="${metadataUrl.href}"`),
        challenge,
      );
    },
  );
});
