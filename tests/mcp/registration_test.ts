// Types that match the runtime: a guarded server's own registerTool,
// registerPrompt and registerResource take `tags` and `auth` without a
// cast, on both SDK majors; an unguarded server's do not (so a check is
// never silently dropped). `deno task check` compiles this file: every
// `@ts-expect-error` line must fail to type-check, or the check fails.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
import {
  McpServer as McpServerV2,
  ResourceTemplate as ResourceTemplateV2,
} from "@modelcontextprotocol/server";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import {
  McpServer as McpServerV1,
  ResourceTemplate as ResourceTemplateV1,
} from "@modelcontextprotocol/sdk/server/mcp.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { requireScopes } from "../../mod.ts";
import * as v2 from "../../src/mcp/mod.ts";
import * as v1 from "../../src/mcp/mod_v1.ts";

const ok = () => ({ content: [] });

/** Registers one of each on a guarded v2 server, typed as users write it. */
function registerV2(server: v2.GuardedMcpServer): void {
  server.registerTool("wipe", {
    description: "Wipes",
    inputSchema: z.object({ path: z.string() }),
    tags: ["admin"],
    auth: requireScopes("admin"),
  }, ({ path }) => ({ content: [{ type: "text", text: path }] }));
  server.registerTool("list", { auth: [requireScopes("read")] }, ok);
  server.registerPrompt("audit", { tags: new Set(["admin"]) }, () => ({
    messages: [],
  }));
  server.registerResource("readme", "file:///readme.md", {
    mimeType: "text/markdown",
    auth: requireScopes("read"),
  }, (uri) => ({ contents: [{ uri: uri.href, text: "#" }] }));
  server.registerResource(
    "user",
    new ResourceTemplateV2("file:///users/{id}", { list: undefined }),
    { tags: ["users"] },
    (uri, variables) => ({
      contents: [{ uri: uri.href, text: String(variables.id) }],
    }),
  );
  // Still an McpServer: what createMcpHandler factories return.
  const plain: McpServerV2 = server;
  void plain;
}

/** What must not type-check on v2. */
function mistakesV2(guarded: v2.GuardedMcpServer, bare: McpServerV2): void {
  // @ts-expect-error auth takes checks, not a scope string
  guarded.registerTool("a", { auth: "admin" }, ok);
  // @ts-expect-error tags are strings
  guarded.registerTool("b", { tags: [1] }, ok);
  // @ts-expect-error a misspelt tags is no tag at all
  guarded.registerTool("c", { tag: ["admin"] }, ok);
  // @ts-expect-error an unguarded server does not take auth
  bare.registerTool("d", { auth: requireScopes("admin") }, ok);
  // @ts-expect-error nor tags
  bare.registerPrompt("e", { tags: ["admin"] }, () => ({ messages: [] }));
}

function registerV1(server: v1.GuardedMcpServer): void {
  server.registerTool("wipe", {
    inputSchema: { path: z.string() },
    tags: ["admin"],
    auth: requireScopes("admin"),
  }, ({ path }) => ({ content: [{ type: "text", text: path }] }));
  server.registerPrompt("audit", { tags: ["admin"] }, () => ({ messages: [] }));
  server.registerResource("readme", "file:///readme.md", {
    auth: requireScopes("read"),
  }, (uri) => ({ contents: [{ uri: uri.href, text: "#" }] }));
  server.registerResource(
    "user",
    new ResourceTemplateV1("file:///users/{id}", { list: undefined }),
    { tags: ["users"] },
    (uri) => ({ contents: [{ uri: uri.href, text: "user" }] }),
  );
  const plain: McpServerV1 = server;
  void plain;
}

function mistakesV1(guarded: v1.GuardedMcpServer, bare: McpServerV1): void {
  // @ts-expect-error auth takes checks, not a scope string
  guarded.registerTool("a", { auth: "admin" }, ok);
  // @ts-expect-error a misspelt auth is no check at all
  guarded.registerTool("b", { auths: [requireScopes("a")] }, ok);
  // @ts-expect-error an unguarded server does not take auth
  bare.registerTool("c", { auth: requireScopes("admin") }, ok);
}

/** Node's request and response fit the preflight as they are. */
async function nodeShapes(
  guarded: v1.GuardedServer,
  req: IncomingMessage & { body?: unknown },
  res: ServerResponse,
): Promise<void> {
  const checked = await guarded.preflight(req, undefined);
  if (checked.response !== undefined) {
    await v1.writeResponse(res, checked.response);
  }
  const request: v1.NodeRequestLike = req;
  void request;
  // @ts-expect-error a Web Request's preflight result has no request for Node
  checked.request;
}

describe("registerTool, registerPrompt, registerResource on a guarded server", () => {
  it("type-checks Node's IncomingMessage and ServerResponse for the preflight", () => {
    assert.equal(typeof nodeShapes, "function");
  });

  it("take tags and auth on SDK v2, and the guard reads them", () => {
    const guarded = v2.guardServer(
      new McpServerV2({ name: "t", version: "1" }),
    );
    registerV2(guarded.server);
    assert.throws(
      () =>
        mistakesV2(
          guarded.server,
          new McpServerV2({ name: "u", version: "1" }),
        ),
      TypeError,
    );
  });

  it("take tags and auth on SDK 1.x, and the guard reads them", () => {
    const guarded = v1.guardServer(
      new McpServerV1({ name: "t", version: "1" }),
    );
    registerV1(guarded.server);
    assert.throws(
      () =>
        mistakesV1(
          guarded.server,
          new McpServerV1({ name: "u", version: "1" }),
        ),
      TypeError,
    );
  });
});
