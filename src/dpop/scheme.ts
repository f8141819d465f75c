/**
 * DPoP on the HTTP side (RFC 9449 §7): `Authorization: DPoP <token>` with a
 * `DPoP` proof header, layered on `bearerAuth` so that token verification,
 * expiry, scopes and every Bearer answer stay exactly as they are, and only
 * the DPoP rules and challenges are added. `bearerAuth` and
 * `withBearerAuth` hand over here when given a `dpop` option.
 *
 * @module
 */

import { reportSafely } from "../_internal/report.ts";
import type { AccessToken } from "../core/context.ts";
import {
  bearerAuth,
  type BearerAuthOptions,
  type BearerHandler,
  withBearerAuth,
} from "../http/bearer_auth.ts";
import {
  type AuthOutcome,
  type ChallengeOptions,
  challengeResponse,
  compileChallenge,
  type CompiledChallenge,
  quoteString,
  safeDescription,
} from "../http/challenge.ts";
import { DpopError, InvalidTokenError, UseDpopNonceError } from "../errors.ts";
import { DpopVerifier, type DpopVerifierOptions } from "./verifier.ts";

/**
 * The `dpop` option of `bearerAuth` and `withBearerAuth` (RFC 9449 §7):
 * accept `Authorization: DPoP <token>` with one `DPoP` proof header, and
 * with `required: true` nothing else. Give either a ready `verifier` or the
 * {@linkcode DpopVerifierOptions} to build one.
 *
 * | Request                                                     | Answer |
 * | ----------------------------------------------------------- | ------ |
 * | `DPoP` scheme, valid token whose `cnf.jkt` is the key of a valid proof | the token, with `extra.dpopJkt` |
 * | `DPoP` scheme, proof missing, invalid, stale, replayed, for another request | 401 `DPoP error="invalid_dpop_proof"` |
 * | `DPoP` scheme, nonces on and no valid nonce                 | 401 `DPoP error="use_dpop_nonce"` + `DPoP-Nonce` |
 * | `DPoP` scheme, proof key is not the bound key               | 401 `DPoP error="invalid_token"` "Invalid DPoP key binding" |
 * | `DPoP` scheme, token without `cnf.jkt`                      | 401 `DPoP error="invalid_token"` |
 * | `DPoP` scheme, malformed `Authorization`                    | 400 `DPoP error="invalid_request"` |
 * | `Bearer` scheme, token with `cnf.jkt`                       | 401 `Bearer error="invalid_token"` |
 * | `Bearer` scheme with `required: true`                       | 401 `DPoP error="invalid_token"` |
 * | anything `bearerAuth` refuses (bad token, scopes ...)       | its answer, the error in the scheme used |
 * | `withBearerAuth` handler: throws an `AuthorizationError`, or returns a 403 step-up challenge | its answer, in the scheme used |
 * | replay store or nonce policy failing                        | 503 |
 *
 * Every `DPoP` challenge carries `algs` (§7.1); without `required`, 401 and
 * 403 answers carry a `Bearer` and a `DPoP` challenge, the error on the one
 * the client used. The token is verified (expiry and scopes included)
 * before the proof, so only holders of a valid token reach the replay
 * store. A proof is consumed only by a request that is accepted: a request
 * refused for its token can be sent again with the same proof within the
 * proof's window (`maxAge`); server nonces (`nonces`) shorten that window.
 *
 * @example Usage
 * ```ts
 * import { bearerAuth, StaticTokenVerifier } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const auth = bearerAuth({
 *   verifier: new StaticTokenVerifier({ tokens: {} }),
 *   dpop: { required: true, algorithms: ["ES256", "EdDSA"] },
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

const DPOP_OPTION_NAMES: ReadonlySet<string> = new Set([
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
]);

// RFC 9449 §7.1: token68, as for Bearer (RFC 6750 §2.1 b64token).
const DPOP_CREDENTIALS = /^dpop +([A-Za-z0-9\-._~+/]+=*)$/i;
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
// RFC 9449 §8.1: nonce = 1*NQCHAR.
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

interface Settings {
  readonly verifier: DpopVerifier;
  readonly required: boolean;
  readonly requestUrl: ((request: Request) => string | URL) | undefined;
  readonly challenge: CompiledChallenge;
  readonly challengeOptions: ChallengeOptions;
  readonly algs: string;
  readonly onError: (error: unknown) => void;
}

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
 * `bearerAuth` with its `dpop` option: the rules of
 * {@linkcode DpopAuthOptions} around `bearerAuth` without it.
 *
 * @param options The `bearerAuth` options, `dpop` included.
 * @param where The public name, for error messages.
 * @returns `(request) => Promise<AccessToken | undefined | Response>`.
 * @throws {TypeError} When an option is invalid.
 */
export function dpopAuth(
  options: BearerAuthOptions,
  where = "bearerAuth",
): (request: Request) => Promise<AccessToken | undefined | Response> {
  const { bearer, settings } = split(options, where);
  const inner = bearerAuth(bearer);

  return async function authenticateDpop(request) {
    const credentials = readCredentials(request);
    const refused = precheck(settings, credentials);
    if (refused !== undefined) return refused;
    if (credentials.kind === "dpop") {
      const result = await inner(asBearer(request, credentials.token));
      if (result instanceof Response) {
        return rechallenge(settings, result, "DPoP");
      }
      if (result === undefined) {
        return unavailable(settings, new Error("bearerAuth lost the token"));
      }
      return await confirm(settings, request, result);
    }
    const result = await inner(request);
    if (result instanceof Response) {
      return rechallenge(
        settings,
        result,
        settings.required ? "DPoP" : "Bearer",
      );
    }
    if (result !== undefined && boundThumbprint(result) !== undefined) {
      // RFC 9449 §7.2: a bound token sent as a plain bearer token is refused.
      return render(settings, "Bearer", {
        type: "invalid_token",
        description: "DPoP-bound token requires the DPoP scheme",
      });
    }
    return result;
  };
}

/**
 * `withBearerAuth` with its `dpop` option: the handler runs only for an
 * authenticated request and receives the request the client sent (body
 * intact); the authorization errors it throws, and a 403 step-up challenge
 * it returns (as the MCP SDK does for `@mcp-authz/core/mcp`), are answered
 * in the scheme the client used. Its other responses are left alone.
 *
 * @param handler Runs with the request and its verified token.
 * @param options The `bearerAuth` options, `dpop` included.
 * @param where The public name, for error messages.
 * @returns `(request) => Promise<Response>`.
 * @throws {TypeError} When an option is invalid.
 */
export function withDpopAuth(
  handler: BearerHandler,
  options: BearerAuthOptions,
  where = "withBearerAuth",
): (request: Request) => Promise<Response> {
  const { bearer, settings } = split(options, where);
  // The request bearerAuth saw -> the request the client sent.
  const originals = new WeakMap<Request, Request>();
  // Responses rendered here, already in the right scheme.
  const ours = new WeakSet<Response>();
  // The handler's own responses: left alone, but for a step-up challenge.
  const handlers = new WeakSet<Response>();

  const inner = withBearerAuth(async (seen, token) => {
    const request = originals.get(seen) ?? seen;
    let confirmed: AccessToken | undefined | Response = token;
    if (token !== undefined) {
      confirmed = request === seen
        ? refuseBound(settings, token)
        : await confirm(settings, request, token);
    }
    if (confirmed instanceof Response) {
      ours.add(confirmed);
      return confirmed;
    }
    const response = await handler(request, confirmed);
    if (response instanceof Response) handlers.add(response);
    return response;
  }, bearer);

  return async function authenticatedDpop(request) {
    const credentials = readCredentials(request);
    const refused = precheck(settings, credentials);
    if (refused !== undefined) return refused;
    let seen = request;
    if (credentials.kind === "dpop") {
      seen = asBearer(request, credentials.token);
      originals.set(seen, request);
    }
    const response = await inner(seen);
    if (ours.has(response)) return response;
    if (handlers.has(response) && !isStepUp(response)) return response;
    const scheme = credentials.kind === "dpop" || settings.required
      ? "DPoP"
      : "Bearer";
    return rechallenge(settings, response, scheme);
  };
}

type Credentials =
  | { kind: "dpop"; token: string }
  | { kind: "bearer" }
  | { kind: "other" }
  | { kind: "malformed" };

function readCredentials(request: Request): Credentials {
  const value = request.headers.get("authorization");
  if (value === null) return { kind: "other" };
  const scheme = SCHEME.exec(value)?.[0]?.toLowerCase();
  if (scheme === "bearer") return { kind: "bearer" };
  if (scheme !== "dpop") return { kind: "other" };
  // Two Authorization fields arrive joined by ", ": no longer token68.
  const token = DPOP_CREDENTIALS.exec(value)?.[1];
  return token === undefined ? { kind: "malformed" } : { kind: "dpop", token };
}

/**
 * A 403 `insufficient_scope` Bearer challenge, as `@mcp-authz/core/mcp`
 * makes the MCP SDK answer a scope shortfall: an authorization answer, to
 * be given in the scheme the client used (RFC 9449 §7.1).
 */
function isStepUp(response: Response): boolean {
  return response.status === 403 &&
    /^Bearer error="insufficient_scope"/.test(
      response.headers.get("www-authenticate") ?? "",
    );
}

/**
 * What is refused before any token is verified: a malformed `DPoP`
 * credential, and a `Bearer` one when DPoP is required (no verifier work
 * for a request that cannot succeed).
 */
function precheck(
  settings: Settings,
  credentials: Credentials,
): Response | undefined {
  if (credentials.kind === "malformed") {
    return render(settings, "DPoP", {
      type: "invalid_request",
      description: "Malformed Authorization header",
    });
  }
  if (settings.required && credentials.kind === "bearer") {
    return render(settings, "DPoP", {
      type: "invalid_token",
      description: "DPoP-bound token and proof required",
    });
  }
  return undefined;
}

/**
 * The same request as `bearerAuth` must see it: the DPoP credentials as
 * Bearer ones. Headers and URL only; the body stays with the original.
 */
function asBearer(request: Request, token: string): Request {
  const headers = new Headers(request.headers);
  headers.set("authorization", `Bearer ${token}`);
  return new Request(request.url, { headers });
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

function refuseBound(
  settings: Settings,
  token: AccessToken,
): AccessToken | Response {
  if (boundThumbprint(token) === undefined) return token;
  return render(settings, "Bearer", {
    type: "invalid_token",
    description: "DPoP-bound token requires the DPoP scheme",
  });
}

async function confirm(
  settings: Settings,
  request: Request,
  token: AccessToken,
): Promise<AccessToken | Response> {
  const jkt = boundThumbprint(token);
  if (typeof jkt !== "string") {
    return render(settings, "DPoP", {
      type: "invalid_token",
      description: "Token is not DPoP-bound",
    });
  }
  try {
    const url = settings.requestUrl?.(request) ?? request.url;
    const proof = await settings.verifier.verifyRequest(request, {
      accessToken: token.token,
      jkt,
      url,
    });
    return { ...token, extra: { ...token.extra, [JKT_EXTRA]: proof.jkt } };
  } catch (error) {
    if (error instanceof UseDpopNonceError) {
      // A nonce policy of the user's own: refuse to echo a value that is
      // not RFC 9449 §8.1 syntax (it could split the header).
      if (typeof error.nonce !== "string" || !NONCE.test(error.nonce)) {
        return unavailable(settings, new TypeError("Malformed DPoP nonce"));
      }
      const response = dpopError(settings, error);
      response.headers.set("dpop-nonce", error.nonce);
      return response;
    }
    if (error instanceof DpopError) return dpopError(settings, error);
    if (error instanceof InvalidTokenError) {
      return render(settings, "DPoP", {
        type: "invalid_token",
        description: error.message,
      });
    }
    return unavailable(settings, error);
  }
}

function dpopError(settings: Settings, error: DpopError): Response {
  const description = safeDescription(error.message, "Invalid DPoP proof");
  const { realm, resourceMetadata } = settings.challenge;
  const params = [
    realm,
    `error=${quoteString(error.error)}`,
    `error_description=${quoteString(description)}`,
    resourceMetadata,
  ].filter((param) => param !== "");
  const response = new Response(
    JSON.stringify({ error: error.error, error_description: description }),
    {
      status: 401,
      headers: {
        "content-type": "application/json",
        "cache-control": "no-store",
      },
    },
  );
  setChallenges(settings, response.headers, "DPoP", params);
  return response;
}

function unavailable(settings: Settings, error: unknown): Response {
  reportSafely(settings.onError, error);
  let retryAfter: unknown;
  try {
    retryAfter = (error as { retryAfter?: unknown } | null)?.retryAfter;
  } catch {
    // A getter that throws: still a 503, never a 500.
  }
  return challengeResponse(
    typeof retryAfter === "number"
      ? { type: "unavailable", retryAfter }
      : { type: "unavailable" },
  );
}

/** Renders an outcome with `bearerAuth`'s renderer, in `scheme`. */
function render(
  settings: Settings,
  scheme: "Bearer" | "DPoP",
  outcome: AuthOutcome,
): Response {
  return rechallenge(
    settings,
    challengeResponse(outcome, settings.challengeOptions),
    scheme,
  );
}

/**
 * Moves the error of a `Bearer` challenge to the scheme the client used,
 * and adds the other scheme's bare challenge when it is accepted too.
 */
function rechallenge(
  settings: Settings,
  response: Response,
  scheme: "Bearer" | "DPoP",
): Response {
  const challenge = response.headers.get("www-authenticate");
  if (challenge === null || !/^Bearer(?: |$)/.test(challenge)) {
    return response;
  }
  const params = challenge.slice("Bearer".length).trim();
  const headers = new Headers(response.headers);
  setChallenges(
    settings,
    headers,
    scheme,
    params === "" ? [] : [params],
  );
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

function setChallenges(
  settings: Settings,
  headers: Headers,
  scheme: "Bearer" | "DPoP",
  params: string[],
): void {
  const bare = [settings.challenge.realm, settings.challenge.resourceMetadata]
    .filter((param) => param !== "");
  const dpop = scheme === "DPoP"
    ? [...params, settings.algs]
    : [...bare, settings.algs];
  const bearer = scheme === "Bearer" ? params : bare;
  const dpopChallenge = `DPoP ${dpop.join(", ")}`;
  if (settings.required) {
    headers.set("www-authenticate", dpopChallenge);
    return;
  }
  headers.set(
    "www-authenticate",
    bearer.length === 0 ? "Bearer" : `Bearer ${bearer.join(", ")}`,
  );
  headers.append("www-authenticate", dpopChallenge);
}

function split(
  options: BearerAuthOptions,
  where: string,
): { bearer: BearerAuthOptions; settings: Settings } {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${where} expects an options object with a verifier`,
    );
  }
  const { dpop = {}, ...bearer } = options;
  if (dpop === null || typeof dpop !== "object" || Array.isArray(dpop)) {
    throw new TypeError(`${where} option "dpop" must be an object`);
  }
  for (const key of Object.keys(dpop)) {
    if (!DPOP_OPTION_NAMES.has(key)) {
      throw new TypeError(
        `Unknown ${where} dpop option ${JSON.stringify(key)}, expected one of ${
          [...DPOP_OPTION_NAMES].map((name) => JSON.stringify(name)).join(", ")
        }`,
      );
    }
  }
  const { required = false, verifier, requestUrl, ...verifierOptions } = dpop;
  if (typeof required !== "boolean") {
    throw new TypeError(
      `${where} dpop option "required" must be a boolean, got ${
        JSON.stringify(String(required))
      }`,
    );
  }
  if (requestUrl !== undefined && typeof requestUrl !== "function") {
    throw new TypeError(
      `${where} dpop option "requestUrl" must be a function returning the URL the client addressed`,
    );
  }
  if (verifier !== undefined) {
    if (!(verifier instanceof DpopVerifier)) {
      throw new TypeError(
        `${where} dpop option "verifier" must be a DpopVerifier`,
      );
    }
    if (Object.keys(verifierOptions).length > 0) {
      throw new TypeError(
        `${where} dpop options take either a verifier or its options (${
          Object.keys(verifierOptions).map((k) => JSON.stringify(k)).join(", ")
        }), not both`,
      );
    }
  }
  const dpopVerifier = verifier ?? new DpopVerifier(verifierOptions);
  const challengeOptions: ChallengeOptions = {
    ...(options.resourceMetadataUrl === undefined
      ? {}
      : { resourceMetadataUrl: options.resourceMetadataUrl }),
    ...(options.realm === undefined ? {} : { realm: options.realm }),
  };
  const onError = options.onError ??
    ((error: unknown) =>
      console.warn(`${where}: DPoP check unavailable, answered 503:`, error));
  return {
    bearer,
    settings: Object.freeze({
      verifier: dpopVerifier,
      required,
      requestUrl,
      challenge: compileChallenge(challengeOptions),
      challengeOptions,
      algs: `algs=${quoteString(dpopVerifier.algorithms.join(" "))}`,
      onError,
    }),
  };
}
