/**
 * An `access_token` in a form-encoded body (RFC 6750 §2.2), looked for
 * without taking the body from the handler: the request is cloned (its
 * body teed) and at most {@linkcode FORM_SCAN_LIMIT} bytes of the copy are
 * read. Internal.
 *
 * @module
 */

/** The most body bytes read to find a form `access_token`. */
export const FORM_SCAN_LIMIT = 65_536;

// RFC 6750 §2.2 applies to this content type only.
const FORM = /^application\/x-www-form-urlencoded[ \t]*(?:;|$)/i;

/**
 * Whether `request` may carry a form-encoded `access_token`: it has a body
 * and says it is `application/x-www-form-urlencoded`. Cheap: headers only.
 */
export function mayCarryFormToken(request: Request): boolean {
  const method = request.method;
  if (method === "GET" || method === "HEAD") return false; // no body
  const type = request.headers.get("content-type");
  if (type === null || !FORM.test(type)) return false;
  return request.body !== null && !request.bodyUsed;
}

/**
 * Whether the form body of `request` names an `access_token` parameter
 * within its first `limit` bytes. The request's own body is left to the
 * handler: only a clone is read, and it is cancelled as soon as enough is
 * known, so the original branch of the tee holds at most `limit` bytes
 * more than the handler has read. A body that cannot be read (already
 * used, errored) names nothing: the handler meets the same body.
 */
export async function formCarriesToken(
  request: Request,
  limit: number = FORM_SCAN_LIMIT,
): Promise<boolean> {
  let body: ReadableStream<Uint8Array> | null;
  try {
    body = request.clone().body;
  } catch {
    return false;
  }
  if (body === null) return false;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let complete = false;
  try {
    while (total <= limit) {
      const { done, value } = await reader.read();
      if (done) {
        complete = true;
        break;
      }
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    return false;
  } finally {
    if (!complete) reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(total, limit));
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= bytes.length) break;
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  let text = new TextDecoder().decode(bytes);
  // A pair cut at the limit is not read: only whole `name=value` pairs.
  if (!complete || total > limit) {
    text = text.slice(0, text.lastIndexOf("&") + 1);
  }
  return new URLSearchParams(text).has("access_token");
}
