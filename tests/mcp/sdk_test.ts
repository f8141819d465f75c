// Canaries for the one SDK behaviour the guard relies on beyond the public
// API surface (src/mcp/_intercept.ts, src/mcp/_sdk.ts): McpServer installs
// its list, call, read and get handlers through
// `server.server.setRequestHandler`, lazily, on the first registration. If a release changes that, these tests fail loudly.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
import {
  completable,
  McpServer,
  ResourceTemplate,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { GUARDED_METHODS } from "../../src/mcp/_binding.ts";
import { interceptRequestHandlers } from "../../src/mcp/_intercept.ts";
import { SDK_V2 } from "../../src/mcp/_sdk.ts";
import { GuardedServer } from "../../src/mcp/mod.ts";

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

describe("SDK canary: McpServer installs handlers via setRequestHandler", () => {
  it("routes every guarded method through the interceptor", () => {
    const server = new McpServer({ name: "x", version: "1.0.0" });
    const seen = new Set<string>();
    interceptRequestHandlers(
      SDK_V2,
      server,
      (_method, handler) => handler,
      seen,
    );
    server.registerTool("t", {}, () => text("x"));
    server.registerResource("r", "file:///r", {}, (uri) => ({
      contents: [{ uri: uri.href, text: "r" }],
    }));
    server.registerResource(
      "tpl",
      new ResourceTemplate("file:///t/{id}", {
        list: undefined,
        complete: { id: () => ["1"] },
      }),
      {},
      (uri) => ({ contents: [{ uri: uri.href, text: "t" }] }),
    );
    server.registerPrompt("p", {
      argsSchema: z.object({ topic: completable(z.string(), () => ["a"]) }),
    }, () => ({ messages: [] }));
    assert.deepEqual([...seen].sort(), [...GUARDED_METHODS].sort());
  });

  it("lets McpServer.connect hand the HTTP transport its scope-challenge hook", () => {
    const transport = new WebStandardStreamableHTTPServerTransport();
    assert.equal(typeof transport.setScopeChallengeResolver, "function");
    assert.equal(
      typeof new McpServer({ name: "x", version: "1.0.0" })
        .resolveScopeChallenge,
      "function",
    );
  });
});

describe("GuardedServer fails closed on an SDK it cannot guard", () => {
  it("undoes a registration whose handlers bypassed the interceptor", () => {
    let removed = false;
    const handle = {
      enabled: true,
      remove: () => {
        removed = true;
      },
      update: () => {},
    };
    const fake = {
      server: {
        assertCanSetRequestHandler() {},
        setRequestHandler() {},
      },
      registerTool: () => handle,
      registerPrompt: () => handle,
      registerResource: () => handle,
    };
    const guarded = new GuardedServer(fake as unknown as McpServer);
    assert.throws(
      () => guarded.tool("t", {}, () => text("x")),
      /could not guard "tools\/list", "tools\/call": this version of @modelcontextprotocol\/server is not supported/,
    );
    assert.equal(removed, true);
  });

  it("refuses a guarded method installed with custom schemas", () => {
    const server = new McpServer({ name: "x", version: "1.0.0" });
    new GuardedServer(server);
    assert.throws(
      () =>
        server.server.setRequestHandler(
          "tools/list" as never,
          { params: z.object({}) } as never,
          (() => ({ tools: [] })) as never,
        ),
      TypeError,
    );
  });
});
