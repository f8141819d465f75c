/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): the document that tells
 * an MCP client which authorization server issues tokens for this server.
 *
 * @module
 */

import {
  label,
  numberOption,
  optionsObject,
  show,
  urlOption,
} from "../_internal/options.ts";
import { normalizeScopes, OFFLINE_ACCESS } from "../_internal/scope_token.ts";
import { parseEndpointUrl } from "../_internal/url.ts";
import { json } from "./challenge.ts";

/**
 * Options of {@linkcode protectedResourceMetadata}.
 *
 * @example Usage
 * ```ts
 * import type { ProtectedResourceMetadataOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: ProtectedResourceMetadataOptions = {
 *   resource: "https://mcp.example.com/mcp",
 *   authorizationServers: ["https://auth.example.com"],
 *   scopesSupported: ["mcp"],
 * };
 * assert.equal(options.authorizationServers.length, 1);
 * ```
 */
export interface ProtectedResourceMetadataOptions {
  /** The resource identifier (RFC 8707), e.g. the MCP endpoint URL. */
  resource: string | URL;
  /** Issuer identifiers of the authorization servers (at least one). */
  authorizationServers: (string | URL)[];
  /**
   * Scopes clients may request for this resource. `offline_access` is left
   * out (it asks for a refresh token: no resource's scope), and an empty
   * list is omitted (RFC 9728 §3.2).
   */
  scopesSupported?: string[];
  /** Human-readable name (`resource_name`). */
  resourceName?: string;
  /** Developer documentation (`resource_documentation`). */
  resourceDocumentation?: string | URL;
  /** Policy on data use (`resource_policy_uri`). */
  resourcePolicyUri?: string | URL;
  /** Terms of service (`resource_tos_uri`). */
  resourceTosUri?: string | URL;
  /**
   * Whether this resource accepts only DPoP-bound tokens
   * (`dpop_bound_access_tokens_required`, RFC 9728 §2, RFC 9449 §5.1):
   * `true` when `dpopScheme({ required: true })` guards it. Omitted when
   * `false`, its default value.
   */
  dpopBoundAccessTokensRequired?: boolean;
  /**
   * The DPoP proof algorithms accepted (`dpop_signing_alg_values_supported`,
   * RFC 9728 §2), as `dpopScheme`'s `algorithms`. Omitted when empty.
   */
  dpopSigningAlgValuesSupported?: string[];
  /** `Cache-Control: max-age` in seconds (default 3600). */
  maxAge?: number;
}

const WELL_KNOWN = "/.well-known/oauth-protected-resource";
const OWNER = "protectedResourceMetadata";
const OPTION_NAMES: readonly (keyof ProtectedResourceMetadataOptions)[] = [
  "resource",
  "authorizationServers",
  "scopesSupported",
  "resourceName",
  "resourceDocumentation",
  "resourcePolicyUri",
  "resourceTosUri",
  "dpopBoundAccessTokensRequired",
  "dpopSigningAlgValuesSupported",
  "maxAge",
];
// A JWS "alg" name (RFC 7518 §3.1 style): never "none", never an HMAC
// (RFC 9449 §4.2: a proof is signed with an asymmetric key).
const JWS_ALG = /^[A-Za-z0-9+._-]+$/;
const ALLOW = "GET, HEAD, OPTIONS";
// RFC 9110 §5.6.2 tokens separated by commas: safe to echo in a preflight.
const HEADER_LIST =
  /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

/**
 * The URL of a resource's metadata document (RFC 9728 §3.1): the well-known
 * path `/.well-known/oauth-protected-resource` inserted between the host
 * and the resource's path (a lone `/` path is dropped), the query kept
 * after it. Use it for `bearerAuth`'s `resourceMetadataUrl` and to route
 * requests to {@linkcode protectedResourceMetadata}.
 *
 * @param resource The resource identifier, as given to
 * `protectedResourceMetadata`.
 * @returns The metadata URL.
 * @throws {TypeError} When `resource` is not an absolute https URL (http on
 * localhost) without fragment or credentials.
 *
 * @example Usage
 * ```ts
 * import { protectedResourceMetadataUrl } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   protectedResourceMetadataUrl("https://mcp.example.com/mcp").href,
 *   "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
 * );
 * assert.equal(
 *   protectedResourceMetadataUrl("https://mcp.example.com").href,
 *   "https://mcp.example.com/.well-known/oauth-protected-resource",
 * );
 * ```
 */
export function protectedResourceMetadataUrl(resource: string | URL): URL {
  const url = parseEndpointUrl(resource, "resource");
  const path = url.pathname === "/" ? "" : url.pathname;
  return new URL(`${url.origin}${WELL_KNOWN}${path}${url.search}`);
}

/** The identifier as the caller wrote it (RFC 9728 §3.3 compares strings). */
function identifier(value: string | URL, name: string): string {
  urlOption(OWNER, name, value);
  return value instanceof URL ? value.href : value;
}

function buildDocument(
  options: ProtectedResourceMetadataOptions,
): Record<string, unknown> {
  const document: Record<string, unknown> = {
    resource: identifier(options.resource, "resource"),
  };
  const servers = options.authorizationServers;
  if (!Array.isArray(servers) || servers.length === 0) {
    throw new TypeError(
      `${
        label(OWNER, "authorizationServers")
      } must be a non-empty array of issuer URLs (the MCP specification requires at least one), got ${
        show(servers)
      }`,
    );
  }
  // RFC 8414 §2: an issuer identifier has no query and no fragment.
  const issuers = servers.map((server) => {
    urlOption(OWNER, "authorizationServers", server, { query: false });
    return server instanceof URL ? server.href : server;
  });
  document.authorization_servers = [...new Set(issuers)];
  if (options.scopesSupported !== undefined) {
    // Keep the caller's order; drop duplicates and offline_access (MCP,
    // "Refresh Tokens"); an empty list is omitted (RFC 9728 §3.2).
    normalizeScopes(options.scopesSupported, label(OWNER, "scopesSupported"));
    const scopes = [...new Set(options.scopesSupported)].filter((scope) =>
      scope !== OFFLINE_ACCESS
    );
    if (scopes.length > 0) document.scopes_supported = scopes;
  }
  // RFC 9728 §2: the only method this library accepts (RFC 6750 §2.1).
  document.bearer_methods_supported = ["header"];
  addDpopMembers(options, document);
  if (options.resourceName !== undefined) {
    if (
      typeof options.resourceName !== "string" ||
      options.resourceName.trim() === "" ||
      // deno-lint-ignore no-control-regex
      /[\x00-\x1F\x7F]/.test(options.resourceName)
    ) {
      throw new TypeError(
        `${
          label(OWNER, "resourceName")
        } must be a non-empty string without control characters, got ${
          show(options.resourceName)
        }`,
      );
    }
    document.resource_name = options.resourceName;
  }
  const links = [
    ["resourceDocumentation", "resource_documentation"],
    ["resourcePolicyUri", "resource_policy_uri"],
    ["resourceTosUri", "resource_tos_uri"],
  ] as const;
  for (const [option, field] of links) {
    const value = options[option];
    if (value !== undefined) document[field] = identifier(value, option);
  }
  return document;
}

/** `dpop_bound_access_tokens_required` and `dpop_signing_alg_values_supported`. */
function addDpopMembers(
  options: ProtectedResourceMetadataOptions,
  document: Record<string, unknown>,
): void {
  const required = options.dpopBoundAccessTokensRequired;
  if (required !== undefined && typeof required !== "boolean") {
    throw new TypeError(
      `${
        label(OWNER, "dpopBoundAccessTokensRequired")
      } must be true or false, got ${show(required)}`,
    );
  }
  if (required === true) document.dpop_bound_access_tokens_required = true;
  const algs = options.dpopSigningAlgValuesSupported;
  if (algs === undefined) return;
  if (
    !Array.isArray(algs) ||
    !algs.every((alg) =>
      typeof alg === "string" && JWS_ALG.test(alg) && alg !== "none" &&
      !/^HS/i.test(alg)
    )
  ) {
    throw new TypeError(
      `${
        label(OWNER, "dpopSigningAlgValuesSupported")
      } must be an array of asymmetric JWS algorithm names (RFC 9449 §4.2), such as ["ES256", "EdDSA"], got ${
        show(algs)
      }`,
    );
  }
  if (algs.length > 0) {
    document.dpop_signing_alg_values_supported = [...new Set(algs)];
  }
}

/**
 * The options of {@linkcode protectedResourceMetadata}, checked and each
 * read once: the adapters' metadata routes take the path from the same
 * `resource` the document names. Internal.
 */
export function metadataOptions(
  options: unknown,
): ProtectedResourceMetadataOptions {
  return optionsObject(
    OWNER,
    options as ProtectedResourceMetadataOptions,
    OPTION_NAMES,
    "an options object with resource and authorizationServers",
  );
}

/**
 * Builds a handler that serves the RFC 9728 §3 Protected Resource Metadata
 * document of one resource: `resource`, `authorization_servers`,
 * `scopes_supported`, `bearer_methods_supported: ["header"]` and the
 * optional `resource_name`, `resource_documentation`, `resource_policy_uri`,
 * `resource_tos_uri`, `dpop_bound_access_tokens_required`,
 * `dpop_signing_alg_values_supported`. The document is built once, here;
 * members without a value (`scopes_supported: []`, `false`) are omitted
 * (RFC 9728 §3.2), and `offline_access` is never advertised.
 *
 * The handler answers at its own path only,
 * `protectedResourceMetadataUrl(resource).pathname` (RFC 9728 §3.1): any
 * other path is a 404, so routing a whole prefix to it is safe. Give
 * `bearerAuth` the same `resource`, and its challenges point here.
 * - `GET` -> 200 JSON, `HEAD` -> 200 without a body, both with
 *   `Cache-Control: public, max-age=<maxAge>` and
 *   `Access-Control-Allow-Origin: *` (the document is public, and browser
 *   clients fetch it cross-origin);
 * - `OPTIONS` -> 204 CORS preflight (allowed methods, the requested headers
 *   when they are well-formed header names, `Access-Control-Max-Age`);
 * - any other method -> 405 with `Allow: GET, HEAD, OPTIONS`.
 *
 * `resource` appears exactly as given: RFC 9728 §3.3 has clients compare it
 * with the URL they used, string for string.
 *
 * @param options The resource, its authorization servers and descriptive
 * fields.
 * @returns `(request) => Response`.
 * @throws {TypeError} When `resource` or a URL option is not an absolute
 * https URL (http on localhost) without fragment or credentials, an
 * authorization server has a query, `authorizationServers` is empty, a scope
 * is not an RFC 6749 §3.3 scope token, a DPoP algorithm is not an
 * asymmetric JWS algorithm, `maxAge` is not a non-negative integer, or an
 * option is unknown.
 *
 * @example Usage
 * ```ts
 * import { protectedResourceMetadata, protectedResourceMetadataUrl } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const metadata = protectedResourceMetadata({
 *   resource: "https://mcp.example.com/mcp",
 *   authorizationServers: ["https://auth.example.com"],
 *   scopesSupported: ["mcp"],
 * });
 * const url = protectedResourceMetadataUrl("https://mcp.example.com/mcp");
 * const response = metadata(new Request(url));
 * assert.equal(response.status, 200);
 * assert.equal(response.headers.get("access-control-allow-origin"), "*");
 * assert.deepEqual(await response.json(), {
 *   resource: "https://mcp.example.com/mcp",
 *   authorization_servers: ["https://auth.example.com"],
 *   scopes_supported: ["mcp"],
 *   bearer_methods_supported: ["header"],
 * });
 * ```
 */
export function protectedResourceMetadata(
  options: ProtectedResourceMetadataOptions,
): (request: Request) => Response {
  const given = metadataOptions(options);
  const maxAge = numberOption(OWNER, "maxAge", given.maxAge, 3600, {
    integer: true,
    unit: "seconds",
  });
  const body = JSON.stringify(buildDocument(given));
  const path = protectedResourceMetadataUrl(given.resource).pathname;
  const cacheControl = `public, max-age=${maxAge}`;

  return function serveProtectedResourceMetadata(request) {
    if (pathOf(request.url) !== path) {
      return json(404, "not_found", "Not found", {});
    }
    switch (request.method) {
      case "GET":
      case "HEAD":
        return new Response(request.method === "GET" ? body : null, {
          status: 200,
          headers: {
            "content-type": "application/json",
            "cache-control": cacheControl,
            "access-control-allow-origin": "*",
          },
        });
      case "OPTIONS": {
        const headers = new Headers({
          "access-control-allow-origin": "*",
          "access-control-allow-methods": ALLOW,
          "access-control-max-age": "86400",
        });
        const requested = request.headers.get("access-control-request-headers");
        if (requested !== null && HEADER_LIST.test(requested)) {
          headers.set("access-control-allow-headers", requested);
          headers.set("vary", "Access-Control-Request-Headers");
        }
        return new Response(null, { status: 204, headers });
      }
      default:
        return json(405, "method_not_allowed", "Use GET", {
          allow: ALLOW,
          "access-control-allow-origin": "*",
        });
    }
  };
}

/** The path of a request URL (`""` when it cannot be parsed). */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "";
  }
}
