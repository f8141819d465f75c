/**
 * `createDevAuthorizationServer`, the development OAuth authorization
 * server to embed next to an MCP server, and what it returns: its issuer,
 * keys and metadata, the `Request` handler of its endpoints, and
 * `mintAccessToken` for tests that skip the OAuth flow.
 *
 * @module
 */

import {
  label,
  numberOption,
  optionsObject,
  stringOption,
} from "../_internal/options.ts";
import { reportSafely } from "../_internal/report.ts";
import type { JsonWebKeySet } from "../verify/keys.ts";
import { DevCore } from "./_core.ts";
import { checkScopes, resolveResource } from "./_grantable.ts";
import { parseOptions } from "./_options.ts";

/** Options of {@linkcode createDevAuthorizationServer}. */
export interface DevAuthorizationServerOptions {
  /**
   * The issuer identifier: the URL this server answers at, e.g.
   * `http://127.0.0.1:8000/oauth`. Its endpoints live under its path
   * (`/oauth/authorize`, `/oauth/token`, `/oauth/register`, `/oauth/jwks`),
   * its RFC 8414 metadata at `/.well-known/oauth-authorization-server/oauth`.
   * Loopback hosts only unless `allowNonLoopback` is `true`.
   */
  issuer: string | URL;
  /**
   * The protected resource(s) it issues tokens for: your MCP server's URL,
   * as its RFC 9728 metadata names it. A token's `aud` is the one the client
   * asks for (RFC 8707 `resource`), or this one when it is the only one.
   */
  resource: string | URL | readonly (string | URL)[];
  /**
   * The scopes the resource knows (its RFC 9728 `scopes_supported`). A
   * request for any other scope is refused with `invalid_scope`.
   */
  scopesSupported: readonly string[];
  /**
   * `"auto"` (default): an authorization request is approved at once as the
   * development user when its code comes back to this machine (a redirect
   * URI on a loopback host, or an app's private-use scheme); one that would
   * send the code to a web site gets the page instead, since anyone (a web
   * page the developer visits, too) can register a client. `"page"`: a page
   * shows the client, the scopes and the resource, with Approve and Deny
   * buttons, for every request.
   */
  approval?: "auto" | "page";
  /** The development user's `sub` (default `"dev-user"`). */
  subject?: string;
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtl?: number;
  /** Refresh token lifetime in seconds (default 86400). */
  refreshTokenTtl?: number;
  /** Authorization code lifetime in seconds (default 60). */
  codeTtl?: number;
  /**
   * Allow an issuer on a host that is not loopback (a tunnel, a container
   * name). Default `false`: this server signs in anyone who reaches it.
   */
  allowNonLoopback?: boolean;
  /**
   * The `fetch` for Client ID Metadata Documents (default: the global one),
   * called without a receiver.
   */
  fetch?: typeof fetch;
  /** Timeout for fetching a Client ID Metadata Document, ms (default 5000). */
  clientMetadataTimeout?: number;
  /** The clock, epoch milliseconds (default `Date.now`). */
  now?: () => number;
  /**
   * Where the development-only warning goes when the server is created
   * (default `console.warn`); `false` for none.
   */
  warn?: ((message: string) => void) | false;
}

/** What {@linkcode DevAuthorizationServer.mintAccessToken} signs. */
export interface MintAccessTokenOptions {
  /** Scopes, each one of `scopesSupported` (default none). */
  scopes?: readonly string[];
  /** The `aud` (default: the only resource). */
  resource?: string | URL;
  /** The `client_id` claim (default `"dev-client"`). */
  clientId?: string;
  /** The `sub` (default: the development user). */
  subject?: string;
  /** Lifetime in seconds (default `accessTokenTtl`). */
  expiresIn?: number;
}

/** A running development authorization server. */
export interface DevAuthorizationServer {
  /** The issuer identifier (the `iss` of its tokens). */
  readonly issuer: string;
  /** Its RFC 8414 metadata document's URL. */
  readonly metadataUrl: string;
  /** Its JWKS URL. */
  readonly jwksUri: string;
  /** Its public signing key, for a verifier that takes keys directly. */
  readonly jwks: JsonWebKeySet;
  /** The resources it issues tokens for. */
  readonly resources: readonly string[];
  /** The scopes it grants. */
  readonly scopesSupported: readonly string[];
  /** The RFC 8414 metadata it serves. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The sentence that says this server is for development only. */
  readonly notice: string;
  /**
   * Answers a request to one of its own paths (metadata, authorization,
   * token, registration, JWKS, documentation), or `undefined` for any other
   * path, so it mounts in front of any router.
   */
  handle(request: Request): Promise<Response | undefined>;
  /**
   * Signs an access token directly, as the token endpoint would: for tests
   * and scripts that skip the OAuth flow. Throws `TypeError` for a scope or
   * resource this server does not grant (the promise rejects).
   */
  mintAccessToken(options?: MintAccessTokenOptions): Promise<string>;
}

const MINT_KEYS: readonly (keyof MintAccessTokenOptions)[] = [
  "scopes",
  "resource",
  "clientId",
  "subject",
  "expiresIn",
];

/**
 * Creates a development OAuth 2.1 authorization server, for local runs and
 * tests of an MCP server: a real MCP client (the Inspector, an IDE, the SDK
 * `Client`) discovers it from your RFC 9728 metadata, registers (RFC 7591,
 * or a Client ID Metadata Document URL), authorizes with PKCE S256, and gets
 * RFC 9068 `at+jwt` access tokens bound to your resource (RFC 8707), with
 * refresh tokens; the client credentials grant works too.
 *
 * It approves everyone as one development user (or on a click): never run it
 * where someone else can reach it. It fetches no client metadata document
 * from a private, link-local or local-network address. It keeps its state in memory and
 * generates a new ES256 key each time it is created.
 *
 * Web-standard: `handle` takes a `Request` and gives a `Response`, so it
 * runs on Deno, Bun, Node and workerd.
 *
 * @param options The issuer, the resource and its scopes.
 * @returns The server: `handle` it requests, trust its `issuer` and `jwks`.
 * @throws {TypeError} When an option is missing, invalid or unknown.
 *
 * @example Usage
 * ```ts
 * import { createDevAuthorizationServer } from "@mcp-authz/core/dev";
 * import assert from "node:assert/strict";
 *
 * const dev = await createDevAuthorizationServer({
 *   issuer: "http://127.0.0.1:8000/oauth",
 *   resource: "http://127.0.0.1:8000/mcp",
 *   scopesSupported: ["read", "write"],
 *   warn: false,
 * });
 * const response = await dev.handle(
 *   new Request(
 *     "http://127.0.0.1:8000/.well-known/oauth-authorization-server/oauth",
 *   ),
 * );
 * const metadata = await response!.json();
 * assert.equal(metadata.issuer, "http://127.0.0.1:8000/oauth");
 * assert.deepEqual(metadata.code_challenge_methods_supported, ["S256"]);
 * // Not its path: left to the rest of your server.
 * assert.equal(await dev.handle(new Request("http://127.0.0.1:8000/mcp")), undefined);
 * ```
 */
export async function createDevAuthorizationServer(
  options: DevAuthorizationServerOptions,
): Promise<DevAuthorizationServer> {
  const config = parseOptions(options);
  const core = await DevCore.create(config);
  const origin = new URL(config.issuer).origin;
  if (config.warn !== undefined) {
    reportSafely(config.warn, `\u26a0 ${core.notice} Issuer: ${config.issuer}`);
  }
  return Object.freeze({
    issuer: config.issuer,
    metadataUrl: origin + core.metadataPaths.oauth,
    jwksUri: core.metadata.jwks_uri as string,
    jwks: core.signer.jwks,
    resources: config.resources,
    scopesSupported: config.scopesSupported,
    metadata: core.metadata,
    notice: core.notice,
    handle: (request: Request) => core.handle(request),
    mintAccessToken: (mint: MintAccessTokenOptions = {}) =>
      mintAccessToken(core, mint),
  });
}

const MINT = "mintAccessToken";

async function mintAccessToken(
  core: DevCore,
  options: MintAccessTokenOptions,
): Promise<string> {
  const given = optionsObject(MINT, options, MINT_KEYS);
  const config = core.config;
  const resource = resolveResource(
    config,
    given.resource === undefined ? undefined : String(given.resource),
  );
  if (resource === undefined) {
    throw new TypeError(
      `${label(MINT, "resource")} must be one of ${
        config.resources.join(", ")
      }`,
    );
  }
  const scopes = given.scopes ?? [];
  if (!Array.isArray(scopes)) {
    throw new TypeError(`${label(MINT, "scopes")} must be an array`);
  }
  const checked = checkScopes(config, scopes.join(" "));
  if (typeof checked === "string") {
    throw new TypeError(`${label(MINT, "scopes")}: ${checked}`);
  }
  return await core.signer.sign({
    subject: stringOption(MINT, "subject", given.subject) ?? config.subject,
    clientId: stringOption(MINT, "clientId", given.clientId) ?? "dev-client",
    scopes: checked,
    resource,
    ttl: numberOption(
      MINT,
      "expiresIn",
      given.expiresIn,
      config.accessTokenTtl,
      {
        min: 1,
        max: 86_400,
        integer: true,
        unit: "seconds",
      },
    ),
  });
}
