/**
 * Reading the parameters of a request to the development authorization
 * server: a bounded `application/x-www-form-urlencoded` body, each
 * parameter at most once (RFC 6749 §3.1, §3.2), an empty value counted as
 * absent. Internal.
 *
 * @module
 */

import { readLimitedText } from "../_internal/body.ts";
import { oauthError } from "./_responses.ts";

/** The most bytes of a request body read (a form or client metadata). */
export const MAX_BODY_BYTES = 64 * 1024;

/** A request's parameters, each given once. */
export type Params = ReadonlyMap<string, string>;

/**
 * The body of a request as UTF-8 text of at most {@linkcode MAX_BODY_BYTES}.
 *
 * @throws {RangeError} When it is larger.
 * @throws {TypeError} When it is not UTF-8.
 */
export async function readBody(request: Request): Promise<string> {
  return await readLimitedText(request, MAX_BODY_BYTES, undefined, {
    fatal: true,
  });
}

/**
 * The parameters of a form body, or the error response (400 for another
 * content type or bytes that are not UTF-8, 413 for a body too large).
 */
export async function readForm(
  request: Request,
): Promise<URLSearchParams | Response> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(type)) {
    await request.body?.cancel().catch(() => {});
    return oauthError(
      400,
      "invalid_request",
      "Send the parameters as application/x-www-form-urlencoded",
    );
  }
  try {
    return new URLSearchParams(await readBody(request));
  } catch (error) {
    return error instanceof RangeError
      ? oauthError(413, "invalid_request", "The body is too large")
      : oauthError(400, "invalid_request", "The body is not UTF-8");
  }
}

/**
 * Parameters of a form body or a query, each at most once (RFC 6749 §3.1,
 * §3.2); the name of the first repeated parameter otherwise.
 */
export function singleParams(
  params: URLSearchParams,
): Params | { repeated: string } {
  const map = new Map<string, string>();
  for (const [name, value] of params) {
    if (map.has(name)) return { repeated: name };
    map.set(name, value);
  }
  return map;
}

/** A parameter's value; an empty one counts as absent (RFC 6749 §3.1). */
export function nonEmpty(params: Params, name: string): string | undefined {
  const value = params.get(name);
  return value === undefined || value === "" ? undefined : value;
}

/** The message for a parameter given twice (its name cut to 64 characters). */
export function repeatedMessage(name: string): string {
  return `The parameter "${name.slice(0, 64)}" is repeated`;
}
