// The OAuth flows of the official SDK Clients against the demo, shared by
// the test of `deno task demo` itself and the in-process one on every
// runtime: 401 -> metadata -> registration -> authorize -> token -> call,
// then a 403 step-up -> authorize again -> the call succeeds.
import assert from "node:assert/strict";
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError as UnauthorizedErrorV1 } from "@modelcontextprotocol/sdk/client/auth.js";
import { HeadlessProvider } from "./_headless.ts";

/** Runs `step`; after an authorization redirect, finishes it and reruns. */
async function withLogin<T>(
  provider: HeadlessProvider,
  finish: (callback: URLSearchParams) => Promise<void>,
  isUnauthorized: (error: unknown) => boolean,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!isUnauthorized(error) || provider.callback === undefined) throw error;
    await finish(provider.take());
    return await step();
  }
}

function text(result: { content?: unknown }): string {
  const content = result.content as { type: string; text: string }[];
  return content.map((part) => part.text).join("\n");
}

/** Checks that the 401 leads to an issuer whose metadata names itself. */
export async function assertDiscoverable(mcpUrl: URL): Promise<void> {
  const unauthorized = await fetch(mcpUrl, { method: "POST", body: "{}" });
  await unauthorized.body?.cancel();
  assert.equal(unauthorized.status, 401);
  const challenge = unauthorized.headers.get("www-authenticate")!;
  assert.match(challenge, /scope="read"/);
  const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)![1]!;
  const resource = await (await fetch(metadataUrl)).json();
  assert.equal(resource.resource, mcpUrl.href);
  assert.equal(resource.authorization_servers.length, 1);
  const issuer = new URL(resource.authorization_servers[0]);
  const server = await (await fetch(
    new URL(
      `/.well-known/oauth-authorization-server${issuer.pathname}`,
      issuer,
    ),
  )).json();
  assert.equal(server.issuer, resource.authorization_servers[0]);
  assert.deepEqual(server.scopes_supported, resource.scopes_supported);
}

/** What a flow expects of the server it logs into. */
export interface FlowOptions {
  /** What the registered client id looks like (the dev server's: `dev-...`). */
  clientId?: RegExp;
  /**
   * The tools a `read` token is listed: the demo's policy (default) lists
   * only what it may call; `stepUp: "always"` also the scope-only ones.
   */
  listed?: readonly string[];
}

/** The demo's policy: a `read` token is listed what it may call. */
const READ_LISTED = ["list_notes", "whoami"];

/** SDK v2: registers, logs in for read, then steps up for admin. */
export async function v2Flow(
  mcpUrl: URL,
  options: FlowOptions = {},
): Promise<void> {
  const provider = new HeadlessProvider();
  const newTransport = () =>
    new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
  const client = new Client({ name: "v2-oauth-test", version: "1.0.0" });
  // 401 -> metadata -> registration -> authorization (the redirect).
  let transport = newTransport();
  await assert.rejects(client.connect(transport), UnauthorizedError);
  assert.equal(provider.registered.length, 1);
  assert.match(provider.registered[0]!, options.clientId ?? /^dev-/);
  const first = provider.authorizations[0]!;
  assert.equal(first.searchParams.get("scope"), "read");
  assert.equal(first.searchParams.get("resource"), mcpUrl.href);
  assert.equal(first.searchParams.get("code_challenge_method"), "S256");
  // -> token -> the call.
  await transport.finishAuth(provider.take());
  assert.deepEqual(provider.tokenScopes, ["read"]);
  transport = newTransport();
  await client.connect(transport);
  try {
    const tools = await client.listTools();
    assert.deepEqual(
      tools.tools.map((t) => t.name),
      options.listed ?? READ_LISTED,
    );
    const who = await client.callTool({ name: "whoami", arguments: {} });
    assert.equal(text(who), `${provider.registered[0]} with scopes "read"`);
    // 403 insufficient_scope -> authorize again for read + admin -> success.
    const current = transport;
    const deleted = await withLogin(
      provider,
      (callback) => current.finishAuth(callback),
      (error) => error instanceof UnauthorizedError,
      () => client.callTool({ name: "delete_all_notes", arguments: {} }),
    );
    assert.equal(text(deleted), "deleted 0 notes");
    assert.equal(provider.authorizations.length, 2);
    assert.equal(
      provider.authorizations[1]!.searchParams.get("scope"),
      "read admin",
    );
    assert.deepEqual(provider.tokenScopes, ["read", "read admin"]);
    assert.equal(provider.registered.length, 1, "registered once");
  } finally {
    await client.close();
  }
}

/** SDK 1.x: registers, logs in for read, then steps up for admin. */
export async function v1Flow(
  mcpUrl: URL,
  options: FlowOptions = {},
): Promise<void> {
  // No refresh grant: 1.x would otherwise refresh (same scope) instead of
  // asking again on a 403.
  const provider = new HeadlessProvider({ grantTypes: ["authorization_code"] });
  const newTransport = () =>
    new TransportV1(mcpUrl, { authProvider: provider as never });
  const client = new ClientV1({ name: "v1-oauth-test", version: "1.0.0" });
  let transport = newTransport();
  await assert.rejects(client.connect(transport), UnauthorizedErrorV1);
  assert.equal(provider.registered.length, 1);
  assert.equal(provider.authorizations[0]!.searchParams.get("scope"), "read");
  await transport.finishAuth(provider.take().get("code")!);
  transport = newTransport();
  await client.connect(transport);
  try {
    const tools = await client.listTools();
    assert.deepEqual(
      tools.tools.map((t: { name: string }) => t.name),
      options.listed ?? READ_LISTED,
    );
    const current = transport;
    const deleted = await withLogin(
      provider,
      (callback) => current.finishAuth(callback.get("code")!),
      (error) => error instanceof UnauthorizedErrorV1,
      () => client.callTool({ name: "delete_all_notes", arguments: {} }),
    );
    assert.equal(text(deleted as { content?: unknown }), "deleted 0 notes");
    assert.equal(provider.authorizations.length, 2);
    assert.match(
      provider.authorizations[1]!.searchParams.get("scope")!,
      /\badmin\b/,
    );
  } finally {
    await client.close();
  }
}
