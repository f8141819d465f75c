// The end-to-end checks every framework example (examples/<stack>) passes,
// with the official SDK Clients (v2 and 1.x) logged in through the embedded
// development authorization server by an OAuth provider that follows the
// authorization redirect itself and re-authorizes on a 403
// (tests/dev/_headless.ts): list, allowed call, own-auth and layer
// shortfalls followed to success, unknown and hidden tools alike.
import assert from "node:assert/strict";
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError as UnauthorizedErrorV1 } from "@modelcontextprotocol/sdk/client/auth.js";
import { HeadlessProvider } from "../dev/_headless.ts";

export type Sdk = "v2" | "1.x";
export const SDKS: readonly Sdk[] = ["v2", "1.x"];

/** The tools of the stack examples a `read` token may call. */
export const READABLE = ["list_notes", "whoami"];
/** The scope-only tools, listed under `stepUp: "always"`. */
export const STEP_UP_TOOLS = ["add_note", "delete_all_notes"];
/** Hidden from every development token (an opaque check). */
export const HIDDEN = "export_notes";

/** A logged-in SDK client. */
export interface Session {
  readonly sdk: Sdk;
  readonly provider: HeadlessProvider;
  /** The names `tools/list` answers. */
  listTools(): Promise<string[]>;
  /**
   * Calls a tool; after a 403 that sent the provider to authorize again,
   * finishes that login and calls once more. Resolves to the text result.
   */
  callTool(name: string, args?: Record<string, unknown>): Promise<string>;
  /** The access token the client holds now. */
  accessToken(): string;
  close(): Promise<void>;
}

function text(result: unknown): string {
  const content = (result as { content?: { text?: string }[] }).content ?? [];
  return content.map((part) => part.text ?? "").join("\n");
}

interface Driver {
  connect(): Promise<void>;
  finish(callback: URLSearchParams): Promise<void>;
  isUnauthorized(error: unknown): boolean;
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(name: string, args: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

function v2Driver(mcpUrl: URL, provider: HeadlessProvider): Driver {
  const client = new Client({ name: "stack-test-v2", version: "1.0.0" });
  let transport = new StreamableHTTPClientTransport(mcpUrl, {
    authProvider: provider,
  });
  return {
    async connect() {
      transport = new StreamableHTTPClientTransport(mcpUrl, {
        authProvider: provider,
      });
      await client.connect(transport);
    },
    finish: (callback) => transport.finishAuth(callback),
    isUnauthorized: (error) => error instanceof UnauthorizedError,
    listTools: () => client.listTools(),
    callTool: (name, args) => client.callTool({ name, arguments: args }),
    close: () => client.close(),
  };
}

function v1Driver(mcpUrl: URL, provider: HeadlessProvider): Driver {
  const client = new ClientV1({ name: "stack-test-v1", version: "1.0.0" });
  let transport = new TransportV1(mcpUrl, { authProvider: provider as never });
  return {
    async connect() {
      transport = new TransportV1(mcpUrl, { authProvider: provider as never });
      await client.connect(transport);
    },
    finish: (callback) => transport.finishAuth(callback.get("code")!),
    isUnauthorized: (error) => error instanceof UnauthorizedErrorV1,
    listTools: () => client.listTools(),
    callTool: (name, args) => client.callTool({ name, arguments: args }),
    close: () => client.close(),
  };
}

/**
 * Connects an SDK client with no token: 401 -> metadata -> registration ->
 * authorization (followed by the provider) -> token -> connected.
 */
export async function login(sdk: Sdk, mcpUrl: URL): Promise<Session> {
  // 1.x: no refresh grant, or it would refresh (same scope) on a 403
  // instead of asking again.
  const provider = new HeadlessProvider(
    sdk === "1.x" ? { grantTypes: ["authorization_code"] } : {},
  );
  const driver = sdk === "v2"
    ? v2Driver(mcpUrl, provider)
    : v1Driver(mcpUrl, provider);
  try {
    await driver.connect();
    assert.fail("connected without a token");
  } catch (error) {
    if (!driver.isUnauthorized(error)) throw error;
  }
  await driver.finish(provider.take());
  await driver.connect();
  const withLogin = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      if (!driver.isUnauthorized(error) || provider.callback === undefined) {
        throw error;
      }
      await driver.finish(provider.take());
      return await step();
    }
  };
  return {
    sdk,
    provider,
    async listTools() {
      const { tools } = await driver.listTools();
      return tools.map((tool) => tool.name);
    },
    async callTool(name, args = {}) {
      return text(await withLogin(() => driver.callTool(name, args)));
    },
    accessToken() {
      const tokens = provider.tokens();
      assert.ok(tokens !== undefined, "no token");
      return tokens.access_token;
    },
    close: () => driver.close(),
  };
}

/** The login went as MCP authorization says: one client, scope `read`. */
export function assertLoggedInForRead(session: Session, mcpUrl: URL): void {
  const { provider } = session;
  assert.equal(provider.registered.length, 1);
  assert.match(provider.registered[0]!, /^dev-/);
  assert.equal(provider.authorizations.length, 1);
  const first = provider.authorizations[0]!;
  assert.equal(first.searchParams.get("scope"), "read");
  assert.equal(first.searchParams.get("code_challenge_method"), "S256");
  if (session.sdk === "v2") {
    assert.equal(first.searchParams.get("resource"), mcpUrl.href);
  }
  assert.deepEqual(provider.tokenScopes, ["read"]);
}

/** After one step-up: a second authorization asking for `scope` too. */
export function assertSteppedUp(session: Session, scope: string): void {
  const { provider } = session;
  assert.equal(provider.authorizations.length, 2, "one step-up login");
  const asked = provider.authorizations[1]!.searchParams.get("scope") ?? "";
  assert.ok(asked.split(" ").includes(scope), `asked for "${asked}"`);
  assert.equal(provider.registered.length, 1, "registered once");
}

/** The raw answer to a `tools/call`, as bytes a client could compare. */
export interface RawAnswer {
  status: number;
  contentType: string | null;
  challenge: string | null;
  body: string;
}

/** Sends `tools/call` for `name` with `token`, outside any SDK. */
export async function rawCall(
  mcpUrl: URL,
  token: string,
  name: string,
): Promise<RawAnswer> {
  const response = await fetch(mcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name, arguments: {} },
    }),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    challenge: response.headers.get("www-authenticate"),
    body: await response.text(),
  };
}
