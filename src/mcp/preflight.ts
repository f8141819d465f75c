/**
 * The guard's HTTP preflight: before a request reaches the SDK's transport,
 * its JSON-RPC body is read once, every `tools/call`, `resources/read` and
 * `prompts/get` in it is authorized, and a scope shortfall is answered with
 * the RFC 6750 §3.1 `insufficient_scope` 403 (a check that could not
 * decide: 503) on any stack, SDK 1.x included. What it decided travels to
 * dispatch with the `authInfo` it returns, so every check runs once per
 * request. `GuardedServer.preflight` (both SDK majors) is its face.
 *
 * @module
 */

import type { AccessToken } from "../core/context.ts";
import {
  type Body,
  nodeHeader,
  type NodeRequestLike,
  readNodeBody,
  readRequestBody,
} from "./_body.ts";
import { decide, type DecidingScope } from "./_preflight.ts";
import { writeToNode } from "../_internal/node_response.ts";
import {
  preflightConfig,
  type PreflightOptions,
  refusalOf,
  tooLarge,
  unreadableBody,
} from "./_refusal.ts";

export type { NodeRequestLike, PreflightOptions };

/**
 * A body a framework already parsed (Hono's `await c.req.json()`,
 * Express's `req.body`), with the request's `Authorization` header so that
 * a challenge is sent in the client's scheme (`Bearer` or `DPoP`).
 *
 * @example Usage
 * ```ts
 * import type { PreflightBody } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const input: PreflightBody = {
 *   body: { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "purge" } },
 *   authorization: "Bearer eyJ...",
 * };
 * assert.ok(input.body);
 * ```
 */
export interface PreflightBody {
  /** The parsed JSON-RPC body: one message or a batch. */
  body: unknown;
  /** The request's `Authorization` header, when it has one. */
  authorization?: string | null | undefined;
}

/**
 * What `GuardedServer.preflight` decided for one HTTP request.
 *
 * - `response` set: send it instead of dispatching (the 403 step-up, a 503
 *   when a check could not decide, a 413 for a body over `maxBodySize`, a
 *   400 for a body the client stopped sending mid-way).
 * - otherwise hand the transport `parsedBody` and `authInfo` (both in
 *   `sdkOptions`, as the SDKs take them) and, for a Web `Request`,
 *   `request`, so that it reads no body and dispatch reuses the decisions.
 *
 * @example Usage
 * ```ts
 * import type { Preflight } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const parsedBody = { jsonrpc: "2.0", id: 1, method: "ping" };
 * const passed: Preflight = { response: undefined, parsedBody, authInfo: undefined, sdkOptions: { parsedBody } };
 * assert.equal(passed.response, undefined);
 * ```
 */
export interface Preflight {
  /** The answer to send instead of dispatching, when there is one. */
  readonly response: Response | undefined;
  /**
   * The JSON-RPC body, read once: the transport's `parsedBody`. `undefined`
   * when there was none to read (not a JSON POST), or it was not JSON.
   */
  readonly parsedBody: unknown;
  /**
   * The transport's `authInfo`: the token, or a copy of it for this request
   * alone that carries the decisions (pass it as it is: a spread copy
   * loses them, and dispatch then decides again).
   */
  readonly authInfo: AccessToken | undefined;
  /**
   * `{ authInfo, parsedBody }` without the undefined ones: the options the
   * SDKs take, `createMcpHandler(...).fetch(request, sdkOptions)` and
   * `transport.handleRequest(request, sdkOptions)`.
   */
  readonly sdkOptions: SdkRequestOptions;
}

/**
 * The per-request options of the MCP SDKs' Web-standard transports (v2
 * `McpHandlerRequestOptions`, 1.x `HandleRequestOptions`).
 *
 * @example Usage
 * ```ts
 * import type { SdkRequestOptions } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const options: SdkRequestOptions = { parsedBody: { jsonrpc: "2.0", id: 1, method: "ping" } };
 * assert.equal(options.authInfo, undefined);
 * ```
 */
export interface SdkRequestOptions {
  /** The token, for handlers and checks. */
  authInfo?: AccessToken;
  /** The JSON-RPC body, already read. */
  parsedBody?: unknown;
}

/**
 * {@linkcode Preflight} of a Web `Request`, with the request to hand on.
 *
 * @example Usage
 * ```ts
 * import type { RequestPreflight } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const request = new Request("https://mcp.example.com/mcp");
 * const passed: RequestPreflight = {
 *   response: undefined,
 *   parsedBody: undefined,
 *   authInfo: undefined,
 *   sdkOptions: {},
 *   request,
 * };
 * assert.equal(passed.request, request);
 * ```
 */
export interface RequestPreflight extends Preflight {
  /**
   * The request to hand the transport: the one given, or, when its body was
   * read and is not JSON, a copy carrying the same bytes, so that the SDK
   * answers it as it would have.
   */
  readonly request: Request;
}

/** What `preflight` takes: a Web `Request`, a Node request, or a parsed body. */
export type PreflightInput = Request | NodeRequestLike | PreflightBody;

function isNodeRequest(input: object): input is NodeRequestLike {
  return typeof (input as Partial<NodeRequestLike>)[Symbol.asyncIterator] ===
      "function" && typeof (input as { headers?: unknown }).headers ===
      "object";
}

/**
 * Runs the preflight of `input` for the guard `scope`.
 *
 * @throws {TypeError} When `input` is none of the three, the body was
 * already read, or `options` are wrong.
 */
export async function preflightOf(
  scope: DecidingScope,
  input: PreflightInput,
  token: AccessToken | undefined,
  options: PreflightOptions | undefined,
): Promise<Preflight | RequestPreflight> {
  const config = preflightConfig(options);
  let body: Body;
  let authorization: string | null | undefined;
  let request: Request | undefined;
  if (input instanceof Request) {
    request = input;
    authorization = input.headers.get("authorization");
    body = await readRequestBody(input, config.maxBodySize);
  } else if (
    input !== null && typeof input === "object" && isNodeRequest(input)
  ) {
    authorization = nodeHeader(input.headers, "authorization");
    body = await readNodeBody(input, config.maxBodySize);
  } else if (input !== null && typeof input === "object" && "body" in input) {
    authorization = input.authorization;
    body = { kind: "json", value: input.body };
  } else {
    throw new TypeError(
      "preflight() takes a Request, a Node IncomingMessage, or { body, authorization } with the parsed body",
    );
  }
  let parsedBody: unknown;
  let authInfo = token;
  let response: Response | undefined;
  switch (body.kind) {
    case "too_large":
      response = tooLarge(config.maxBodySize);
      break;
    case "unreadable":
      response = unreadableBody();
      break;
    case "raw":
      // Read but not JSON: the SDK answers it, from the same bytes.
      if (request !== undefined) {
        request = new Request(request, { body: body.bytes as BodyInit });
      }
      break;
    case "json": {
      parsedBody = body.value;
      const decided = await decide(scope, body.value, token);
      authInfo = decided.authInfo;
      if (decided.refused !== undefined) {
        response = refusalOf(decided.refused, token, authorization, config);
        // The preflight answers with this decision: its event is emitted
        // now (else dispatch, answering instead, reports the call).
        if (response !== undefined) decided.refusal?.release();
      }
      break;
    }
  }
  const sdkOptions: SdkRequestOptions = {};
  if (authInfo !== undefined) sdkOptions.authInfo = authInfo;
  if (parsedBody !== undefined) sdkOptions.parsedBody = parsedBody;
  const result = { response, parsedBody, authInfo, sdkOptions };
  return request === undefined ? result : { ...result, request };
}

/**
 * The parts of a Node `ServerResponse` that {@linkcode writeResponse} uses.
 *
 * @example Usage
 * ```ts
 * import type { NodeResponseLike } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * let status = 0;
 * const res: NodeResponseLike = { writeHead: (code) => { status = code; }, end: () => {} };
 * res.writeHead(403, {});
 * assert.equal(status, 403);
 * ```
 */
export interface NodeResponseLike {
  /** Sends the status line and headers. */
  writeHead(
    status: number,
    headers: Record<string, string | string[]>,
  ): unknown;
  /** Sends the body and ends the response. */
  end(body?: Uint8Array | string): unknown;
}

/**
 * Sends a Web `Response` (a preflight's 403, 503 or 413) on a Node
 * `ServerResponse`: status, every header (`Set-Cookie` lines apart), the
 * body's bytes. The same writer as `writeNodeResponse` of
 * `@mcp-authz/core/node`, for a Node server that does not use that entry.
 *
 * @param res The Node response.
 * @param response The answer to send.
 *
 * @example Usage
 * ```ts
 * import { writeResponse } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const sent: unknown[] = [];
 * await writeResponse(
 *   { writeHead: (status, headers) => sent.push(status, headers), end: (body) => sent.push(String(body)) },
 *   new Response("{}", { status: 403, headers: { "cache-control": "no-store" } }),
 * );
 * assert.equal(sent[0], 403);
 * assert.equal((sent[1] as Record<string, string>)["cache-control"], "no-store");
 * ```
 */
export function writeResponse(
  res: NodeResponseLike,
  response: Response,
): Promise<void> {
  return writeToNode(res, response);
}
