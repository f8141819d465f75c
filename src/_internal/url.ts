/**
 * URL validation for options that name OAuth endpoints and resources.
 *
 * @module
 */

import { show } from "./show.ts";

/** What a URL option may contain besides scheme, host and path. */
export interface EndpointUrlRules {
  /** Whether a query component is allowed (default true). */
  query?: boolean;
}

const LOOPBACK: ReadonlySet<string> = new Set([
  "localhost",
  "127.0.0.1",
  "[::1]",
]);

/**
 * Whether a URL's `hostname` is loopback, where plain `http` is allowed for
 * development: `localhost` and the loopback IP literals `127.0.0.1` and
 * `[::1]` (RFC 8252 §7.3, §8.3). Hostnames as `URL` gives them (lowercase).
 */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname);
}

/**
 * Parses a URL option: absolute, `https:` (or `http:` on a loopback host, for
 * development), no user info and no fragment (RFC 9728 §2, RFC 8414 §2).
 * Returns the parsed URL.
 *
 * @throws {TypeError} When the value breaks one of those rules.
 */
export function parseEndpointUrl(
  value: unknown,
  name: string,
  rules: EndpointUrlRules = {},
): URL {
  // Never echo user info: "https://user:secret@host" must not reach a log.
  let shown = typeof value === "string"
    ? show(value.replace(/\/\/[^/?#]*@/, "//***@"))
    : show(value);
  if (typeof value !== "string" && !(value instanceof URL)) {
    throw new TypeError(`${name} must be a URL or a string, got ${shown}`);
  }
  // deno-lint-ignore no-control-regex
  if (typeof value === "string" && /[\s\x00-\x1F\x7F]/.test(value)) {
    throw new TypeError(
      `${name} must not contain whitespace or control characters, got ${shown}`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an absolute URL, got ${shown}`);
  }
  shown = show(url);
  const loopback = url.protocol === "http:" && isLoopbackHost(url.hostname);
  if (url.protocol !== "https:" && !loopback) {
    throw new TypeError(
      `${name} must use https (http only on localhost), got ${shown}`,
    );
  }
  // An empty fragment ("...#") leaves url.hash empty: look at the href.
  if (url.href.includes("#")) {
    throw new TypeError(`${name} must not have a fragment, got ${shown}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new TypeError(`${name} must not contain credentials, got ${shown}`);
  }
  if (rules.query === false && url.href.includes("?")) {
    throw new TypeError(`${name} must not have a query, got ${shown}`);
  }
  return url;
}

// RFC 3986 §3: scheme "://" authority, then the rest (path, query, fragment).
const HIERARCHICAL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s;
const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  http: "80",
  https: "443",
  ws: "80",
  wss: "443",
};

/**
 * The comparison key of a resource identifier or audience (RFC 8707, the MCP
 * canonical server URI): scheme and host lower-cased, a default port (or an
 * empty one) dropped, and an empty path read as `/` (RFC 3986 §6.2.2.1 and
 * §6.2.3). Nothing else is normalised: path, query and fragment stay as
 * written, so `/mcp` and `/mcp/`, `/MCP` or `/a/../mcp` name other
 * resources. A value that is not `scheme://authority...` is its own key.
 */
export function resourceIdentifierKey(value: string): string {
  const match = HIERARCHICAL.exec(value);
  if (match === null) return value;
  const scheme = match[1]!.toLowerCase();
  let authority = match[2]!;
  let rest = match[3]!;
  const at = authority.lastIndexOf("@");
  const userinfo = at === -1 ? "" : authority.slice(0, at + 1);
  let host = authority.slice(at + 1);
  const port = /:(\d*)$/.exec(host);
  if (port !== null && !host.endsWith("]")) {
    const digits = port[1]!;
    const fallback = DEFAULT_PORTS[scheme];
    if (
      digits === "" ||
      (fallback !== undefined && Number(digits) === Number(fallback))
    ) {
      host = host.slice(0, host.length - port[0].length);
    }
  }
  authority = userinfo + host.toLowerCase();
  if (DEFAULT_PORTS[scheme] !== undefined && !rest.startsWith("/")) {
    rest = `/${rest}`;
  }
  return `${scheme}://${authority}${rest}`;
}
