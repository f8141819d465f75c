// The guard's decision events (src/mcp/_decisions.ts): exactly one per
// guarded request (list, call, read, get, complete), on both SDK majors,
// with the MCP method and the JSON-RPC id; over v2 Streamable HTTP, one per
// request although the pre-dispatch hook asks the Authorizer too; and behind
// the preflight, on every stack it serves and under every stepUp policy, one
// per request whether the preflight answers it (403, 503) or dispatch reuses
// its decision.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
import { Client as ClientV2 } from "@modelcontextprotocol/client";
import {
  createMcpHandler,
  InMemoryTransport as InMemoryTransportV2,
  McpServer as McpServerV2,
  ResourceTemplate as ResourceTemplateV2,
} from "@modelcontextprotocol/server";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport as InMemoryTransportV1 } from "@modelcontextprotocol/sdk/inMemory.js";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import {
  McpServer as McpServerV1,
  ResourceTemplate as ResourceTemplateV1,
} from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  type AccessToken,
  type AuthCheck,
  AuthorizationUnavailableError,
  Authorizer,
  type DecisionEvent,
  type DecisionOptions,
  requireRoles,
  requireScopes,
  restrictTag,
  StaticTokenVerifier,
  type StepUpPolicy,
  withBearerAuth,
} from "../../mod.ts";
import { type Build, call, post, STACKS, type Started } from "./_stacks.ts";
import * as v2 from "../../src/mcp/mod.ts";
import * as v1 from "../../src/mcp/mod_v1.ts";

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

interface LooseClient {
  connect(transport: never): Promise<void>;
  listTools(): Promise<unknown>;
  listPrompts(): Promise<unknown>;
  listResources(): Promise<unknown>;
  listResourceTemplates(): Promise<unknown>;
  callTool(params: unknown): Promise<unknown>;
  readResource(params: unknown): Promise<unknown>;
  getPrompt(params: unknown): Promise<unknown>;
  complete(params: unknown): Promise<unknown>;
  close(): Promise<void>;
}

interface LooseTransport {
  send(message: unknown, options?: object): Promise<void>;
}

interface LooseGuard {
  tool(name: string, config: unknown, handler: unknown): unknown;
  prompt(name: string, config: unknown, handler: unknown): unknown;
  resource(name: string, uri: unknown, config: unknown, read: unknown): unknown;
}

const SDKS = [
  {
    name: "v2",
    server: () => new McpServerV2({ name: "x", version: "1.0.0" }),
    guard: (server: object, options: unknown) =>
      v2.guardServer(server as never, options as never) as LooseGuard,
    template: (uri: string) =>
      new ResourceTemplateV2(uri, {
        list: undefined,
        complete: { id: () => ["1", "2"] },
      }),
    pair: () => InMemoryTransportV2.createLinkedPair(),
    client: () => new ClientV2({ name: "t", version: "1.0.0" }),
    promptArgs: { topic: z.string() },
  },
  {
    name: "1.x",
    server: () => new McpServerV1({ name: "x", version: "1.0.0" }),
    guard: (server: object, options: unknown) =>
      v1.guardServer(server as never, options as never) as LooseGuard,
    template: (uri: string) =>
      new ResourceTemplateV1(uri, {
        list: undefined,
        complete: { id: () => ["1", "2"] },
      }),
    pair: () => InMemoryTransportV1.createLinkedPair(),
    client: () => new ClientV1({ name: "t", version: "1.0.0" }),
    promptArgs: { topic: z.string() },
  },
];

type Sdk = typeof SDKS[number];

const SECRET_ARG = "arg-V4lue-never-logged";

function token(scopes: string[]): AccessToken {
  return {
    token: "r4w-mcp-T0ken",
    clientId: "app",
    scopes,
    claims: { sub: "ann" },
  };
}

/** A guarded server with a tool, a resource, a template and a prompt of each kind of policy. */
function build(sdk: Sdk, options: Record<string, unknown>) {
  const server = sdk.server();
  const guarded = sdk.guard(server, options);
  guarded.tool("echo", {
    inputSchema: z.object({ text: z.string() }),
  }, ({ text: value }: { text: string }) => text(value));
  guarded.tool("purge", { tags: ["admin"] }, () => text("purged"));
  guarded.tool("vault", { auth: requireScopes("vault") }, () => text("open"));
  guarded.tool("off", {}, () => text("off"));
  guarded.resource("readme", "file:///readme", {}, (uri: URL) => ({
    contents: [{ uri: uri.href, text: "hi" }],
  }));
  guarded.resource(
    "users",
    sdk.template("file:///users/{id}"),
    { tags: ["admin"] },
    (uri: URL) => ({ contents: [{ uri: uri.href, text: "user" }] }),
  );
  guarded.prompt("greet", { argsSchema: sdk.promptArgs }, () => ({
    messages: [{ role: "user", content: { type: "text", text: "hi" } }],
  }));
  return server;
}

async function connect(
  sdk: Sdk,
  server: object,
  authInfo: AccessToken,
): Promise<LooseClient> {
  const [clientSide, serverSide] = sdk.pair() as unknown as [
    LooseTransport,
    unknown,
  ];
  const send = clientSide.send.bind(clientSide);
  clientSide.send = (message, options) =>
    send(message, { ...options, authInfo });
  await (server as { connect(t: unknown): Promise<void> }).connect(serverSide);
  const client = sdk.client() as unknown as LooseClient;
  await client.connect(clientSide as never);
  return client;
}

/** A client of a guarded server, and the events of what it is told. */
async function session(
  sdk: Sdk,
  scopes: string[],
  extra: DecisionOptions = {},
) {
  const events: DecisionEvent[] = [];
  const authorizer = new Authorizer({
    layers: [restrictTag("admin", { scopes: ["admin"] })],
  });
  const server = build(sdk, {
    authorizer,
    onDecision: (event: DecisionEvent) => void events.push(event),
    ...extra,
  });
  const client = await connect(sdk, server, token(scopes));
  events.length = 0; // the handshake decides nothing, but be sure
  return { client, events };
}

const ann = { clientId: "app", subject: "ann" };

for (const sdk of SDKS) {
  describe(`guard decision events, ${sdk.name} SDK`, () => {
    /** The one event `act` caused, its request id checked and dropped. */
    async function only(
      scopes: string[],
      act: (client: LooseClient) => Promise<unknown>,
    ): Promise<DecisionEvent> {
      const { client, events } = await session(sdk, scopes);
      await act(client).catch(() => {});
      await client.close();
      assert.equal(events.length, 1, JSON.stringify(events));
      const { requestId, ...event } = events[0]!;
      assert.ok(
        typeof requestId === "number" || typeof requestId === "string",
        `requestId ${requestId}`,
      );
      assert.ok(!JSON.stringify(events).includes(SECRET_ARG));
      assert.ok(!JSON.stringify(events).includes("r4w-mcp-T0ken"));
      return event;
    }

    it("tools/list: one event, counting what was shown and hidden", async () => {
      assert.deepEqual(await only(["mcp"], (c) => c.listTools()), {
        operation: "tools/list",
        outcome: "allow",
        kind: "tool",
        shown: 2,
        hidden: 2,
        ...ann,
      });
    });

    it("prompts/list, resources/list, resources/templates/list: one each", async () => {
      const { client, events } = await session(sdk, []);
      await client.listPrompts();
      await client.listResources();
      await client.listResourceTemplates();
      await client.close();
      assert.deepEqual(
        events.map((e) => [e.operation, e.kind, e.shown, e.hidden]),
        [
          ["prompts/list", "prompt", 1, 0],
          ["resources/list", "resource", 1, 0],
          ["resources/templates/list", "resourceTemplate", 0, 1],
        ],
      );
    });

    it("resources/list counts the resources a template lists, one by one", async () => {
      const events: DecisionEvent[] = [];
      const server = sdk.server();
      const guarded = sdk.guard(server, {
        authorizer: new Authorizer({
          layers: [restrictTag("admin", { scopes: ["admin"] })],
        }),
        onDecision: (event: DecisionEvent) => void events.push(event),
      });
      const listing = (prefix: string) => ({
        list: () => ({
          resources: ["1", "2", "3"].map((id) => ({
            uri: `file:///${prefix}/${id}`,
            name: `${prefix} ${id}`,
          })),
        }),
      });
      const Template = sdk.name === "v2"
        ? ResourceTemplateV2
        : ResourceTemplateV1;
      const read = (uri: URL) => ({ contents: [{ uri: uri.href, text: "" }] });
      guarded.resource(
        "users",
        new Template("file:///users/{id}", listing("users")),
        { tags: ["admin"] },
        read,
      );
      guarded.resource(
        "notes",
        new Template("file:///notes/{id}", listing("notes")),
        {},
        read,
      );
      const client = await connect(sdk, server, token(["mcp"]));
      events.length = 0;
      const { resources } = await client.listResources() as {
        resources: { uri: string }[];
      };
      await client.close();
      assert.equal(resources.length, 3);
      assert.deepEqual(
        events.map((e) => [e.operation, e.shown, e.hidden]),
        // The admin template's callback never ran: nothing of it to hide.
        [["resources/list", 3, 0]],
      );
    });

    it('tools/list with listDecisions: "each": one per tool, then the list', async () => {
      const { client, events } = await session(sdk, [], {
        listDecisions: "each",
      });
      await client.listTools();
      await client.close();
      assert.deepEqual(events.map((e) => [e.name, e.outcome, e.shown]), [
        ["echo", "allow", undefined],
        ["purge", "hidden", undefined],
        ["vault", "hidden", undefined],
        ["off", "allow", undefined],
        [undefined, "allow", 2],
      ]);
    });

    it("tools/call allowed", async () => {
      assert.deepEqual(
        await only(
          [],
          (c) => c.callTool({ name: "echo", arguments: { text: SECRET_ARG } }),
        ),
        {
          operation: "tools/call",
          outcome: "allow",
          kind: "tool",
          name: "echo",
          ...ann,
        },
      );
    });

    it("tools/call of a tool its own auth hides", async () => {
      assert.deepEqual(await only([], (c) => c.callTool({ name: "vault" })), {
        operation: "tools/call",
        outcome: "hidden",
        reason: "opaque_denial",
        kind: "tool",
        name: "vault",
        layer: "component",
        ...ann,
      });
    });

    it("tools/call short of a layer's scope: step-up", async () => {
      assert.deepEqual(await only([], (c) => c.callTool({ name: "purge" })), {
        operation: "tools/call",
        outcome: "step-up",
        reason: "insufficient_scope",
        kind: "tool",
        name: "purge",
        missingScopes: ["admin"],
        layer: 0,
        ...ann,
      });
    });

    it("tools/call of an unknown tool names none", async () => {
      assert.deepEqual(
        await only([], (c) => c.callTool({ name: SECRET_ARG })),
        {
          operation: "tools/call",
          outcome: "hidden",
          reason: "unknown_component",
          kind: "tool",
          ...ann,
        },
      );
    });

    it("resources/read of a resource and of a template (its URI template, not the URI)", async () => {
      assert.deepEqual(
        await only([], (c) => c.readResource({ uri: "file:///readme" })),
        {
          operation: "resources/read",
          outcome: "allow",
          kind: "resource",
          name: "readme",
          uri: "file:///readme",
          ...ann,
        },
      );
      assert.deepEqual(
        await only(
          [],
          (c) => c.readResource({ uri: `file:///users/${SECRET_ARG}` }),
        ),
        {
          operation: "resources/read",
          outcome: "step-up",
          reason: "insufficient_scope",
          kind: "resourceTemplate",
          name: "users",
          uri: "file:///users/{id}",
          missingScopes: ["admin"],
          layer: 0,
          ...ann,
        },
      );
    });

    it("prompts/get", async () => {
      assert.deepEqual(
        await only(
          [],
          (c) =>
            c.getPrompt({ name: "greet", arguments: { topic: SECRET_ARG } }),
        ),
        {
          operation: "prompts/get",
          outcome: "allow",
          kind: "prompt",
          name: "greet",
          ...ann,
        },
      );
    });

    it("completion/complete of a template the token may not use", async () => {
      assert.deepEqual(
        await only([], (c) =>
          c.complete({
            ref: { type: "ref/resource", uri: "file:///users/{id}" },
            argument: { name: "id", value: SECRET_ARG },
          })),
        {
          operation: "completion/complete",
          outcome: "step-up",
          reason: "insufficient_scope",
          kind: "resourceTemplate",
          name: "users",
          uri: "file:///users/{id}",
          missingScopes: ["admin"],
          layer: 0,
          ...ann,
        },
      );
    });

    it("tools/call of a disabled tool: unknown, named as registered", async () => {
      const events: DecisionEvent[] = [];
      const server = sdk.server();
      const guarded = sdk.guard(server, {
        onDecision: (event: DecisionEvent) => void events.push(event),
      });
      const handle = guarded.tool("off", {}, () => text("off")) as {
        disable(): void;
      };
      handle.disable();
      const client = await connect(sdk, server, token([]));
      await client.callTool({ name: "off" }).catch(() => {});
      await client.close();
      assert.deepEqual(events.map(({ requestId: _, ...e }) => e), [{
        operation: "tools/call",
        outcome: "hidden",
        reason: "unknown_component",
        kind: "tool",
        name: "off",
        ...ann,
      }]);
    });

    it("reports to the authorizer's onDecision when the guard has none", async () => {
      const events: DecisionEvent[] = [];
      const server = build(sdk, {
        authorizer: new Authorizer({
          onDecision: (event) => void events.push(event),
        }),
      });
      const client = await connect(sdk, server, token([]));
      await client.callTool({ name: "echo", arguments: { text: "x" } });
      await client.close();
      assert.deepEqual(events.map((e) => e.operation), ["tools/call"]);
    });

    it("reports to its own onDecision only when both have one", async () => {
      const guardEvents: DecisionEvent[] = [];
      const authorizerEvents: DecisionEvent[] = [];
      const server = build(sdk, {
        authorizer: new Authorizer({
          onDecision: (event) => void authorizerEvents.push(event),
        }),
        onDecision: (event: DecisionEvent) => void guardEvents.push(event),
      });
      const client = await connect(sdk, server, token([]));
      await client.listTools();
      await client.callTool({ name: "purge" }).catch(() => {});
      await client.close();
      assert.deepEqual(guardEvents.map((e) => e.operation), [
        "tools/list",
        "tools/call",
      ]);
      assert.deepEqual(authorizerEvents, []);
    });

    it("refuses a decision option typo at guardServer()", () => {
      assert.throws(
        () => sdk.guard(sdk.server(), { onDecison: () => {} }),
        /Unknown guardServer option "onDecison" \(did you mean "onDecision"\?\)/,
      );
    });
  });
}

describe("guard decision events over v2 Streamable HTTP", () => {
  const verifier = new StaticTokenVerifier({
    tokens: {
      "reader-token": {
        clientId: "reader",
        scopes: ["read"],
        claims: { sub: "ann" },
      },
    },
  });

  function endpoint() {
    const events: DecisionEvent[] = [];
    const onDecision = (event: DecisionEvent) => void events.push(event);
    const mcp = createMcpHandler(() =>
      build(SDKS[0]!, {
        authorizer: new Authorizer({
          layers: [restrictTag("admin", { scopes: ["admin"] })],
        }),
        onDecision,
      }) as McpServerV2
    );
    const handler = withBearerAuth(
      (request, token) => mcp.fetch(request, token ? { authInfo: token } : {}),
      { verifier, onDecision },
    );
    return { handler, events, close: () => mcp.close() };
  }

  function call(name: string, id: number): Request {
    return new Request("http://127.0.0.1/mcp", {
      method: "POST",
      headers: {
        authorization: "Bearer reader-token",
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name, arguments: { text: SECRET_ARG } },
      }),
    });
  }

  const reader = { clientId: "reader", subject: "ann" };

  for (
    const [tool, status, outcome] of [
      ["echo", 200, "allow"],
      ["purge", 403, "step-up"],
      ["vault", 200, "hidden"],
    ] as const
  ) {
    it(`a ${outcome} tools/call: one http event and one tools/call event`, async () => {
      const { handler, events, close } = endpoint();
      try {
        const response = await handler(call(tool, 41));
        assert.equal(response.status, status);
        await response.body?.cancel();
        assert.deepEqual(
          events.map((e) => [e.operation, e.outcome, e.requestId]),
          [["tools/call", outcome, 41], ["http", "allow", undefined]],
        );
        assert.deepEqual(
          [events[1]!.clientId, events[1]!.subject],
          [reader.clientId, reader.subject],
        );
        assert.ok(!JSON.stringify(events).includes(SECRET_ARG));
      } finally {
        await close();
      }
    });
  }
});

describe("guard decision events behind the preflight, over HTTP on both SDKs", () => {
  /** How many times the echo tool's own check ran. */
  let runs = 0;
  const counting: AuthCheck = () => (runs++, true);
  const roles = requireRoles(["ops"], { extract: (claims) => claims.roles });
  /** A layer asking a policy engine that is down, for the tool "down". */
  const policyEngine: AuthCheck = (ctx) => {
    if (ctx.component.name === "down") {
      throw new AuthorizationUnavailableError("pdp.internal down", {
        retryAfter: 5,
      });
    }
    return true;
  };

  function notes(stepUp: StepUpPolicy, events: DecisionEvent[]): Build {
    const authorizer = new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] }), policyEngine],
      stepUp,
    });
    const onDecision = (event: DecisionEvent) => void events.push(event);
    return (guard) => {
      const guarded = guard({ authorizer, onDecision });
      guarded.tool("echo", { auth: counting }, () => text("echo"));
      guarded.tool(
        "add_note",
        { auth: requireScopes("write") },
        () => text("added"),
      );
      guarded.tool("purge", { tags: ["admin"] }, () => text("purged"));
      guarded.tool("ops", { auth: roles }, () => text("ops"));
      guarded.tool("down", {}, () => text("never"));
      return guarded;
    };
  }

  /** What one request is answered, and the one event it must cause. */
  interface Case {
    tool: string;
    token: string;
    status: number;
    event: Partial<DecisionEvent>;
  }

  const hidden = (layer: number | "component"): Partial<DecisionEvent> => ({
    outcome: "hidden",
    reason: "opaque_denial",
    layer,
  });
  const stepUp = (
    missingScopes: string[],
    layer: number | "component",
  ): Partial<DecisionEvent> => ({
    outcome: "step-up",
    reason: "insufficient_scope",
    missingScopes,
    layer,
  });

  function cases(policy: StepUpPolicy): Case[] {
    return [
      // Allowed by the preflight, reused by dispatch: one event, one run.
      {
        tool: "echo",
        token: "reader",
        status: 200,
        event: { outcome: "allow" },
      },
      // An own-auth shortfall: a step-up only under "always".
      {
        tool: "add_note",
        token: "reader",
        status: policy === "always" ? 403 : 200,
        event: policy === "always"
          ? stepUp(["write"], "component")
          : hidden("component"),
      },
      // A layer's shortfall: a step-up but under "never".
      {
        tool: "purge",
        token: "writer",
        status: policy === "never" ? 200 : 403,
        event: policy === "never" ? hidden(0) : stepUp(["admin"], 0),
      },
      { tool: "ops", token: "reader", status: 200, event: hidden("component") },
      {
        tool: "nope",
        token: "reader",
        status: 200,
        event: { outcome: "hidden", reason: "unknown_component" },
      },
      // The policy engine down: the preflight's 503.
      {
        tool: "down",
        token: "reader",
        status: 503,
        event: { outcome: "unavailable", reason: "unavailable", layer: 1 },
      },
    ];
  }

  const running: Started[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((started) => started.close()));
  });

  for (const stack of STACKS) {
    for (const policy of ["layers", "always", "never"] as const) {
      it(`${stack.name}, stepUp "${policy}": exactly one event per list and per call`, async () => {
        const events: DecisionEvent[] = [];
        const started = await stack.start(notes(policy, events));
        running.push(started);
        const listed = await post(
          started.url,
          { jsonrpc: "2.0", id: 30, method: "tools/list" },
          "Bearer reader",
        );
        assert.equal(listed.status, 200);
        await listed.body?.cancel();
        const shown = policy === "always" ? 3 : 1;
        assert.deepEqual(events, [{
          operation: "tools/list",
          outcome: "allow",
          kind: "tool",
          shown,
          hidden: 5 - shown,
          clientId: "app",
          requestId: 30,
        }]);
        const all: Case[] = cases(policy);
        for (const [i, c] of all.entries()) {
          events.length = 0;
          runs = 0;
          const id = 40 + i;
          const response = await post(
            started.url,
            call(c.tool, { text: SECRET_ARG }, id),
            `Bearer ${c.token}`,
          );
          const body = await response.text();
          const what: string = `${c.tool}: ${response.status} ${body} ${
            JSON.stringify(events)
          }`;
          assert.equal(response.status, c.status, what);
          if (c.status === 503) {
            assert.equal(response.headers.get("retry-after"), "5");
          }
          assert.equal(events.length, 1, what);
          const only: DecisionEvent = events[0]!;
          const { name, ...event } = only;
          assert.deepEqual(event, {
            operation: "tools/call",
            kind: "tool",
            clientId: "app",
            requestId: id,
            ...c.event,
          } as never, what);
          assert.equal(name, c.tool === "nope" ? undefined : c.tool);
          if (c.tool === "echo") assert.equal(runs, 1, "checks ran once");
          assert.ok(!JSON.stringify(events).includes(SECRET_ARG));
        }
      });
    }

    it(`${stack.name}: one event for an anonymous call (decided again in dispatch)`, async () => {
      const events: DecisionEvent[] = [];
      const started = await stack.start(notes("always", events));
      running.push(started);
      const response = await post(started.url, call("echo", {}, 7), undefined);
      assert.equal(response.status, 200);
      await response.body?.cancel();
      assert.deepEqual(events, [{
        operation: "tools/call",
        outcome: "allow",
        kind: "tool",
        name: "echo",
        requestId: 7,
      }]);
    });

    it(`${stack.name}: a batch: one event per call dispatched, only the refused one's when the preflight answers`, async () => {
      const events: DecisionEvent[] = [];
      const started = await stack.start(notes("layers", events));
      running.push(started);
      const legacy = { "mcp-protocol-version": "2025-03-26" };
      const served = await post(
        started.url,
        [call("echo", {}, 1), call("ops", {}, 2), call("echo", {}, 2)],
        "Bearer writer",
        legacy,
      );
      assert.equal(served.status, 200);
      await served.body?.cancel();
      // The repeated id is decided again in dispatch: still one each.
      assert.deepEqual(
        events.map((e) => [e.requestId, e.name, e.outcome]).sort(),
        [[1, "echo", "allow"], [2, "echo", "allow"], [2, "ops", "hidden"]],
      );
      events.length = 0;
      const refused = await post(
        started.url,
        [call("echo", {}, 1), call("purge", {}, 2)],
        "Bearer writer",
        legacy,
      );
      assert.equal(refused.status, 403);
      await refused.body?.cancel();
      // echo was allowed, but the request was refused: it was never run.
      assert.deepEqual(events.map((e) => [e.requestId, e.name, e.outcome]), [
        [2, "purge", "step-up"],
      ]);
    });
  }
});
