/**
 * A Web `Request` view of a Node request's method, URL and headers, never
 * its body: the body stays in the stream for the body parser or the MCP
 * transport, read once. Internal.
 *
 * @module
 */

import { InvalidRequestError } from "../errors.ts";
import type { NodeRequest } from "./node_http.ts";

// RFC 3986 §3.2.2 host (reg-name or IP literal) and optional port: no
// userinfo, path, query or fragment can ride in on a Host header.
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]+)(?::\d*)?$/;

function header(
  headers: NodeRequest["headers"],
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The URL the client addressed: scheme from the socket, host, target. */
function requestUrl(req: NodeRequest): string {
  const target = req.originalUrl ?? req.url ?? "/";
  if (target.startsWith("/")) {
    // HTTP/2 compatibility requests carry :authority instead of Host.
    const host = header(req.headers, "host") ??
      header(req.headers, ":authority");
    if (host === undefined || !HOST.test(host)) {
      throw new InvalidRequestError("Missing or malformed Host header");
    }
    const encrypted = (req.socket as { encrypted?: unknown } | null)
      ?.encrypted === true;
    // Concatenated, not resolved: a target such as "//other/path" stays a
    // path of this host.
    return `${encrypted ? "https" : "http"}://${host}${target}`;
  }
  // RFC 9112 §3.2.2 absolute-form, as a proxy sends it.
  if (/^https?:\/\//i.test(target) && URL.canParse(target)) return target;
  throw new InvalidRequestError("Malformed request target");
}

function requestHeaders(req: NodeRequest): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      // HTTP/2 pseudo-headers are not field names.
      if (!name.startsWith(":")) headers.append(name, raw[i + 1]!);
    }
    return headers;
  }
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) {
      for (const one of value) headers.append(name, one);
    } else headers.append(name, value);
  }
  return headers;
}

// Fetch §2.2.1: forbidden methods.
const FORBIDDEN_METHOD = /^(?:CONNECT|TRACE|TRACK)$/i;

/**
 * A body-less Web `Request` with the method, URL and headers of `req`: what
 * authentication reads (the token, a DPoP proof and its `htm`/`htu`). The
 * URL's scheme is https on a TLS socket, else http; behind a proxy, give
 * `dpopScheme` its `clientUrl`.
 *
 * @throws {InvalidRequestError} When the request has no valid Host, its
 * target is malformed, or a method or header cannot be a Web request's.
 */
export function requestView(req: NodeRequest): Request {
  const method = req.method ?? "GET";
  // Fetch forbids these methods; Bun's Request takes them anyway: refused
  // alike on every runtime.
  if (FORBIDDEN_METHOD.test(method)) {
    throw new InvalidRequestError("Malformed request");
  }
  try {
    return new Request(requestUrl(req), {
      method,
      headers: requestHeaders(req),
    });
  } catch (error) {
    if (error instanceof InvalidRequestError) throw error;
    // Request and Headers refuse what no Web request can be (TRACE, a
    // header value Headers rejects): a malformed request, not a 500.
    throw new InvalidRequestError("Malformed request");
  }
}
