/**
 * The token endpoint (RFC 6749 §3.2): one form, each parameter once, at
 * most one `resource` (RFC 8707 §2); the client authenticated; then the
 * `authorization_code` (§4.1.3), `refresh_token` (§6) or
 * `client_credentials` (§4.4) grant, and the token response (§5.1) with an
 * RFC 9068 access token and, after a code or a refresh, a refresh token.
 * Internal.
 *
 * @module
 */

import { authenticateClient } from "./_client_auth.ts";
import type { Client, GrantType } from "./_client_metadata.ts";
import type { ClientRegistry } from "./_clients.ts";
import type { AuthorizationCodes } from "./_codes.ts";
import { checkScopes, resolveResource } from "./_grantable.ts";
import type { TokenSigner } from "./_keys.ts";
import type { DevConfig } from "./_options.ts";
import {
  nonEmpty,
  type Params,
  readForm,
  repeatedMessage,
  singleParams,
} from "./_params.ts";
import type { RefreshTokens } from "./_refresh.ts";
import { jsonResponse, oauthError } from "./_responses.ts";

/** What the token endpoint works with. */
export interface TokenEndpoint {
  readonly config: DevConfig;
  readonly clients: ClientRegistry;
  readonly codes: AuthorizationCodes;
  readonly refresh: RefreshTokens;
  readonly signer: TokenSigner;
}

/** What the tokens of a response are for. */
interface Issue {
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** For a refresh token: the code the grant came from, and its family. */
  readonly refreshable?: { readonly code: string; readonly family?: string };
}

const GRANT_TYPES: readonly GrantType[] = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
];

/** Answers a POST to the token endpoint. */
export async function tokenEndpoint(
  endpoint: TokenEndpoint,
  request: Request,
): Promise<Response> {
  const form = await readForm(request);
  if (form instanceof Response) return form;
  if (form.getAll("resource").length > 1) {
    return oauthError(
      400,
      "invalid_target",
      "Ask for one resource per token request",
    );
  }
  const params = singleParams(form);
  if ("repeated" in params) {
    return oauthError(400, "invalid_request", repeatedMessage(params.repeated));
  }
  const client = await authenticateClient(
    endpoint.clients,
    endpoint.config.issuer,
    request,
    params,
  );
  if (client instanceof Response) return client;
  const grantType = nonEmpty(params, "grant_type");
  if (grantType === undefined) {
    return oauthError(400, "invalid_request", "The request has no grant_type");
  }
  if (!(GRANT_TYPES as readonly string[]).includes(grantType)) {
    return oauthError(
      400,
      "unsupported_grant_type",
      "Use authorization_code, refresh_token or client_credentials",
    );
  }
  if (!client.grantTypes.has(grantType as GrantType)) {
    return oauthError(
      400,
      "unauthorized_client",
      `The client did not register the ${grantType} grant`,
    );
  }
  const issue = await grant(endpoint, grantType as GrantType, client, params);
  if (issue instanceof Response) return issue;
  return await tokenResponse(endpoint, client, issue);
}

async function grant(
  endpoint: TokenEndpoint,
  grantType: GrantType,
  client: Client,
  params: Params,
): Promise<Issue | Response> {
  switch (grantType) {
    case "authorization_code": {
      const code = await endpoint.codes.redeem(client, params);
      if (code instanceof Response) return code;
      return { ...code, refreshable: { code: code.code } };
    }
    case "refresh_token": {
      const refresh = endpoint.refresh.redeem(client, params);
      if (refresh instanceof Response) return refresh;
      return { ...refresh, refreshable: refresh };
    }
    case "client_credentials":
      return clientCredentials(endpoint.config, client, params);
  }
}

/** RFC 6749 §4.4: the client is its own subject, and gets no refresh token. */
function clientCredentials(
  config: DevConfig,
  client: Client,
  params: Params,
): Issue | Response {
  const resourceValue = nonEmpty(params, "resource");
  const resource = resolveResource(config, resourceValue);
  if (resource === undefined) {
    return oauthError(
      400,
      "invalid_target",
      resourceValue === undefined
        ? "Name the resource (RFC 8707): this server serves several"
        : "The resource is not one this server issues tokens for",
    );
  }
  const scopes = checkScopes(config, nonEmpty(params, "scope"));
  if (typeof scopes === "string") {
    return oauthError(400, "invalid_scope", scopes);
  }
  return { subject: client.clientId, scopes, resource };
}

/** RFC 6749 §5.1: the access token, and a refresh token when it has one. */
async function tokenResponse(
  endpoint: TokenEndpoint,
  client: Client,
  issue: Issue,
): Promise<Response> {
  const ttl = endpoint.config.accessTokenTtl;
  const accessToken = await endpoint.signer.sign({
    subject: issue.subject,
    clientId: client.clientId,
    scopes: issue.scopes,
    resource: issue.resource,
    ttl,
  });
  const refreshToken =
    issue.refreshable === undefined || !client.grantTypes.has("refresh_token")
      ? undefined
      : endpoint.refresh.issue({
        clientId: client.clientId,
        subject: issue.subject,
        scopes: issue.scopes,
        resource: issue.resource,
        code: issue.refreshable.code,
        ...(issue.refreshable.family === undefined
          ? {}
          : { family: issue.refreshable.family }),
      });
  return jsonResponse({
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: ttl,
    scope: issue.scopes.join(" "),
    ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
  });
}
