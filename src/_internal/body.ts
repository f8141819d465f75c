/**
 * Reading a body with a size limit enforced while it is read, so a huge or
 * endless answer from a key or introspection endpoint (or a request to the
 * development authorization server) costs at most the limit in memory, never
 * the whole body.
 *
 * @module
 */

/** What has a body to read: a `Response` or a `Request`. */
export interface BodyMessage {
  /** Its headers (`Content-Length` is checked before reading). */
  readonly headers: Headers;
  /** Its body, `null` for none. */
  readonly body: ReadableStream<Uint8Array> | null;
}

/** How {@linkcode readLimitedText} decodes. */
export interface DecodeRules {
  /**
   * Refuse bytes that are not UTF-8 (a `TypeError`) instead of decoding them
   * as U+FFFD (default false, as `Response.text()` does).
   */
  fatal?: boolean;
}

/**
 * The body of `response` (or of a request) as UTF-8 text (as
 * `Response.text()` decodes it, unless `rules.fatal`), read chunk by chunk.
 * A `Content-Length` over `limit` is refused before any byte is read;
 * otherwise reading stops, and the stream is cancelled, as soon as more than
 * `limit` bytes have arrived.
 *
 * @param response The response whose body to read.
 * @param limit The most bytes accepted.
 * @param signal Aborts the read (a `fetch` stub may not tie its body to the
 * request's signal).
 * @param rules Whether bytes that are not UTF-8 are refused.
 * @returns The decoded text.
 * @throws {RangeError} When the body is larger than `limit`.
 * @throws {TypeError} With `rules.fatal`, when the body is not UTF-8.
 * @throws {unknown} The signal's reason when it aborts, or the stream's error.
 */
export async function readLimitedText(
  response: BodyMessage,
  limit: number,
  signal?: AbortSignal,
  rules: DecodeRules = {},
): Promise<string> {
  const tooLarge = () =>
    new RangeError(`Response body larger than ${limit} bytes`);
  const declared = response.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const stop = () => void reader.cancel().catch(() => {});
  signal?.addEventListener("abort", stop, { once: true });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) break;
      total += value.byteLength;
      if (total > limit) throw tooLarge();
      chunks.push(value);
    }
  } catch (error) {
    stop();
    throw error;
  } finally {
    signal?.removeEventListener("abort", stop);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder("utf-8", { fatal: rules.fatal ?? false }).decode(
    bytes,
  );
}
