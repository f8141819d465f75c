/**
 * A Web `Response` written to a Node `ServerResponse` (read structurally:
 * no import of `node:http`): the one writer behind `writeResponse` of the
 * MCP guard and `writeNodeResponse` of the Node adapter.
 *
 * @module
 */

/** The parts of a Node `ServerResponse` written to. */
export interface NodeResponseTarget {
  /** Sends the status line and headers. */
  writeHead(
    status: number,
    headers: Record<string, string | string[]>,
  ): unknown;
  /** Sends the body (when there is one) and ends the response. */
  end(body?: Uint8Array | string): unknown;
}

/**
 * Sends `response` on `res`: status, every header (`Set-Cookie` lines kept
 * apart, as Node writes them), and the body's bytes.
 */
export async function writeToNode(
  res: NodeResponseTarget,
  response: Response,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  const body = new Uint8Array(await response.arrayBuffer());
  res.writeHead(response.status, headers);
  if (body.byteLength > 0) res.end(body);
  else res.end();
}
