/**
 * Redirect URIs: which ones a client may register (RFC 6749 §3.1.2, RFC
 * 8252 §7), and which requested one matches a registered one (RFC 6749
 * §3.1.2.3, RFC 8252 §7.3). Internal.
 *
 * @module
 */

import { isLoopbackHost } from "../_internal/url.ts";

// Schemes a browser must never be sent to with an authorization code.
const FORBIDDEN_SCHEMES: ReadonlySet<string> = new Set([
  "javascript:",
  "data:",
  "vbscript:",
  "file:",
  "blob:",
  "about:",
  "ws:",
  "wss:",
  "ftp:",
]);
const MAX_URI_LENGTH = 2000;

/**
 * Why `value` may not be a redirect URI, or `undefined` when it may: it
 * must be absolute, with no fragment (RFC 6749 §3.1.2) and no credentials,
 * `https`, `http` on a loopback host only (RFC 8252 §7.3), or a private-use
 * scheme (RFC 8252 §7.1); never a script or local scheme.
 */
export function redirectUriProblem(value: string): string | undefined {
  if (value.length > MAX_URI_LENGTH) return "is too long";
  if (!URL.canParse(value)) return "is not an absolute URL";
  const url = new URL(value);
  if (url.hash !== "" || value.includes("#")) return "has a fragment";
  if (url.username !== "" || url.password !== "") return "has credentials";
  if (FORBIDDEN_SCHEMES.has(url.protocol)) {
    return `uses the forbidden scheme "${url.protocol}"`;
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return "uses http on a host that is not loopback (use https)";
  }
  return undefined;
}

/**
 * Whether a requested redirect URI matches a registered one: exactly
 * (RFC 6749 §3.1.2.3), or for an `http` loopback IP literal, with any port
 * (RFC 8252 §7.3: native apps get an ephemeral port each run).
 */
export function redirectUriMatches(
  registered: string,
  requested: string,
): boolean {
  if (registered === requested) return true;
  if (!URL.canParse(registered) || !URL.canParse(requested)) return false;
  const a = new URL(registered);
  const b = new URL(requested);
  if (a.protocol !== "http:" || b.protocol !== "http:") return false;
  if (!isLoopbackHost(a.hostname) || a.hostname === "localhost") return false;
  if (requested.includes("#")) return false;
  return a.hostname === b.hostname && a.pathname === b.pathname &&
    a.search === b.search && a.username === "" && b.username === "" &&
    a.password === "" && b.password === "";
}

// Schemes a web site may take over with registerProtocolHandler (the HTML
// standard's safelist, and any "web+" scheme): a code sent there can reach
// a web page.
const WEB_HANDLED_SCHEMES: ReadonlySet<string> = new Set([
  "bitcoin:",
  "ftp:",
  "ftps:",
  "geo:",
  "im:",
  "irc:",
  "ircs:",
  "magnet:",
  "mailto:",
  "matrix:",
  "mms:",
  "news:",
  "nntp:",
  "openpgp4fpr:",
  "sftp:",
  "sip:",
  "sms:",
  "smsto:",
  "ssh:",
  "tel:",
  "urn:",
  "webcal:",
  "wtai:",
  "xmpp:",
]);

/**
 * Whether a code sent to `uri` stays on this machine: `http` or `https` on
 * a loopback host (RFC 8252 §7.3), or an app's private-use scheme (RFC 8252
 * §7.1) that no web site can register a handler for. A code sent anywhere
 * else reaches a web site, which may be the page that started the request.
 */
export function redirectStaysOnDevice(uri: string): boolean {
  if (!URL.canParse(uri)) return false;
  const url = new URL(uri);
  if (url.protocol === "http:" || url.protocol === "https:") {
    return isLoopbackHost(url.hostname);
  }
  return !url.protocol.startsWith("web+") &&
    !WEB_HANDLED_SCHEMES.has(url.protocol);
}
