/**
 * Node `http` as the Node adapter sees it: the parts of an `IncomingMessage`
 * and of a `ServerResponse` it reads and writes (read structurally: no
 * import of `node:http`, Express or Connect), and a Web `Response` written
 * to a `ServerResponse`.
 *
 * @module
 */

import { writeToNode } from "../_internal/node_response.ts";

/**
 * The parts of a Node `IncomingMessage` (an Express or Connect request
 * too) that the Node adapter reads. Its body is never read.
 *
 * @example Usage
 * ```ts
 * import type { NodeRequest } from "@mcp-authz/core/node";
 * import assert from "node:assert/strict";
 *
 * const req: NodeRequest = {
 *   method: "POST",
 *   url: "/mcp",
 *   headers: { host: "127.0.0.1:8000", authorization: "Bearer t" },
 *   rawHeaders: ["Host", "127.0.0.1:8000", "Authorization", "Bearer t"],
 * };
 * assert.equal(req.headers.host, "127.0.0.1:8000");
 * ```
 */
export interface NodeRequest {
  /** The request method (`IncomingMessage.method`). */
  readonly method?: string | undefined;
  /** The request target (`IncomingMessage.url`), e.g. `/mcp?x=1`. */
  readonly url?: string | undefined;
  /** Express: the target before a mounted router stripped its prefix. */
  readonly originalUrl?: string | undefined;
  /** The headers, names lowercased (`IncomingMessage.headers`). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /**
   * The header lines as received, name then value (`rawHeaders`): read
   * first, since `headers` keeps only the first of two `Authorization`
   * lines.
   */
  readonly rawHeaders?: readonly string[] | undefined;
  /** The connection; a TLS socket (`encrypted: true`) makes the URL https. */
  readonly socket?: object | null | undefined;
}

/**
 * The parts of a Node `ServerResponse` (an Express response too) that the
 * Node adapter writes.
 *
 * @example Usage
 * ```ts
 * import type { NodeResponse } from "@mcp-authz/core/node";
 * import assert from "node:assert/strict";
 *
 * const sent: unknown[] = [];
 * const res: NodeResponse = {
 *   headersSent: false,
 *   writeHead: (status, headers) => sent.push(status, headers),
 *   end: (body) => sent.push(body),
 * };
 * res.writeHead(401, { "cache-control": "no-store" });
 * assert.equal(sent[0], 401);
 * ```
 */
export interface NodeResponse {
  /** Whether the status line and headers are already sent. */
  readonly headersSent?: boolean | undefined;
  /** Sends the status line and headers. */
  writeHead(
    status: number,
    headers: Record<string, string | string[]>,
  ): unknown;
  /** Sends the body (when there is one) and ends the response. */
  end(body?: Uint8Array | string): unknown;
}

/**
 * Sends a Web `Response` on a Node `ServerResponse`: status, every header
 * (`Set-Cookie` lines kept apart), and the body. For the answers of the
 * library's Web-standard functions on Node: a preflight's 403, a
 * `challengeResponse`, a metadata document.
 *
 * @param res The Node response; nothing may have been sent on it yet.
 * @param response The answer to send.
 *
 * @example Usage
 * ```ts
 * import { challengeResponse } from "@mcp-authz/core";
 * import { writeNodeResponse } from "@mcp-authz/core/node";
 * import assert from "node:assert/strict";
 *
 * const sent: unknown[] = [];
 * await writeNodeResponse({
 *   writeHead: (status, headers) => sent.push(status, headers),
 *   end: (body) => sent.push(new TextDecoder().decode(body as Uint8Array)),
 * }, challengeResponse({ type: "insufficient_scope", scopes: ["write"] }));
 * assert.equal(sent[0], 403);
 * const headers = sent[1] as Record<string, string>;
 * assert.match(headers["www-authenticate"]!, /scope="write"/);
 * assert.equal(headers["cache-control"], "no-store");
 * assert.equal(JSON.parse(sent[2] as string).error, "insufficient_scope");
 * ```
 */
export function writeNodeResponse(
  res: NodeResponse,
  response: Response,
): Promise<void> {
  return writeToNode(res, response);
}
