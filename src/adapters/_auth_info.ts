/**
 * The `authInfo` the framework adapters hand to the MCP SDKs: the verified
 * `AccessToken`, stamped with the RFC 9728 metadata URL so that a 403 the
 * SDK answers after authentication (SDK v2's scope challenge) names the same
 * document as `bearerAuth`'s own challenges. Internal.
 *
 * @module
 */

import { optionsObject } from "../_internal/options.ts";
import { printable } from "../_internal/show.ts";
import type { AccessToken } from "../core/context.ts";
import { withBearerAuthAs } from "../http/bearer_auth.ts";
import type { BearerAuthOptions, BearerHandler } from "../http/bearer_auth.ts";
import { protectedResourceMetadataUrl } from "../http/metadata.ts";
import { OPTION_NAMES } from "../http/_bearer_config.ts";

/**
 * A verified token as the MCP SDKs take it (`authInfo`): an
 * {@linkcode AccessToken} plus the `resourceMetadataUrl` the SDK's 403 scope
 * challenge advertises (RFC 9728 §5.1).
 */
export type McpAuthInfo = AccessToken & { resourceMetadataUrl?: string };

/** Turns a verified token into the `authInfo` of an MCP SDK. */
export type Stamp = (token: AccessToken) => McpAuthInfo;

/**
 * `name: message` of an error and of its cause: no stack, no other value,
 * and no character that could end the line or drive a terminal.
 */
function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return "a thrown value that is not an Error";
  const cause = error.cause instanceof Error
    ? ` (cause: ${error.cause.name}: ${error.cause.message})`
    : "";
  const line = printable(`${error.name}: ${error.message}${cause}`);
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}...` : line;
}

/** The longest error text a warning prints: a verifier's message may be anything. */
const MAX_LINE = 1000;

/**
 * The adapters' default `onError`: one line per 503, without a stack, so
 * that an outage does not print a stack trace per request.
 */
function warnOneLine(owner: string): (error: unknown) => void {
  return (error) =>
    console.warn(
      `${owner}: token verification unavailable, answered 503: ${
        oneLine(error)
      }`,
    );
}

/**
 * The metadata URL `bearerAuth`'s own challenges name for validated
 * `options`: given, or derived from `resource` (RFC 9728 §3.1), so that the
 * SDK's 403 never names another; `undefined` when there is none.
 */
export function metadataHref(options: BearerAuthOptions): string | undefined {
  const url = options.resourceMetadataUrl ??
    (options.resource === undefined
      ? undefined
      : protectedResourceMetadataUrl(options.resource));
  return url === undefined ? undefined : new URL(url).href;
}

/**
 * `withBearerAuth(handler, options)` under the adapter's name (`owner`, in
 * option errors), plus the function that stamps a token with the metadata
 * URL of these options. The options are validated (a bad one refused with
 * its `TypeError`) before they are read here. Without `onError`, a 503 is
 * told in one line on `console.warn` (`bearerAuth` logs the error itself).
 */
export function authenticated(
  owner: string,
  handler: BearerHandler,
  options: BearerAuthOptions,
): { handle: (request: Request) => Promise<Response>; stamp: Stamp } {
  // Read once, here: what bearerAuth checks is what is stamped below.
  const given = optionsObject<BearerAuthOptions>(
    owner,
    options,
    OPTION_NAMES as readonly (keyof BearerAuthOptions)[],
    "an options object with a verifier",
  );
  const withDefaults = given.onError === undefined
    ? { ...given, onError: warnOneLine(owner) }
    : given;
  const handle = withBearerAuthAs(owner, handler, withDefaults);
  const href = metadataHref(given);
  // A copy: the token withBearerAuth handed out keeps its `extra` object
  // (and the DPoP step-up sink it may carry).
  const stamp: Stamp = href === undefined
    ? (token) => ({ ...token })
    : (token) => ({ ...token, resourceMetadataUrl: href });
  return { handle, stamp };
}
