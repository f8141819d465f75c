/**
 * What `bearerAuth` does to the wrapped handler's answer: a 403 scope
 * challenge from inside the handler (the MCP SDK's) re-rendered by the one
 * scope strategy in the client's scheme, and a scheme's headers on a 2xx
 * (`DPoP-Nonce`, RFC 9449 §8.2). Also the one `Refusal` → `Response` step.
 *
 * @module
 */

import { reportSafely } from "../_internal/report.ts";
import { Refusal } from "./_authenticate.ts";
import type { Config } from "./_bearer_config.ts";
import { withConfigScopes } from "./_denials.ts";
import { renderOutcome } from "./challenge.ts";

/** A refusal as the response `bearerAuth` sends, in the scheme it names. */
export function render(config: Config, refusal: Refusal): Response {
  return renderOutcome(refusal.outcome, config.challenge, refusal.used);
}

/** The handler's 403 scope challenge, answered by the one strategy. */
export async function stepUpResponse(
  config: Config,
  response: Response,
  scopes: readonly string[],
  used: string | undefined,
): Promise<Response> {
  let stepUp: Response;
  try {
    stepUp = render(
      config,
      new Refusal({
        type: "insufficient_scope",
        scopes: withConfigScopes(config, scopes),
      }, used),
    );
  } catch {
    // Scopes that cannot be rendered: the SDK's own 403, never cached.
    return withHeaders(response, { "cache-control": "no-store" });
  }
  await response.body?.cancel().catch(() => {});
  return stepUp;
}

/** A 2xx answer to a scheme's request, with its headers (`DPoP-Nonce`). */
export async function withSuccessHeaders(
  config: Config,
  response: Response,
): Promise<Response> {
  const scheme = config.scheme;
  if (scheme?.successHeaders === undefined) return response;
  try {
    const headers = await scheme.successHeaders();
    return headers === undefined ? response : withHeaders(response, headers);
  } catch (error) {
    // The request was served: a nonce that cannot be issued is only logged.
    reportSafely(config.onError, error);
    return response;
  }
}

// A header value that cannot split a header or carry a control character.
const HEADER_VALUE = /^[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?$/;

/**
 * `response` with `headers` set, copied first when its headers are
 * immutable (a `fetch` response, `Response.redirect`). Values that are not
 * visible ASCII are skipped.
 */
function withHeaders(
  response: Response,
  headers: Readonly<Record<string, string>>,
): Response {
  let target = response;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== "string" || !HEADER_VALUE.test(value)) continue;
    try {
      target.headers.set(name, value);
    } catch {
      if (target !== response) continue; // A bad name: skipped.
      target = new Response(response.body, response);
      try {
        target.headers.set(name, value);
      } catch {
        // A bad name: skipped.
      }
    }
  }
  return target;
}
