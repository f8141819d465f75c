// Both SDK majors behind one loosely typed face, so a test can run once per
// SDK and call the guard as plain JavaScript would (no type to stop a typo).
import { Client as ClientV2 } from "@modelcontextprotocol/client";
import {
  InMemoryTransport as InMemoryTransportV2,
  McpServer as McpServerV2,
  ResourceTemplate as ResourceTemplateV2,
} from "@modelcontextprotocol/server";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport as InMemoryTransportV1 } from "@modelcontextprotocol/sdk/inMemory.js";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import {
  McpServer as McpServerV1,
  ResourceTemplate as ResourceTemplateV1,
} from "@modelcontextprotocol/sdk/server/mcp.js";
import type { AccessToken } from "../../mod.ts";
import * as v2 from "../../src/mcp/mod.ts";
import * as v1 from "../../src/mcp/mod_v1.ts";

/** What a guard's registration methods look like, untyped. */
export interface LooseGuard {
  tool(name: unknown, config: unknown, handler: unknown): unknown;
  prompt(name: unknown, config: unknown, handler: unknown): unknown;
  resource(
    name: unknown,
    uri: unknown,
    config: unknown,
    read: unknown,
  ): unknown;
}

/** One SDK major, as the tests drive it. */
export interface Sdk {
  /** Names the SDK in test titles. */
  name: string;
  /** A new, unguarded McpServer. */
  server(): object;
  /** `guardServer(server, options)`, untyped. */
  guardServer(server: unknown, options?: unknown): LooseGuard;
  /** `new GuardedServer(server, options)`, untyped. */
  newGuardedServer(server: unknown, options?: unknown): LooseGuard;
  /** The tools a client holding `token` is shown, as sent. */
  listTools(
    server: object,
    token: AccessToken,
  ): Promise<Record<string, unknown>[]>;
  /** A client of this SDK holding `token`, connected in memory. */
  connect(server: object, token: AccessToken): Promise<LooseClient>;
  /** The SDK's `ResourceTemplate` class. */
  ResourceTemplate: new (uriTemplate: string, callbacks: object) => object;
}

interface LooseTransport {
  send(message: unknown, options?: object): Promise<void>;
}

/** A connected SDK Client, either major, untyped. */
export interface LooseClient {
  connect(transport: never): Promise<void>;
  listTools(): Promise<{ tools: Record<string, unknown>[] }>;
  listResources(): Promise<{ resources: Record<string, unknown>[] }>;
  callTool(
    params: { name: string; arguments?: Record<string, unknown> },
  ): Promise<unknown>;
  readResource(params: { uri: string }): Promise<unknown>;
  close(): Promise<void>;
}

/** Connects `client` over an in-memory pair whose messages carry `token`. */
async function connectThrough(
  server: object,
  [clientSide, serverSide]: readonly [LooseTransport, unknown],
  client: LooseClient,
  token: AccessToken,
): Promise<LooseClient> {
  const send = clientSide.send.bind(clientSide);
  clientSide.send = (message, options) =>
    send(message, { ...options, authInfo: token });
  await (server as { connect(transport: unknown): Promise<void> }).connect(
    serverSide,
  );
  await client.connect(clientSide as never);
  return client;
}

/** Lists tools over an in-memory pair whose messages carry `token`. */
async function listThrough(
  server: object,
  pair: readonly [LooseTransport, unknown],
  client: LooseClient,
  token: AccessToken,
): Promise<Record<string, unknown>[]> {
  await connectThrough(server, pair, client, token);
  const { tools } = await client.listTools();
  await client.close();
  return tools;
}

/** A tool result. */
export const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

export const SDKS: readonly Sdk[] = [
  {
    name: "v2 (@modelcontextprotocol/server)",
    server: () => new McpServerV2({ name: "x", version: "1.0.0" }),
    guardServer: (server, options) =>
      v2.guardServer(server as never, options as never),
    newGuardedServer: (server, options) =>
      new v2.GuardedServer(server as never, options as never),
    listTools: (server, token) =>
      listThrough(
        server,
        InMemoryTransportV2.createLinkedPair(),
        new ClientV2({ name: "test", version: "1.0.0" }),
        token,
      ),
    connect: (server, token) =>
      connectThrough(
        server,
        InMemoryTransportV2.createLinkedPair(),
        new ClientV2({ name: "test", version: "1.0.0" }) as never,
        token,
      ),
    ResourceTemplate: ResourceTemplateV2 as never,
  },
  {
    name: "1.x (@modelcontextprotocol/sdk)",
    server: () => new McpServerV1({ name: "x", version: "1.0.0" }),
    guardServer: (server, options) =>
      v1.guardServer(server as never, options as never),
    newGuardedServer: (server, options) =>
      new v1.GuardedServer(server as never, options as never),
    listTools: (server, token) =>
      listThrough(
        server,
        InMemoryTransportV1.createLinkedPair(),
        new ClientV1({ name: "test", version: "1.0.0" }),
        token,
      ),
    connect: (server, token) =>
      connectThrough(
        server,
        InMemoryTransportV1.createLinkedPair(),
        new ClientV1({ name: "test", version: "1.0.0" }) as never,
        token,
      ),
    ResourceTemplate: ResourceTemplateV1 as never,
  },
];

/** The names of the tools a client holding `token` is shown. */
export async function toolNames(
  sdk: Sdk,
  server: object,
  token: AccessToken,
): Promise<string[]> {
  return (await sdk.listTools(server, token)).map((tool) => String(tool.name));
}

/** A token holding `scopes`. */
export function tokenWith(scopes: string[]): AccessToken {
  return { token: "opaque", clientId: "app", scopes, claims: {} };
}

/** Asserts that `fn` throws a TypeError whose message matches `message`. */
export function throwsTypeError(fn: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof TypeError)) {
    throw new Error(`expected a TypeError, got ${String(thrown)}`);
  }
  if (!message.test(thrown.message)) {
    throw new Error(
      `expected a message matching ${message}, got ${
        JSON.stringify(thrown.message)
      }`,
    );
  }
}
