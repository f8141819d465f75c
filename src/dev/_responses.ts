/**
 * The non-HTML responses of the development authorization server: JSON
 * (never cached, CORS-enabled for browser-based MCP clients), RFC 6749 §5.2
 * errors, and the redirect that carries an authorization response back to
 * the client (RFC 6749 §4.1.2, with RFC 9207 `iss`). Internal.
 *
 * @module
 */

/** The headers of every token, registration and error JSON response. */
const NO_STORE = { "Cache-Control": "no-store", "Pragma": "no-cache" };

/** CORS for browser-based MCP clients (no cookies are ever used). */
export const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Allow-Headers":
    "Authorization, Content-Type, MCP-Protocol-Version",
  "Access-Control-Max-Age": "600",
});

/** A JSON response, never cached unless `headers` says otherwise. */
export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return Response.json(body, {
    status,
    headers: { ...NO_STORE, ...CORS_HEADERS, ...headers },
  });
}

/** An RFC 6749 §5.2 (or RFC 7591 §3.2.2) error response. */
export function oauthError(
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): Response {
  return jsonResponse({ error, error_description: description }, status, {
    ...headers,
  });
}

/**
 * Sends the browser back to the client's `redirectUri` with `params` and
 * the issuer (RFC 9207 §2): 302 after a GET, 303 after the approval form's
 * POST, so the browser follows with a GET.
 */
export function authorizationRedirect(
  issuer: string,
  redirectUri: string,
  params: Readonly<Record<string, string>>,
  method: string,
): Response {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    url.searchParams.set(name, value);
  }
  url.searchParams.set("iss", issuer);
  return new Response(null, {
    status: method === "POST" ? 303 : 302,
    headers: {
      Location: url.href,
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
    },
  });
}
