// The HTTP stacks the preflight serves, each on 127.0.0.1 with a guard made
// per request (stateless): SDK v2 `createMcpHandler` (through
// guardedMcpHandler), the 1.x Web-standard transport, and the 1.x Node
// transport from a node:http IncomingMessage (its body read by the
// preflight, or parsed beforehand as express.json() does).
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer as McpServerV2 } from "@modelcontextprotocol/server";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer as McpServerV1 } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/server/streamableHttp"
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { AccessToken } from "../../mod.ts";
import * as v2 from "../../src/mcp/mod.ts";
import * as v1 from "../../src/mcp/mod_v1.ts";
import { serve } from "../_serve.ts";

/** A guarded server of either SDK, as the stacks drive it. */
export interface AnyGuarded {
  readonly server: object;
  tool(name: string, config: object, handler: unknown): unknown;
  prompt(name: string, config: object, handler: unknown): unknown;
  resource(
    name: string,
    uri: unknown,
    config: object,
    read: unknown,
  ): unknown;
  preflight(
    input: unknown,
    token: AccessToken | undefined,
    options?: v2.PreflightOptions,
  ): Promise<v2.Preflight & { request?: Request }>;
}

/** Guards a new server of the stack's SDK: `(options) => guarded`. */
export type Guard = (options?: unknown) => AnyGuarded;

/** Builds the guarded server of one request. */
export type Build = (guard: Guard) => AnyGuarded;

export interface Started {
  url: URL;
  close(): Promise<void>;
}

export interface StartOptions {
  /** The preflight's options. */
  preflight?: v2.PreflightOptions;
  /** Serve without the preflight (the SDK and dispatch alone). */
  bare?: boolean;
}

export interface Stack {
  name: string;
  sdk: "v2" | "v1";
  /** Whether the preflight reads the body (not parsed beforehand). */
  reads: boolean;
  start(build: Build, options?: StartOptions): Promise<Started>;
}

const guardV2: Guard = (options) =>
  v2.guardServer(
    new McpServerV2({ name: "notes", version: "1.0.0" }),
    options as never,
  ) as unknown as AnyGuarded;
const guardV1: Guard = (options) =>
  v1.guardServer(
    new McpServerV1({ name: "notes", version: "1.0.0" }),
    options as never,
  ) as unknown as AnyGuarded;

/** The tokens the stacks accept, by the name sent as `Bearer <name>`. */
export const TOKENS: Readonly<Record<string, AccessToken>> = {
  reader: { token: "reader", clientId: "app", scopes: ["read"], claims: {} },
  writer: {
    token: "writer",
    clientId: "app",
    scopes: ["read", "write"],
    claims: {},
  },
  // A subject, for checks that name one (an AuthZEN PDP's request).
  alice: {
    token: "alice",
    clientId: "app",
    scopes: ["read"],
    claims: { sub: "alice" },
  },
  root: {
    token: "root",
    clientId: "app",
    scopes: ["read", "write", "admin"],
    claims: { roles: ["ops"] },
  },
};

/** The token of an `Authorization` header (Bearer or DPoP), if known. */
export function tokenOf(
  authorization: string | null | undefined,
): AccessToken | undefined {
  const name = authorization?.split(" ")[1];
  return name === undefined ? undefined : TOKENS[name];
}

const v2Stack: Stack = {
  name: "SDK v2 createMcpHandler (guardedMcpHandler)",
  sdk: "v2",
  reads: true,
  async start(build, options = {}) {
    if (options.bare) {
      const { createMcpHandler } = await import("@modelcontextprotocol/server");
      const mcp = createMcpHandler(() => build(guardV2).server as McpServerV2);
      const served = await serve((request) => {
        const token = tokenOf(request.headers.get("authorization"));
        return mcp.fetch(
          request,
          token === undefined ? {} : { authInfo: token },
        );
      });
      return {
        url: new URL("/mcp", served.origin),
        close: async () => {
          await served.close();
          await mcp.close();
        },
      };
    }
    const mcp = v2.guardedMcpHandler(
      () => build(guardV2) as unknown as v2.GuardedServer,
      { preflight: options.preflight },
    );
    const served = await serve((request) =>
      mcp.fetch(request, {
        authInfo: tokenOf(request.headers.get("authorization")),
      })
    );
    return {
      url: new URL("/mcp", served.origin),
      close: async () => {
        await served.close();
        await mcp.close();
      },
    };
  },
};

const v1WebStack: Stack = {
  name: "SDK 1.x Web-standard transport",
  sdk: "v1",
  reads: true,
  async start(build, options = {}) {
    const served = await serve(async (request) => {
      const token = tokenOf(request.headers.get("authorization"));
      const guarded = build(guardV1);
      let forward = request;
      let sdkOptions: v2.SdkRequestOptions = token === undefined
        ? {}
        : { authInfo: token };
      if (!options.bare) {
        const checked = await guarded.preflight(
          request,
          token,
          options.preflight,
        );
        if (checked.response !== undefined) return checked.response;
        forward = checked.request!;
        sdkOptions = checked.sdkOptions;
      }
      const transport = new WebStandardStreamableHTTPServerTransport({
        enableJsonResponse: true,
      });
      await (guarded.server as McpServerV1).connect(transport);
      return await transport.handleRequest(forward, sdkOptions);
    });
    return { url: new URL("/mcp", served.origin), close: served.close };
  },
};

/** Reads a Node request's body as express.json() does, into `req.body`. */
async function parseAsExpressJson(req: IncomingMessage): Promise<void> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of req) chunks.push(chunk as Uint8Array);
  const text = new TextDecoder().decode(
    chunks.length === 1 ? chunks[0] : new Uint8Array(
      chunks.flatMap((chunk) => [...chunk]),
    ),
  );
  (req as { body?: unknown }).body = JSON.parse(text);
}

function nodeStack(parsed: boolean): Stack {
  return {
    name: `SDK 1.x Node transport, node:http${
      parsed ? ", body parsed first (express.json())" : ""
    }`,
    sdk: "v1",
    reads: !parsed,
    async start(build, options = {}) {
      const server = createServer(async (req, res) => {
        try {
          const token = tokenOf(req.headers.authorization);
          const guarded = build(guardV1);
          if (parsed) await parseAsExpressJson(req);
          let parsedBody: unknown = (req as { body?: unknown }).body;
          let authInfo: AccessToken | undefined = token;
          if (!options.bare) {
            const checked = await guarded.preflight(
              req,
              token,
              options.preflight,
            );
            if (checked.response !== undefined) {
              await v1.writeResponse(res, checked.response);
              return;
            }
            parsedBody = checked.parsedBody;
            authInfo = checked.authInfo;
          }
          const transport = new StreamableHTTPServerTransport({
            enableJsonResponse: true,
          });
          await (guarded.server as McpServerV1).connect(transport);
          if (authInfo !== undefined) {
            (req as IncomingMessage & { auth?: AccessToken }).auth = authInfo;
          }
          await transport.handleRequest(req, res, parsedBody);
        } catch {
          if (!res.headersSent) res.writeHead(500);
          res.end();
        }
      });
      await new Promise<void>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve())
      );
      const { port } = server.address() as AddressInfo;
      return {
        url: new URL(`http://127.0.0.1:${port}/mcp`),
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    },
  };
}

export const STACKS: readonly Stack[] = [
  v2Stack,
  v1WebStack,
  nodeStack(false),
  nodeStack(true),
];

/** A JSON-RPC POST as the SDK clients send it (2025-06-18 era). */
export function post(
  url: URL,
  body: unknown,
  authorization: string | undefined,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      ...(authorization === undefined ? {} : { authorization }),
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-06-18",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A `tools/call` message. */
export function call(
  name: string,
  args: Record<string, unknown> = {},
  id: number | string = 1,
): Record<string, unknown> {
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name, arguments: args },
  };
}

/** Status, headers but `date`, and body: what a client could compare. */
export async function seen(response: Response): Promise<unknown> {
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => {
    if (name !== "date") headers.push([name, value]);
  });
  return { status: response.status, headers, body: await response.text() };
}

/** The JSON-RPC messages of a response, sent as JSON or as SSE events. */
export async function messages(response: Response): Promise<unknown> {
  const body = await response.text();
  if (!(response.headers.get("content-type") ?? "").includes("event-stream")) {
    return JSON.parse(body);
  }
  const data = body.split("\n").filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice(6)));
  return data.length === 1 ? data[0] : data;
}
