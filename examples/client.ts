/**
 * An MCP client for the demo: gets a token from the demo's development
 * issuer (or takes one from `TOKEN`), lists the tools it may use and calls
 * one, with the official SDK `Client` over Streamable HTTP.
 *
 * ```sh
 * deno task client                       # scope "read", against http://127.0.0.1:8000
 * SCOPE="read write" deno task client    # a token that may also write
 * TOKEN=eyJ... MCP_URL=https://example.com/mcp deno task client
 * ```
 *
 * @module
 */

import {
  Client,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";

const mcpUrl = new URL(
  Deno.env.get("MCP_URL") ??
    `http://127.0.0.1:${Deno.env.get("PORT") ?? "8000"}/mcp`,
);
const scope = Deno.env.get("SCOPE") ?? "read";

async function devToken(): Promise<string> {
  const url = new URL("/dev/token", mcpUrl);
  url.searchParams.set("scope", scope);
  let response: Response;
  try {
    response = await fetch(url);
  } catch {
    console.error(
      `Could not reach ${url.origin}: is the demo running (deno task demo)?`,
    );
    Deno.exit(1);
  }
  if (!response.ok) {
    throw new Error(`GET ${url} answered ${response.status}`);
  }
  const body = await response.json() as { access_token?: unknown };
  if (typeof body.access_token !== "string") {
    throw new Error(`GET ${url} gave no access_token`);
  }
  return body.access_token;
}

const token = Deno.env.get("TOKEN") ?? await devToken();
const transport = new StreamableHTTPClientTransport(mcpUrl, {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: "mcp-authz-demo-client", version: "1.0.0" });
await client.connect(transport);
try {
  const { tools } = await client.listTools();
  console.log(`Tools this token may use (scope "${scope}"):`);
  for (const tool of tools) {
    console.log(`  - ${tool.name}: ${tool.description ?? ""}`);
  }
  const name = Deno.env.get("TOOL") ?? tools[0]?.name;
  if (name !== undefined) {
    const args = JSON.parse(Deno.env.get("ARGS") ?? '{"text":"hello"}');
    try {
      const result = await client.callTool({ name, arguments: args });
      console.log(`\ncallTool ${name} ->`, JSON.stringify(result.content));
    } catch (error) {
      console.log(
        `\ncallTool ${name} was refused: ${(error as Error).message}`,
      );
    }
  }
} finally {
  await client.close();
}
