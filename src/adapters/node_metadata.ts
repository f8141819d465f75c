/**
 * The RFC 9728 protected-resource metadata document on Node `http` and
 * Express: the route's path and a `(req, res)` handler.
 *
 * @module
 */

import {
  metadataOptions,
  protectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
  protectedResourceMetadataUrl,
} from "../http/metadata.ts";
import { InvalidRequestError } from "../errors.ts";
import { requestView } from "./_node_request.ts";
import {
  type NodeRequest,
  type NodeResponse,
  writeNodeResponse,
} from "./node_http.ts";

/**
 * The metadata route {@linkcode protectedResourceMetadataRoute} makes.
 *
 * @example Usage
 * ```ts
 * import type { NodeMetadataRoute } from "@mcp-authz/core/node";
 * import assert from "node:assert/strict";
 *
 * const route: NodeMetadataRoute = {
 *   path: "/.well-known/oauth-protected-resource/mcp",
 *   handler: async () => {},
 * };
 * assert.match(route.path, /^\/\.well-known\//);
 * ```
 */
export interface NodeMetadataRoute {
  /** Where the document lives, e.g. `/.well-known/oauth-protected-resource/mcp`. */
  readonly path: string;
  /** Serves it: `GET`, `HEAD`, the CORS preflight `OPTIONS`, 405 otherwise. */
  readonly handler: (req: NodeRequest, res: NodeResponse) => Promise<void>;
}

/**
 * Builds the route of the RFC 9728 protected-resource metadata document
 * for Node: mount `handler` at `path` (`app.all(path, handler)` in
 * Express, or compare `req.url` in a `node:http` listener). It answers as
 * `protectedResourceMetadata` does, from the request's method and headers.
 *
 * @param options As for `protectedResourceMetadata`.
 * @returns The path and the handler.
 * @throws {TypeError} When an option is missing, unknown or invalid.
 *
 * @example Usage
 * ```ts
 * import { protectedResourceMetadataRoute } from "@mcp-authz/core/node";
 * import assert from "node:assert/strict";
 *
 * const metadata = protectedResourceMetadataRoute({
 *   resource: "https://mcp.example.com/mcp",
 *   authorizationServers: ["https://auth.example.com"],
 * });
 * assert.equal(metadata.path, "/.well-known/oauth-protected-resource/mcp");
 *
 * const sent: unknown[] = [];
 * await metadata.handler(
 *   { method: "GET", url: metadata.path, headers: { host: "mcp.example.com" } },
 *   { writeHead: (status) => sent.push(status), end: (body) => sent.push(new TextDecoder().decode(body as Uint8Array)) },
 * );
 * assert.equal(sent[0], 200);
 * assert.equal(JSON.parse(sent[1] as string).resource, "https://mcp.example.com/mcp");
 * ```
 */
export function protectedResourceMetadataRoute(
  options: ProtectedResourceMetadataOptions,
): NodeMetadataRoute {
  const given = metadataOptions(options);
  const serve = protectedResourceMetadata(given);
  const path = protectedResourceMetadataUrl(given.resource).pathname;
  return Object.freeze({
    path,
    async handler(req: NodeRequest, res: NodeResponse): Promise<void> {
      let response: Response;
      try {
        response = serve(requestView(req));
      } catch (error) {
        if (!(error instanceof InvalidRequestError)) throw error;
        response = Response.json({
          error: "invalid_request",
          error_description: error.message,
        }, { status: 400, headers: { "cache-control": "no-store" } });
      }
      await writeNodeResponse(res, response);
    },
  });
}
