// Small OAuth building blocks shared by the development authorization
// server's endpoints: error and JSON responses, scope and URL checks, random
// values and the PKCE S256 transform.

/** RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** RFC 7636 §4.1 code_verifier: 43 to 128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** RFC 7636 §4.2 S256 challenge: base64url of a SHA-256, unpadded. */
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;
/** RFC 6749 §A.5 state, and other printable ASCII values (VSCHAR). */
const VSCHAR = /^[\x20-\x7E]*$/;

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

/** A JSON response, never cached. */
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

/** Whether a string is a valid RFC 6749 state (or similar) value. */
export function isVsChars(value: string): boolean {
  return VSCHAR.test(value);
}

/**
 * Parses an RFC 6749 §3.3 scope parameter into its distinct tokens, or
 * `undefined` when it is malformed (not single-space separated tokens).
 */
export function parseScope(value: string): string[] | undefined {
  if (value === "") return [];
  const tokens = value.split(" ");
  if (!tokens.every((token) => SCOPE_TOKEN.test(token))) return undefined;
  return [...new Set(tokens)];
}

/** Whether `value` is one RFC 6749 scope-token. */
export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value);
}

/** Whether `value` is a well-formed RFC 7636 code_verifier. */
export function isCodeVerifier(value: string): boolean {
  return CODE_VERIFIER.test(value);
}

/** Whether `value` is a well-formed S256 code_challenge. */
export function isS256Challenge(value: string): boolean {
  return S256_CHALLENGE.test(value);
}

/** Whether a URL host is a loopback name or address (RFC 8252 §7.3, §8.3). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host === "[::1]" ||
    /^127(\.\d{1,3}){3}$/.test(host);
}

/** base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** A random, URL-safe value with `bytes` bytes of entropy. */
export function randomValue(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))). */
export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(verifier),
  );
  return base64url(new Uint8Array(digest));
}

/** Compares two strings in time independent of where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    diff |= (x[i % x.length] ?? 0) ^ (y[i % y.length] ?? 0);
  }
  return diff === 0;
}

/**
 * Reads a body as at most `limit` bytes of UTF-8 text; `undefined` when it
 * is larger (the rest is not read). Throws on invalid UTF-8.
 */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<string | undefined> {
  if (body === null) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(all);
}

/**
 * Parameters of an `application/x-www-form-urlencoded` body or a query,
 * each at most once (RFC 6749 §3.1, §3.2); a string naming the first
 * repeated parameter otherwise.
 */
export function singleParams(
  params: URLSearchParams,
): Map<string, string> | { repeated: string } {
  const map = new Map<string, string>();
  for (const [name, value] of params) {
    if (map.has(name)) return { repeated: name };
    map.set(name, value);
  }
  return map;
}
