// authzenCheck (src/authzen/check.ts) against a real Cerbos PDP, started
// here on 127.0.0.1 (see _cerbos.ts): allow, deny, argument-dependent
// decisions, one request per list, the decision cache, the subject check.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import {
  type AuthContext,
  AuthorizationError,
  AuthorizationUnavailableError,
  Authorizer,
  requireScopes,
  StaticTokenVerifier,
  withBearerAuth,
} from "../../mod.ts";
import {
  authzenCheck,
  type AuthzenCheckOptions,
} from "../../src/authzen/mod.ts";
import { guardServer } from "../../src/mcp/mod.ts";
import { type Cerbos, needsCerbos, startCerbos } from "./_cerbos.ts";
import {
  alice,
  closedPort,
  counting,
  messages,
  recorder,
  rejection,
  root,
  tokenOf,
  tool,
} from "./_helpers.ts";

const skip = needsCerbos;

describe("authzenCheck on a real Cerbos PDP", () => {
  let cerbos: Cerbos | undefined;
  before(async () => {
    if (needsCerbos === false) cerbos = await startCerbos();
  });
  after(async () => {
    await cerbos?.stop();
  });
  const pdp = () => cerbos!.url;

  function authorizerWith(
    options: Partial<AuthzenCheckOptions> = {},
    onError?: (error: unknown) => void,
  ) {
    const check = authzenCheck({ pdp: pdp(), ...options });
    return {
      check,
      authorizer: new Authorizer({ layers: [check], onError }),
    };
  }

  it("allows what the policy allows and denies the rest as not found", {
    skip,
  }, async () => {
    const { authorizer } = authorizerWith();
    await authorizer.authorize(alice, tool("public_search"));
    await authorizer.authorize(root, tool("admin_reset"));
    const denied = await rejection(
      authorizer.authorize(alice, tool("admin_reset")),
    );
    assert.ok(denied instanceof AuthorizationError);
    assert.ok(!(denied instanceof AuthorizationUnavailableError));
    assert.equal(
      (denied as Error).message,
      "Component not found or not authorized",
    );
  });

  it("sends the COAZ-MCP default mapping, without the arguments", {
    skip,
  }, async () => {
    const wire = counting();
    const { authorizer } = authorizerWith({ fetch: wire.fetch, cache: false });
    await authorizer.authorize(alice, tool("public_search"), {
      arguments: { query: "private words" },
    });
    await authorizer.authorize(alice, {
      kind: "resource",
      name: "readme",
      uri: "notes://public/readme",
    });
    await authorizer.authorize(alice, { kind: "prompt", name: "summarize" });
    assert.deepEqual(wire.calls[0], {
      method: "GET",
      url: `${pdp()}/.well-known/authzen-configuration`,
      body: undefined,
    });
    assert.deepEqual(wire.posts().map((call) => [call.url, call.body]), [
      [`${pdp()}/access/v1/evaluation`, {
        subject: { type: "identity", id: "alice" },
        action: { name: "tools/call" },
        resource: { type: "tool", id: "public_search" },
        context: { agent: "agent-app" },
      }],
      [`${pdp()}/access/v1/evaluation`, {
        subject: { type: "identity", id: "alice" },
        action: { name: "resources/read" },
        resource: { type: "resource", id: "notes://public/readme" },
        context: { agent: "agent-app" },
      }],
      [`${pdp()}/access/v1/evaluation`, {
        subject: { type: "identity", id: "alice" },
        action: { name: "prompts/get" },
        resource: { type: "prompt", id: "summarize" },
        context: { agent: "agent-app" },
      }],
    ]);
    // Discovery happens once.
    assert.equal(wire.calls.filter((c) => c.method === "GET").length, 1);
  });

  it("decides on the arguments a mapping function sends (tenant, amount)", {
    skip,
  }, async () => {
    const { authorizer } = authorizerWith({
      subject: (ctx) => ({
        type: "identity",
        id: String(ctx.token?.claims.sub),
        properties: { tenant: ctx.token?.claims.tenant },
      }),
      resource: (ctx) => ({
        type: "tool",
        id: ctx.component.name,
        properties: { ...ctx.arguments },
      }),
    });
    const transfer = tool("transfer");
    await authorizer.authorize(alice, transfer, {
      arguments: { tenant: "acme", amount: 500 },
    });
    for (
      const args of [
        { tenant: "acme", amount: 5000 },
        { tenant: "globex", amount: 10 },
      ]
    ) {
      const denied = await rejection(
        authorizer.authorize(alice, transfer, { arguments: args }),
      );
      assert.ok(denied instanceof AuthorizationError);
      assert.ok(!(denied instanceof AuthorizationUnavailableError));
    }
    // Listed (no arguments) for a caller with a tenant, not for one without.
    assert.deepEqual(await authorizer.filter(alice, [transfer]), [transfer]);
    assert.deepEqual(await authorizer.filter(root, [transfer]), []);
  });

  it("filters a list of 100 tools with one PDP request", { skip }, async () => {
    const wire = counting();
    const { authorizer } = authorizerWith({
      fetch: wire.fetch,
      batchSize: 500,
    });
    const tools = Array.from(
      { length: 100 },
      (_, i) => tool(i % 2 === 0 ? `public_${i}` : `admin_${i}`),
    );
    const visible = await authorizer.filter(alice, tools);
    assert.deepEqual(
      visible.map((t) => t.name),
      tools.filter((_, i) => i % 2 === 0).map((t) => t.name),
    );
    const posts = wire.posts();
    assert.equal(posts.length, 1);
    assert.equal(posts[0]!.url, `${pdp()}/access/v1/evaluations`);
    const body = posts[0]!.body as {
      subject: unknown;
      context: unknown;
      evaluations: unknown[];
    };
    // The shared subject and context are sent once, as defaults.
    assert.deepEqual(body.subject, { type: "identity", id: "alice" });
    assert.deepEqual(body.context, { agent: "agent-app" });
    assert.equal(body.evaluations.length, 100);
    assert.deepEqual(body.evaluations[1], {
      action: { name: "tools/call" },
      resource: { type: "tool", id: "admin_1" },
    });
  });

  it("batches a check shared by the components' own auth, around sync checks", {
    skip,
  }, async () => {
    const wire = counting();
    const check = authzenCheck({ pdp: pdp(), fetch: wire.fetch });
    const authorizer = new Authorizer({ layers: [requireScopes("mcp")] });
    const tools = [
      tool("public_a", { auth: [requireScopes("mcp"), check] }),
      tool("public_b", { auth: check }),
      tool("admin_c", { auth: check }),
      tool("plain"),
      tool("public_d", { auth: [requireScopes("other"), check] }),
    ];
    const visible = await authorizer.filter(alice, tools);
    assert.deepEqual(visible.map((t) => t.name), [
      "public_a",
      "public_b",
      "plain",
    ]);
    assert.equal(wire.posts().length, 1);
    // public_d never reached the PDP: its scope check denied first.
    assert.equal(
      (wire.posts()[0]!.body as { evaluations: unknown[] }).evaluations.length,
      3,
    );
  });

  it("splits a list into batches of batchSize", { skip }, async () => {
    const wire = counting();
    const { authorizer } = authorizerWith({
      fetch: wire.fetch,
      batchSize: 50,
      concurrency: 2,
    });
    const tools = Array.from({ length: 120 }, (_, i) => tool(`public_${i}`));
    assert.equal((await authorizer.filter(alice, tools)).length, 120);
    assert.deepEqual(
      wire.posts().map((call) =>
        (call.body as { evaluations: unknown[] }).evaluations.length
      ),
      [50, 50, 20],
    );
    assert.ok(wire.maxInFlight() <= 2);
  });

  it(
    "falls back to single evaluations, bounded, when the PDP has no batch API",
    {
      skip,
    },
    async () => {
      // No discovery document and no /evaluations: only the defaults' single API.
      const wire = counting((url) =>
        url.includes("/.well-known/") || url.endsWith("/evaluations")
      );
      const { authorizer } = authorizerWith({
        fetch: wire.fetch,
        concurrency: 3,
      });
      const tools = Array.from(
        { length: 10 },
        (_, i) => tool(i < 5 ? `public_${i}` : `admin_${i}`),
      );
      const visible = await authorizer.filter(alice, tools);
      assert.deepEqual(
        visible.map((t) => t.name),
        tools.slice(0, 5).map((t) => t.name),
      );
      const posts = wire.posts();
      assert.equal(
        posts.filter((call) => call.url.endsWith("/evaluations")).length,
        1,
      );
      assert.equal(
        posts.filter((call) => call.url.endsWith("/evaluation")).length,
        10,
      );
      assert.ok(wire.maxInFlight() <= 3);
      // Learnt once: the next list goes straight to single evaluations.
      await authorizer.filter(alice, tools);
      assert.equal(
        wire.posts().filter((call) => call.url.endsWith("/evaluations")).length,
        1,
      );
    },
  );

  it("caches decisions by everything sent, for ttlMs, within maxEntries", {
    skip,
  }, async () => {
    const wire = counting();
    let now = 1_000;
    const { authorizer } = authorizerWith({
      fetch: wire.fetch,
      now: () => now,
      cache: { ttlMs: 1000, maxEntries: 2 },
      resource: (ctx) => ({
        type: "tool",
        id: ctx.component.name,
        properties: { ...ctx.arguments },
      }),
    });
    const search = tool("public_search");
    await authorizer.authorize(alice, search, { arguments: { q: "a" } });
    await authorizer.authorize(alice, search, { arguments: { q: "a" } });
    assert.equal(wire.posts().length, 1);
    // Another argument, another subject: another question.
    await authorizer.authorize(alice, search, { arguments: { q: "b" } });
    await authorizer.authorize(root, search, { arguments: { q: "a" } });
    assert.equal(wire.posts().length, 3);
    // maxEntries 2: the first answer was evicted.
    await authorizer.authorize(alice, search, { arguments: { q: "a" } });
    assert.equal(wire.posts().length, 4);
    // Past ttlMs it is asked again.
    now += 1001;
    await authorizer.authorize(alice, search, { arguments: { q: "a" } });
    assert.equal(wire.posts().length, 5);
    // A list is served from the same cache: one request for the one miss.
    const list = await authorizer.filter(alice, [search, tool("admin_x")]);
    assert.deepEqual(list, [search]);
    assert.equal(wire.posts().length, 6);
  });

  it("asks every time with cache: false", { skip }, async () => {
    const wire = counting();
    const { authorizer } = authorizerWith({ fetch: wire.fetch, cache: false });
    await authorizer.authorize(alice, tool("public_x"));
    await authorizer.authorize(alice, tool("public_x"));
    assert.equal(wire.posts().length, 2);
  });

  it(
    "denies without asking when there is no token or the subject is not the token's",
    {
      skip,
    },
    async () => {
      const wire = counting();
      const { errors, onError } = recorder();
      const { authorizer } = authorizerWith({
        fetch: wire.fetch,
        subject: (ctx) => ({
          type: "identity",
          id: `x-${ctx.token?.claims.sub}`,
        }),
      }, onError);
      await assert.rejects(
        authorizer.authorize(undefined, tool("public_x")),
        (error) =>
          error instanceof AuthorizationError &&
          !(error instanceof AuthorizationUnavailableError),
      );
      await assert.rejects(authorizer.authorize(alice, tool("public_x")));
      assert.deepEqual(
        await authorizer.filter(tokenOf(undefined), [tool("public_x")]),
        [],
      );
      assert.equal(wire.posts().length, 0);
      assert.match(
        messages(errors),
        /subject\.id is not the token's "sub" claim/,
      );
      assert.match(messages(errors), /the token has no "sub" claim/);
      // subjectClaim: false sends the subject as given.
      const open = authorizerWith({
        fetch: wire.fetch,
        subjectClaim: false,
        subject: () => ({ type: "identity", id: "root" }),
      });
      await open.authorizer.authorize(alice, tool("admin_x"));
    },
  );

  it(
    "filters an MCP guard's tools/list with one request",
    { skip },
    async () => {
      const wire = counting();
      const check = authzenCheck({ pdp: pdp(), fetch: wire.fetch });
      const server = new McpServer({ name: "t", version: "1.0.0" });
      const guarded = guardServer(server, {
        authorizer: new Authorizer({ layers: [check] }),
      });
      const text = () => ({ content: [{ type: "text" as const, text: "ok" }] });
      for (const name of ["public_a", "admin_b", "public_c", "transfer"]) {
        guarded.tool(name, { inputSchema: z.object({}) }, text);
      }
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const send = clientSide.send.bind(clientSide);
      clientSide.send = (message, options) =>
        send(message, { ...options, authInfo: alice });
      await server.connect(serverSide);
      const client = new Client({ name: "c", version: "1.0.0" });
      await client.connect(clientSide);
      try {
        const { tools } = await client.listTools();
        // transfer needs the caller's tenant, which the default mapping omits.
        assert.deepEqual(tools.map((t) => t.name), ["public_a", "public_c"]);
        assert.equal(wire.posts().length, 1);
        const result = await client.callTool({
          name: "public_a",
          arguments: {},
        });
        assert.deepEqual(result.content, [{ type: "text", text: "ok" }]);
      } finally {
        await client.close();
      }
    },
  );
});

describe("authzenCheck with an injected fetch", () => {
  it("calls an injected fetch without a receiver and sends the headers", async () => {
    let receiver: unknown = "unset";
    const seen: Headers[] = [];
    const check = authzenCheck({
      pdp: "https://pdp.example.com",
      headers: { authorization: "Bearer pdp-credential" },
      fetch: function (this: unknown, _url: string, init: RequestInit) {
        receiver = this;
        seen.push(new Headers(init.headers));
        return Promise.resolve(Response.json({ decision: true }));
      },
    });
    const ctx = {
      token: alice,
      component: tool("x"),
    } as unknown as AuthContext;
    assert.equal(await check(ctx), true);
    assert.equal(receiver, undefined);
    assert.equal(seen.at(-1)?.get("authorization"), "Bearer pdp-credential");
    assert.equal(seen.at(-1)?.get("content-type"), "application/json");
  });
});

describe("authzenCheck behind the adapters, with the PDP down", () => {
  it("answers 503 with Retry-After through withBearerAuth", async () => {
    const reported: unknown[] = [];
    const authorizer = new Authorizer({
      layers: [authzenCheck({ pdp: await closedPort() })],
      onError: () => {},
    });
    const handler = withBearerAuth(async (_request, token) => {
      await authorizer.authorize(token, tool("public_a"));
      return new Response("ran");
    }, {
      verifier: new StaticTokenVerifier({
        tokens: {
          "alice-token": {
            clientId: "app",
            scopes: [],
            claims: { sub: "alice" },
          },
        },
      }),
      onError: (error) => reported.push(error),
    });
    const response = await handler(
      new Request("https://mcp.example.com/mcp", {
        headers: { authorization: "Bearer alice-token" },
      }),
    );
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "5");
    assert.equal(response.headers.get("cache-control"), "no-store");
    const body = await response.json();
    assert.equal(body.error, "temporarily_unavailable");
    assert.ok(reported[0] instanceof AuthorizationUnavailableError);
  });

  it("answers a retryable JSON-RPC error through the MCP guard", async () => {
    const server = new McpServer({ name: "t", version: "1.0.0" });
    const guarded = guardServer(server, {
      authorizer: new Authorizer({
        layers: [authzenCheck({ pdp: await closedPort() })],
        onError: () => {},
      }),
    });
    let ran = false;
    guarded.tool("public_a", { inputSchema: z.object({}) }, () => {
      ran = true;
      return { content: [] };
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const send = clientSide.send.bind(clientSide);
    clientSide.send = (message, options) =>
      send(message, { ...options, authInfo: alice });
    await server.connect(serverSide);
    const client = new Client({ name: "c", version: "1.0.0" });
    await client.connect(clientSide);
    try {
      assert.deepEqual((await client.listTools()).tools, []);
      const error = await rejection(
        client.callTool({ name: "public_a", arguments: {} }),
      ) as { code?: unknown; data?: unknown; message: string };
      assert.equal(error.code, -32603);
      assert.deepEqual(error.data, { retryAfter: 5 });
      assert.match(error.message, /Authorization service unavailable/);
      assert.equal(ran, false);
    } finally {
      await client.close();
    }
  });
});
