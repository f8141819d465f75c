/**
 * DPoP on the HTTP side (RFC 9449 §7): {@linkcode dpopScheme} makes the
 * {@linkcode AuthScheme} that `bearerAuth` and `withBearerAuth` take as
 * their `dpop` option. It reads `Authorization: DPoP <token>`, and confirms
 * a token `bearerAuth` has verified against the request's `DPoP` proof;
 * `bearerAuth` renders every answer, in the scheme the client used.
 *
 * @module
 */

import {
  booleanOption,
  functionOption,
  label,
  optionsObject,
  show,
} from "../_internal/options.ts";
import type { AccessToken } from "../core/context.ts";
import { InvalidRequestError, InvalidTokenError } from "../errors.ts";
import type { AuthScheme } from "../http/scheme.ts";
import { DpopVerifier, type DpopVerifierOptions } from "./verifier.ts";

/**
 * Options of {@linkcode dpopScheme}, the `dpop` option of `bearerAuth` and
 * `withBearerAuth` (RFC 9449 §7): accept `Authorization: DPoP <token>` with
 * one `DPoP` proof header, and with `required: true` nothing else. Give
 * either a ready `verifier` or the {@linkcode DpopVerifierOptions} to build
 * one.
 *
 * | Request                                                     | Answer |
 * | ----------------------------------------------------------- | ------ |
 * | `DPoP` scheme, valid token whose `cnf.jkt` is the key of a valid proof | the token, with `extra.dpopJkt` |
 * | `DPoP` scheme, proof missing, invalid, stale, replayed, for another request | 401 `DPoP error="invalid_dpop_proof"` |
 * | `DPoP` scheme, nonces on and no valid nonce                 | 401 `DPoP error="use_dpop_nonce"` + `DPoP-Nonce` |
 * | `DPoP` scheme, proof key is not the bound key               | 401 `DPoP error="invalid_token"` "Invalid DPoP key binding" |
 * | `DPoP` scheme, token without `cnf.jkt`, or bound to more than its key (`cnf` with `x5t#S256` ...) | 401 `DPoP error="invalid_token"` |
 * | `DPoP` scheme, malformed `Authorization`                    | 400 `DPoP error="invalid_request"` |
 * | `Bearer` scheme, token with any `cnf` member (`jkt`, `x5t#S256` ...), with or without this option | 401 `Bearer error="invalid_token"` |
 * | `Bearer` scheme with `required: true`                       | 401 `DPoP error="invalid_token"` |
 * | anything `bearerAuth` refuses (bad token, scopes ...)       | its answer, the error in the scheme used |
 * | `withBearerAuth` handler: throws an `AuthorizationError`, or (through `@mcp-authz/core/mcp`) the MCP SDK answers a scope shortfall | its answer, in the scheme used |
 * | replay store or nonce policy failing                        | 503 |
 *
 * Every `DPoP` challenge carries `algs` (§7.1); without `required`, 401 and
 * 403 answers carry a `Bearer` and a `DPoP` challenge, the error on the one
 * the client used. The token is verified (expiry and scopes included)
 * before the proof, so only holders of a valid token reach the replay
 * store. A proof is consumed only by a request that is accepted: a request
 * refused for its token can be sent again with the same proof within the
 * proof's window (`maxAge`); server nonces (`nonces`) shorten that window.
 * With nonces on, `withBearerAuth` also sends a fresh `DPoP-Nonce` with
 * every 2xx answer to a DPoP request (RFC 9449 §8.2), so the client's next
 * proof need not be refused first.
 *
 * @example Usage
 * ```ts
 * import { bearerAuth, type DpopAuthOptions, dpopScheme, StaticTokenVerifier } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: DpopAuthOptions = { required: true, algorithms: ["ES256", "EdDSA"] };
 * const auth = bearerAuth({
 *   verifier: new StaticTokenVerifier({ tokens: {} }),
 *   dpop: dpopScheme(options),
 * });
 * const response = await auth(new Request("https://mcp.example.com/mcp"));
 * assert.ok(response instanceof Response);
 * assert.equal(response.status, 401);
 * assert.equal(response.headers.get("www-authenticate"), 'DPoP algs="ES256 EdDSA"');
 * ```
 */
export interface DpopAuthOptions extends DpopVerifierOptions {
  /**
   * Refuse plain Bearer tokens: only DPoP-bound tokens with a proof are
   * accepted (default `false`: both are, and a bound token must still come
   * with its proof).
   */
  required?: boolean;
  /** A ready verifier, instead of the verifier options. */
  verifier?: DpopVerifier;
  /**
   * The URL the client addressed, for the `htu` check, when the server
   * sees another one (behind a proxy or an edge router that rewrites
   * `request.url`). Default: `request.url`.
   */
  requestUrl?: (request: Request) => string | URL;
}

/** The `AccessToken.extra` member holding the confirmed key thumbprint. */
const JKT_EXTRA = "dpopJkt";
const OWNER = "dpopScheme";

const OPTION_NAMES: readonly (keyof DpopAuthOptions)[] = [
  "required",
  "verifier",
  "requestUrl",
  "algorithms",
  "maxAge",
  "clockTolerance",
  "maxProofLength",
  "replayStore",
  "nonces",
  "now",
];

// RFC 9449 §7.1: token68, as for Bearer (RFC 6750 §2.1 b64token).
const DPOP_CREDENTIALS = /^dpop +([A-Za-z0-9\-._~+/]+=*)$/i;
// auth-scheme = token (RFC 9110 §5.6.2), "DPoP" in any case, then not a tchar.
const DPOP_SCHEME = /^dpop(?![!#$%&'*+.^_`|~0-9A-Za-z-])/i;

/**
 * The thumbprint of the key a token was confirmed with: set by `bearerAuth`
 * (with its `dpop` option) in `extra.dpopJkt` once the token's `cnf.jkt` and a
 * DPoP proof made with that key have been checked. `undefined` for a
 * Bearer token.
 *
 * @param token A token from `bearerAuth` or `withBearerAuth`.
 * @returns The RFC 7638 thumbprint, base64url, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { dpopKeyThumbprint } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const token = { token: "t", clientId: "c", scopes: [], claims: {}, extra: { dpopJkt: "0ZcO..." } };
 * assert.equal(dpopKeyThumbprint(token), "0ZcO...");
 * assert.equal(dpopKeyThumbprint({ ...token, extra: {} }), undefined);
 * ```
 */
export function dpopKeyThumbprint(token: AccessToken): string | undefined {
  const jkt = token.extra?.[JKT_EXTRA];
  return typeof jkt === "string" ? jkt : undefined;
}

/**
 * Makes the DPoP scheme for the `dpop` option of `bearerAuth` and
 * `withBearerAuth`: see {@linkcode DpopAuthOptions} for what it accepts and
 * answers. A server that never calls it never loads the proof verifier,
 * the replay store or the nonces.
 *
 * @param options `required`, `requestUrl`, and a `verifier` or its options.
 * @returns The scheme, frozen.
 * @throws {TypeError} When an option is unknown or invalid, or both a
 * `verifier` and verifier options are given.
 *
 * @example Usage
 * ```ts
 * import { dpopScheme, StaticTokenVerifier, withBearerAuth } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const handler = withBearerAuth(() => new Response("ok"), {
 *   verifier: new StaticTokenVerifier({ tokens: {} }),
 *   dpop: dpopScheme({ required: true, algorithms: ["ES256"] }),
 * });
 * const response = await handler(new Request("https://mcp.example.com/mcp", {
 *   headers: { authorization: "Bearer plain-token" },
 * }));
 * assert.equal(response.status, 401);
 * assert.match(response.headers.get("www-authenticate") ?? "", /^DPoP error="invalid_token"/);
 * ```
 */
export function dpopScheme(options: DpopAuthOptions = {}): AuthScheme {
  const given = optionsObject(OWNER, options, OPTION_NAMES);
  const { required, verifier, requestUrl, ...verifierOptions } = given;
  const requireDpop = booleanOption(OWNER, "required", required, false);
  const clientUrl = requestUrl === undefined
    ? undefined
    : functionOption<(request: Request) => string | URL>(
      OWNER,
      "requestUrl",
      requestUrl,
      (request) => request.url,
    );
  if (verifier !== undefined) {
    if (!(verifier instanceof DpopVerifier)) {
      throw new TypeError(
        `${label(OWNER, "verifier")} must be a DpopVerifier, got ${
          show(verifier)
        }`,
      );
    }
    const extra = Object.keys(verifierOptions);
    if (extra.length > 0) {
      throw new TypeError(
        `${OWNER} takes either a verifier or its options (${
          extra.map((key) => JSON.stringify(key)).join(", ")
        }), not both`,
      );
    }
  }
  const proofs = verifier ?? new DpopVerifier(verifierOptions);

  return Object.freeze({
    name: "DPoP",
    required: requireDpop,
    challengeParams: Object.freeze({ algs: proofs.algorithms.join(" ") }),
    readToken,
    // RFC 9449 §8.2: a fresh nonce on a successful answer, when nonces are on.
    async successHeaders(): Promise<Record<string, string> | undefined> {
      const nonce = await proofs.issueNonce();
      return nonce === undefined ? undefined : { "dpop-nonce": nonce };
    },
    async confirm(
      request: Request,
      token: AccessToken,
      viaScheme: boolean,
    ): Promise<AccessToken> {
      const jkt = boundThumbprint(token);
      if (!viaScheme) {
        // RFC 9449 §7.2: a bound token sent as a plain bearer token.
        if (jkt !== undefined) {
          throw new InvalidTokenError(
            "DPoP-bound token requires the DPoP scheme",
          );
        }
        return token;
      }
      if (typeof jkt !== "string") {
        throw new InvalidTokenError("Token is not DPoP-bound");
      }
      if (hasOtherConfirmation(token)) {
        // Also bound to something no DPoP proof shows (an mTLS certificate,
        // RFC 8705 §3): what cannot be verified is refused.
        throw new InvalidTokenError("Token confirmation cannot be verified");
      }
      const url = clientUrl?.(request) ?? request.url;
      const proof = await proofs.verifyRequest(request, {
        accessToken: token.token,
        jkt,
        url,
      });
      return { ...token, extra: { ...token.extra, [JKT_EXTRA]: proof.jkt } };
    },
  });
}

/**
 * The token of `Authorization: DPoP <token>`; `undefined` for another
 * scheme. Two Authorization fields arrive joined by ", ": no longer token68.
 */
function readToken(request: Request): string | undefined {
  const value = request.headers.get("authorization");
  if (value === null || !DPOP_SCHEME.test(value)) return undefined;
  const token = DPOP_CREDENTIALS.exec(value)?.[1];
  if (token === undefined) {
    throw new InvalidRequestError("Malformed Authorization header");
  }
  return token;
}

/** `cnf.jkt` (RFC 9449 §6.1): a string, `null` when malformed, or absent. */
function boundThumbprint(token: AccessToken): string | null | undefined {
  const cnf = token.claims?.cnf;
  if (cnf === undefined) return undefined;
  if (cnf === null || typeof cnf !== "object" || Array.isArray(cnf)) {
    return null;
  }
  if (!Object.hasOwn(cnf, "jkt")) return undefined;
  const jkt = (cnf as Record<string, unknown>).jkt;
  return typeof jkt === "string" && jkt !== "" ? jkt : null;
}

/** Whether `cnf` holds a member besides `jkt` (`x5t#S256`, `jwk` ...). */
function hasOtherConfirmation(token: AccessToken): boolean {
  const cnf = token.claims?.cnf as Record<string, unknown>;
  return Object.keys(cnf).some((member) => member !== "jkt");
}
