/**
 * The parameters of `WWW-Authenticate` challenges (RFC 6750 §3, RFC 9728
 * §5.1, RFC 9449 §7.1): quoting, descriptions, and the per-server part of
 * every challenge, validated and rendered once. Internal: the renderer in
 * `challenge.ts` is its one user.
 *
 * @module
 */

import { label, show, urlOption } from "../_internal/options.ts";
import { OFFLINE_ACCESS } from "../_internal/scope_token.ts";

/** `resourceMetadataUrl` and `realm`, as `ChallengeOptions` names them. */
export interface ChallengeParams {
  readonly resourceMetadataUrl?: string | URL | undefined;
  readonly realm?: string | undefined;
}

const MAX_DESCRIPTION = 200;
// RFC 6750 §3 error_description characters, which are also quoted-string
// qdtext that needs no escaping (RFC 9110 §5.6.4).
const PLAIN = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;
// RFC 9110 §5.6.2 token: an auth-scheme or auth-param name.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** One accepted scheme as its challenges render it. */
export interface SchemeChallenge {
  /** The auth-scheme, `Bearer` or `DPoP`. */
  readonly name: string;
  /** Its own rendered auth-params (`algs="ES256"`), or `""`. */
  readonly params: string;
}

/**
 * The `realm` of a challenge that would otherwise carry no auth-param (no
 * error, no scope, no `resource_metadata`, no configured `realm`): RFC 6750
 * §3 says a Bearer challenge "MUST be followed by one or more auth-param
 * values", and `realm` (RFC 9110 §11.5) is the one that fits any challenge.
 */
export const DEFAULT_REALM = "mcp";
const DEFAULT_REALM_PARAM = 'realm="mcp"';

const BEARER: SchemeChallenge = /* @__PURE__ */ Object.freeze({
  name: "Bearer",
  params: "",
});

/**
 * What the challenges of one server carry, validated and pre-rendered once,
 * reused for every response. Internal.
 */
export interface CompiledChallenge {
  /** Rendered `realm="..."` or `""`. */
  readonly realm: string;
  /** Rendered `resource_metadata="..."` or `""`. */
  readonly resourceMetadata: string;
  /**
   * The accepted schemes, one challenge each (RFC 9110 §11.6.1): `Bearer`,
   * a scheme such as `DPoP`, or both. The error goes on the one the client
   * used, or the first.
   */
  readonly schemes: readonly SchemeChallenge[];
}

/** A scheme besides Bearer, as `compileChallenge` takes it. */
export interface ChallengeScheme {
  /** The auth-scheme (RFC 9110 §11.1), e.g. `DPoP`. */
  readonly name: string;
  /** Whether Bearer is refused: then only this scheme is challenged. */
  readonly required: boolean;
  /** Auth-params every challenge of this scheme carries (name -> value). */
  readonly challengeParams: Readonly<Record<string, string>>;
}

/**
 * Quotes a value as an RFC 9110 §5.6.4 quoted-string. `"` and `\` become
 * quoted-pairs; controls (CR, LF, NUL ...) and non-ASCII, which a header
 * cannot carry safely, are dropped.
 */
export function quoteString(value: string): string {
  // Fast path: nothing to escape or drop (the common case).
  if (PLAIN.test(value)) return `"${value}"`;
  const clean = value.replace(/[^\x20-\x7E\t]/g, "").replace(/\t/g, " ");
  return `"${clean.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * Makes an `error_description` conform to RFC 6750 §3: only
 * %x20-21 / %x23-5B / %x5D-7E, so `"` becomes `'`, `\` becomes `/`, every
 * other character outside printable ASCII is removed, and the text is cut
 * to a reasonable length.
 */
export function headerDescription(value: unknown, fallback: string): string {
  if (typeof value !== "string") return fallback;
  if (
    value.length <= MAX_DESCRIPTION && PLAIN.test(value) &&
    value.charCodeAt(0) !== 0x20 && value.charCodeAt(value.length - 1) !== 0x20
  ) {
    return value === "" ? fallback : value;
  }
  const clean = value
    .replace(/"/g, "'")
    .replace(/\\/g, "/")
    .replace(/[^\x20-\x7E]/g, "")
    .trim()
    .slice(0, MAX_DESCRIPTION);
  return clean === "" ? fallback : clean;
}

/**
 * Validates the challenge options once and renders their parameters; with a
 * `scheme`, its challenge is rendered too (after Bearer's, or alone when the
 * scheme is required).
 *
 * @param owner Who takes the options, for messages.
 * @throws {TypeError} When `resourceMetadataUrl` is not an absolute https
 * URL (http on localhost) without fragment, `realm` is not a string of
 * printable ASCII, or the scheme's name or parameters are not tokens.
 */
export function compileChallenge(
  owner: string,
  options: ChallengeParams,
  scheme?: ChallengeScheme,
): CompiledChallenge {
  let realm = "";
  let resourceMetadata = "";
  if (options.realm !== undefined) {
    if (
      typeof options.realm !== "string" || !/^[\x20-\x7E]*$/.test(options.realm)
    ) {
      throw new TypeError(
        `${
          label(owner, "realm")
        } must be a string of printable ASCII characters, got ${
          show(options.realm)
        }`,
      );
    }
    realm = `realm=${quoteString(options.realm)}`;
  }
  if (options.resourceMetadataUrl !== undefined) {
    const url = urlOption(
      owner,
      "resourceMetadataUrl",
      options.resourceMetadataUrl,
    );
    resourceMetadata = `resource_metadata=${quoteString(url.href)}`;
  }
  const schemes = scheme === undefined
    ? [BEARER]
    : scheme.required
    ? [compileScheme(owner, scheme)]
    : [BEARER, compileScheme(owner, scheme)];
  return Object.freeze({
    realm,
    resourceMetadata,
    schemes: Object.freeze(schemes),
  });
}

function compileScheme(
  owner: string,
  scheme: ChallengeScheme,
): SchemeChallenge {
  const params = Object.entries(scheme.challengeParams);
  for (const name of [scheme.name, ...params.map(([key]) => key)]) {
    if (typeof name !== "string" || !TOKEN.test(name)) {
      throw new TypeError(
        `${owner}: a challenge scheme or parameter name must be an RFC 9110 token, got ${
          show(name)
        }`,
      );
    }
  }
  return Object.freeze({
    name: scheme.name,
    params: params.map(([key, value]) => `${key}=${quoteString(String(value))}`)
      .join(", "),
  });
}

/**
 * The `WWW-Authenticate` value: one challenge per accepted scheme, the error
 * on the scheme the client used (the first when it used none of them), the
 * others without it so that the client learns what else is accepted. Every
 * challenge carries at least one auth-param (RFC 6750 §3): `realm="mcp"`
 * when it would have none. `scope` never
 * names `offline_access` (MCP, "Refresh Tokens": a refresh token is no
 * resource's requirement), and is left out when nothing else remains.
 */
export function challenges(
  compiled: CompiledChallenge,
  used: string | undefined,
  error: string | undefined,
  description: string | undefined,
  scopes: readonly string[] | undefined,
): string {
  const { schemes } = compiled;
  let target = 0;
  for (let i = 1; i < schemes.length; i++) {
    if (schemes[i]!.name === used) target = i;
  }
  let value = "";
  for (let i = 0; i < schemes.length; i++) {
    const scheme = schemes[i]!;
    const params: string[] = [];
    if (compiled.realm !== "") params.push(compiled.realm);
    if (i === target) {
      if (error !== undefined) params.push(`error=${quoteString(error)}`);
      if (description !== undefined) {
        params.push(`error_description=${quoteString(description)}`);
      }
      const named = scopes?.filter((scope) => scope !== OFFLINE_ACCESS);
      if (named !== undefined && named.length > 0) {
        params.push(`scope=${quoteString(named.join(" "))}`);
      }
    }
    if (compiled.resourceMetadata !== "") {
      params.push(compiled.resourceMetadata);
    }
    if (scheme.params !== "") params.push(scheme.params);
    // Never a bare scheme (RFC 6750 §3): a realm when nothing else is said.
    if (params.length === 0) params.push(DEFAULT_REALM_PARAM);
    const one = `${scheme.name} ${params.join(", ")}`;
    value = i === 0 ? one : `${value}, ${one}`;
  }
  return value;
}
