// The v2 SDK binding (src/mcp/_sdk.ts): how the guard recognizes a 1.x
// server handed to the v2 entry point, names a method, finds authInfo and
// the request id in a handler's ctx, and makes the SDK's JSON-RPC error.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { McpServer, ProtocolError } from "@modelcontextprotocol/server";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer as McpServerV1 } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SDK_V2 } from "../../src/mcp/_sdk.ts";
import { GUARDED_METHODS } from "../../src/mcp/_binding.ts";

const asRecord = (server: object) => server as Record<string, unknown>;

describe("SDK_V2", () => {
  it("is frozen and names its SDK and entry point", () => {
    assert.ok(Object.isFrozen(SDK_V2));
    assert.equal(SDK_V2.name, "@modelcontextprotocol/server");
    assert.equal(SDK_V2.entry, "@mcp-authz/core/mcp");
    assert.equal(SDK_V2.scopeChallenge, true);
    assert.equal(SDK_V2.cacheScope, true);
    assert.deepEqual(SDK_V2.bypasses, []);
  });
});

describe("SDK_V2.wrongSdk()", () => {
  it("accepts a v2 McpServer", () => {
    const server = new McpServer({ name: "t", version: "1" });
    assert.equal(SDK_V2.wrongSdk(asRecord(server)), undefined);
  });

  it("names the 1.x SDK and its entry point for a 1.x McpServer", () => {
    const server = new McpServerV1({ name: "t", version: "1" });
    assert.deepEqual(SDK_V2.wrongSdk(asRecord(server)), [
      "@modelcontextprotocol/sdk (1.x)",
      "@mcp-authz/core/mcp/v1",
    ]);
  });

  it("needs all three deprecated methods to call a server 1.x", () => {
    const f = () => {};
    assert.equal(SDK_V2.wrongSdk({ tool: f, resource: f }), undefined);
    assert.ok(
      SDK_V2.wrongSdk({ tool: f, resource: f, prompt: f }) !== undefined,
    );
  });
});

describe("SDK_V2.methodOf()", () => {
  it("names a guarded method given as a string", () => {
    for (const method of GUARDED_METHODS) {
      assert.equal(SDK_V2.methodOf(method), method);
    }
  });

  it("is undefined for any other method or a non-string", () => {
    for (const first of ["ping", "initialize", "", { method: "tools/call" }]) {
      assert.equal(SDK_V2.methodOf(first), undefined);
    }
  });
});

describe("SDK_V2.authInfo() and requestId()", () => {
  it("read ctx.http.authInfo and ctx.mcpReq.id", () => {
    const authInfo = { token: "t", clientId: "c", scopes: [] };
    const ctx = { http: { authInfo }, mcpReq: { id: 7 } };
    assert.equal(SDK_V2.authInfo(ctx), authInfo);
    assert.equal(SDK_V2.requestId(ctx), 7);
  });

  it("are undefined where the ctx has none, never throwing", () => {
    for (const ctx of [undefined, null, {}, { http: null }, { mcpReq: {} }]) {
      assert.equal(SDK_V2.authInfo(ctx), undefined);
      assert.equal(SDK_V2.requestId(ctx), undefined);
    }
    // The 1.x places are not read.
    assert.equal(SDK_V2.authInfo({ authInfo: { token: "t" } }), undefined);
    assert.equal(SDK_V2.requestId({ requestId: 1 }), undefined);
  });
});

describe("SDK_V2.error()", () => {
  it("makes the SDK's ProtocolError with the denial's code, message and data", () => {
    const error = SDK_V2.error({
      code: -32002,
      message: "Insufficient scope",
      data: { requiredScopes: ["admin"] },
    });
    assert.ok(error instanceof ProtocolError);
    assert.equal((error as ProtocolError).code, -32002);
    assert.match(error.message, /Insufficient scope/);
    assert.deepEqual((error as ProtocolError).data, {
      requiredScopes: ["admin"],
    });
  });
});
