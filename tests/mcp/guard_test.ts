import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
import { Client } from "@modelcontextprotocol/client";
import {
  completable,
  InMemoryTransport,
  McpServer,
  ResourceTemplate,
} from "@modelcontextprotocol/server";
import {
  type AccessToken,
  type AuthCheck,
  type AuthContext,
  AuthorizationError,
  Authorizer,
  requireRoles,
  requireScopes,
  restrictTag,
} from "../../mod.ts";
import { GuardedServer, guardServer } from "../../src/mcp/mod.ts";

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

function tokenWith(
  scopes: string[],
  claims: Record<string, unknown> = {},
): AccessToken {
  return { token: "opaque", clientId: "app", scopes, claims };
}

/** A v2 SDK Client over an in-memory pair whose messages carry `authInfo`. */
async function connect(
  server: McpServer,
  authInfo: unknown,
): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const send = clientSide.send.bind(clientSide);
  clientSide.send = (message, options) =>
    send(message, { ...options, authInfo: authInfo as AccessToken });
  await server.connect(serverSide);
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(clientSide);
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<
  { code: unknown; message: string; data: unknown }
> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: unknown; message: string; data?: unknown };
    return { code: e.code, message: e.message, data: e.data };
  }
  assert.fail("expected a rejection");
}

/** A server with public, write-scoped and admin-tagged tools. */
function notesServer(options: { layers?: AuthCheck[] } = {}) {
  const server = new McpServer({ name: "notes", version: "1.0.0" });
  const guarded = guardServer(server, {
    authorizer: new Authorizer({
      layers: options.layers ?? [restrictTag("admin", { scopes: ["admin"] })],
    }),
  });
  const calls: string[] = [];
  guarded.tool("read_notes", { description: "Reads" }, () => {
    calls.push("read_notes");
    return text("notes");
  });
  guarded.tool(
    "add_note",
    {
      inputSchema: z.object({ text: z.string() }),
      auth: requireScopes("write"),
    },
    ({ text: note }) => {
      calls.push(`add_note:${note}`);
      return text("added");
    },
  );
  guarded.tool("purge", { tags: ["admin"] }, () => {
    calls.push("purge");
    return text("purged");
  });
  return { server, guarded, calls };
}

describe("guardServer() tools", () => {
  it("lists only the tools a token may use", async () => {
    const { server } = notesServer();
    const client = await connect(server, tokenWith(["read"]));
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ["read_notes"]);
    await client.close();

    const { server: server2 } = notesServer();
    const admin = await connect(server2, tokenWith(["write", "admin"]));
    const all = await admin.listTools();
    assert.deepEqual(all.tools.map((t) => t.name), [
      "read_notes",
      "add_note",
      "purge",
    ]);
    await admin.close();
  });

  it("never sends tags or checks to the client", async () => {
    const { server } = notesServer();
    const client = await connect(server, tokenWith(["admin"]));
    const { tools } = await client.listTools();
    const purge = tools.find((t) => t.name === "purge");
    assert.ok(purge);
    assert.equal("tags" in purge, false);
    assert.equal("auth" in purge, false);
    await client.close();
  });

  it("gives an unknown tool and a hidden tool identical errors", async () => {
    const { server, calls } = notesServer();
    const client = await connect(server, tokenWith(["read"]));
    const unknown = await rejection(
      client.callTool({ name: "no_such_tool", arguments: { text: "x" } }),
    );
    const hidden = await rejection(
      client.callTool({ name: "add_note", arguments: { text: "x" } }),
    );
    assert.equal(unknown.code, -32602);
    assert.deepEqual(hidden, unknown);
    assert.match(hidden.message, /Tool not found or not authorized/);
    assert.equal(hidden.data, undefined);
    assert.deepEqual(calls, []);
    await client.close();
  });

  it("denies a hidden tool before validating its arguments", async () => {
    const { server } = notesServer();
    const client = await connect(server, tokenWith([]));
    const unknown = await rejection(client.callTool({ name: "nope" }));
    // Bad arguments would make the SDK name the tool in a validation error.
    const hidden = await rejection(
      client.callTool({ name: "add_note", arguments: { text: 42 } }),
    );
    assert.deepEqual(hidden, unknown);
    await client.close();
  });

  it("names the missing scopes in data.requiredScopes for a layer's shortfall", async () => {
    const { server, calls } = notesServer();
    const client = await connect(server, tokenWith(["write"]));
    const denied = await rejection(client.callTool({ name: "purge" }));
    assert.equal(denied.code, -32602);
    assert.match(denied.message, /Insufficient scope/);
    assert.deepEqual(denied.data, { requiredScopes: ["admin"] });
    assert.deepEqual(calls, []);
    await client.close();
  });

  it("answers an opaque layer denial like an unknown tool", async () => {
    const { server } = notesServer({
      layers: [
        requireRoles(["staff"], { extract: (c) => c.roles as string[] }),
      ],
    });
    const client = await connect(
      server,
      tokenWith(["write"], { roles: ["guest"] }),
    );
    const unknown = await rejection(client.callTool({ name: "nope" }));
    const denied = await rejection(client.callTool({ name: "read_notes" }));
    assert.deepEqual(denied, unknown);
    await client.close();
  });

  it("calls an allowed tool with its arguments", async () => {
    const { server, calls } = notesServer();
    const client = await connect(server, tokenWith(["write"]));
    const result = await client.callTool({
      name: "add_note",
      arguments: { text: "hi" },
    });
    assert.deepEqual(result.content, [{ type: "text", text: "added" }]);
    assert.deepEqual(calls, ["add_note:hi"]);
    await client.close();
  });

  it("shows checks the call's arguments as ctx.arguments", async () => {
    const server = new McpServer({ name: "files", version: "1.0.0" });
    const guarded = guardServer(server);
    const seen: unknown[] = [];
    const notEtc: AuthCheck = (ctx: AuthContext) => {
      seen.push(ctx.arguments);
      return !String(ctx.arguments?.path).startsWith("/etc/");
    };
    guarded.tool(
      "delete_file",
      { inputSchema: z.object({ path: z.string() }), auth: notEtc },
      ({ path }) => text(`deleted ${path}`),
    );
    const client = await connect(server, tokenWith([]));
    const ok = await client.callTool({
      name: "delete_file",
      arguments: { path: "/tmp/x" },
    });
    assert.deepEqual(ok.content, [{ type: "text", text: "deleted /tmp/x" }]);
    const denied = await rejection(
      client.callTool({
        name: "delete_file",
        arguments: { path: "/etc/passwd" },
      }),
    );
    assert.match(denied.message, /Tool not found or not authorized/);
    // Listing runs the check with no arguments.
    assert.deepEqual(seen.slice(-2), [{ path: "/tmp/x" }, {
      path: "/etc/passwd",
    }]);
    await client.close();
  });

  it("treats a request without a token as unauthenticated", async () => {
    const { server } = notesServer({ layers: [requireScopes("mcp")] });
    const client = await connect(server, undefined);
    assert.deepEqual((await client.listTools()).tools, []);
    const denied = await rejection(client.callTool({ name: "read_notes" }));
    assert.match(denied.message, /Tool not found or not authorized/);
    assert.equal(denied.data, undefined);
    await client.close();
  });

  it("accepts the SDK's own AuthInfo, which has no claims", async () => {
    const { server } = notesServer();
    const client = await connect(server, {
      token: "t",
      clientId: "c",
      scopes: ["write"],
      expiresAt: 2_000_000_000,
    });
    const result = await client.callTool({
      name: "add_note",
      arguments: { text: "x" },
    });
    assert.deepEqual(result.content, [{ type: "text", text: "added" }]);
    await client.close();
  });

  it("treats a malformed authInfo as no token", async () => {
    const { server } = notesServer({ layers: [requireScopes("mcp")] });
    const client = await connect(server, { token: "t", scopes: "mcp" });
    assert.deepEqual((await client.listTools()).tools, []);
    await client.close();
  });

  it("answers a check that throws like an unknown tool, without its message", async () => {
    const server = new McpServer({ name: "x", version: "1.0.0" });
    const reported: unknown[] = [];
    const guarded = guardServer(server, {
      authorizer: new Authorizer({ onError: (e) => reported.push(e) }),
    });
    guarded.tool("t", {
      auth: () => {
        throw new Error("database password is hunter2");
      },
    }, () => text("ran"));
    const client = await connect(server, tokenWith([]));
    const denied = await rejection(client.callTool({ name: "t" }));
    assert.doesNotMatch(denied.message, /hunter2/);
    assert.match(denied.message, /Tool not found or not authorized/);
    assert.equal(reported.length, 1);
    await client.close();
  });

  it("answers a layer's own AuthorizationError like an unknown tool", async () => {
    const { server } = notesServer({
      layers: [() => {
        throw new AuthorizationError("Account suspended: see ticket 42");
      }],
    });
    const client = await connect(server, tokenWith(["write"]));
    const unknown = await rejection(client.callTool({ name: "nope" }));
    const denied = await rejection(client.callTool({ name: "read_notes" }));
    assert.deepEqual(denied, unknown);
    await client.close();
  });

  it("answers a disabled tool like an unknown one", async () => {
    const { server, guarded } = notesServer();
    const extra = guarded.tool("extra", {}, () => text("x"));
    extra.disable();
    const client = await connect(server, tokenWith([]));
    const unknown = await rejection(client.callTool({ name: "nope" }));
    const disabled = await rejection(client.callTool({ name: "extra" }));
    assert.deepEqual(disabled, unknown);
    await client.close();
  });

  it("keeps guarding a tool after it is renamed, and forgets a removed one", async () => {
    const { server, guarded } = notesServer();
    const tool = guarded.tool(
      "old_name",
      { auth: requireScopes("x") },
      () => text("x"),
    );
    tool.update({ name: "new_name" });
    guarded.tool("gone", {}, () => text("x")).remove();
    const client = await connect(server, tokenWith(["x"]));
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes("new_name"));
    assert.ok(!names.includes("old_name") && !names.includes("gone"));
    await client.close();
    const { server: s2, guarded: g2 } = notesServer();
    g2.tool("old_name", { auth: requireScopes("x") }, () => text("x"))
      .update({ name: "new_name" });
    const other = await connect(s2, tokenWith([]));
    const unknown = await rejection(other.callTool({ name: "nope" }));
    assert.deepEqual(
      await rejection(other.callTool({ name: "new_name" })),
      unknown,
    );
    await other.close();
  });

  it("guards tools registered on the McpServer directly", async () => {
    const { server } = notesServer();
    server.registerTool(
      "direct",
      { description: "d", tags: ["admin"] } as { description: string },
      () => text("direct"),
    );
    const client = await connect(server, tokenWith([]));
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.deepEqual(names, ["read_notes"]);
    const denied = await rejection(client.callTool({ name: "direct" }));
    assert.deepEqual(denied.data, { requiredScopes: ["admin"] });
    await client.close();
  });
});

describe("guardServer() resources", () => {
  function filesServer() {
    const server = new McpServer({ name: "files", version: "1.0.0" });
    const guarded = guardServer(server, {
      authorizer: new Authorizer({
        layers: [restrictTag("admin", { scopes: ["admin"] })],
      }),
    });
    const seen: unknown[] = [];
    guarded.resource("readme", "file:///readme.md", {}, (uri) => ({
      contents: [{ uri: uri.href, text: "readme" }],
    }));
    guarded.resource("secrets", "file:///secrets", { tags: ["admin"] }, (
      uri,
    ) => ({ contents: [{ uri: uri.href, text: "s3cr3t" }] }));
    guarded.resource(
      "home",
      new ResourceTemplate("file:///home/{user}/{file}", {
        list: () => ({
          resources: [
            { uri: "file:///home/ann/a.txt", name: "a.txt" },
            { uri: "file:///home/bob/b.txt", name: "b.txt" },
          ],
        }),
      }),
      {
        auth: (ctx) => {
          seen.push(ctx.arguments);
          return ctx.arguments === undefined ||
            ctx.arguments.user === ctx.token?.claims.sub;
        },
      },
      (uri, vars) => ({
        contents: [{ uri: uri.href, text: `of ${vars.user}` }],
      }),
    );
    guarded.resource(
      "audit",
      new ResourceTemplate("audit://{day}", { list: undefined }),
      { tags: ["admin"] },
      (uri) => ({ contents: [{ uri: uri.href, text: "log" }] }),
    );
    return { server, seen };
  }

  it("lists only the resources and templates a token may read", async () => {
    const { server } = filesServer();
    const client = await connect(server, tokenWith([], { sub: "ann" }));
    const { resources } = await client.listResources();
    assert.deepEqual(resources.map((r) => r.uri), [
      "file:///readme.md",
      "file:///home/ann/a.txt",
      "file:///home/bob/b.txt",
    ]);
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.name), ["home"]);
    await client.close();
  });

  it("shows a template's URI variables to checks as ctx.arguments", async () => {
    const { server, seen } = filesServer();
    const client = await connect(server, tokenWith([], { sub: "ann" }));
    const ok = await client.readResource({ uri: "file:///home/ann/a.txt" });
    assert.deepEqual(ok.contents, [{
      uri: "file:///home/ann/a.txt",
      text: "of ann",
    }]);
    const unknown = await rejection(
      client.readResource({ uri: "file:///nowhere" }),
    );
    const denied = await rejection(
      client.readResource({ uri: "file:///home/bob/b.txt" }),
    );
    assert.equal(unknown.code, -32602);
    assert.match(unknown.message, /Resource not found or not authorized/);
    // Alike but for the URI each sent, echoed as data.uri (SEP-2164).
    assert.deepEqual(denied, {
      ...unknown,
      data: { uri: "file:///home/bob/b.txt" },
    });
    assert.deepEqual(unknown.data, { uri: "file:///nowhere" });
    assert.deepEqual(seen.at(-1), { user: "bob", file: "b.txt" });
    await client.close();
  });

  it("asks for the admin scope to read an admin-tagged resource", async () => {
    const { server } = filesServer();
    const client = await connect(server, tokenWith([]));
    const denied = await rejection(
      client.readResource({ uri: "file:///secrets" }),
    );
    assert.deepEqual(denied.data, { requiredScopes: ["admin"] });
    const templated = await rejection(
      client.readResource({ uri: "audit://monday" }),
    );
    assert.deepEqual(templated.data, { requiredScopes: ["admin"] });
    await client.close();
  });
});

describe("guardServer() prompts", () => {
  function promptServer() {
    const server = new McpServer({ name: "p", version: "1.0.0" });
    const guarded = guardServer(server, {
      authorizer: new Authorizer({
        layers: [restrictTag("admin", { scopes: ["admin"] })],
      }),
    });
    const seen: unknown[] = [];
    const message = (t: string) => ({
      messages: [{
        role: "user" as const,
        content: { type: "text" as const, text: t },
      }],
    });
    guarded.prompt("greet", {}, () => message("hello"));
    guarded.prompt("audit", { tags: ["admin"] }, () => message("audit"));
    guarded.prompt(
      "summarize",
      {
        argsSchema: z.object({ topic: z.string() }),
        auth: (ctx) => {
          seen.push(ctx.arguments);
          return ctx.arguments?.topic !== "payroll";
        },
      },
      ({ topic }) => message(`summarize ${topic}`),
    );
    return { server, seen };
  }

  it("lists and gets only the prompts a token may use", async () => {
    const { server, seen } = promptServer();
    const client = await connect(server, tokenWith([]));
    const { prompts } = await client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name), ["greet", "summarize"]);
    const got = await client.getPrompt({
      name: "summarize",
      arguments: { topic: "sales" },
    });
    assert.deepEqual(got.messages[0]?.content, {
      type: "text",
      text: "summarize sales",
    });
    const unknown = await rejection(client.getPrompt({ name: "nope" }));
    const denied = await rejection(
      client.getPrompt({ name: "summarize", arguments: { topic: "payroll" } }),
    );
    assert.match(unknown.message, /Prompt not found or not authorized/);
    assert.deepEqual(denied, unknown);
    assert.deepEqual(seen.at(-1), { topic: "payroll" });
    const stepUp = await rejection(client.getPrompt({ name: "audit" }));
    assert.deepEqual(stepUp.data, { requiredScopes: ["admin"] });
    await client.close();
  });
});

describe("guardServer() completions", () => {
  it("completes only for prompts and templates the token may use", async () => {
    const server = new McpServer({ name: "c", version: "1.0.0" });
    const guarded = guardServer(server, {
      authorizer: new Authorizer({
        layers: [restrictTag("admin", { scopes: ["admin"] })],
      }),
    });
    const topics = () => ["sales", "support"];
    for (
      const [name, tags] of [["public", []], ["audit", ["admin"]]] as const
    ) {
      guarded.prompt(name, {
        tags,
        argsSchema: z.object({ topic: completable(z.string(), topics) }),
      }, () => ({ messages: [] }));
    }
    guarded.resource(
      "logs",
      new ResourceTemplate("logs://{day}", {
        list: undefined,
        complete: { day: () => ["monday"] },
      }),
      { tags: ["admin"] },
      (uri) => ({ contents: [{ uri: uri.href, text: "" }] }),
    );
    const client = await connect(server, tokenWith([]));
    const argument = { name: "topic", value: "s" };
    const ok = await client.complete({
      ref: { type: "ref/prompt", name: "public" },
      argument,
    });
    assert.deepEqual(ok.completion.values, ["sales", "support"]);
    const unknown = await rejection(client.complete({
      ref: { type: "ref/prompt", name: "nope" },
      argument,
    }));
    assert.match(unknown.message, /Prompt not found or not authorized/);
    const hidden = await rejection(client.complete({
      ref: { type: "ref/prompt", name: "audit" },
      argument,
    }));
    assert.deepEqual(hidden.data, { requiredScopes: ["admin"] });
    const template = await rejection(client.complete({
      ref: { type: "ref/resource", uri: "logs://{day}" },
      argument: { name: "day", value: "m" },
    }));
    assert.deepEqual(template.data, { requiredScopes: ["admin"] });
    await client.close();
  });
});

describe("guardServer() options", () => {
  it("throws TypeError for a server that already registered something", () => {
    const server = new McpServer({ name: "x", version: "1.0.0" });
    server.registerTool("early", {}, () => text("x"));
    assert.throws(
      () => guardServer(server),
      (e: unknown) =>
        e instanceof TypeError &&
        /must run before any tool, resource or prompt is registered/.test(
          e.message,
        ),
    );
  });

  it("throws TypeError for a server declaring tools capabilities up front", () => {
    const server = new McpServer({ name: "x", version: "1.0.0" }, {
      capabilities: { tools: {} },
    });
    assert.throws(() => guardServer(server), TypeError);
  });

  it("throws TypeError when guarding the same server twice", () => {
    const server = new McpServer({ name: "x", version: "1.0.0" });
    guardServer(server);
    assert.throws(() => guardServer(server), TypeError);
  });

  it("throws TypeError for something that is not an McpServer or Authorizer", () => {
    assert.throws(
      () => guardServer({} as McpServer),
      /guardServer\(\) needs an McpServer/,
    );
    const server = new McpServer({ name: "x", version: "1.0.0" });
    assert.throws(
      () => guardServer(server, { authorizer: {} as Authorizer }),
      /guardServer option "authorizer" must be an Authorizer: write guardServer\(server, \{ authorizer: new Authorizer\(\{ layers \}\) \}\), got an object$/,
    );
  });

  it("throws TypeError for malformed tags or auth", () => {
    const guarded = new GuardedServer(
      new McpServer({ name: "x", version: "1.0.0" }),
    );
    assert.throws(
      () => guarded.tool("t", { tags: "admin" as never }, () => text("x")),
      /Tool "t" tags must be an array or Set of strings, got "admin"/,
    );
    assert.throws(
      () => guarded.tool("t", { auth: ["yes" as never] }, () => text("x")),
      /Tool "t" auth must be a check/,
    );
    assert.throws(
      () =>
        guarded.tool(
          "t",
          { scopeChallenge: () => undefined } as never,
          () => text("x"),
        ),
      /Tool "t" config has a scopeChallenge: the guard sets it/,
    );
    assert.throws(
      () => guarded.tool("t", { tags: ["ok", 7] as never }, () => text("x")),
      /Tool "t" tags must be an array or Set of strings, got "7" in it/,
    );
    assert.throws(
      () => guarded.prompt("p", null as never, () => ({ messages: [] })),
      /Prompt "p" config must be an object, got null/,
    );
    assert.throws(
      () => guarded.tool(42 as never, {}, () => text("x")),
      /Tool name must be a non-empty string, got "42"/,
    );
    assert.throws(
      () => guarded.resource("r", 7 as never, {}, () => ({ contents: [] })),
      /Resource "r" needs a URI string or a ResourceTemplate, got "7"/,
    );
  });
});
