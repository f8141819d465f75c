// What both Workers stacks (withBearerAuth + the dev AS, and
// workers-oauth-provider) must show beyond the SDK clients' login flows
// (tests/dev/_sdk_flows.ts): a tool an opaque check hides answers exactly
// as an unknown one, and an own-auth scope shortfall is a 403 the client
// steps up from (the Authorizer's stepUp: "always" and the guard's
// preflight).
import assert from "node:assert/strict";
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import { HeadlessProvider } from "../dev/_headless.ts";
import { HIDDEN_TOOL } from "../../examples/demo/notes.ts";

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

/**
 * A read token calls the hidden tool (an opaque check: no step-up can
 * help) and an unknown tool: the answers are the same bytes.
 */
export async function assertUnknownLikeDenied(
  mcpUrl: URL,
  token: string,
): Promise<void> {
  const denied = await rawCall(mcpUrl, token, "tools/call", {
    name: HIDDEN_TOOL,
    arguments: { text: "x" },
  });
  const unknown = await rawCall(mcpUrl, token, "tools/call", {
    name: "no_such_tool",
    arguments: { text: "x" },
  });
  assert.equal(denied.status, 200);
  assert.match(denied.body, /-32602/);
  assert.doesNotMatch(denied.body, new RegExp(HIDDEN_TOOL));
  assert.deepEqual(denied, unknown);
}
