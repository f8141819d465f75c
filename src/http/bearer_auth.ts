/**
 * Bearer authentication for Web-standard handlers: extract, verify, check
 * expiry and scopes, and answer every failure with the right challenge.
 *
 * @module
 */

import { reportSafely } from "../_internal/report.ts";
import { show } from "../_internal/show.ts";
import type { AccessToken } from "../core/context.ts";
import {
  AuthorizationError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  VerifierUnavailableError,
} from "../errors.ts";
import type { TokenVerifier } from "../verify/verifier.ts";
import { extractBearerToken } from "./bearer.ts";
import {
  dpopAuth,
  type DpopAuthOptions,
  withDpopAuth,
} from "../dpop/scheme.ts";
import { parseEndpointUrl } from "../_internal/url.ts";
import {
  type AuthOutcome,
  compileChallenge,
  type CompiledChallenge,
  renderOutcome,
} from "./challenge.ts";
import {
  type CompiledHierarchy,
  compileHierarchy,
  holdsAll,
  type ScopeHierarchy,
} from "../core/scopes.ts";
import { normalizeScopes } from "../_internal/scope_token.ts";

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
 *   resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource",
 * };
 * assert.deepEqual(options.requiredScopes, ["mcp"]);
 * ```
 */
export interface BearerAuthOptions {
  /** Checks the token: `JwtVerifier`, `StaticTokenVerifier` or your own. */
  verifier: TokenVerifier;
  /** Scopes every request must hold (AND); a shortfall answers 403. */
  requiredScopes?: string[];
  /** RFC 9728 metadata URL, sent in every challenge (RFC 9728 §5.1). */
  resourceMetadataUrl?: string | URL;
  /** RFC 9110 §11.5 `realm` for the challenges. */
  realm?: string;
  /**
   * This server's resource identifier (RFC 8707). When set, a token whose
   * `AccessToken.resource` is another resource, or absent, answers 401
   * `invalid_token`: defence in depth over the verifier's audience check.
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
   * Told about every verifier failure that is not an `InvalidTokenError`
   * (the 503 cases), for logs. Default: one `console.warn`.
   */
  onError?: (error: unknown) => void;
  /**
   * Also accept DPoP-bound tokens with a proof (RFC 9449), or with
   * `required: true` only those; see `DpopAuthOptions`.
   */
  dpop?: DpopAuthOptions;
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

interface Config {
  readonly verifier: TokenVerifier;
  readonly requiredScopes: readonly string[];
  readonly challenge: CompiledChallenge;
  readonly optional: boolean;
  readonly resource: string | undefined;
  readonly hierarchy: CompiledHierarchy | undefined;
  readonly toleranceMs: number;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
}

const OPTION_NAMES: readonly string[] = [
  "verifier",
  "requiredScopes",
  "resourceMetadataUrl",
  "realm",
  "resource",
  "optional",
  "scopeHierarchy",
  "clockTolerance",
  "now",
  "onError",
  "dpop",
];

function defaultOnError(error: unknown): void {
  console.warn(
    "bearerAuth: token verification unavailable, answered 503:",
    error,
  );
}

function compile(options: BearerAuthOptions, where: string): Config {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${where} expects an options object with a verifier, got ${
        show(options)
      }`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new TypeError(
        `Unknown ${where} option ${JSON.stringify(key)}, expected one of ${
          OPTION_NAMES.map((name) => JSON.stringify(name)).join(", ")
        }`,
      );
    }
  }
  const verifier = options.verifier;
  if (
    verifier === null || typeof verifier !== "object" ||
    typeof verifier.verifyToken !== "function"
  ) {
    throw new TypeError(
      `${where} needs a verifier with a verifyToken(token) method, such as a JwtVerifier or StaticTokenVerifier, got ${
        show(verifier)
      }`,
    );
  }
  const requiredScopes = options.requiredScopes === undefined
    ? []
    : normalizeScopes(options.requiredScopes, `${where} requiredScopes`);
  for (const flag of ["optional"] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== "boolean") {
      throw new TypeError(
        `${where} option "${flag}" must be a boolean, got ${
          show(options[flag])
        }`,
      );
    }
  }
  for (const fn of ["now", "onError"] as const) {
    if (options[fn] !== undefined && typeof options[fn] !== "function") {
      throw new TypeError(
        `${where} option "${fn}" must be a function, got ${show(options[fn])}`,
      );
    }
  }
  const tolerance = options.clockTolerance ?? 0;
  if (
    typeof tolerance !== "number" || !Number.isFinite(tolerance) ||
    tolerance < 0
  ) {
    throw new TypeError(
      `${where} option "clockTolerance" must be a non-negative number of seconds, got ${
        show(tolerance)
      }`,
    );
  }
  return Object.freeze({
    verifier,
    requiredScopes: Object.freeze(requiredScopes),
    challenge: compileChallenge({
      ...(options.resourceMetadataUrl === undefined
        ? {}
        : { resourceMetadataUrl: options.resourceMetadataUrl }),
      ...(options.realm === undefined ? {} : { realm: options.realm }),
    }),
    optional: options.optional ?? false,
    resource: options.resource === undefined
      ? undefined
      : resourceKey(parseEndpointUrl(options.resource, "resource")),
    hierarchy: options.scopeHierarchy === undefined
      ? undefined
      : compileHierarchy(options.scopeHierarchy),
    toleranceMs: tolerance * 1000,
    now: detached(options.now) ?? Date.now,
    onError: options.onError ?? defaultOnError,
  });
}

/**
 * Calls `fn` without a receiver: host functions such as `performance.now`
 * throw "Illegal invocation" when called as a method of the config.
 */
function detached<A extends unknown[], R>(
  fn: ((...args: A) => R) | undefined,
): ((...args: A) => R) | undefined {
  return fn === undefined ? undefined : (...args) => fn(...args);
}

function report(config: Config, error: unknown): void {
  reportSafely(config.onError, error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether a verifier's answer is an AccessToken for `raw` (fail closed). */
function isAccessToken(value: unknown, raw: string): value is AccessToken {
  if (!isRecord(value)) return false;
  const { token, clientId, scopes, claims, expiresAt, resource, extra } = value;
  if (
    token !== raw || typeof clientId !== "string" || !Array.isArray(scopes) ||
    !isRecord(claims)
  ) {
    return false;
  }
  for (let i = 0; i < scopes.length; i++) {
    if (typeof scopes[i] !== "string") return false;
  }
  return (expiresAt === undefined ||
    (typeof expiresAt === "number" && Number.isFinite(expiresAt))) &&
    (resource === undefined || resource instanceof URL) &&
    (extra === undefined || isRecord(extra));
}

/** A resource URL compared without fragment and one trailing slash. */
function resourceKey(url: URL): string {
  const href = url.href.split("#", 1)[0]!;
  return href.endsWith("/") ? href.slice(0, -1) : href;
}

function respond(config: Config, outcome: AuthOutcome): Response {
  return renderOutcome(outcome, config.challenge);
}

function missing(config: Config, scopes?: readonly string[]): Response {
  const wanted = scopes ?? config.requiredScopes;
  return respond(
    config,
    wanted.length > 0
      ? { type: "missing_token", scopes: wanted }
      : { type: "missing_token" },
  );
}

function invalidToken(config: Config, description: string): Response {
  return respond(config, {
    type: "invalid_token",
    description,
    scopes: config.requiredScopes,
  });
}

/**
 * A description fit for a client: a string that does not contain the token
 * presented (a custom verifier or check may have put it in its message).
 */
function safeDescription(
  description: unknown,
  raw: string | undefined,
  fallback: string,
): string {
  if (typeof description !== "string") return fallback;
  if (raw !== undefined && raw !== "" && description.includes(raw)) {
    return fallback;
  }
  return description;
}

/** Maps what a verifier threw; only InvalidTokenError means "bad token". */
function fromVerifierError(
  config: Config,
  error: unknown,
  raw: string,
): Response {
  if (error instanceof InvalidTokenError) {
    return invalidToken(
      config,
      safeDescription(error.message, raw, "Invalid token"),
    );
  }
  if (
    error instanceof InsufficientScopeError && error.requiredScopes.length > 0
  ) {
    return respond(config, {
      type: "insufficient_scope",
      scopes: error.requiredScopes,
      description: safeDescription(error.message, raw, "Insufficient scope"),
    });
  }
  if (error instanceof AuthorizationError) {
    return respond(config, {
      type: "forbidden",
      description: safeDescription(error.message, raw, "Not authorized"),
    });
  }
  report(config, error);
  return respond(config, {
    type: "unavailable",
    ...(error instanceof VerifierUnavailableError &&
        error.retryAfter !== undefined
      ? { retryAfter: error.retryAfter }
      : {}),
  });
}

function unavailable(config: Config, error: unknown): Response {
  report(config, error);
  return respond(config, { type: "unavailable" });
}

async function authenticate(
  config: Config,
  request: Request,
): Promise<AccessToken | undefined | Response> {
  let raw: string | undefined;
  try {
    raw = extractBearerToken(request);
  } catch (error) {
    if (error instanceof InvalidRequestError) {
      return respond(config, {
        type: "invalid_request",
        description: error.message,
      });
    }
    throw error;
  }
  if (raw === undefined) return config.optional ? undefined : missing(config);

  let token: unknown;
  try {
    token = await config.verifier.verifyToken(raw);
  } catch (error) {
    try {
      return fromVerifierError(config, error, raw);
    } catch (hostile) {
      // A thrown Proxy or getter that throws: still a 503, never a 500.
      return unavailable(config, hostile);
    }
  }
  try {
    return check(config, token, raw);
  } catch (error) {
    return unavailable(config, error);
  }
}

function check(
  config: Config,
  token: unknown,
  raw: string,
): AccessToken | Response {
  if (!isAccessToken(token, raw)) {
    return unavailable(
      config,
      new TypeError(
        "The verifier returned something that is not an AccessToken for the presented token",
      ),
    );
  }
  if (token.expiresAt !== undefined) {
    // Written so that a NaN clock denies: only a clock provably before the
    // expiry lets the token through (RFC 7519 §4.1.4).
    const now = config.now();
    if (!(now < token.expiresAt * 1000 + config.toleranceMs)) {
      return invalidToken(config, "Token expired");
    }
  }
  if (
    config.resource !== undefined &&
    (token.resource === undefined ||
      resourceKey(token.resource) !== config.resource)
  ) {
    return invalidToken(config, "Token was not issued for this resource");
  }
  const required = config.requiredScopes;
  if (required.length > 0) {
    if (!holdsAll(token.scopes, required, config.hierarchy)) {
      // RFC 6750 §3: `scope` names the scope necessary for the request, so
      // all required scopes, not only the missing ones: a client that
      // replaces its scopes with the challenge's still gets what it needs.
      return respond(config, { type: "insufficient_scope", scopes: required });
    }
  }
  return token;
}

/**
 * Builds a function that authenticates a `Request` with a Bearer token and
 * resolves to the verified {@linkcode AccessToken}, to `undefined` (no token
 * and `optional: true`), or to the `Response` to send instead:
 *
 * | Request                                          | Answer |
 * | ------------------------------------------------ | ------ |
 * | no token                                         | 401 `Bearer` challenge without error code (RFC 6750 §3.1) |
 * | malformed header, two credentials, query token   | 400 `error="invalid_request"` |
 * | verifier throws `InvalidTokenError`              | 401 `error="invalid_token"` with its message |
 * | token whose `expiresAt` has passed               | 401 `error="invalid_token"` |
 * | token for another `resource` (when configured)   | 401 `error="invalid_token"` |
 * | token lacking a `requiredScopes` scope           | 403 `error="insufficient_scope", scope="<all required>"` |
 * | verifier throws `InsufficientScopeError`         | 403 `insufficient_scope` naming its scopes |
 * | verifier throws another `AuthorizationError`     | 403, no challenge |
 * | verifier throws anything else, or returns something that is not an `AccessToken` for this token | 503 with `Retry-After` (`VerifierUnavailableError.retryAfter`, else 5 s) |
 *
 * Every challenge carries `resource_metadata` (RFC 9728 §5.1) and `realm`
 * when configured; 401 challenges also name `requiredScopes` in `scope`, as
 * the MCP specification asks. Bodies are JSON `{ error, error_description }`
 * with `Cache-Control: no-store`; no token, claim or internal error message
 * ever reaches them. Nothing here answers 2xx or 500.
 *
 * Browsers send CORS preflight (`OPTIONS`) requests without credentials:
 * answer those before calling this, and list `WWW-Authenticate` in
 * `Access-Control-Expose-Headers` if browser clients must read challenges.
 *
 * @param options The verifier and the policy; validated and frozen here.
 * @returns `(request) => Promise<AccessToken | undefined | Response>`.
 * @throws {TypeError} When an option is missing, unknown or invalid: no
 * verifier, a scope that is not an RFC 6749 §3.3 scope token, a
 * `resourceMetadataUrl` that is not an absolute https URL, and so on.
 *
 * @example Usage
 * ```ts
 * import { bearerAuth, StaticTokenVerifier } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const auth = bearerAuth({
 *   verifier: new StaticTokenVerifier({
 *     tokens: { "dev-token": { clientId: "dev", scopes: ["mcp"] } },
 *   }),
 *   requiredScopes: ["mcp"],
 *   resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource",
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
 *   'Bearer scope="mcp", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource"',
 * );
 * ```
 */
export function bearerAuth(
  options: BearerAuthOptions,
): (request: Request) => Promise<AccessToken | undefined | Response> {
  if (options?.dpop !== undefined) return dpopAuth(options, "bearerAuth");
  const config = compile(options, "bearerAuth");
  return function authenticateBearer(request) {
    return authenticate(config, request);
  };
}

/**
 * Wraps a handler so that it runs only for an authenticated request (see
 * {@linkcode bearerAuth} for every refusal), and maps the authorization
 * errors it throws to their responses:
 *
 * - `InsufficientScopeError` -> 403 `error="insufficient_scope"` with
 *   `scope` = its `requiredScopes` (the unmet scopes): the MCP step-up
 *   challenge.
 * - any other `AuthorizationError` -> 403 without a challenge (another
 *   token would not help, so the client is not sent to re-authorize), its
 *   message as `error_description`.
 * - either one when the request had no token (`optional: true`) -> 401 with
 *   the bare challenge: authenticating is the way forward (with `scope`
 *   naming the error's scopes, if any).
 *
 * Anything else the handler throws propagates unchanged: it is the
 * application's error, not an authorization decision.
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
 *     tokens: { "reader-token": { clientId: "reader", scopes: ["files:read"] } },
 *   }),
 * });
 *
 * const response = await handler(new Request("https://mcp.example.com/mcp", {
 *   headers: { authorization: "Bearer reader-token" },
 * }));
 * assert.equal(response.status, 403);
 * assert.equal(
 *   response.headers.get("www-authenticate"),
 *   'Bearer error="insufficient_scope", error_description="Insufficient scope", scope="files:write"',
 * );
 * ```
 */
export function withBearerAuth(
  handler: BearerHandler,
  options: BearerAuthOptions,
): (request: Request) => Promise<Response> {
  if (typeof handler !== "function") {
    throw new TypeError(
      `withBearerAuth expects a handler function as its first argument, got ${
        show(handler)
      }`,
    );
  }
  if (options?.dpop !== undefined) {
    return withDpopAuth(handler, options, "withBearerAuth");
  }
  const config = compile(options, "withBearerAuth");
  return async function authenticated(request) {
    const result = await authenticate(config, request);
    if (result instanceof Response) return result;
    try {
      return await handler(request, result);
    } catch (error) {
      if (!(error instanceof AuthorizationError)) throw error;
      try {
        return fromHandlerDenial(config, error, result);
      } catch {
        // A hostile error (a throwing getter, scopes altered after
        // construction): still a denial, never a 500.
        return respond(config, { type: "forbidden" });
      }
    }
  };
}

/** Maps an AuthorizationError thrown by a handler to its challenge. */
function fromHandlerDenial(
  config: Config,
  error: AuthorizationError,
  token: AccessToken | undefined,
): Response {
  const scopes = error instanceof InsufficientScopeError
    ? normalizeScopes(error.requiredScopes, "InsufficientScopeError")
    : [];
  if (token === undefined) {
    return missing(
      config,
      [...new Set([...config.requiredScopes, ...scopes])].sort(),
    );
  }
  if (scopes.length > 0) {
    return respond(config, {
      type: "insufficient_scope",
      scopes,
      description: safeDescription(
        error.message,
        token.token,
        "Insufficient scope",
      ),
    });
  }
  return respond(config, {
    type: "forbidden",
    description: safeDescription(error.message, token.token, "Not authorized"),
  });
}
