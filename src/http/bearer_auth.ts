/**
 * Bearer authentication for Web-standard handlers: extract, verify, check
 * expiry and scopes, and answer every failure with the right challenge.
 * The pipeline works on outcomes (`_authenticate.ts`); this module renders
 * each refusal once, with the one renderer of `challenge.ts`. A token
 * scheme such as DPoP plugs in through {@linkcode AuthScheme}.
 *
 * @module
 */

import { show } from "../_internal/options.ts";
import type { AccessToken } from "../core/context.ts";
import type { ScopeHierarchy } from "../core/scopes.ts";
import type { DecisionOptions } from "../core/decision.ts";
import { AuthorizationError } from "../errors.ts";
import type { TokenVerifier } from "../verify/verifier.ts";
import {
  type Credentials,
  readCredentials,
  Refusal,
  SchemeCredentials,
  verifyCredentials,
} from "./_authenticate.ts";
import { compileConfig, type Config } from "./_bearer_config.ts";
import { fromHandlerDenial, missingToken } from "./_denials.ts";
import { withStepUpSink } from "./_step_up.ts";
import {
  admitting,
  observeHandler,
  reported,
  reporting,
} from "./_decisions.ts";
import {
  render,
  stepUpResponse,
  withSuccessHeaders,
} from "./_handler_answer.ts";
import type { AuthScheme } from "./scheme.ts";

/**
 * Options of {@linkcode bearerAuth} and {@linkcode withBearerAuth}.
 *
 * @example Usage
 * ```ts
 * import { type BearerAuthOptions, StaticTokenVerifier } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: BearerAuthOptions = {
 *   verifier: new StaticTokenVerifier({ tokens: {} }),
 *   requiredScopes: ["mcp"],
 *   resource: "https://mcp.example.com/mcp", // derives resourceMetadataUrl
 * };
 * assert.deepEqual(options.requiredScopes, ["mcp"]);
 * ```
 */
export interface BearerAuthOptions
  extends Omit<DecisionOptions, "listDecisions"> {
  /** Checks the token: `JwtVerifier`, `StaticTokenVerifier` or your own. */
  verifier: TokenVerifier;
  /**
   * Scopes every request must hold (AND, under `scopeHierarchy`); a
   * shortfall answers 403. Never `offline_access`.
   */
  requiredScopes?: string[];
  /**
   * RFC 9728 metadata URL, sent in every challenge (RFC 9728 §5.1).
   * Derived from `resource` when that is set (and then it must equal the
   * derived one).
   */
  resourceMetadataUrl?: string | URL;
  /**
   * RFC 9110 §11.5 `realm` for the challenges. Without it and without a
   * metadata URL, challenges carry `realm="mcp"`: RFC 6750 §3 wants at
   * least one auth-param in each.
   */
  realm?: string;
  /**
   * This server's resource identifier (RFC 8707), the one value that
   * drives discovery: the challenges' `resource_metadata` is derived from
   * it (RFC 9728 §3.1, the path `protectedResourceMetadata` with the same
   * `resource` answers at), a verifier that describes its audiences
   * (`JwtVerifier`, `IntrospectionVerifier`) must accept it, and a token
   * whose `AccessToken.resource` is another resource, or absent, answers
   * 401 `invalid_token`: defence in depth over the verifier's audience
   * check. Compared with scheme and host in any case and a default port
   * written or not; nothing else is normalised.
   */
  resource?: string | URL;
  /** When true, a request without a token is let through as `undefined`. */
  optional?: boolean;
  /** Broader scope -> the scopes it implies, for `requiredScopes`. */
  scopeHierarchy?: ScopeHierarchy;
  /**
   * Seconds of leeway when checking `expiresAt` (default 0). bearerAuth
   * re-checks expiry for every verifier, so give it the same leeway as the
   * verifier's own (e.g. `JwtVerifier`'s `clockTolerance`); the stricter of
   * the two applies.
   */
  clockTolerance?: number;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /**
   * Told about every failure answered 503 (a verifier or DPoP check that
   * could not be done, a handler's `AuthorizationUnavailableError`), for
   * logs. Default: one `console.warn`.
   */
  onError?: (error: unknown) => void;
  /**
   * Also accept DPoP-bound tokens with a proof (RFC 9449), or with
   * `required: true` only those: `dpop: dpopScheme({ required: true })`.
   * Takes the object `dpopScheme()` makes, so that a server without DPoP
   * never loads (or bundles) DPoP code.
   */
  dpop?: AuthScheme;
}

/**
 * A request handler behind {@linkcode withBearerAuth}; `token` is `undefined`
 * only with `optional: true` and no token.
 *
 * @example Usage
 * ```ts
 * import type { BearerHandler } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const handler: BearerHandler = (_request, token) =>
 *   new Response(token ? `hello ${token.clientId}` : "hello stranger");
 * assert.equal(await (await handler(new Request("http://localhost/"), undefined)).text(), "hello stranger");
 * ```
 */
export type BearerHandler = (
  request: Request,
  token: AccessToken | undefined,
) => Response | Promise<Response>;

function keep(refusal: Refusal): Refusal {
  return refusal;
}

/**
 * What a request without credentials, or with refused ones, is answered
 * before any verification.
 */
function beforeVerification(
  config: Config,
  credentials: Refusal | undefined,
): Refusal | undefined {
  if (credentials !== undefined) return credentials;
  return config.optional
    ? undefined
    : new Refusal(missingToken(config), undefined);
}

/**
 * Builds a function that authenticates a `Request` with a Bearer token and
 * resolves to the verified {@linkcode AccessToken}, to `undefined` (no token
 * and `optional: true`), or to the `Response` to send instead:
 *
 * | Request                                          | Answer |
 * | ------------------------------------------------ | ------ |
 * | no token                                         | 401 `Bearer` challenge without error code (RFC 6750 §3.1) |
 * | malformed header, two credentials, query token, a form-body `access_token` next to the header | 400 `error="invalid_request"` |
 * | verifier throws `InvalidTokenError`              | 401 `error="invalid_token"` with its message |
 * | token whose `expiresAt` has passed, or is no NumericDate (`Infinity`, `NaN`) | 401 `error="invalid_token"` |
 * | token for another `resource` (when configured)   | 401 `error="invalid_token"` |
 * | token with a `cnf` (DPoP- or mTLS-bound) sent as `Bearer` | 401 `error="invalid_token"` |
 * | token lacking a `requiredScopes` scope           | 403 `error="insufficient_scope"` (see below) |
 * | verifier throws `InsufficientScopeError`         | 403 `insufficient_scope` (see below) |
 * | verifier throws another `AuthorizationError`     | 403, no challenge |
 * | verifier throws anything else (`AuthorizationUnavailableError` included), or returns something that is not an `AccessToken` for this token | 503 with `Retry-After` (the error's `retryAfter`, else 5 s) |
 *
 * **What a 403's `scope` names**, on every path (this function's
 * `requiredScopes`, a verifier's, and what a `withBearerAuth` handler or the
 * MCP guard throws): every scope the operation requires that the
 * scope-aware checks know of, the missing ones *and* the ones the token
 * already holds, never a broader scope that would imply them (RFC 6750 §3,
 * "the scope necessary to access the protected resource"). So
 * `InsufficientScopeError.challengeScopes` and the scopes every request
 * here needs (`requiredScopes`, and the verifier's own `requiredScopes`
 * when it names them). The held ones are there because MCP 2025-11-25
 * clients replace their scopes with the challenge's: a challenge naming
 * only `admin` would get them a token without `mcp`, and the next call
 * would fail; 2026-07-28 clients add them up, so the longer list costs
 * them nothing. 401 challenges name the same set (MCP, "Scope Selection
 * Strategy"). `offline_access` is never named.
 *
 * Every challenge carries `resource_metadata` (RFC 9728 §5.1, derived from
 * `resource` or given) and `realm` when configured, and at least one
 * auth-param: without either, `realm="mcp"` (RFC 6750 §3). Bodies are JSON
 * `{ error, error_description }` with `Cache-Control: no-store`; no token,
 * claim or internal error message ever reaches them. Nothing here answers
 * 2xx or 500. A form-encoded body is read only to look for `access_token`
 * (its first 64 KiB, on a clone: the handler still gets it whole).
 *
 * With `dpop: dpopScheme(...)`, `Authorization: DPoP <token>` with a proof
 * is accepted too (see `DpopAuthOptions` for its answers), and challenges
 * name both schemes, or only `DPoP` when it is required.
 *
 * Browsers send CORS preflight (`OPTIONS`) requests without credentials:
 * answer those before calling this, and list `WWW-Authenticate` in
 * `Access-Control-Expose-Headers` if browser clients must read challenges.
 *
 * @param options The verifier and the policy; validated and frozen here.
 * @returns `(request) => Promise<AccessToken | undefined | Response>`.
 * @throws {TypeError} When an option is missing, unknown or invalid: no
 * verifier, a scope that is not an RFC 6749 §3.3 scope token or is
 * `offline_access`, a `resourceMetadataUrl` that is not an absolute https
 * URL or not the one `resource` derives, a `resource` the verifier's
 * audiences do not include, a `dpop` that is not made by `dpopScheme()`,
 * and so on.
 *
 * @example Usage
 * ```ts
 * import { bearerAuth, StaticTokenVerifier } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const resource = "https://mcp.example.com/mcp";
 * const auth = bearerAuth({
 *   verifier: new StaticTokenVerifier({
 *     tokens: { "dev-token": { clientId: "dev", scopes: ["mcp"], resource } },
 *   }),
 *   requiredScopes: ["mcp"],
 *   resource, // the challenges' resource_metadata, and the tokens' resource
 * });
 *
 * const ok = await auth(new Request("https://mcp.example.com/mcp", {
 *   headers: { authorization: "Bearer dev-token" },
 * }));
 * assert.ok(!(ok instanceof Response));
 * assert.equal(ok?.clientId, "dev");
 *
 * const denied = await auth(new Request("https://mcp.example.com/mcp"));
 * assert.ok(denied instanceof Response);
 * assert.equal(denied.status, 401);
 * assert.equal(
 *   denied.headers.get("www-authenticate"),
 *   'Bearer scope="mcp", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
 * );
 * ```
 */
export function bearerAuth(
  options: BearerAuthOptions,
): (request: Request) => Promise<AccessToken | undefined | Response> {
  return bearerAuthAs("bearerAuth", options);
}

/**
 * {@linkcode bearerAuth} under the name of the function that calls it (a
 * framework adapter's), so that option errors name what the user wrote.
 * Not exported by the entry points.
 *
 * @param owner The public function's name, for error messages.
 * @param options As for `bearerAuth`.
 * @returns As `bearerAuth`.
 */
export function bearerAuthAs(
  owner: string,
  options: BearerAuthOptions,
): (request: Request) => Promise<AccessToken | undefined | Response> {
  const config = compileConfig(owner, options);
  const respond = (refusal: Refusal): Response => render(config, refusal);
  return function authenticateBearer(request) {
    const reply = reporting(config, request, respond);
    const credentials = readCredentials(config, request);
    if (credentials === undefined || credentials instanceof Refusal) {
      const refusal = beforeVerification(config, credentials);
      return admitting(
        config,
        request,
        Promise.resolve(refusal && reply(refusal)),
      );
    }
    return admitting(
      config,
      request,
      verifyCredentials(config, request, credentials, reply),
    );
  };
}

/**
 * Wraps a handler so that it runs only for an authenticated request (see
 * {@linkcode bearerAuth} for every refusal), and maps the authorization
 * errors it throws to their responses:
 *
 * - `InsufficientScopeError` -> 403 `error="insufficient_scope"`, its
 *   `scope` by the one strategy of {@linkcode bearerAuth}: the error's
 *   `challengeScopes` (its unmet `requiredScopes` and the held ones it
 *   names) and the scopes every request here needs: the MCP step-up
 *   challenge.
 * - any other `AuthorizationError` -> 403 without a challenge (another
 *   token would not help, so the client is not sent to re-authorize), its
 *   message as `error_description`.
 * - either one when the request had no token (`optional: true`) -> 401 with
 *   the challenge without error: authenticating is the way forward (with
 *   `scope` naming the error's scopes, if any).
 * - `AuthorizationUnavailableError` (the policy engine behind a check could
 *   not decide) -> 503 with `Retry-After` (its `retryAfter`, else 5 s),
 *   token or not, reported to `onError`: a retry is the way forward.
 *
 * Anything else the handler throws propagates unchanged: it is the
 * application's error, not an authorization decision.
 *
 * The handler receives the request the client sent (body intact) and a
 * token whose `extra` carries a hidden step-up sink, so that a scope
 * shortfall the MCP SDK answers inside the handler (its own 403 scope
 * challenge, through `@mcp-authz/core/mcp`) is answered here instead, by
 * the same strategy, in the scheme the client used and with
 * `Cache-Control: no-store`: pass the token to the SDK as `authInfo` (a
 * spread copy such as `{ ...token, resourceMetadataUrl }` keeps it). The
 * handler's other responses are left alone, except that with `dpop` and
 * nonces on, a 2xx answer to a DPoP request carries a fresh `DPoP-Nonce`
 * (RFC 9449 §8.2).
 *
 * @param handler Runs with the request and its verified token.
 * @param options As for {@linkcode bearerAuth}.
 * @returns `(request) => Promise<Response>`.
 * @throws {TypeError} When `handler` is not a function or an option is
 * invalid.
 *
 * @example Usage
 * ```ts
 * import { InsufficientScopeError, StaticTokenVerifier, withBearerAuth } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const handler = withBearerAuth((_request, token) => {
 *   if (!token?.scopes.includes("files:write")) {
 *     throw new InsufficientScopeError(["files:write"]);
 *   }
 *   return new Response("written");
 * }, {
 *   verifier: new StaticTokenVerifier({
 *     tokens: { "reader-token": { clientId: "reader", scopes: ["mcp", "files:read"] } },
 *   }),
 *   requiredScopes: ["mcp"],
 *   realm: "files",
 * });
 *
 * const response = await handler(new Request("https://mcp.example.com/mcp", {
 *   headers: { authorization: "Bearer reader-token" },
 * }));
 * assert.equal(response.status, 403);
 * // The scope it lacks, and the one every request needs: a client that
 * // replaces its scopes with these keeps "mcp".
 * assert.equal(
 *   response.headers.get("www-authenticate"),
 *   'Bearer realm="files", error="insufficient_scope", error_description="Insufficient scope. Required: files:write", scope="files:write mcp"',
 * );
 * assert.equal(response.headers.get("cache-control"), "no-store");
 * ```
 */
export function withBearerAuth(
  handler: BearerHandler,
  options: BearerAuthOptions,
): (request: Request) => Promise<Response> {
  return withBearerAuthAs("withBearerAuth", handler, options);
}

/**
 * {@linkcode withBearerAuth} under the name of the function that calls it
 * (a framework adapter's), so that option errors name what the user wrote.
 * Not exported by the entry points.
 *
 * @param owner The public function's name, for error messages.
 * @param handler As for `withBearerAuth`.
 * @param options As for `withBearerAuth`.
 * @returns As `withBearerAuth`.
 */
export function withBearerAuthAs(
  owner: string,
  handler: BearerHandler,
  options: BearerAuthOptions,
): (request: Request) => Promise<Response> {
  if (typeof handler !== "function") {
    throw new TypeError(
      `${owner} expects a handler function as its first argument, got ${
        show(handler)
      }`,
    );
  }
  const config = compileConfig(owner, options);
  const run = observeHandler(config, handler);
  return async function authenticated(request) {
    const credentials = readCredentials(config, request);
    const result = credentials === undefined || credentials instanceof Refusal
      ? beforeVerification(config, credentials)
      : await verifyCredentials(config, request, credentials, keep);
    if (result instanceof Refusal) {
      return reported(config, request, result, render(config, result));
    }
    const sent = credentials as Credentials | undefined;
    const used = sent instanceof SchemeCredentials ? sent.used : undefined;
    // Every token carries a step-up sink, so that a shortfall decided inside
    // the handler (the MCP SDK's scope challenge) is answered here, in the
    // client's scheme, by the one scope strategy.
    const sink = result === undefined ? undefined : withStepUpSink(result);
    let response: Response;
    try {
      response = await run(request, sink?.token ?? result);
    } catch (error) {
      if (!(error instanceof AuthorizationError)) throw error;
      return render(
        config,
        new Refusal(fromHandlerDenial(config, error, result), used),
      );
    }
    const scopes = sink?.stepUp.scopes;
    if (scopes !== undefined && response.status === 403) {
      return await stepUpResponse(config, response, scopes, used);
    }
    if (used !== undefined && response.ok) {
      return await withSuccessHeaders(config, response);
    }
    return response;
  };
}
