/**
 * The notes server on Express 5 with the MCP SDK 1.x Node transport
 * (`StreamableHTTPServerTransport`, the most common deployment): the MCP
 * endpoint behind `nodeBearerAuth` (the verified token set as `req.auth`,
 * which the transport hands to the server as `authInfo`), the guard's
 * preflight (it reads the body from the stream once, answers a scope
 * shortfall with the 403 step-up, and hands the transport the parsed body),
 * its RFC 9728 metadata, and the embedded development authorization server
 * at `/oauth`.
 *
 * @module
 */

import express from "express";
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  authOf,
  nodeBearerAuth,
  protectedResourceMetadataRoute,
  writeNodeResponse,
} from "@mcp-authz/core/node";
import type { DevAuthorizationServer } from "@mcp-authz/core/dev";
import { stackAuthorizer } from "../demo/notes.ts";
import { guardNotesV1 } from "../demo/notes_v1.ts";
import {
  type RunningStack,
  type StackAppOptions,
  stackAuth,
} from "../_stack.ts";

/** The Express example, ready to listen. */
export interface ExpressExample {
  /** The Express app: a `node:http` request listener. */
  app: RequestListener;
  /** The MCP endpoint. */
  mcpUrl: URL;
  /** The protected-resource metadata document. */
  metadataUrl: URL;
  /** The embedded development authorization server. */
  dev: DevAuthorizationServer;
}

// Express's types (@types/express) bring an @types/node that clashes with
// Deno's own: the handlers name the node:http types they use instead.
type Req = IncomingMessage & { path: string };
type Res = ServerResponse;

/** The development server's paths: `/oauth/*` and its RFC 8414 metadata. */
function isDevPath(path: string): boolean {
  return path === "/oauth" || path.startsWith("/oauth/") ||
    path.startsWith("/.well-known/oauth-authorization-server/") ||
    path.startsWith("/.well-known/openid-configuration/");
}

/**
 * Builds the Express example for the origin it is served at.
 *
 * @param options Origin and approval.
 * @returns The app and what a client needs to know.
 */
export async function createExpressExample(
  options: StackAppOptions,
): Promise<ExpressExample> {
  const notes: string[] = [];
  const auth = await stackAuth(options);
  const metadata = protectedResourceMetadataRoute(auth.metadata);
  const preflight = { resourceMetadataUrl: auth.metadataUrl };
  // The development server is a fetch handler: mounted with the converter
  // the SDK's Node transport uses too (it reads its forms and JSON bodies).
  const dev = getRequestListener(
    async (request) =>
      await auth.dev.handle(request) ??
        new Response("Not found\n", { status: 404 }),
    { overrideGlobalObjects: false },
  );
  const app = express();
  app.use((req: Req, res: Res, next: () => void) =>
    isDevPath(req.path) ? dev(req, res) : next()
  );
  app.all(metadata.path, metadata.handler);
  // Every method of /mcp is authenticated first: 400, 401, 403 or 503 are
  // written here, and a refused request's body is never read.
  app.all("/mcp", nodeBearerAuth(auth.bearer));
  app.post("/mcp", async (req: Req, res: Res) => {
    // One McpServer and transport per request: stateless Streamable HTTP.
    const guarded = guardNotesV1(
      new McpServer({ name: "notes-express", version: "1.0.0" }),
      notes,
      { authorizer: stackAuthorizer, hiddenTool: true },
    );
    // The 1.x SDK has no pre-dispatch hook: the preflight reads the body from
    // the stream, once, and answers a scope shortfall with the 403 step-up
    // (a policy engine down: 503) before the transport.
    const checked = await guarded.preflight(req, authOf(req), preflight);
    if (checked.response !== undefined) {
      return await writeNodeResponse(res, checked.response);
    }
    // The token carrying the decisions: dispatch runs no check again.
    (req as { auth?: unknown }).auth = checked.authInfo;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
    });
    res.on("close", () => {
      void transport.close();
      void guarded.server.close();
    });
    await guarded.server.connect(transport);
    // req.auth -> authInfo; the body already read, handed over.
    await transport.handleRequest(req, res, checked.parsedBody);
  });
  // Stateless: no server-sent stream to GET, no session to DELETE.
  app.all("/mcp", (_req: Req, res: Res) => {
    res.writeHead(405, { allow: "POST", "content-type": "application/json" });
    res.end(JSON.stringify({
      jsonrpc: "2.0",
      error: { code: -32000, message: "Method not allowed" },
      id: null,
    }));
  });
  return {
    app,
    mcpUrl: auth.mcpUrl,
    metadataUrl: auth.metadataUrl,
    dev: auth.dev,
  };
}

/**
 * Serves the Express example with `node:http` on 127.0.0.1 (on Deno, Node
 * or Bun); the app is built once the port (and so its origin) is known.
 *
 * @param options Port (0: a free one), approval, warning sink.
 * @returns The running example.
 * @throws When the port cannot be listened on (`code: "EADDRINUSE"`).
 */
export async function listenExpressExample(
  options: { port: number } & Omit<StackAppOptions, "origin">,
): Promise<RunningStack> {
  const { port, ...rest } = options;
  let listener: RequestListener = (_req, res) => void res.writeHead(503).end();
  const server = createServer((req, res) => listener(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let example: ExpressExample;
  try {
    example = await createExpressExample({ ...rest, origin });
  } catch (error) {
    await close();
    throw error;
  }
  listener = example.app;
  const { app: _app, ...running } = example;
  return { ...running, close };
}
