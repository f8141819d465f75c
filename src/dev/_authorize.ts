/**
 * The authorization endpoint (RFC 6749 §4.1.1, §4.1.2): a request for a
 * code, with PKCE S256 always (RFC 7636, OAuth 2.1), one resource (RFC
 * 8707) and scopes the resource supports; approved at once as the
 * development user when the code comes back to this machine, or on the
 * approval page. Errors about the client or
 * its redirect URI are shown, never redirected (§4.1.2.1); the others go
 * back to the client with its `state`. Internal.
 *
 * @module
 */

import type { Approvals } from "./_approval.ts";
import { type Client, ClientMetadataError } from "./_client_metadata.ts";
import type { ClientRegistry } from "./_clients.ts";
import type { AuthorizationCodes, Grant } from "./_codes.ts";
import { checkScopes, resolveResource } from "./_grantable.ts";
import type { DevConfig } from "./_options.ts";
import { errorPage } from "./_page.ts";
import {
  nonEmpty,
  type Params,
  readForm,
  repeatedMessage,
  singleParams,
} from "./_params.ts";
import { isS256Challenge } from "./_pkce.ts";
import { redirectStaysOnDevice, redirectUriMatches } from "./_redirect_uri.ts";
import { authorizationRedirect } from "./_responses.ts";

/** RFC 6749 §A.5 state: printable ASCII (VSCHAR). */
const VSCHAR = /^[\x20-\x7E]*$/;

/** What the authorization endpoint works with. */
export interface AuthorizeEndpoint {
  readonly config: DevConfig;
  readonly clients: ClientRegistry;
  readonly codes: AuthorizationCodes;
  readonly approvals: Approvals;
}

/** Answers a GET (or form POST) to the authorization endpoint. */
export async function authorizeEndpoint(
  endpoint: AuthorizeEndpoint,
  request: Request,
): Promise<Response> {
  let params: URLSearchParams;
  if (request.method === "POST") {
    const form = await readForm(request);
    if (form instanceof Response) {
      return errorPage(
        form.status,
        "Send the form as application/x-www-form-urlencoded, at most 64 KiB",
      );
    }
    if (form.has("transaction")) {
      return endpoint.approvals.decide(
        form,
        request.headers.get("sec-fetch-site"),
      );
    }
    params = form;
  } else {
    params = new URL(request.url).searchParams;
  }
  const single = singleParams(params);
  if ("repeated" in single) {
    return errorPage(400, repeatedMessage(single.repeated));
  }
  const target = await trustedTarget(endpoint.clients, single);
  if (target instanceof Response) return target;
  const grant = validate(
    endpoint.config,
    target,
    single,
    params,
    request.method,
  );
  if (grant instanceof Response) return grant;
  // "auto" approves only a code that comes back to this machine: anyone can
  // register a client, so a web page the developer visits could otherwise
  // open this URL with its own https redirect URI and receive a code.
  return endpoint.config.approval === "auto" &&
      redirectStaysOnDevice(grant.redirectUri)
    ? endpoint.codes.issue(grant, endpoint.config.subject, request.method)
    : endpoint.approvals.ask(grant, target.client);
}

/** The rest of the request, checked; errors go back to the client. */
function validate(
  config: DevConfig,
  { client, redirectUri, given }: Target,
  single: Params,
  all: URLSearchParams,
  method: string,
): Grant | Response {
  const get = (name: string) => nonEmpty(single, name);
  const state = get("state");
  const fail = (error: string, description: string) =>
    authorizationRedirect(config.issuer, redirectUri, {
      error,
      error_description: description,
      ...(state === undefined || !VSCHAR.test(state) ? {} : { state }),
    }, method);
  if (state !== undefined && !VSCHAR.test(state)) {
    return fail("invalid_request", "state must be printable ASCII");
  }
  const responseType = get("response_type");
  if (responseType === undefined) {
    return fail("invalid_request", "The request has no response_type");
  }
  if (responseType !== "code") {
    return fail(
      "unsupported_response_type",
      'Only response_type "code" is supported',
    );
  }
  if (!client.grantTypes.has("authorization_code")) {
    return fail(
      "unauthorized_client",
      "The client did not register the authorization_code grant",
    );
  }
  // RFC 7636 and OAuth 2.1: PKCE always, and S256 only.
  const challenge = get("code_challenge");
  const challengeMethod = get("code_challenge_method");
  if (challenge === undefined) {
    return fail(
      "invalid_request",
      "PKCE is required: send code_challenge with code_challenge_method S256",
    );
  }
  if (challengeMethod !== "S256") {
    return fail(
      "invalid_request",
      challengeMethod === undefined || challengeMethod === "plain"
        ? 'code_challenge_method "plain" is refused: use S256'
        : "code_challenge_method must be S256",
    );
  }
  if (!isS256Challenge(challenge)) {
    return fail(
      "invalid_request",
      "code_challenge must be the base64url SHA-256 of the code verifier",
    );
  }
  const resourceValue = get("resource");
  const resource = resolveResource(config, resourceValue);
  if (resource === undefined || all.getAll("resource").length > 1) {
    return fail(
      "invalid_target",
      resourceValue === undefined
        ? "Name the resource (RFC 8707): this server serves several"
        : "The resource is not one this server issues tokens for",
    );
  }
  const scopes = checkScopes(config, get("scope"));
  if (typeof scopes === "string") return fail("invalid_scope", scopes);
  return {
    clientId: client.clientId,
    redirectUri,
    redirectUriGiven: given,
    state,
    codeChallenge: challenge,
    scopes,
    resource,
  };
}

/** A known client and a redirect URI it registered. */
interface Target {
  readonly client: Client;
  readonly redirectUri: string;
  /** Whether the request named it (RFC 6749 §4.1.3). */
  readonly given: boolean;
}

/**
 * §4.1.2.1: the client and the redirect URI, or the error page shown when
 * either cannot be trusted (never a redirect to a URI nobody vouched for).
 */
async function trustedTarget(
  clients: ClientRegistry,
  params: Params,
): Promise<Target | Response> {
  const clientId = nonEmpty(params, "client_id");
  if (clientId === undefined) {
    return errorPage(400, "The request has no client_id");
  }
  let client: Client | undefined;
  try {
    client = await clients.resolve(clientId);
  } catch (error) {
    if (error instanceof ClientMetadataError) {
      return errorPage(400, error.message);
    }
    throw error;
  }
  if (client === undefined) {
    return errorPage(400, "Unknown client_id: register the client first");
  }
  const requested = nonEmpty(params, "redirect_uri");
  if (requested === undefined) {
    if (client.redirectUris.length !== 1) {
      return errorPage(
        400,
        "The request has no redirect_uri, and the client registered several",
      );
    }
    return { client, redirectUri: client.redirectUris[0]!, given: false };
  }
  if (!client.redirectUris.some((uri) => redirectUriMatches(uri, requested))) {
    return errorPage(400, "The redirect_uri is not one the client registered");
  }
  return { client, redirectUri: requested, given: true };
}
