// What both Workers stacks (withBearerAuth + the dev AS, and
// workers-oauth-provider) must show beyond the SDK clients' login flows
// (tests/dev/_sdk_flows.ts): a tool its own check denies answers exactly as
// an unknown one, and an own-auth scope shortfall is a 403 the client steps
// up from (with the Authorizer's stepUp: "always" and the transport-level
// preflight, both from w-stepup).
import assert from "node:assert/strict";
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import { HeadlessProvider } from "../dev/_headless.ts";

/** The SDK v2 client logged in for "read", and its provider. */
export async function loggedIn(
  mcpUrl: URL,
): Promise<{ client: Client; provider: HeadlessProvider; token: string }> {
  const provider = new HeadlessProvider();
  const client = new Client({ name: "workers-test", version: "1.0.0" });
  const first = new StreamableHTTPClientTransport(mcpUrl, {
    authProvider: provider,
  });
  await assert.rejects(client.connect(first), UnauthorizedError);
  await first.finishAuth(provider.take());
  await client.connect(
    new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }),
  );
  return { client, provider, token: provider.tokens()!.access_token };
}

/** One JSON-RPC request over plain HTTP, as any client sends it. */
export async function rawCall(
  mcpUrl: URL,
  token: string,
  method: string,
  params: Record<string, unknown>,
): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(mcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 7, method, params }),
  });
  const body = await response.text();
  assert.ok(!body.includes(token), "the answer echoes the token");
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body,
  };
}

/** A read token calls add_note (own auth: write) and an unknown tool. */
export async function assertUnknownLikeDenied(
  mcpUrl: URL,
  token: string,
): Promise<void> {
  const denied = await rawCall(mcpUrl, token, "tools/call", {
    name: "add_note",
    arguments: { text: "x" },
  });
  const unknown = await rawCall(mcpUrl, token, "tools/call", {
    name: "no_such_tool",
    arguments: { text: "x" },
  });
  assert.equal(denied.status, 200);
  assert.match(denied.body, /-32602/);
  assert.deepEqual(denied, unknown);
}

/** SDK v2: a read token calls add_note, gets a 403, steps up to write. */
export async function ownAuthStepUp(mcpUrl: URL): Promise<void> {
  const { client, provider } = await loggedIn(mcpUrl);
  try {
    let result;
    try {
      result = await client.callTool({
        name: "add_note",
        arguments: { text: "stepped up" },
      });
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error;
      const transport = client.transport as StreamableHTTPClientTransport;
      await transport.finishAuth(provider.take());
      result = await client.callTool({
        name: "add_note",
        arguments: { text: "stepped up" },
      });
    }
    assert.equal(provider.authorizations.length, 2, "asked again");
    assert.match(
      provider.authorizations[1]!.searchParams.get("scope")!,
      /\bwrite\b/,
    );
    const content = result.content as { text: string }[];
    assert.match(content[0]!.text, /^added note #\d+$/);
  } finally {
    await client.close();
  }
}
