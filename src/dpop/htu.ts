/**
 * The `htu` comparison of RFC 9449 §4.3: a proof names the URI of the
 * request it was made for, compared after RFC 3986 §6.2.2 and §6.2.3
 * normalization, without query and fragment.
 *
 * @module
 */

/**
 * Normalizes an HTTP(S) URI for the `htu` comparison of RFC 9449 §4.3:
 * query and fragment dropped; scheme and host lower-cased, default port
 * and dot segments removed, an empty path made `/` (RFC 3986 §6.2.2,
 * §6.2.3); percent-encodings of unreserved characters decoded and the rest
 * upper-cased (§6.2.2.1, §6.2.2.2).
 *
 * @param uri An absolute URI.
 * @returns The normalized URI, or `undefined` when `uri` is not an absolute
 * `http` or `https` URI.
 *
 * @example Usage
 * ```ts
 * import { normalizeHtu } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   normalizeHtu("HTTPS://MCP.Example.com:443/a/./b/../%7emcp?x=1#top"),
 *   "https://mcp.example.com/a/~mcp",
 * );
 * assert.equal(normalizeHtu("ftp://example.com/"), undefined);
 * ```
 */
export function normalizeHtu(uri: string | URL): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  url.search = "";
  url.hash = "";
  url.pathname = url.pathname.replace(/%[0-9A-Fa-f]{2}/g, normalizeEscape);
  return url.href;
}

function normalizeEscape(escape: string): string {
  const char = String.fromCharCode(parseInt(escape.slice(1), 16));
  return /^[A-Za-z0-9\-._~]$/.test(char) ? char : escape.toUpperCase();
}

/** Whether a proof's `htu` names `url` (RFC 9449 §4.3 check 9). */
export function sameHttpUri(htu: unknown, url: string | URL): boolean {
  if (typeof htu !== "string") return false;
  const expected = normalizeHtu(url);
  return expected !== undefined && normalizeHtu(htu) === expected;
}
