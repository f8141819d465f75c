// The 1.x SDK binding (src/mcp/_sdk_v1.ts): request schemas matched by
// identity, look-alike schemas of a guarded method refused (they would
// install a handler the guard never sees), authInfo at extra.authInfo, and
// the SDK's McpError.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
import { McpServer } from "@modelcontextprotocol/server";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer as McpServerV1 } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  InitializeRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  PingRequestSchema,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { SDK_V1 } from "../../src/mcp/_sdk_v1.ts";

const asRecord = (server: object) => server as Record<string, unknown>;

describe("SDK_V1", () => {
  it("is frozen, names its SDK, and the registrations that bypass the guard", () => {
    assert.ok(Object.isFrozen(SDK_V1));
    assert.equal(SDK_V1.name, "@modelcontextprotocol/sdk");
    assert.equal(SDK_V1.entry, "@mcp-authz/core/mcp/v1");
    assert.equal(SDK_V1.scopeChallenge, false);
    assert.equal(SDK_V1.cacheScope, false);
    assert.deepEqual(SDK_V1.bypasses, [
      ["tool", "registerTool"],
      ["resource", "registerResource"],
      ["prompt", "registerPrompt"],
    ]);
  });
});

describe("SDK_V1.wrongSdk()", () => {
  it("accepts a 1.x McpServer", () => {
    const server = new McpServerV1({ name: "t", version: "1" });
    assert.equal(SDK_V1.wrongSdk(asRecord(server)), undefined);
  });

  it("names the v2 SDK and its entry point for a v2 McpServer", () => {
    const server = new McpServer({ name: "t", version: "1" });
    assert.deepEqual(SDK_V1.wrongSdk(asRecord(server)), [
      "@modelcontextprotocol/server (v2)",
      "@mcp-authz/core/mcp",
    ]);
  });
});

describe("SDK_V1.methodOf()", () => {
  it("names each guarded method from the SDK's own request schema", () => {
    const schemas: [unknown, string][] = [
      [ListToolsRequestSchema, "tools/list"],
      [CallToolRequestSchema, "tools/call"],
      [ListResourcesRequestSchema, "resources/list"],
      [ListResourceTemplatesRequestSchema, "resources/templates/list"],
      [ReadResourceRequestSchema, "resources/read"],
      [ListPromptsRequestSchema, "prompts/list"],
      [GetPromptRequestSchema, "prompts/get"],
      [CompleteRequestSchema, "completion/complete"],
    ];
    for (const [schema, method] of schemas) {
      assert.equal(SDK_V1.methodOf(schema), method);
    }
  });

  it("is undefined for the SDK's schemas of other methods", () => {
    assert.equal(SDK_V1.methodOf(PingRequestSchema), undefined);
    assert.equal(SDK_V1.methodOf(InitializeRequestSchema), undefined);
  });

  it("is undefined for a custom schema of a method it does not guard", () => {
    const custom = z.object({ method: z.literal("acme/report") });
    assert.equal(SDK_V1.methodOf(custom), undefined);
  });

  it("refuses a look-alike schema of a guarded method", () => {
    for (
      const schema of [
        z.object({ method: z.literal("tools/call") }),
        z.object({ method: z.literal("resources/read"), params: z.any() }),
      ]
    ) {
      assert.throws(() => SDK_V1.methodOf(schema), {
        name: "TypeError",
        message: /with the SDK's own request schema only$/,
      });
    }
  });

  it("refuses a schema whose method is not a string literal", () => {
    for (
      const schema of [
        z.object({ method: z.string() }),
        // zod 4's enum has no literal value: the SDK refuses it as well.
        z.object({ method: z.enum(["prompts/get"]) }),
        z.object({ params: z.any() }),
        z.object({ method: z.literal(1) }),
        "tools/call",
        {},
        null,
      ]
    ) {
      assert.throws(() => SDK_V1.methodOf(schema), {
        name: "TypeError",
        message:
          "A guarded server takes request schemas whose method is a string literal, such as the SDK's own",
      });
    }
  });
});

describe("SDK_V1.authInfo() and requestId()", () => {
  it("read extra.authInfo and extra.requestId", () => {
    const authInfo = { token: "t", clientId: "c", scopes: [] };
    assert.equal(SDK_V1.authInfo({ authInfo }), authInfo);
    assert.equal(SDK_V1.requestId({ requestId: "r-1" }), "r-1");
  });

  it("are undefined where the extra has none, never throwing", () => {
    for (const extra of [undefined, null, {}]) {
      assert.equal(SDK_V1.authInfo(extra), undefined);
      assert.equal(SDK_V1.requestId(extra), undefined);
    }
    // The v2 places are not read.
    assert.equal(
      SDK_V1.authInfo({ http: { authInfo: { token: "t" } } }),
      undefined,
    );
  });
});

describe("SDK_V1.error()", () => {
  it("makes the SDK's McpError with the denial's code, message and data", () => {
    const error = SDK_V1.error({
      code: -32002,
      message: "Resource not found",
      data: { uri: "file:///x" },
    });
    assert.ok(error instanceof McpError);
    assert.equal((error as McpError).code, -32002);
    assert.match(error.message, /Resource not found/);
    assert.deepEqual((error as McpError).data, { uri: "file:///x" });
  });
});
