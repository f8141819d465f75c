// The SDK-independent guard (src/mcp/_guard.ts), driven with each SDK
// binding directly: arguments checked before anything changes, what is
// registered through it indexed with its auth, a resource that is neither a
// URI nor a template refused, and a template's listed resources still
// judged by it after the SDK handle's update({ template }).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/client";
import {
  InMemoryTransport,
  McpServer,
  ResourceTemplate,
} from "@modelcontextprotocol/server";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer as McpServerV1 } from "@modelcontextprotocol/sdk/server/mcp.js";
import { Authorizer } from "../../mod.ts";
import { checkGuardArguments, Guard } from "../../src/mcp/_guard.ts";
import { SDK_V2 } from "../../src/mcp/_sdk.ts";
import { SDK_V1 } from "../../src/mcp/_sdk_v1.ts";

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});
const newServer = () => new McpServer({ name: "x", version: "1.0.0" });

/** A client of `server` over an in-memory pair (no token: nothing is granted). */
async function clientOf(server: McpServer): Promise<Client> {
  const [client, transport] = InMemoryTransport.createLinkedPair();
  await server.connect(transport);
  const mcp = new Client({ name: "c", version: "1.0.0" });
  await mcp.connect(client);
  return mcp;
}

describe("checkGuardArguments()", () => {
  it("accepts an McpServer of the binding's SDK and valid options", () => {
    assert.doesNotThrow(() =>
      checkGuardArguments("guardServer", newServer(), undefined, SDK_V2)
    );
    assert.doesNotThrow(() =>
      checkGuardArguments(
        "GuardedServer",
        new McpServerV1({ name: "x", version: "1" }),
        { authorizer: new Authorizer() },
        SDK_V1,
      )
    );
  });

  it("refuses what is not an McpServer, naming the callee", () => {
    assert.throws(
      () => checkGuardArguments("guardServer", {}, undefined, SDK_V2),
      /^TypeError: guardServer\(\) needs an McpServer from "@modelcontextprotocol\/server", got /,
    );
    assert.throws(
      () => checkGuardArguments("GuardedServer", null, undefined, SDK_V1),
      /^TypeError: new GuardedServer\(\) needs an McpServer from "@modelcontextprotocol\/sdk", got /,
    );
  });

  it("refuses the other SDK's McpServer, naming the entry point to use", () => {
    assert.throws(
      () => checkGuardArguments("guardServer", newServer(), undefined, SDK_V1),
      /use the one from "@mcp-authz\/core\/mcp" instead/,
    );
  });

  it("refuses unknown options, and changes nothing", () => {
    const server = newServer();
    assert.throws(
      () => checkGuardArguments("guardServer", server, { layerz: [] }, SDK_V2),
      TypeError,
    );
    // Not taken over: an unguarded server still registers as it always did,
    // and a guard can still take it.
    server.registerTool("t", {}, () => text("x"));
    assert.throws(
      () => new Guard(server, undefined, SDK_V2, "guardServer"),
      /must run before any tool, resource or prompt is registered/,
    );
    assert.doesNotThrow(() =>
      new Guard(newServer(), {}, SDK_V2, "guardServer")
    );
  });
});

describe("Guard", () => {
  it("indexes each registration with its auth: the list hides what it denies", async () => {
    const server = newServer();
    const guard = new Guard(server, undefined, SDK_V2, "guardServer");
    const handle = guard.tool("open", {}, () => text("o")) as {
      enabled: boolean;
    };
    assert.equal(handle.enabled, true);
    guard.tool("closed", { auth: () => false }, () => text("c"));
    guard.prompt("hidden", { auth: () => false }, () => ({ messages: [] }));
    guard.resource("readme", "file:///readme.md", {}, (uri: URL) => ({
      contents: [{ uri: uri.href, text: "#" }],
    }));
    guard.resource("secret", "file:///secret", { auth: () => false }, (
      uri: URL,
    ) => ({ contents: [{ uri: uri.href, text: "s" }] }));
    const mcp = await clientOf(server);
    try {
      assert.deepEqual((await mcp.listTools()).tools.map((t) => t.name), [
        "open",
      ]);
      assert.deepEqual((await mcp.listPrompts()).prompts, []);
      assert.deepEqual(
        (await mcp.listResources()).resources.map((r) => r.uri),
        ["file:///readme.md"],
      );
      await assert.rejects(
        mcp.callTool({ name: "closed", arguments: {} }),
        /Unknown tool|not found/i,
      );
    } finally {
      await mcp.close();
    }
  });

  it("refuses a resource that is neither a URI string nor a ResourceTemplate", () => {
    const guard = new Guard(newServer(), undefined, SDK_V2, "guardServer");
    for (const uri of [new URL("file:///r"), undefined, { uriTemplate: "x" }]) {
      assert.throws(
        () => guard.resource("r", uri, {}, () => ({ contents: [] })),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message.startsWith(
            'Resource "r" needs a URI string or a ResourceTemplate, got ',
          ),
      );
    }
  });

  it("keeps a template's listed resources judged by it after update({ template })", async () => {
    const server = newServer();
    const guard = new Guard(server, undefined, SDK_V2, "guardServer");
    // Listed URIs that the template's pattern does not match: only the
    // attribution to the template lets the list show them.
    const template = (uri: string) =>
      new ResourceTemplate("file:///users/{id}", {
        list: () => ({ resources: [{ uri, name: uri }] }),
      });
    const handle = guard.resource(
      "users",
      template("mem://first"),
      { auth: () => true },
      (uri: URL) => ({ contents: [{ uri: uri.href, text: "u" }] }),
    ) as { update(updates: unknown): void; enabled: boolean };
    const mcp = await clientOf(server);
    try {
      const listed = async () =>
        (await mcp.listResources()).resources.map((r) => r.uri);
      assert.deepEqual(await listed(), ["mem://first"]);
      handle.update({ template: template("mem://second") });
      assert.deepEqual(await listed(), ["mem://second"]);
      // Other updates reach the SDK as they are.
      handle.update({ enabled: false });
      assert.equal(handle.enabled, false);
    } finally {
      await mcp.close();
    }
  });

  it("shows checks the new URI template after update({ template }), under its new name too", async () => {
    const server = newServer();
    const uris: unknown[] = [];
    const guard = new Guard(
      server,
      {
        authorizer: new Authorizer({
          layers: [(ctx) => {
            uris.push([ctx.component.name, ctx.component.uri]);
            return true;
          }],
        }),
      },
      SDK_V2,
      "guardServer",
    );
    const handle = guard.resource(
      "users",
      new ResourceTemplate("file:///users/{id}", { list: undefined }),
      {},
      (uri: URL) => ({ contents: [{ uri: uri.href, text: "u" }] }),
    ) as { update(updates: unknown): void };
    handle.update({
      template: new ResourceTemplate("file:///people/{id}", {
        list: undefined,
      }),
      name: "people",
    });
    const mcp = await clientOf(server);
    try {
      await mcp.readResource({ uri: "file:///people/1" });
      assert.deepEqual(uris, [["people", "file:///people/{id}"]]);
    } finally {
      await mcp.close();
    }
  });
});
