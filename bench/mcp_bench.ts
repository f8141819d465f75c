// The guard's cost on tools/list and tools/call, against the same McpServer
// unguarded, both driven by the v2 SDK Client over an in-memory pair. The
// token may use every tool, so both list the same 50 (the guard runs every
// check and hides nothing). The guard is measured without and with an
// onDecision listener (which does nothing: the cost is the event).
// Run: deno bench -A bench/mcp_bench.ts
import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import { Authorizer, requireScopes, restrictTag } from "../mod.ts";
import { guardServer } from "../src/mcp/mod.ts";

const TOOLS = 50;
const token = {
  token: "t",
  clientId: "bench",
  scopes: ["read", "write", "admin"],
  claims: {},
};
const text = () => ({ content: [{ type: "text" as const, text: "ok" }] });

async function clientFor(
  guarded: boolean,
  listening = false,
): Promise<Client> {
  const server = new McpServer({ name: "bench", version: "1.0.0" });
  const register = guarded
    ? guardServer(server, {
      authorizer: new Authorizer({
        layers: [restrictTag("admin", { scopes: ["admin"] })],
      }),
      ...(listening ? { onDecision: () => {} } : {}),
    })
    : undefined;
  for (let i = 0; i < TOOLS; i++) {
    const config = i % 5 === 0
      ? { tags: ["admin"] }
      : i % 2 === 0
      ? { auth: requireScopes("write") }
      : {};
    if (register) register.tool(`tool_${i}`, config, text);
    else server.registerTool(`tool_${i}`, {}, text);
  }
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const send = clientSide.send.bind(clientSide);
  clientSide.send = (message, options) =>
    send(message, { ...options, authInfo: token });
  await server.connect(serverSide);
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(clientSide);
  return client;
}

const plain = await clientFor(false);
const guarded = await clientFor(true);
const listened = await clientFor(true, true);

Deno.bench("tools/list, 50 tools, unguarded", {
  group: "list",
  baseline: true,
}, async () => {
  await plain.listTools(undefined, { cacheMode: "bypass" });
});
Deno.bench("tools/list, 50 tools, guarded", { group: "list" }, async () => {
  await guarded.listTools(undefined, { cacheMode: "bypass" });
});
Deno.bench(
  "tools/list, 50 tools, guarded, onDecision",
  { group: "list" },
  async () => {
    await listened.listTools(undefined, { cacheMode: "bypass" });
  },
);
Deno.bench("tools/call, unguarded", {
  group: "call",
  baseline: true,
}, async () => {
  await plain.callTool({ name: "tool_1" });
});
Deno.bench("tools/call, guarded", { group: "call" }, async () => {
  await guarded.callTool({ name: "tool_1" });
});
Deno.bench("tools/call, guarded, onDecision", { group: "call" }, async () => {
  await listened.callTool({ name: "tool_1" });
});
