/**
 * Bearer token extraction from a Web-standard `Request` (RFC 6750 §2.1),
 * parsed strictly and once.
 *
 * @module
 */

import { InvalidRequestError } from "../errors.ts";

// RFC 9110 §11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ];
// RFC 6750 §2.1 narrows the Bearer form to "Bearer" 1*SP b64token, with
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
// One regex on the hot path; the slower classification runs only on failure.
const VALID = /^[Bb][Ee][Aa][Rr][Ee][Rr] +[A-Za-z0-9\-._~+/]+=*$/;
// auth-scheme = token (RFC 9110 §5.6.2), "Bearer" in any case, then not a tchar.
const BEARER_SCHEME = /^bearer(?![!#$%&'*+.^_`|~0-9A-Za-z-])/i;
// A Bearer credential after a comma: two Authorization field lines that
// `Headers` joined with ", " (RFC 9110 §5.3), one of them Bearer.
const LATER_BEARER = /,[ \t]*bearer(?:[ \t]|$)/i;

const MALFORMED = "Malformed Authorization header";
const SEVERAL = "Only one Authorization credential is allowed";
const IN_QUERY = "Access tokens are not accepted in the URI query";

interface RequestLike {
  readonly url: string;
  readonly headers: Headers;
}

// Duck-typed so that a Request or Headers from another realm or polyfill
// (undici in Node, a test double) works too.
function isHeaders(input: unknown): input is Headers {
  return typeof (input as Headers | null)?.get === "function";
}

function isRequest(input: unknown): input is RequestLike {
  const candidate = input as RequestLike | null;
  return typeof candidate?.url === "string" && isHeaders(candidate.headers);
}

/**
 * Returns the Bearer token of a request, `undefined` when it carries none, or
 * throws {@linkcode InvalidRequestError} when it carries one the wrong way.
 *
 * Rules (RFC 6750 §2.1, RFC 9110 §11.4):
 * - `Authorization: Bearer <b64token>`; the scheme is case-insensitive and
 *   one or more spaces separate it from the token (tabs do not). Leading and
 *   trailing whitespace belongs to the field, not the value (RFC 9110 §5.5),
 *   so `Headers` has already removed it.
 * - No `Authorization` header, or another scheme (`Basic ...`) -> `undefined`.
 * - A Bearer header without a token, with a token that is not b64token
 *   syntax (`Bearer a b`, a tab, a comma, non-ASCII), or several
 *   `Authorization` field lines of which one is Bearer (`Headers` joins them
 *   with `", "`) -> `InvalidRequestError`.
 * - A `Request` whose URI query holds `access_token` -> `InvalidRequestError`,
 *   with or without a header: RFC 6750 §2.3 is forbidden by the MCP
 *   specification, and a token in a URL ends up in logs.
 *
 * Not inspected: the request body (RFC 6750 §2.2, form-encoded
 * `access_token`), which this library never accepts; `bearerAuth` answers a
 * form `access_token` beside the header with 400 (more than one method,
 * §3.1). `=` padding is accepted here, as b64token allows it: a JWT's
 * canonical form is `JwtVerifier`'s to demand. The token's length is not
 * limited here; verifiers do that (`JwtVerifier`'s `maxTokenLength`).
 *
 * @param input The request, or only its headers (the query is then not
 * checked).
 * @returns The token, or `undefined` when the request has no Bearer
 * credential.
 * @throws {InvalidRequestError} When the request carries a Bearer credential
 * the wrong way.
 * @throws {TypeError} When `input` is neither a `Request` nor a `Headers`.
 *
 * @example Usage
 * ```ts
 * import { extractBearerToken, InvalidRequestError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const request = new Request("https://mcp.example.com/mcp", {
 *   headers: { authorization: "bearer mF_9.B5f-4.1JqM" },
 * });
 * assert.equal(extractBearerToken(request), "mF_9.B5f-4.1JqM");
 * assert.equal(extractBearerToken(new Headers()), undefined);
 * assert.equal(extractBearerToken(new Headers({ authorization: "Basic YTpi" })), undefined);
 * assert.throws(
 *   () => extractBearerToken(new Request("https://mcp.example.com/mcp?access_token=x")),
 *   InvalidRequestError,
 * );
 * ```
 */
export function extractBearerToken(
  input: Request | Headers,
): string | undefined {
  let value: string | null;
  if (isRequest(input)) {
    if (hasQueryToken(input.url)) throw new InvalidRequestError(IN_QUERY);
    value = input.headers.get("authorization");
  } else if (isHeaders(input)) {
    value = input.get("authorization");
  } else {
    throw new TypeError(
      "extractBearerToken expects a Request or a Headers object",
    );
  }
  if (value === null) return undefined;
  return parseCredentials(value);
}

function parseCredentials(value: string): string | undefined {
  if (VALID.test(value)) {
    let i = 7;
    while (value.charCodeAt(i) === 0x20) i++;
    return value.slice(i);
  }
  if (BEARER_SCHEME.test(value)) {
    throw new InvalidRequestError(value.includes(",") ? SEVERAL : MALFORMED);
  }
  // Another scheme is not ours to judge, unless a Bearer credential hides
  // behind it in a second field line.
  if (LATER_BEARER.test(value)) throw new InvalidRequestError(SEVERAL);
  return undefined;
}

function hasQueryToken(url: string): boolean {
  const query = url.indexOf("?");
  if (query === -1) return false;
  const hash = url.indexOf("#", query);
  const search = url.slice(query + 1, hash === -1 ? undefined : hash);
  // Without "%" no name can be percent-encoded, so a plain substring search
  // rules the parameter out; otherwise parse the way a server would.
  if (!search.includes("access_token") && !search.includes("%")) return false;
  return new URLSearchParams(search).has("access_token");
}
