/**
 * Bearer authentication for Node `http`, Express and Connect, with the
 * decisions and answers of `bearerAuth` on the Web-standard path: the token
 * is read from a Web `Request` view of the `IncomingMessage`'s method, URL
 * and headers (the body stays in the stream, read once by whoever parses
 * it), a refusal is written to the `ServerResponse`, and the verified token
 * is set as `req.auth`, which the MCP SDK's Node transport
 * (`StreamableHTTPServerTransport.handleRequest(req, res)`) hands to the
 * server as `authInfo`.
 *
 * @module
 */

import { optionsObject, show } from "../_internal/options.ts";
import type { AccessToken } from "../core/context.ts";
import { AuthorizationError, InvalidRequestError } from "../errors.ts";
import {
  compileConfig,
  type Config,
  OPTION_NAMES,
} from "../http/_bearer_config.ts";
import { fromHandlerDenial } from "../http/_denials.ts";
import { bearerAuthAs, type BearerAuthOptions } from "../http/bearer_auth.ts";
import { renderOutcome } from "../http/challenge.ts";
import { metadataHref } from "./_auth_info.ts";
import { requestView } from "./_node_request.ts";
import {
  type NodeRequest,
  type NodeResponse,
  writeNodeResponse,
} from "./node_http.ts";

/**
 * A verified token as the MCP SDKs take it (`authInfo`, `req.auth`): an
 * `AccessToken` plus the RFC 9728 metadata URL of the options, which SDK
 * v2's own 403 scope challenge advertises.
 *
 * @example Usage
 * ```ts
 * import type { McpAuthInfo } from "@mcp-authz/core/node";
 * import assert from "node:assert/strict";
 *
 * const auth: McpAuthInfo = {
 *   token: "t",
 *   clientId: "app",
 *   scopes: ["read"],
 *   claims: {},
 *   resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
 * };
 * assert.equal(auth.clientId, "app");
 * ```
 */
export type McpAuthInfo = AccessToken & { resourceMetadataUrl?: string };

/**
 * Express / Connect's `next`: called without an argument to go on, with
 * one to hand an error to the error handlers.
 *
 * @example Usage
 * ```ts
 * import type { NodeNext } from "@mcp-authz/core/node";
 * import assert from "node:assert/strict";
 *
 * let called = false;
 * const next: NodeNext = () => {
 *   called = true;
 * };
 * next();
 * assert.ok(called);
 * ```
 */
export type NodeNext = (error?: unknown) => unknown;

/**
 * The middleware {@linkcode nodeBearerAuth} makes, for Express
 * (`app.use`, a route), Connect, or a plain `node:http` listener.
 *
 * @example Usage
 * ```ts
 * import type { NodeBearerMiddleware } from "@mcp-authz/core/node";
 * import assert from "node:assert/strict";
 *
 * const pass: NodeBearerMiddleware = async (_req, _res, next) => {
 *   next();
 * };
 * assert.equal(typeof pass, "function");
 * ```
 */
export type NodeBearerMiddleware = (
  req: NodeRequest,
  res: NodeResponse,
  next: NodeNext,
) => Promise<void>;

/**
 * The handler {@linkcode withNodeBearerAuth} wraps; `token` (also
 * `req.auth`) is `undefined` only with `optional: true` and no token.
 *
 * @typeParam Req The request type (`IncomingMessage`, Express `Request`).
 * @typeParam Res The response type (`ServerResponse`, Express `Response`).
 *
 * @example Usage
 * ```ts
 * import type { NodeBearerHandler } from "@mcp-authz/core/node";
 * import assert from "node:assert/strict";
 *
 * const handler: NodeBearerHandler = (_req, res, token) => {
 *   res.writeHead(200, { "content-type": "text/plain" });
 *   res.end(new TextEncoder().encode(`hello ${token?.clientId}`));
 * };
 * assert.equal(typeof handler, "function");
 * ```
 */
export type NodeBearerHandler<
  Req extends NodeRequest = NodeRequest,
  Res extends NodeResponse = NodeResponse,
> = (req: Req, res: Res, token: McpAuthInfo | undefined) => unknown;

/** What authentication decided for one Node request. */
type Decided =
  | { response: Response }
  | { token: McpAuthInfo | undefined; used: string | undefined };

// Only the token nodeBearerAuth verified: never a `req.auth` set elsewhere.
const verified = new WeakMap<object, McpAuthInfo>();

/** The scheme of the client's credentials, for a handler denial's answer. */
function schemeOf(request: Request): string | undefined {
  const value = request.headers.get("authorization");
  return value !== null && /^dpop /i.test(value) ? "DPoP" : undefined;
}

/**
 * `bearerAuth` itself under `owner`'s name, on the Web view of each Node
 * request: the same answers and the same decision events (`onDecision`).
 */
function authenticator(
  owner: string,
  options: BearerAuthOptions,
): { config: () => Config; decide(req: NodeRequest): Promise<Decided> } {
  // Read once, here: what bearerAuth checks is what the challenges and the
  // stamped token name below.
  const given = optionsObject<BearerAuthOptions>(
    owner,
    options,
    OPTION_NAMES as readonly (keyof BearerAuthOptions)[],
    "an options object with a verifier",
  );
  const authenticate = bearerAuthAs(owner, given);
  // Given or derived from `resource`, as the challenges name it.
  const href = metadataHref(given);
  // Compiled once, on the first request bearerAuth cannot see (a malformed
  // Host) or handler denial (withNodeBearerAuth).
  let compiled: Config | undefined;
  const config = () => compiled ??= compileConfig(owner, given);
  async function decide(req: NodeRequest): Promise<Decided> {
    let request: Request;
    try {
      request = requestView(req);
    } catch (error) {
      const description = error instanceof InvalidRequestError
        ? error.message
        : "Malformed request";
      // The challenges of these options: resource_metadata, realm, DPoP.
      return {
        response: renderOutcome(
          { type: "invalid_request", description },
          config().challenge,
        ),
      };
    }
    const result = await authenticate(request);
    if (result instanceof Response) return { response: result };
    if (result === undefined) return { token: undefined, used: undefined };
    return {
      // A copy: the verifier's token (maybe cached, maybe frozen) is not
      // the request's to change.
      token: href === undefined
        ? { ...result }
        : { ...result, resourceMetadataUrl: href },
      used: schemeOf(request),
    };
  }
  return { config, decide };
}

/** Sets (or clears) `req.auth`: always this middleware's, never an earlier one's. */
function setAuth(req: NodeRequest, token: McpAuthInfo | undefined): void {
  (req as { auth?: McpAuthInfo | undefined }).auth = token;
  if (token === undefined) verified.delete(req);
  else verified.set(req, token);
}

/**
 * A middleware for Express, Connect or `node:http` that authenticates the
 * request exactly as `bearerAuth` does (same options; same 400, 401, 403
 * and 503 answers with their `WWW-Authenticate` challenge,
 * `Cache-Control: no-store` and JSON body; DPoP with `dpop`), written to
 * the response; otherwise it sets the verified token as `req.auth` and
 * calls `next()`.
 *
 * `req.auth` is what the MCP SDK's Node transport
 * (`StreamableHTTPServerTransport` of `@modelcontextprotocol/sdk`) hands
 * the server as `authInfo`, so the guard of `@mcp-authz/core/mcp/v1`
 * decides with it; it carries `resourceMetadataUrl` when the options name
 * one or a `resource` it derives from (RFC 9728 §3.1, as the challenges
 * name it). The middleware reads the method, URL and headers only (from
 * `rawHeaders`, so two `Authorization` lines are refused as on the
 * Web-standard path): the body is left in the stream for `express.json()`
 * or the transport, and a refused request's body is never read. With
 * `optional: true`, a request without a token goes on with `req.auth`
 * unset; an earlier `req.auth` is always replaced.
 *
 * Answer CORS preflights (`OPTIONS`) before it: browsers send them without
 * credentials.
 *
 * @param options As for `bearerAuth`; validated and frozen here.
 * @returns `(req, res, next) => Promise<void>`.
 * @throws {TypeError} When an option is missing, unknown or invalid.
 *
 * @example Usage
 * ```ts
 * import { StaticTokenVerifier } from "@mcp-authz/core";
 * import { authOf, nodeBearerAuth } from "@mcp-authz/core/node";
 * import { createServer } from "node:http";
 * import type { AddressInfo } from "node:net";
 * import assert from "node:assert/strict";
 *
 * const auth = nodeBearerAuth({
 *   verifier: new StaticTokenVerifier({
 *     tokens: { "reader-token": { clientId: "app", scopes: ["read"] } },
 *   }),
 *   requiredScopes: ["read"],
 * });
 * const server = createServer((req, res) =>
 *   auth(req, res, () => res.end(`hello ${authOf(req)?.clientId}`))
 * );
 * await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
 * const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
 *
 * const refused = await fetch(url);
 * assert.equal(refused.status, 401);
 * assert.equal(refused.headers.get("www-authenticate"), 'Bearer scope="read"');
 * assert.equal(refused.headers.get("cache-control"), "no-store");
 * await refused.body?.cancel();
 * const ok = await fetch(url, { headers: { authorization: "Bearer reader-token" } });
 * assert.equal(await ok.text(), "hello app");
 * server.close();
 * ```
 */
export function nodeBearerAuth(
  options: BearerAuthOptions,
): NodeBearerMiddleware {
  const { decide } = authenticator("nodeBearerAuth", options);
  return async function authenticateNode(req, res, next) {
    const decided = await decide(req);
    if ("response" in decided) {
      await writeNodeResponse(res, decided.response);
      return;
    }
    setAuth(req, decided.token);
    await next();
  };
}

/**
 * Wraps a Node handler, `(req, res, token)`, so that it runs only for an
 * authenticated request (every refusal as {@linkcode nodeBearerAuth}
 * answers it), with `req.auth` set, and maps the authorization errors it
 * throws before answering as `withBearerAuth` does:
 * `InsufficientScopeError` -> 403 `insufficient_scope` naming its scopes
 * (the step-up challenge); another `AuthorizationError` -> 403 without a
 * challenge; either one without a token (`optional: true`) -> 401. Once the
 * handler has sent headers, or for anything else it throws, the returned
 * promise rejects: `node:http` ignores a listener's promise, so catch it.
 *
 * @typeParam Req The request type (`IncomingMessage`, Express `Request`).
 * @typeParam Res The response type (`ServerResponse`, Express `Response`).
 * @param handler Runs with the request, the response and the token.
 * @param options As for `bearerAuth`.
 * @returns `(req, res) => Promise<void>`, a `node:http` listener.
 * @throws {TypeError} When `handler` is not a function or an option is
 * invalid.
 *
 * @example Usage
 * ```ts
 * import { InsufficientScopeError, StaticTokenVerifier } from "@mcp-authz/core";
 * import { withNodeBearerAuth } from "@mcp-authz/core/node";
 * import { createServer } from "node:http";
 * import type { AddressInfo } from "node:net";
 * import assert from "node:assert/strict";
 *
 * const listener = withNodeBearerAuth((_req, res, token) => {
 *   if (!token?.scopes.includes("write")) throw new InsufficientScopeError(["write"]);
 *   res.end("written");
 * }, {
 *   verifier: new StaticTokenVerifier({
 *     tokens: { "reader-token": { clientId: "app", scopes: ["read"] } },
 *   }),
 * });
 * const server = createServer((req, res) => void listener(req, res).catch(() => res.destroy()));
 * await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
 * const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notes`;
 *
 * const denied = await fetch(url, { headers: { authorization: "Bearer reader-token" } });
 * assert.equal(denied.status, 403);
 * assert.match(denied.headers.get("www-authenticate")!, /error="insufficient_scope"/);
 * assert.match(denied.headers.get("www-authenticate")!, /scope="write"/);
 * await denied.body?.cancel();
 * server.close();
 * ```
 */
export function withNodeBearerAuth<
  Req extends NodeRequest = NodeRequest,
  Res extends NodeResponse = NodeResponse,
>(
  handler: NodeBearerHandler<Req, Res>,
  options: BearerAuthOptions,
): (req: Req, res: Res) => Promise<void> {
  if (typeof handler !== "function") {
    throw new TypeError(
      `withNodeBearerAuth expects a handler function as its first argument, got ${
        show(handler)
      }`,
    );
  }
  const { config, decide } = authenticator("withNodeBearerAuth", options);
  return async function authenticatedNode(req, res) {
    const decided = await decide(req);
    if ("response" in decided) {
      await writeNodeResponse(res, decided.response);
      return;
    }
    setAuth(req, decided.token);
    try {
      await handler(req, res, decided.token);
    } catch (error) {
      if (!(error instanceof AuthorizationError) || res.headersSent === true) {
        throw error;
      }
      const compiled = config();
      const outcome = fromHandlerDenial(compiled, error, decided.token);
      await writeNodeResponse(
        res,
        renderOutcome(outcome, compiled.challenge, decided.used),
      );
    }
  };
}

/**
 * The token {@linkcode nodeBearerAuth} (or {@linkcode withNodeBearerAuth})
 * verified for `req`, typed: the same object as `req.auth`, but never a
 * value another middleware put there.
 *
 * @param req The request the middleware let through.
 * @returns The token, or `undefined` when the request carried none
 * (`optional: true`) or did not pass through the middleware.
 *
 * @example Usage
 * ```ts
 * import { authOf } from "@mcp-authz/core/node";
 * import assert from "node:assert/strict";
 *
 * const req = { headers: {}, auth: { token: "forged", clientId: "x", scopes: ["admin"], claims: {} } };
 * assert.equal(authOf(req), undefined); // not set by nodeBearerAuth
 * ```
 */
export function authOf(req: object): McpAuthInfo | undefined {
  return verified.get(req);
}
