// Types of the 1.x registrations (src/mcp/registration_v1.ts) that match
// the runtime: each config takes the SDK's fields plus `tags` and `auth`,
// the callbacks are typed from the schemas, and a guarded server's own
// registerTool/registerPrompt/registerResource take them. `deno task
// check` compiles this file: every `@ts-expect-error` line must fail to
// type-check, or the check fails. The runtime half asserts the guard reads
// what the types let through.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import {
  McpServer,
  ResourceTemplate,
} from "@modelcontextprotocol/sdk/server/mcp.js";
import { requireScopes } from "../../mod.ts";
import {
  type GuardedMcpServer,
  type GuardedPromptConfig,
  type GuardedRegistration,
  type GuardedResourceConfig,
  GuardedServer,
  type GuardedToolConfig,
  guardServer,
} from "../../src/mcp/mod_v1.ts";

const ok = () => ({ content: [] });

/** Each config, written as users write it. */
const tool: GuardedToolConfig<{ path: z.ZodString }> = {
  title: "Wipe",
  description: "Wipes a path",
  inputSchema: { path: z.string() },
  annotations: { destructiveHint: true },
  _meta: { owner: "ops" },
  tags: ["admin"],
  auth: [requireScopes("admin")],
};
const prompt: GuardedPromptConfig<{ topic: z.ZodString }> = {
  description: "Summarizes",
  argsSchema: { topic: z.string() },
  tags: new Set(["public"]),
};
const resource: GuardedResourceConfig = {
  mimeType: "text/markdown",
  auth: requireScopes("read"),
};

/** What must not type-check. */
function mistakes(registration: GuardedRegistration): void {
  // @ts-expect-error auth takes checks, not a scope string
  const a: GuardedToolConfig = { auth: "admin" };
  // @ts-expect-error tags are strings
  const b: GuardedPromptConfig = { tags: [1] };
  // @ts-expect-error the resource metadata is the SDK's: no such field
  const c: GuardedResourceConfig = { mime: "text/plain" };
  registration.registerTool(
    "d",
    { inputSchema: { n: z.number() } },
    // @ts-expect-error a tool's callback is typed from its input schema
    ({ n }: { n: string }) => ({ content: [{ type: "text", text: n }] }),
  );
  // @ts-expect-error a resource needs a URI or a ResourceTemplate
  registration.registerResource("e", 1, {}, () => ({ contents: [] }));
  void [a, b, c];
}

/** Registers each on a guarded server through GuardedRegistration and GuardedServer. */
function registerAll(server: GuardedMcpServer, guarded: GuardedServer): void {
  const registration: GuardedRegistration = server;
  registration.registerTool(
    "wipe",
    tool,
    ({ path }) => ({ content: [{ type: "text", text: path }] }),
  );
  registration.registerPrompt("summary", prompt, ({ topic }) => ({
    messages: [{ role: "user", content: { type: "text", text: topic } }],
  }));
  registration.registerResource(
    "readme",
    "file:///readme.md",
    resource,
    (uri) => ({ contents: [{ uri: uri.href, text: "#" }] }),
  );
  registration.registerResource(
    "user",
    new ResourceTemplate("file:///users/{id}", { list: undefined }),
    { tags: ["users"] },
    (uri, variables) => ({
      contents: [{ uri: uri.href, text: String(variables.id) }],
    }),
  );
  guarded.tool("list", { auth: requireScopes("read") }, ok);
}

describe("GuardedToolConfig, GuardedPromptConfig, GuardedResourceConfig, GuardedRegistration", () => {
  it("type-check as written, and register on a guarded 1.x server", () => {
    const guarded = guardServer(new McpServer({ name: "t", version: "1" }));
    registerAll(
      guarded.server,
      new GuardedServer(new McpServer({ name: "u", version: "1" })),
    );
    // The registration kept the SDK's handle fields.
    const handle = guarded.server.registerTool("more", tool, ok);
    assert.equal(handle.enabled, true);
    assert.equal(handle.description, "Wipes a path");
  });

  it("refuse at runtime, too, a resource that is neither a URI nor a template", () => {
    const guarded = guardServer(new McpServer({ name: "t", version: "1" }));
    assert.throws(() => mistakes(guarded.server), TypeError);
  });
});
