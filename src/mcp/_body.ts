/**
 * Reading a JSON-RPC request body once, within a bound, for the preflight:
 * from a Web `Request` or a Node `IncomingMessage`. Only a POST that says
 * `application/json` is read (the SDKs answer every other request without
 * reading it); what is read and is not JSON is kept as bytes, so that the
 * SDK still answers it. Internal.
 *
 * @module
 */

/** The SDKs' own bound: a larger POST body is answered 413 by them too. */
export const DEFAULT_MAX_BODY_SIZE = 4 * 1024 * 1024;

/** What reading a request's body gave. */
export type Body =
  /** Not read: not a JSON POST (the SDK answers it as it is). */
  | { readonly kind: "unread" }
  /** Read and parsed. */
  | { readonly kind: "json"; readonly value: unknown }
  /**
   * Read, and not JSON (empty included): what was read, for the SDK to
   * answer (the text when the body was read as text).
   */
  | { readonly kind: "raw"; readonly bytes: Uint8Array | string }
  /** Larger than the bound: reading stopped there. */
  | { readonly kind: "too_large" }
  /**
   * Could not be read to its end: the client went away mid-body (an
   * aborted upload). Never a rejection: a Node `http` handler awaiting
   * the preflight would crash its process on one.
   */
  | { readonly kind: "unreadable" };

const UNREAD: Body = Object.freeze({ kind: "unread" });
const TOO_LARGE: Body = Object.freeze({ kind: "too_large" });
const UNREADABLE: Body = Object.freeze({ kind: "unreadable" });

/** Whether a `Content-Type` names JSON, as the SDKs judge it (RFC 9110 §8.3.1). */
export function isJsonMediaType(
  contentType: string | null | undefined,
): boolean {
  if (contentType === "application/json") return true;
  if (typeof contentType !== "string") return false;
  const semicolon = contentType.indexOf(";");
  const essence = semicolon === -1
    ? contentType
    : contentType.slice(0, semicolon);
  return essence.trim().toLowerCase() === "application/json";
}

/** A `Content-Length` over `limit` (a malformed one is left to the stream). */
function declaredTooLarge(
  length: string | null | undefined,
  limit: number,
): boolean {
  return typeof length === "string" && DIGITS.test(length) &&
    Number(length) > limit;
}

const DIGITS = /^\d+$/;

/** Parses what was read; anything that is not JSON stays bytes. */
function parsed(bytes: Uint8Array): Body {
  if (bytes.byteLength === 0) return { kind: "raw", bytes };
  try {
    return { kind: "json", value: JSON.parse(DECODER.decode(bytes)) };
  } catch {
    return { kind: "raw", bytes };
  }
}

/** Parses text read at once; anything that is not JSON stays text. */
function parsedText(text: string): Body {
  if (text === "") return { kind: "raw", bytes: text };
  try {
    return { kind: "json", value: JSON.parse(text) };
  } catch {
    return { kind: "raw", bytes: text };
  }
}

// Decodes as `Response.text()` does: replacement characters, BOM removed.
const DECODER = new TextDecoder();

/** The chunks as one array: no copy for a body that came in one chunk. */
function joined(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads the body of a JSON POST `request`, at most `limit` bytes.
 *
 * @throws {TypeError} When the body was already read (`bodyUsed`).
 */
export async function readRequestBody(
  request: Request,
  limit: number,
): Promise<Body> {
  if (
    request.method !== "POST" ||
    !isJsonMediaType(request.headers.get("content-type"))
  ) {
    return UNREAD;
  }
  if (request.bodyUsed) {
    throw new TypeError(
      "preflight() reads the request body, which was already read: pass { body, authorization } with the parsed body instead",
    );
  }
  const declared = request.headers.get("content-length");
  if (declared !== null && DIGITS.test(declared)) {
    // Left unread, not cancelled (as the SDKs do): the server drops it,
    // and cancelling a Node-backed stream mid-flight can throw in Node.
    if (Number(declared) > limit) return TOO_LARGE;
    // A declared length within the bound: read at once, the runtime's
    // fastest path (a server's request body ends where its length says;
    // several times cheaper than a reader over Deno.serve's stream).
    let text: string;
    try {
      text = await request.text();
    } catch {
      return UNREADABLE;
    }
    return parsedText(text);
  }
  const stream = request.body;
  if (stream === null) return { kind: "raw", bytes: new Uint8Array(0) };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) return TOO_LARGE;
      chunks.push(value);
    }
  } catch {
    return UNREADABLE;
  } finally {
    reader.releaseLock();
  }
  return parsed(joined(chunks, total));
}

/**
 * The parts of a Node `IncomingMessage` (Express's `Request` included) the
 * preflight reads: method, headers, the body stream, and the `body` a body
 * parser such as `express.json()` leaves.
 *
 * @example Usage
 * ```ts
 * import type { NodeRequestLike } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const parsed: NodeRequestLike = {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
 *   async *[Symbol.asyncIterator]() {},
 * };
 * assert.equal(parsed.method, "POST");
 * ```
 */
export interface NodeRequestLike extends AsyncIterable<unknown> {
  /** The HTTP method. */
  readonly method?: string | undefined;
  /** The headers, lower-cased, as Node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** What a body parser made of the body (`express.json()`), if one ran. */
  body?: unknown;
  /** Whether the stream was read to its end already. */
  readonly readableEnded?: boolean | undefined;
  /**
   * The raw body, which `@hono/node-server` (under the 1.x SDK's Node
   * transport) reads instead of the stream: set by the preflight when it
   * read a body that is not JSON, so that the SDK answers it as usual.
   */
  rawBody?: unknown;
}

/** The first value of a Node header. */
export function nodeHeader(
  headers: NodeRequestLike["headers"],
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads the body of a JSON POST from a Node request, at most `limit` bytes;
 * takes a body a parser already made (`req.body`) as it is.
 *
 * @throws {TypeError} When the stream was read and no parser left a body.
 */
export async function readNodeBody(
  req: NodeRequestLike,
  limit: number,
): Promise<Body> {
  if (req.body !== undefined) return { kind: "json", value: req.body };
  if (
    req.method !== "POST" ||
    !isJsonMediaType(nodeHeader(req.headers, "content-type"))
  ) {
    return UNREAD;
  }
  if (req.readableEnded === true) {
    throw new TypeError(
      "preflight() reads the request body, which was already read: run it before anything that reads the stream, or after express.json()",
    );
  }
  if (declaredTooLarge(nodeHeader(req.headers, "content-length"), limit)) {
    return TOO_LARGE;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of req) {
      const bytes = typeof chunk === "string"
        ? new TextEncoder().encode(chunk)
        : chunk as Uint8Array;
      total += bytes.byteLength;
      // Leaving the loop ends the stream: nothing more is read (the 413
      // still goes out: tests/mcp/preflight_test.ts).
      if (total > limit) return TOO_LARGE;
      chunks.push(bytes);
    }
  } catch {
    // The client went away mid-body ("aborted"), or the stream failed.
    return UNREADABLE;
  }
  const body = parsed(joined(chunks, total));
  if (body.kind === "raw") keepRawBody(req, body.bytes);
  return body;
}

/**
 * Leaves the bytes read on `req.rawBody` as a `Buffer` (what
 * `@hono/node-server` accepts there), so that the SDK reads them again.
 */
function keepRawBody(req: NodeRequestLike, bytes: Uint8Array | string): void {
  const buffer = (globalThis as {
    Buffer?: { from(bytes: Uint8Array | string): unknown };
  }).Buffer;
  if (buffer !== undefined) req.rawBody = buffer.from(bytes);
}
