/**
 * Reading a response body with a size limit enforced while it is read, so a
 * huge or endless answer from a key or introspection endpoint costs at most
 * the limit in memory, never the whole body.
 *
 * @module
 */

/**
 * The body of `response` as UTF-8 text (as `Response.text()` decodes it),
 * read chunk by chunk. A `Content-Length` over `limit` is refused before any
 * byte is read; otherwise reading stops, and the stream is cancelled, as soon
 * as more than `limit` bytes have arrived.
 *
 * @param response The response whose body to read.
 * @param limit The most bytes accepted.
 * @param signal Aborts the read (a `fetch` stub may not tie its body to the
 * request's signal).
 * @returns The decoded text.
 * @throws {RangeError} When the body is larger than `limit`.
 * @throws {unknown} The signal's reason when it aborts, or the stream's error.
 */
export async function readLimitedText(
  response: Response,
  limit: number,
  signal?: AbortSignal,
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
  return new TextDecoder().decode(bytes);
}
