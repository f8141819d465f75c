/**
 * Node `http`, Express and Connect bindings of `@mcp-authz/core`: a
 * middleware that authenticates as `bearerAuth` does (the same 400, 401,
 * 403 and 503 answers, written to the `ServerResponse`) from a Web
 * `Request` view of the `IncomingMessage`'s headers and URL, without
 * reading its body, and sets the verified token as `req.auth`, which the
 * MCP SDK's Node transport (`StreamableHTTPServerTransport` of
 * `@modelcontextprotocol/sdk`) hands to the server as `authInfo`; the same
 * as a handler wrapper; the RFC 9728 metadata route; and
 * `writeNodeResponse` for any Web `Response` of the library. Nothing here
 * imports Express or `node:http`: their objects are read structurally.
 *
 * @example Usage
 * ```ts
 * import express from "express";
 * // @ts-types="@modelcontextprotocol/sdk/server/mcp"
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * // @ts-types="@modelcontextprotocol/sdk/server/streamableHttp"
 * import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
 * import { requireScopes, StaticTokenVerifier } from "@mcp-authz/core";
 * import { guardServer } from "@mcp-authz/core/mcp/v1";
 * import { nodeBearerAuth, protectedResourceMetadataRoute } from "@mcp-authz/core/node";
 * import type { IncomingMessage, ServerResponse } from "node:http";
 * import type { AddressInfo } from "node:net";
 * import assert from "node:assert/strict";
 *
 * const metadata = protectedResourceMetadataRoute({
 *   resource: "https://mcp.example.com/mcp",
 *   authorizationServers: ["https://auth.example.com"],
 * });
 * const app = express();
 * app.get(metadata.path, metadata.handler);
 * app.post("/mcp", nodeBearerAuth({
 *   verifier: new StaticTokenVerifier({
 *     tokens: { "reader-token": { clientId: "app", scopes: ["read"] } },
 *   }),
 *   resourceMetadataUrl: `https://mcp.example.com${metadata.path}`,
 * }), async (req: IncomingMessage, res: ServerResponse) => {
 *   // One server and transport per request: stateless Streamable HTTP.
 *   const server = new McpServer({ name: "notes", version: "1.0.0" });
 *   const guarded = guardServer(server);
 *   guarded.tool("list_notes", {}, () => ({ content: [] }));
 *   guarded.tool("add_note", { auth: requireScopes("write") }, () => ({ content: [] }));
 *   const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
 *   res.on("close", () => void server.close());
 *   await server.connect(transport);
 *   await transport.handleRequest(req, res); // reads req.auth, and the body once
 * });
 * const listening = app.listen(0, "127.0.0.1");
 * await new Promise((done) => listening.once("listening", done));
 * const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/mcp`;
 *
 * const refused = await fetch(url, { method: "POST" });
 * assert.equal(refused.status, 401);
 * assert.match(refused.headers.get("www-authenticate")!, /resource_metadata=/);
 * await refused.body?.cancel();
 * const listed = await fetch(url, {
 *   method: "POST",
 *   headers: {
 *     authorization: "Bearer reader-token",
 *     "content-type": "application/json",
 *     accept: "application/json, text/event-stream",
 *   },
 *   body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
 * });
 * const names = (await listed.json()).result.tools.map((t: { name: string }) => t.name);
 * assert.deepEqual(names, ["list_notes"]);
 * listening.closeAllConnections();
 * listening.close();
 * ```
 *
 * @module
 */

export type {
  McpAuthInfo,
  NodeBearerHandler,
  NodeBearerMiddleware,
  NodeNext,
} from "./node.ts";
export { authOf, nodeBearerAuth, withNodeBearerAuth } from "./node.ts";
export type { NodeRequest, NodeResponse } from "./node_http.ts";
export { writeNodeResponse } from "./node_http.ts";
export type { NodeMetadataRoute } from "./node_metadata.ts";
export { protectedResourceMetadataRoute } from "./node_metadata.ts";
