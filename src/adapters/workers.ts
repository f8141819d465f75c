/**
 * Cloudflare Workers behind `@cloudflare/workers-oauth-provider`: the
 * provider verifies the token and hands the protected handler `ctx.props`
 * (what the application stored at authorization) and `ctx.auth` (what it
 * verified: token, audience, expiry, scopes, user, client). This module
 * turns those into the `AccessToken` every check and the MCP guard read.
 * No import of the provider: its shapes are read structurally, and anything
 * malformed counts as no token (fail closed).
 *
 * @module
 */

import { functionOption, optionsObject, show } from "../_internal/options.ts";
import type { AccessToken } from "../core/context.ts";
import { normalizeScopes } from "../_internal/scope_token.ts";
import { holdsAll, type ScopeHierarchy } from "../core/scopes.ts";
import { hierarchyOption, scopesOption } from "../verify/_options.ts";
import {
  AuthorizationError,
  AuthorizationUnavailableError,
  InsufficientScopeError,
} from "../errors.ts";
import { compileChallenge } from "../http/_challenge_params.ts";
import { type AuthOutcome, renderOutcome } from "../http/challenge.ts";

/**
 * The execution context `@cloudflare/workers-oauth-provider` hands its
 * `apiHandler` (its `ExecutionContext`, read structurally).
 *
 * @example Usage
 * ```ts
 * import type { OAuthProviderContext } from "@mcp-authz/core/workers";
 * import assert from "node:assert/strict";
 *
 * const ctx: OAuthProviderContext = {
 *   props: { user: "ann" },
 *   auth: { token: "t", audience: "https://mcp.example.com/mcp", scope: ["read"] },
 * };
 * assert.ok(ctx.auth);
 * ```
 */
export interface OAuthProviderContext {
  /** The application's props, from `completeAuthorization({ props })`. */
  readonly props?: unknown;
  /**
   * What the provider verified (`OAuthResourceAuth`, workers-oauth-provider
   * 1.x): `token`, `audience`, `expiresAt?`, `scope`, `userId?`, `clientId?`.
   */
  readonly auth?: unknown;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function optionalId(value: unknown): string | undefined | false {
  if (value === undefined) return undefined;
  return typeof value === "string" && value !== "" ? value : false;
}

function readToken(ctx: OAuthProviderContext): AccessToken | undefined {
  const auth = ctx.auth;
  if (!isPlainRecord(auth)) return undefined;
  const { token, audience, expiresAt, scope } = auth;
  const userId = optionalId(auth.userId);
  const clientId = optionalId(auth.clientId);
  if (
    typeof token !== "string" || token === "" ||
    typeof audience !== "string" || !Array.isArray(scope) ||
    !scope.every((entry) => typeof entry === "string" && entry !== "") ||
    userId === false || clientId === false ||
    (expiresAt !== undefined &&
      (typeof expiresAt !== "number" || !Number.isFinite(expiresAt) ||
        expiresAt <= 0))
  ) {
    return undefined;
  }
  if (!URL.canParse(audience)) return undefined;
  const props = ctx.props;
  const scopes = [...scope] as string[];
  // The provider's verified facts win over same-named props: a prop called
  // `scope` or `sub` never changes what a check reads about the token.
  const claims: Record<string, unknown> = {
    ...(isPlainRecord(props) ? props : {}),
    ...(userId === undefined ? {} : { sub: userId }),
    ...(clientId === undefined ? {} : { client_id: clientId }),
    aud: audience,
    scope: scopes.join(" "),
    ...(expiresAt === undefined ? {} : { exp: expiresAt }),
  };
  return {
    token,
    clientId: clientId ?? userId ?? "unknown",
    scopes,
    ...(expiresAt === undefined ? {} : { expiresAt: expiresAt as number }),
    resource: new URL(audience),
    extra: { props },
    claims,
  };
}

/**
 * The `AccessToken` of a request that `@cloudflare/workers-oauth-provider`
 * let through, from its `ctx.auth` and `ctx.props`: `scopes` are the grant's
 * scopes, `clientId` the client's (else the user's), `resource` the audience
 * the provider checked, `claims` the props plus `sub`, `client_id`, `aud`,
 * `scope` and `exp` from what the provider verified (those win over props
 * of the same name), `extra.props` the props as given.
 *
 * @param ctx The handler's execution context.
 * @returns The token, or `undefined` when `ctx.auth` is absent or malformed
 * (an older provider, a handler mounted outside `apiRoute`): checks then see
 * an unauthenticated request.
 *
 * @example Usage
 * ```ts
 * import { accessTokenFromOAuthProvider } from "@mcp-authz/core/workers";
 * import assert from "node:assert/strict";
 *
 * const token = accessTokenFromOAuthProvider({
 *   props: { user: "ann", roles: ["editor"], scope: "admin" },
 *   auth: {
 *     token: "opaque",
 *     audience: "https://mcp.example.com/mcp",
 *     scope: ["read", "write"],
 *     userId: "ann",
 *     clientId: "client-1",
 *   },
 * });
 * assert.equal(token?.clientId, "client-1");
 * assert.deepEqual(token?.scopes, ["read", "write"]);
 * assert.deepEqual(token?.claims.roles, ["editor"]);
 * assert.equal(token?.claims.scope, "read write"); // not the prop
 * assert.equal(accessTokenFromOAuthProvider({ props: { user: "ann" } }), undefined);
 * ```
 */
export function accessTokenFromOAuthProvider(
  ctx: OAuthProviderContext,
): AccessToken | undefined {
  try {
    return readToken(ctx);
  } catch {
    // A hostile context (a throwing getter): no token.
    return undefined;
  }
}

/** Options of {@linkcode withOAuthProviderAuth}. */
export interface OAuthProviderAuthOptions {
  /**
   * RFC 9728 metadata URL for the challenges (RFC 9728 §5.1): the one the
   * provider publishes, `protectedResourceMetadataUrl(resource)`.
   */
  resourceMetadataUrl?: string | URL;
  /**
   * Scopes every request's grant must hold, as `bearerAuth`'s option: a
   * token without them is answered 403 `insufficient_scope` before the
   * handler runs. The provider's own `requiredScopes` only advertises them
   * (metadata and challenges) and lets a grant without them through, so
   * name them here too.
   */
  requiredScopes?: readonly string[];
  /** Scopes that imply others, for `requiredScopes` (`{ admin: ["read"] }`). */
  scopeHierarchy?: ScopeHierarchy;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

/** The handler {@linkcode withOAuthProviderAuth} wraps. */
export type OAuthProviderHandler<
  Env,
  Ctx extends OAuthProviderContext,
> = (
  request: Request,
  token: AccessToken,
  env: Env,
  ctx: Ctx,
) => Response | Promise<Response>;

/** What {@linkcode withOAuthProviderAuth} returns: an `apiHandler`. */
export interface OAuthProviderApiHandler<
  Env,
  Ctx extends OAuthProviderContext,
> {
  /** Answers one request the provider let through. */
  fetch(request: Request, env: Env, ctx: Ctx): Promise<Response>;
}

const OWNER = "withOAuthProviderAuth";
const KEYS: readonly (keyof OAuthProviderAuthOptions)[] = [
  "resourceMetadataUrl",
  "requiredScopes",
  "scopeHierarchy",
  "now",
];

/**
 * The outcome of an `AuthorizationError` the handler threw: a policy engine
 * that could not decide is a 503 (a retry, not a denial); a scope shortfall
 * names every scope the operation requires (`challengeScopes`, held ones
 * too, as `withBearerAuth` does); a hostile error (a throwing getter,
 * scopes altered into non-scopes) is still a 403.
 */
function denial(error: AuthorizationError): AuthOutcome {
  try {
    if (error instanceof AuthorizationUnavailableError) {
      const hint: unknown = error.retryAfter;
      return typeof hint === "number"
        ? { type: "unavailable", retryAfter: hint }
        : { type: "unavailable" };
    }
    if (error instanceof InsufficientScopeError) {
      const held: unknown = error.challengeScopes;
      const scopes = normalizeScopes([
        ...(Array.isArray(held) ? held : []),
        ...error.requiredScopes,
      ], "InsufficientScopeError");
      if (scopes.length > 0) return { type: "insufficient_scope", scopes };
    }
  } catch {
    // A hostile error: a denial all the same.
  }
  return { type: "forbidden", description: "Not authorized" };
}

/** Whether the token has expired; a clock that is no number denies. */
function expired(token: AccessToken, now: () => number): boolean {
  // Written so that a NaN clock denies (RFC 7519 §4.1.4), as bearerAuth.
  return token.expiresAt !== undefined && !(now() < token.expiresAt * 1000);
}

/**
 * Wraps a handler as the `apiHandler` of `@cloudflare/workers-oauth-provider`
 * so that it runs with the request's {@linkcode accessTokenFromOAuthProvider}
 * token, and answers as `withBearerAuth` does:
 *
 * - no usable `ctx.auth` -> 401 with the bare challenge (authenticate);
 * - a token past its `expiresAt` (or a clock that is no number) -> 401
 *   `invalid_token`; a clock that throws -> 503;
 * - a token without every one of `requiredScopes` (after `scopeHierarchy`)
 *   -> 403 `insufficient_scope` naming them (RFC 6750 §3.1);
 * - an `InsufficientScopeError` the handler throws -> 403
 *   `insufficient_scope` naming its `challengeScopes` (the scopes it lacks
 *   and the held ones it names: the step-up challenge);
 * - an `AuthorizationUnavailableError` (a policy engine that could not
 *   decide) -> 503 with `Retry-After` (its `retryAfter`, else 5 s);
 * - any other `AuthorizationError` -> 403 without a challenge.
 *
 * Every challenge names `resourceMetadataUrl`; bodies never carry the token
 * or the error's message. Anything else the handler throws propagates.
 *
 * @param handler Runs with the request, its token, `env` and `ctx`.
 * @param options The metadata URL for challenges, the clock.
 * @returns `{ fetch }`, for `new OAuthProvider({ apiHandler })`.
 * @throws {TypeError} When `handler` is not a function or an option is
 * unknown or invalid.
 *
 * @example Usage
 * ```ts
 * import { InsufficientScopeError } from "@mcp-authz/core";
 * import { withOAuthProviderAuth } from "@mcp-authz/core/workers";
 * import assert from "node:assert/strict";
 *
 * const api = withOAuthProviderAuth((_request, token) => {
 *   if (!token.scopes.includes("write")) throw new InsufficientScopeError(["write"]);
 *   return new Response(`hello ${token.claims.user}`);
 * }, {
 *   resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
 * });
 * const auth = { token: "t", audience: "https://mcp.example.com/mcp", scope: ["read"] };
 * const request = new Request("https://mcp.example.com/mcp");
 * const denied = await api.fetch(request, {}, { props: { user: "ann" }, auth });
 * assert.equal(denied.status, 403);
 * assert.match(denied.headers.get("www-authenticate")!, /scope="write"/);
 * const ok = await api.fetch(request, {}, {
 *   props: { user: "ann" },
 *   auth: { ...auth, scope: ["read", "write"] },
 * });
 * assert.equal(await ok.text(), "hello ann");
 * ```
 */
export function withOAuthProviderAuth<
  Env = unknown,
  Ctx extends OAuthProviderContext = OAuthProviderContext,
>(
  handler: OAuthProviderHandler<Env, Ctx>,
  options: OAuthProviderAuthOptions = {},
): OAuthProviderApiHandler<Env, Ctx> {
  if (typeof handler !== "function") {
    throw new TypeError(
      `${OWNER} expects a handler function as its first argument, got ${
        show(handler)
      }`,
    );
  }
  const given = optionsObject(OWNER, options, KEYS);
  const challenge = compileChallenge(OWNER, {
    resourceMetadataUrl: given.resourceMetadataUrl,
  });
  const now = functionOption(OWNER, "now", given.now, Date.now);
  const required = Object.freeze(scopesOption(OWNER, given.requiredScopes));
  const hierarchy = hierarchyOption(given.scopeHierarchy);
  return Object.freeze({
    async fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> {
      const token = accessTokenFromOAuthProvider(ctx);
      if (token === undefined) {
        return renderOutcome({ type: "missing_token" }, challenge);
      }
      let stale: boolean;
      try {
        stale = expired(token, now);
      } catch {
        // A clock that throws: no decision, never a 500 or a pass.
        return renderOutcome({ type: "unavailable" }, challenge);
      }
      if (stale) {
        return renderOutcome(
          { type: "invalid_token", description: "Token expired" },
          challenge,
        );
      }
      if (
        required.length > 0 && !holdsAll(token.scopes, required, hierarchy)
      ) {
        // RFC 6750 §3: the challenge names every scope the request needs.
        return renderOutcome(
          { type: "insufficient_scope", scopes: required },
          challenge,
        );
      }
      try {
        return await handler(request, token, env, ctx);
      } catch (error) {
        if (error instanceof AuthorizationError) {
          return renderOutcome(denial(error), challenge);
        }
        throw error;
      }
    },
  });
}
