/**
 * The requests a Streamable HTTP client sends (2025 protocol, stateless: no
 * `initialize` needed): a `tools/call` with a Bearer or DPoP token.
 *
 * @module
 */
import { dpopProof } from "./issuer.ts";
import type { SigningKey } from "./keys.ts";

/** The headers of every JSON-RPC POST. */
export const JSON_RPC: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
});

/** The body of a `tools/call` of `name`. */
export function call(name: string): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name },
  });
}

/** A POST to `url` with `authorization` (none when undefined). */
export function postRequest(
  url: string,
  authorization: string | undefined,
  body: string = call("echo"),
  extra: Readonly<Record<string, string>> = {},
): Request {
  const headers: Record<string, string> = { ...JSON_RPC, ...extra };
  if (authorization !== undefined) headers.authorization = authorization;
  return new Request(url, { method: "POST", headers, body });
}

/** A `tools/call` to the DPoP endpoint: `token`, and a proof signed by `key`. */
export async function dpopCall(
  base: string,
  token: string,
  tool: string,
  key: SigningKey,
): Promise<Request> {
  const url = `${base}/mcp-dpop`;
  return postRequest(url, `DPoP ${token}`, call(tool), {
    dpop: await dpopProof(token, key, url),
  });
}

/**
 * A replay: the proof is used once (by a legitimate request first), then
 * built again into the request that is counted.
 */
export async function replayed(
  base: string,
  token: string,
  key: SigningKey,
): Promise<{ accepted: boolean; request: Request }> {
  const url = `${base}/mcp-dpop`;
  const proof = await dpopProof(token, key, url);
  const again = () =>
    postRequest(url, `DPoP ${token}`, call("echo"), { dpop: proof });
  const first = await fetch(again());
  await first.body?.cancel();
  return { accepted: first.status === 200, request: again() };
}
