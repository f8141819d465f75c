/**
 * Discovery for the development authorization server: where its endpoints
 * are (under the issuer's path), its RFC 8414 metadata at the path-aware
 * well-known URI (§3.1) and the OpenID Connect Discovery 1.0 variant, and
 * the notice, in its metadata and at start, that it is for development.
 * Internal.
 *
 * @module
 */

import type { DevConfig } from "./_options.ts";
import { jsonResponse } from "./_responses.ts";

/** The paths of the endpoints, under the issuer's path. */
export interface EndpointPaths {
  readonly authorize: string;
  readonly token: string;
  readonly register: string;
  readonly jwks: string;
  readonly docs: string;
}

/** The endpoint a path names. */
export type Endpoint = keyof EndpointPaths;

/** Where the metadata is served: RFC 8414 §3.1's URI, and OpenID's two. */
export interface MetadataPaths {
  readonly oauth: string;
  readonly openid: readonly string[];
}

/** The endpoints' paths for an issuer whose path is `basePath`. */
export function endpointPaths(basePath: string): EndpointPaths {
  return Object.freeze({
    authorize: `${basePath}/authorize`,
    token: `${basePath}/token`,
    register: `${basePath}/register`,
    jwks: `${basePath}/jwks`,
    docs: `${basePath}/docs`,
  });
}

/**
 * RFC 8414 §3.1: the well-known suffix goes between the host and the
 * issuer's path; OpenID Connect Discovery 1.0 §4 appends it to the issuer,
 * and some clients try RFC 8414's form of it.
 */
export function metadataPaths(basePath: string): MetadataPaths {
  return Object.freeze({
    oauth: `/.well-known/oauth-authorization-server${basePath}`,
    openid: Object.freeze([
      `/.well-known/openid-configuration${basePath}`,
      `${basePath}/.well-known/openid-configuration`,
    ]),
  });
}

/** The sentence that says, at start and in the metadata, what this is. */
export function developmentNotice(config: DevConfig): string {
  return `DEVELOPMENT authorization server: it ${
    config.approval === "auto"
      ? `approves every request as "${config.subject}" without asking when the code comes back to this machine (a loopback or app redirect URI), and on a click otherwise`
      : `signs anyone in as "${config.subject}" on a click`
  }. For local development and tests only, never in production.`;
}

/** The RFC 8414 §2 metadata document. */
export function authorizationServerMetadata(
  config: DevConfig,
  paths: EndpointPaths,
  notice: string,
): Readonly<Record<string, unknown>> {
  const origin = new URL(config.issuer).origin;
  return Object.freeze({
    issuer: config.issuer,
    authorization_endpoint: origin + paths.authorize,
    token_endpoint: origin + paths.token,
    registration_endpoint: origin + paths.register,
    jwks_uri: origin + paths.jwks,
    scopes_supported: [...config.scopesSupported],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: [
      "authorization_code",
      "refresh_token",
      "client_credentials",
    ],
    token_endpoint_auth_methods_supported: [
      "none",
      "client_secret_basic",
      "client_secret_post",
    ],
    code_challenge_methods_supported: ["S256"],
    // RFC 9207: the authorization response names its issuer.
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: true,
    service_documentation: origin + paths.docs,
    description: notice,
  });
}

/** The RFC 8414 metadata response, cacheable for a minute. */
export function metadataResponse(
  metadata: Readonly<Record<string, unknown>>,
): Response {
  return jsonResponse(metadata, 200, { "Cache-Control": "max-age=60" });
}

/** The OpenID discovery response: the metadata and what §3 adds. */
export function openIdResponse(
  metadata: Readonly<Record<string, unknown>>,
): Response {
  return metadataResponse({
    ...metadata,
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["ES256"],
  });
}
