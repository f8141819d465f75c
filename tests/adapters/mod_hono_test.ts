// mcpBearerAuth and protectedResourceMetadataRoute of
// @mcp-authz/core/hono, with the real hono and @hono/mcp packages and a
// guarded MCP SDK 1.x server.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { StreamableHTTPTransport } from "@hono/mcp";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { bearerAuth, dpopScheme, requireScopes } from "../../mod.ts";
import { guardServer } from "../../src/mcp/mod_v1.ts";
import { reportStepUp } from "../../src/http/_step_up.ts";
import {
  type McpAuthEnv,
  mcpBearerAuth,
  type OptionalMcpAuthEnv,
  protectedResourceMetadataRoute,
} from "../../src/adapters/mod_hono.ts";
import {
  type DpopKey,
  dpopKey,
  MCP_URL,
  mcpRequest,
  METADATA_URL,
  proof,
  REFUSED,
  rpc,
  snapshot,
  verifier,
} from "./_fixtures.ts";

const OPTIONS = {
  verifier: verifier(),
  requiredScopes: ["read"],
  resourceMetadataUrl: METADATA_URL,
  onError: () => {},
};

/** An app whose /mcp route is a guarded 1.x server behind @hono/mcp. */
function mcpApp(): Hono {
  const app = new Hono();
  app.all("/mcp", mcpBearerAuth(OPTIONS), async (c) => {
    const server = new McpServer({ name: "notes", version: "1.0.0" });
    const guarded = guardServer(server);
    guarded.tool("list_notes", {}, () => ({ content: [] }));
    guarded.tool("add_note", { auth: requireScopes("write") }, () => ({
      content: [],
    }));
    guarded.tool("whoami", {}, (extra) => ({
      content: [{ type: "text", text: JSON.stringify(extra.authInfo) }],
    }));
    const transport = new StreamableHTTPTransport({ enableJsonResponse: true });
    await server.connect(transport);
    return await transport.handleRequest(c) ?? c.body(null, 202);
  });
  return app;
}

describe("mcpBearerAuth (@mcp-authz/core/hono)", () => {
  let key: DpopKey;
  before(async () => {
    key = await dpopKey();
  });

  for (const { name, init, url } of REFUSED) {
    it(`answers ${name} exactly as bearerAuth does, without running the route`, async () => {
      let ran = 0;
      const app = new Hono();
      app.all("/mcp", mcpBearerAuth(OPTIONS), (c) => {
        ran++;
        return c.text("ran");
      });
      const ours = await app.fetch(new Request(url ?? MCP_URL, init));
      const reference = await bearerAuth(OPTIONS)(
        new Request(url ?? MCP_URL, init),
      );
      assert.ok(reference instanceof Response);
      assert.deepEqual(await snapshot(ours), await snapshot(reference));
      assert.ok([400, 401, 403, 503].includes(ours.status), `${ours.status}`);
      assert.equal(ran, 0);
    });
  }

  it("sets c.var.auth to the verified token, typed, with the metadata URL", async () => {
    const app = new Hono();
    app.get("/mcp", mcpBearerAuth(OPTIONS), (c) => {
      // Typed by the middleware: no cast, no `Hono<Env>` needed.
      const clientId: string = c.var.auth.clientId;
      const metadata: string | undefined = c.get("auth").resourceMetadataUrl;
      return c.json({ clientId, metadata, scopes: c.var.auth.scopes });
    });
    const response = await app.request(MCP_URL, {
      headers: { authorization: "Bearer writer-token" },
    });
    assert.deepEqual(await response.json(), {
      clientId: "writer",
      metadata: METADATA_URL,
      scopes: ["read", "write"],
    });
  });

  it("gives each of concurrent requests its own token", async () => {
    const app = new Hono<McpAuthEnv>();
    app.use("/mcp", mcpBearerAuth(OPTIONS));
    app.get("/mcp", async (c) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      return c.text(c.var.auth.clientId);
    });
    const tokens = Array.from(
      { length: 20 },
      (_, i) => i % 2 === 0 ? "reader-token" : "writer-token",
    );
    const answers = await Promise.all(tokens.map(async (token) => {
      const response = await app.request(MCP_URL, {
        headers: { authorization: `Bearer ${token}` },
      });
      return await response.text();
    }));
    assert.deepEqual(answers, tokens.map((t) => t.replace("-token", "")));
  });

  it("with optional, runs the route with auth undefined, whatever was set before", async () => {
    const app = new Hono<OptionalMcpAuthEnv>();
    app.use("/mcp", async (c, next) => {
      c.set("auth", { token: "x", clientId: "forged", scopes: [], claims: {} });
      await next();
    });
    app.get(
      "/mcp",
      mcpBearerAuth({ ...OPTIONS, optional: true }),
      (c) => c.text(c.var.auth?.clientId ?? "anonymous"),
    );
    assert.equal(await (await app.request(MCP_URL)).text(), "anonymous");
    const reader = await app.request(MCP_URL, {
      headers: { authorization: "Bearer reader-token" },
    });
    assert.equal(await reader.text(), "reader");
  });

  it("hands the token to @hono/mcp's transport: the 1.x guard decides with it", async () => {
    const app = mcpApp();
    const send = (token: string, body: string) =>
      app.fetch(mcpRequest(body, { authorization: `Bearer ${token}` }));
    const listed = await (await send("reader-token", rpc("tools/list"))).json();
    assert.deepEqual(
      listed.result.tools.map((t: { name: string }) => t.name),
      ["list_notes", "whoami"],
    );
    const writer = await (await send("writer-token", rpc("tools/list"))).json();
    assert.deepEqual(
      writer.result.tools.map((t: { name: string }) => t.name),
      ["list_notes", "add_note", "whoami"],
    );
    const who = await (await send(
      "reader-token",
      rpc("tools/call", { name: "whoami", arguments: {} }),
    )).json();
    const authInfo = JSON.parse(who.result.content[0].text);
    assert.equal(authInfo.clientId, "reader");
    assert.equal(authInfo.resourceMetadataUrl, METADATA_URL);
  });

  it("re-answers a downstream step-up 403 in the DPoP scheme, not the old headers", async () => {
    const app = new Hono();
    app.post(
      "/mcp",
      mcpBearerAuth({
        ...OPTIONS,
        verifier: verifier(key.jkt),
        dpop: dpopScheme({ required: true, algorithms: ["ES256"] }),
      }),
      (c) => {
        // What a binding deciding a shortfall inside the route does.
        reportStepUp(c.var.auth, ["admin"]);
        c.header("x-route", "1");
        return c.json({ error: "insufficient_scope" }, 403, {
          "www-authenticate": 'Bearer error="insufficient_scope"',
        });
      },
    );
    const response = await app.fetch(
      mcpRequest("{}", {
        authorization: "DPoP bound-reader",
        dpop: await proof(key, "bound-reader"),
      }),
    );
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get("www-authenticate"),
      // Every scope the call requires: the route's and bearerAuth's own.
      `DPoP error="insufficient_scope", error_description="Insufficient scope", scope="admin read", resource_metadata="${METADATA_URL}", algs="ES256"`,
    );
    assert.equal(response.headers.get("x-route"), null);
    assert.deepEqual(await response.json(), {
      error: "insufficient_scope",
      error_description: "Insufficient scope",
    });
  });

  it("leaves the route's response alone otherwise", async () => {
    const app = new Hono();
    app.get("/mcp", mcpBearerAuth(OPTIONS), (c) => {
      c.header("x-route", "1");
      return c.text("hello", 418);
    });
    const response = await app.request(MCP_URL, {
      headers: { authorization: "Bearer reader-token" },
    });
    assert.equal(response.status, 418);
    assert.equal(response.headers.get("x-route"), "1");
    assert.equal(await response.text(), "hello");
  });

  it("refuses bad options with a TypeError naming mcpBearerAuth", () => {
    assert.throws(
      () => mcpBearerAuth({ ...OPTIONS, token: "x" } as never),
      { name: "TypeError", message: /^Unknown mcpBearerAuth option "token"/ },
    );
    assert.throws(() => mcpBearerAuth({} as never), {
      name: "TypeError",
      message: /^mcpBearerAuth needs a verifier/,
    });
    assert.throws(
      () => mcpBearerAuth({ ...OPTIONS, resourceMetadataUrl: "/metadata" }),
      {
        name: "TypeError",
        message: /^mcpBearerAuth option "resourceMetadataUrl"/,
      },
    );
  });
});

describe("protectedResourceMetadataRoute (@mcp-authz/core/hono)", () => {
  it("serves the RFC 9728 document at the path of the resource", async () => {
    const metadata = protectedResourceMetadataRoute({
      resource: MCP_URL,
      authorizationServers: ["https://auth.example.com"],
      scopesSupported: ["read"],
    });
    assert.equal(metadata.path, "/.well-known/oauth-protected-resource/mcp");
    const app = new Hono();
    app.all(metadata.path, metadata.handler);
    const response = await app.request(metadata.path);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    assert.deepEqual(await response.json(), {
      resource: MCP_URL,
      authorization_servers: ["https://auth.example.com"],
      scopes_supported: ["read"],
      bearer_methods_supported: ["header"],
    });
    const post = await app.request(metadata.path, { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD, OPTIONS");
    await post.body?.cancel();
  });

  it("puts a resource without a path at the bare well-known path", () => {
    const metadata = protectedResourceMetadataRoute({
      resource: "https://mcp.example.com",
      authorizationServers: ["https://auth.example.com"],
    });
    assert.equal(metadata.path, "/.well-known/oauth-protected-resource");
  });

  it("refuses bad options with protectedResourceMetadata's TypeError", () => {
    assert.throws(
      () => protectedResourceMetadataRoute({ resource: MCP_URL } as never),
      TypeError,
    );
  });
});
