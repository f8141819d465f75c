// Helpers for the development authorization server's tests: requests to its
// handler (no network), PKCE pairs, a registered client, a full login and
// token requests.
import assert from "node:assert/strict";
import {
  createDevAuthorizationServer,
  type DevAuthorizationServer,
  type DevAuthorizationServerOptions,
} from "../../src/dev/mod.ts";

export const ORIGIN = "http://127.0.0.1:9";
export const ISSUER = `${ORIGIN}/oauth`;
export const RESOURCE = `${ORIGIN}/mcp`;
export const REDIRECT = "http://127.0.0.1:7777/callback";

/** The registration of a confidential client of the client credentials grant. */
export const CONFIDENTIAL: Readonly<Record<string, unknown>> = Object.freeze({
  grant_types: ["client_credentials"],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: "client_secret_basic",
});

export function devServer(
  options: Partial<DevAuthorizationServerOptions> = {},
): Promise<DevAuthorizationServer> {
  return createDevAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    scopesSupported: ["read", "write", "admin"],
    warn: false,
    ...options,
  });
}

/** Sends a request to the server's handler; it must be one of its paths. */
export async function send(
  dev: DevAuthorizationServer,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const response = await dev.handle(new Request(new URL(path, ORIGIN), init));
  assert.ok(response !== undefined, `${path} is not the server's own`);
  return response;
}

export function form(params: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
  };
}

export function json(body: unknown): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-")
    .replace(/\//g, "_").replace(/=+$/, "");
}

export async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(verifier),
  );
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

export interface Registered {
  client_id: string;
  client_secret?: string;
  [name: string]: unknown;
}

export async function register(
  dev: DevAuthorizationServer,
  metadata: Record<string, unknown> = {},
): Promise<Registered> {
  const response = await send(
    dev,
    "/oauth/register",
    json({
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      token_endpoint_auth_method: "none",
      client_name: "Test client",
      ...metadata,
    }),
  );
  assert.equal(response.status, 201, await response.clone().text());
  return await response.json();
}

/** GET /authorize with these parameters (undefined ones left out). */
export async function authorize(
  dev: DevAuthorizationServer,
  params: Record<string, string | undefined>,
): Promise<Response> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) query.set(name, value);
  }
  return await send(dev, `/oauth/authorize?${query}`);
}

/** The parameters of the redirect a response carries. */
export function redirected(response: Response): URLSearchParams {
  assert.ok(
    response.status === 302 || response.status === 303,
    `expected a redirect, got ${response.status}`,
  );
  const location = response.headers.get("location");
  assert.ok(location !== null);
  const url = new URL(location);
  return url.searchParams;
}

/** Authorization request parameters for a client, with a fresh PKCE pair. */
export async function codeRequest(
  client: Registered,
  extra: Record<string, string | undefined> = {},
): Promise<{ params: Record<string, string | undefined>; verifier: string }> {
  const { verifier, challenge } = await pkce();
  return {
    verifier,
    params: {
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      scope: "read",
      state: "st-1",
      code_challenge: challenge,
      code_challenge_method: "S256",
      resource: RESOURCE,
      ...extra,
    },
  };
}

/** Authorizes and returns the code and its verifier. */
export async function getCode(
  dev: DevAuthorizationServer,
  client: Registered,
  extra: Record<string, string | undefined> = {},
): Promise<{ code: string; verifier: string }> {
  const { params, verifier } = await codeRequest(client, extra);
  const back = redirected(await authorize(dev, params));
  const code = back.get("code");
  assert.ok(code !== null, `no code: ${back}`);
  return { code, verifier };
}

/** POST /oauth/token with these form parameters (undefined ones left out). */
export async function token(
  dev: DevAuthorizationServer,
  params: Record<string, string | undefined>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const given: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) given[name] = value;
  }
  const init = form(given);
  return await send(dev, "/oauth/token", {
    ...init,
    headers: { ...init.headers as Record<string, string>, ...headers },
  });
}

/** Redeems a code as the client would (undefined `extra` values left out). */
export async function exchange(
  dev: DevAuthorizationServer,
  client: Registered,
  code: string,
  verifier: string,
  extra: Record<string, string | undefined> = {},
): Promise<Response> {
  return await token(dev, {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    client_id: client.client_id,
    ...extra,
  });
}

/** An RFC 6749 §2.3.1 Basic header: id and secret form-encoded. */
export function basic(id: string, secret: string): string {
  return `Basic ${
    btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)
  }`;
}

/** Asserts an RFC 6749 §5.2 error body and status. */
export async function assertOAuthError(
  response: Response,
  status: number,
  error: string,
): Promise<void> {
  const body = await response.json();
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.error, error, JSON.stringify(body));
  assert.equal(typeof body.error_description, "string");
  assert.equal(response.headers.get("cache-control"), "no-store");
}
