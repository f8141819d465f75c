// The demo (examples/demo), started in-process on port 0 and driven from the
// outside with the official v2 SDK client and tokens its embedded development
// authorization server mints (tests/dev/demo_oauth_test.ts logs in with OAuth).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Client,
  InsufficientScopeError,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { type Demo, startDemo } from "../../examples/demo/server.ts";

// Skipped per test, not per describe: Bun drops a skipped describe's tests
// without reporting them, and a skip must show.
const skip = typeof Deno === "undefined" && "needs Deno.serve";

function devToken(demo: Demo, scope: string): Promise<string> {
  return demo.dev!.mintAccessToken({ scopes: scope.split(" ") });
}

async function connect(mcpUrl: URL, token: string): Promise<Client> {
  const client = new Client({ name: "demo-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(mcpUrl, {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

describe("the demo server", () => {
  let demo: Demo;
  before(async () => {
    if (!skip) demo = await startDemo({ port: 0, warn: false });
  });
  after(async () => {
    await demo?.close();
  });

  it(
    "lists the tools of a dev token's scopes and calls one",
    { skip },
    async () => {
      const reader = await connect(demo.mcpUrl, await devToken(demo, "read"));
      const writer = await connect(
        demo.mcpUrl,
        await devToken(demo, "read write"),
      );
      try {
        const readable = (await reader.listTools()).tools.map((t) => t.name);
        assert.deepEqual(readable, ["list_notes", "whoami"]);
        const writable = (await writer.listTools()).tools.map((t) => t.name);
        assert.deepEqual(writable, ["list_notes", "add_note", "whoami"]);
        const added = await writer.callTool({
          name: "add_note",
          arguments: { text: "from the test" },
        });
        assert.deepEqual(added.content, [{
          type: "text",
          text: "added note #1",
        }]);
        const listed = await reader.callTool({ name: "list_notes" });
        assert.deepEqual(listed.content, [{
          type: "text",
          text: "from the test",
        }]);
      } finally {
        await reader.close();
        await writer.close();
      }
    },
  );

  it(
    "asks for the admin scope, and the read every call needs, with a 403 step-up challenge",
    { skip },
    async () => {
      const writer = await connect(demo.mcpUrl, await devToken(demo, "write"));
      try {
        await assert.rejects(
          writer.callTool({ name: "delete_all_notes" }),
          (error: unknown) =>
            error instanceof InsufficientScopeError &&
            // bearerAuth's requiredScopes ["read"] too, so that a client
            // that replaces its scopes with these can still call anything.
            error.requiredScope === "admin read" &&
            error.resourceMetadataUrl?.href === demo.metadataUrl.href,
        );
      } finally {
        await writer.close();
      }
      // The step-up 403 is never cached (RFC 6750 §3, RFC 9111 §5.2.2.5).
      const response = await fetch(demo.mcpUrl, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${await devToken(demo, "write")}`,
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
          "MCP-Protocol-Version": "2025-11-25",
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "delete_all_notes", arguments: {} },
        }),
      });
      await response.body?.cancel();
      assert.equal(response.status, 403);
      assert.equal(response.headers.get("cache-control"), "no-store");
    },
  );

  it(
    "lets admin do what write allows (scope hierarchy)",
    { skip },
    async () => {
      const admin = await connect(demo.mcpUrl, await devToken(demo, "admin"));
      try {
        const names = (await admin.listTools()).tools.map((t) => t.name);
        assert.deepEqual(names, [
          "list_notes",
          "add_note",
          "delete_all_notes",
          "whoami",
        ]);
      } finally {
        await admin.close();
      }
    },
  );

  it(
    "refuses a request without a token, pointing at its metadata",
    { skip },
    async () => {
      const response = await fetch(demo.mcpUrl, { method: "POST", body: "{}" });
      await response.body?.cancel();
      assert.equal(response.status, 401);
      assert.equal(
        response.headers.get("www-authenticate"),
        `Bearer scope="read", resource_metadata="${demo.metadataUrl.href}"`,
      );
      const metadata = await (await fetch(demo.metadataUrl)).json();
      assert.equal(metadata.resource, demo.mcpUrl.href);
      assert.deepEqual(metadata.authorization_servers, [demo.issuer]);
    },
  );

  it(
    "refuses a token without the read scope, asking for it",
    { skip },
    async () => {
      const response = await fetch(demo.mcpUrl, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${await demo.dev!.mintAccessToken()}`,
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      await response.body?.cancel();
      assert.equal(response.status, 403);
      assert.match(
        response.headers.get("www-authenticate")!,
        /error="insufficient_scope",.* scope="read"/,
      );
    },
  );

  it("trusts a real issuer instead, from the issuer, JWKS URL and audience", {
    skip,
  }, async () => {
    // A second demo trusts the first one's issuer as its external one.
    const second = await startDemo({
      port: 0,
      external: {
        issuer: demo.issuer,
        jwksUrl: demo.dev!.jwksUri,
        audience: demo.mcpUrl.href,
      },
    });
    try {
      assert.equal(second.dev, undefined);
      const noDevServer = await fetch(
        new URL("/.well-known/oauth-authorization-server/oauth", second.mcpUrl),
      );
      await noDevServer.body?.cancel();
      assert.equal(noDevServer.status, 404);
      const client = await connect(
        second.mcpUrl,
        await devToken(demo, "read"),
      );
      try {
        const names = (await client.listTools()).tools.map((t) => t.name);
        assert.deepEqual(names, ["list_notes", "whoami"]);
      } finally {
        await client.close();
      }
    } finally {
      await second.close();
    }
  });
});

describe("the demo's audit log", () => {
  const lines: string[] = [];
  let demo: Demo;
  before(async () => {
    if (!skip) {
      demo = await startDemo({
        port: 0,
        warn: false,
        audit: (line) => void lines.push(line),
      });
    }
  });
  after(async () => {
    await demo?.close();
  });

  it(
    "prints one JSON line per decision, with no token and no argument",
    { skip },
    async () => {
      const token = await devToken(demo, "read write");
      const writer = await connect(demo.mcpUrl, token);
      lines.length = 0; // the handshake's own decisions
      try {
        await writer.listTools();
        await writer.callTool({
          name: "add_note",
          arguments: { text: "a private note" },
        });
        await assert.rejects(writer.callTool({ name: "delete_all_notes" }));
      } finally {
        await writer.close();
      }
      const anonymous = await fetch(demo.mcpUrl, {
        method: "POST",
        body: "{}",
      });
      await anonymous.body?.cancel();
      const events = lines.map((line) => JSON.parse(line));
      assert.ok(events.every((e) => !Number.isNaN(Date.parse(e.time))));
      const mcp = events.filter((e) => e.operation !== "http");
      assert.deepEqual(
        mcp.map((e) => [e.operation, e.outcome, e.name ?? null]),
        [
          ["tools/list", "allow", null],
          ["tools/call", "allow", "add_note"],
          ["tools/call", "step-up", "delete_all_notes"],
        ],
      );
      assert.deepEqual(mcp[0].shown, 3);
      assert.deepEqual(mcp[2].missingScopes, ["admin"]);
      assert.equal(mcp[1].subject, "dev-user");
      // Every HTTP request is one line too, the refused one included.
      assert.deepEqual(events.at(-1), {
        time: events.at(-1).time,
        operation: "http",
        outcome: "deny",
        reason: "no_token",
        status: 401,
      });
      const all = lines.join("\n");
      assert.ok(!all.includes(token), "the token is not logged");
      assert.ok(!all.includes("a private note"), "arguments are not logged");
    },
  );
});
