// A real authorization server: oidc-provider (a certified OpenID provider,
// run in-process on Node's http module, under Deno's and Bun's node compat) on
// 127.0.0.1 issues RFC 9068 `at+jwt` access tokens through the
// client-credentials grant with RFC 8707 resource indicators. The resource
// server verifies them against oidc-provider's JWKS, and the official v2
// SDK client uses them: with a token fetched by hand, and with the SDK's
// own ClientCredentialsProvider discovering the authorization server from
// the 401 and stepping up on the 403.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import {
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
} from "jose";
import Provider from "oidc-provider";
import {
  Client,
  ClientCredentialsProvider,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import {
  Authorizer,
  JwtVerifier,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  requireScopes,
  restrictTag,
  withBearerAuth,
} from "../../mod.ts";
import { guardServer } from "../../src/mcp/mod.ts";
import { serve } from "../_serve.ts";

const CLIENT_ID = "billing-service";
const CLIENT_SECRET = "a-long-enough-client-secret-for-oidc-provider";

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

function notesServer(): McpServer {
  const server = new McpServer({ name: "notes", version: "1.0.0" });
  const guarded = guardServer(server, {
    authorizer: new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
    }),
  });
  guarded.tool("read_notes", {}, () => text("notes"));
  guarded.tool(
    "add_note",
    { auth: requireScopes("write") },
    () => text("added"),
  );
  guarded.tool("purge", { tags: ["admin"] }, () => text("purged"));
  return server;
}

interface World {
  issuer: string;
  mcpUrl: URL;
  otherResource: string;
  close(): Promise<void>;
}

/**
 * The resource server: RFC 9728 metadata, and MCP behind `withBearerAuth`
 * with a `JwtVerifier` that trusts `issuer` through its JWKS.
 */
async function startResourceServer(issuer: string) {
  const mcp = createMcpHandler(() => notesServer());
  let route: (request: Request) => Promise<Response> | Response = () =>
    new Response(null, { status: 503 });
  const server = await serve((request) => route(request));
  const mcpUrl = new URL("/mcp", server.origin);
  const metadataUrl = protectedResourceMetadataUrl(mcpUrl);
  const metadata = protectedResourceMetadata({
    resource: mcpUrl,
    authorizationServers: [issuer],
    scopesSupported: ["read", "write", "admin"],
  });
  const verifier = new JwtVerifier({
    jwksUri: `${issuer}/jwks`,
    issuer,
    audience: mcpUrl.href,
    typ: "at+jwt",
  });
  const protectedMcp = withBearerAuth(
    (request, token) =>
      mcp.fetch(request, {
        authInfo: { ...token!, resourceMetadataUrl: metadataUrl.href },
      }),
    // RFC 6750 §3: the 401 names the scope to start with.
    { verifier, requiredScopes: ["read"], resourceMetadataUrl: metadataUrl },
  );
  route = (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === metadataUrl.pathname) return metadata(request);
    if (pathname === "/mcp") return protectedMcp(request);
    return new Response(null, { status: 404 });
  };
  return {
    mcpUrl,
    async close() {
      await server.close();
      await mcp.close();
    },
  };
}

/** oidc-provider on Node's http module, on 127.0.0.1. */
async function startProvider(
  resources: ReadonlySet<string>,
): Promise<{ issuer: string; close(): Promise<void> }> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...await exportJWK(privateKey), kid: "test-key", alg: "ES256" };
  const http: Server = createServer();
  await new Promise<void>((resolve) =>
    http.listen(0, "127.0.0.1", () => resolve())
  );
  const { port } = http.address() as { port: number };
  const issuer = `http://127.0.0.1:${port}`;
  const resourceServer = (audience: string) => ({
    scope: "read write admin",
    audience,
    accessTokenFormat: "jwt",
    accessTokenTTL: 300,
    jwt: { sign: { alg: "ES256" } },
  });
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "ES256",
      scope: "read write admin",
    }],
    scopes: ["read", "write", "admin"],
    jwks: { keys: [jwk] },
    ttl: { ClientCredentials: 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resources.has(resource)) {
            return resourceServer(resource);
          }
          throw new Provider.errors.InvalidTarget();
        },
      },
    },
  });
  http.on("request", provider.callback());
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

async function clientCredentialsToken(
  issuer: string,
  resource: string,
  scope: string,
): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Authorization: `Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`,
    },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      resource,
      scope,
    }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.access_token;
}

async function connect(
  mcpUrl: URL,
  options: ConstructorParameters<typeof StreamableHTTPClientTransport>[1],
): Promise<Client> {
  const client = new Client({ name: "oidc-e2e", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, options));
  return client;
}

describe("oidc-provider as the authorization server", () => {
  let world: World;

  before(async () => {
    // The provider learns the resource server's URL once it is listening.
    const resources = new Set<string>();
    const op = await startProvider(resources);
    const rs = await startResourceServer(op.issuer);
    const otherResource = "http://127.0.0.1:1/other-mcp";
    resources.add(rs.mcpUrl.href).add(otherResource);
    world = {
      issuer: op.issuer,
      mcpUrl: rs.mcpUrl,
      otherResource,
      async close() {
        await rs.close();
        await op.close();
      },
    };
  });

  after(async () => {
    await world?.close();
  });

  it("issues an at+jwt bound to the resource, which the SDK client calls a tool with", async () => {
    const token = await clientCredentialsToken(
      world.issuer,
      world.mcpUrl.href,
      "read write",
    );
    assert.equal(decodeProtectedHeader(token).typ, "at+jwt");
    const claims = decodeJwt(token);
    assert.equal(claims.aud, world.mcpUrl.href);
    assert.equal(claims.iss, world.issuer);
    assert.equal(claims.scope, "read write");

    const client = await connect(world.mcpUrl, {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name), ["read_notes", "add_note"]);
      const result = await client.callTool({ name: "add_note" });
      assert.deepEqual(result.content, [{ type: "text", text: "added" }]);
    } finally {
      await client.close();
    }
  });

  it("refuses a token issued for another resource", async () => {
    const token = await clientCredentialsToken(
      world.issuer,
      world.otherResource,
      "read write admin",
    );
    assert.equal(decodeJwt(token).aud, world.otherResource);
    const response = await fetch(world.mcpUrl, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    await response.body?.cancel();
    assert.equal(response.status, 401);
    assert.match(
      response.headers.get("www-authenticate") ?? "",
      /error="invalid_token"/,
    );
  });

  it("lets the SDK's ClientCredentialsProvider discover the server and step up on a 403", async () => {
    const provider = new ClientCredentialsProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      expectedIssuer: world.issuer,
      scope: "read",
    });
    const client = await connect(world.mcpUrl, { authProvider: provider });
    try {
      const first = provider.tokens();
      assert.ok(first, "the 401 led to a token");
      assert.equal(decodeJwt(first.access_token).aud, world.mcpUrl.href);
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name), ["read_notes"]);

      // 403 insufficient_scope -> the SDK asks for the union of scopes.
      const result = await client.callTool({ name: "purge" });
      assert.deepEqual(result.content, [{ type: "text", text: "purged" }]);
      const stepped = provider.tokens();
      assert.ok(stepped);
      assert.notEqual(stepped.access_token, first.access_token);
      assert.match(String(decodeJwt(stepped.access_token).scope), /\badmin\b/);
    } finally {
      await client.close();
    }
  });
});
