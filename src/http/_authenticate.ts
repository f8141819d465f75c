/**
 * The authentication pipeline of `bearerAuth`, on outcomes: read the
 * credentials, verify the token, check expiry, resource and scopes, let a
 * token scheme (DPoP) confirm it. Each step returns the token or a
 * {@linkcode Refusal}; typed errors map to outcomes in `_denials.ts`, and
 * only `bearerAuth` turns a refusal into a `Response`, once. Internal.
 *
 * @module
 */

import { isNumericDate } from "../_internal/numeric_date.ts";
import type { AccessToken } from "../core/context.ts";
import { holdsAll } from "../core/scopes.ts";
import { InvalidRequestError } from "../errors.ts";
import { extractBearerToken } from "./bearer.ts";
import { type Config, resourceKey } from "./_bearer_config.ts";
import type { Outcome } from "./challenge.ts";
import {
  fromSchemeError,
  fromVerifierError,
  invalidToken,
  reportUnavailable,
} from "./_denials.ts";
import { formCarriesToken, mayCarryFormToken } from "./_form_token.ts";

/** Why a request is refused, and the scheme of its credentials. */
export class Refusal {
  /** The outcome to render. */
  readonly outcome: Outcome;
  /** The scheme the client used (`Bearer`, `DPoP`), when it sent one. */
  readonly used: string | undefined;

  /** Pairs an outcome with the scheme it answers. */
  constructor(outcome: Outcome, used: string | undefined) {
    this.outcome = outcome;
    this.used = used;
  }
}

/**
 * The token of a request that came with the configured scheme's
 * credentials (a Bearer token is its plain string: no allocation on the
 * common path).
 */
export class SchemeCredentials {
  /** The raw access token. */
  readonly raw: string;
  /** The scheme's name. */
  readonly used: string;

  /** Wraps the token of a scheme's credentials. */
  constructor(raw: string, used: string) {
    this.raw = raw;
    this.used = used;
  }
}

/** The credentials of a request: a Bearer token, or a scheme's. */
export type Credentials = string | SchemeCredentials;

const BEARER = "Bearer";

/**
 * The credentials of a request: the configured scheme's first (its
 * malformed credentials answer 400 in that scheme), then `Bearer`.
 *
 * @returns The credentials, `undefined` when there are none, or the refusal.
 */
export function readCredentials(
  config: Config,
  request: Request,
): Credentials | Refusal | undefined {
  const scheme = config.scheme;
  let used = BEARER;
  try {
    let raw: string | undefined;
    if (scheme !== undefined) {
      used = scheme.name;
      raw = scheme.readToken(request);
    }
    // Also refuses `access_token` in the query, whatever the scheme.
    const bearer = extractBearerToken(request);
    if (raw !== undefined) return new SchemeCredentials(raw, used);
    used = BEARER;
    if (bearer === undefined) return undefined;
    if (scheme?.required === true) {
      // RFC 9449 §7.1: refused before any verifier work.
      return new Refusal({
        type: "invalid_token",
        description: `${scheme.name}-bound token and proof required`,
      }, scheme.name);
    }
    return bearer;
  } catch (error) {
    if (error instanceof InvalidRequestError) {
      return new Refusal(
        { type: "invalid_request", description: error.message },
        used,
      );
    }
    return new Refusal(reportUnavailable(config, error), used);
  }
}

/** Whether a verifier's answer is an AccessToken for `raw` (fail closed). */
function isAccessToken(value: unknown, raw: string): value is AccessToken {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return false;
  }
  const { token, clientId, scopes, claims, expiresAt, resource, extra } =
    value as Record<string, unknown>;
  if (
    token !== raw || typeof clientId !== "string" || !Array.isArray(scopes) ||
    !isPlainRecord(claims)
  ) {
    return false;
  }
  for (let i = 0; i < scopes.length; i++) {
    if (typeof scopes[i] !== "string") return false;
  }
  // A number that is no NumericDate (NaN, Infinity, 1e300) is the token's
  // fault, not the verifier's: `checkToken` answers it 401.
  return (expiresAt === undefined || typeof expiresAt === "number") &&
    (resource === undefined || resource instanceof URL) &&
    (extra === undefined || isPlainRecord(extra));
}

function isPlainRecord(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Why a token's `cnf` (RFC 7800) binds it to something a Bearer request
 * cannot prove, or `undefined` when it does not: any member at all (`jkt`
 * for DPoP, RFC 9449 §6; `x5t#S256` for mTLS, RFC 8705 §3), or a `cnf`
 * that is not an object.
 */
function senderConstraint(
  claims: Record<string, unknown>,
): string | undefined {
  const cnf = claims.cnf;
  if (cnf === undefined) return undefined;
  if (
    cnf !== null && typeof cnf === "object" && !Array.isArray(cnf) &&
    Object.keys(cnf).length === 0
  ) {
    return undefined;
  }
  return cnf !== null && typeof cnf === "object" && Object.hasOwn(cnf, "jkt")
    ? "DPoP-bound token requires the DPoP scheme"
    : "Sender-constrained token cannot be used as a Bearer token";
}

/** Expiry, resource, binding and scopes of a verified token. */
function checkToken(
  config: Config,
  token: unknown,
  raw: string,
  used: string,
  viaScheme: boolean,
): AccessToken | Refusal {
  if (!isAccessToken(token, raw)) {
    return new Refusal(
      reportUnavailable(
        config,
        new TypeError(
          "The verifier returned something that is not an AccessToken for the presented token",
        ),
      ),
      used,
    );
  }
  if (token.expiresAt !== undefined) {
    // The verifiers' own rule (RFC 7519 §2): an expiry that names no
    // instant is malformed, never eternal.
    if (!isNumericDate(token.expiresAt)) {
      return new Refusal(invalidToken(config, "Token expiry invalid"), used);
    }
    // Written so that a NaN clock denies: only a clock provably before the
    // expiry lets the token through (RFC 7519 §4.1.4).
    const now = config.now();
    if (!(now < token.expiresAt * 1000 + config.toleranceMs)) {
      return new Refusal(invalidToken(config, "Token expired"), used);
    }
  }
  if (
    config.resource !== undefined &&
    (token.resource === undefined ||
      resourceKey(token.resource) !== config.resource)
  ) {
    return new Refusal(
      invalidToken(config, "Token was not issued for this resource"),
      used,
    );
  }
  const constraint = viaScheme ? undefined : senderConstraint(token.claims);
  if (constraint !== undefined) {
    // RFC 9449 §7.2, RFC 8705 §3: a bound token is no bearer token, or a
    // stolen one would work for its thief. Only a scheme that proves the
    // binding (DPoP) may accept it.
    return new Refusal(invalidToken(config, constraint), used);
  }
  const required = config.requiredScopes;
  if (required.length > 0) {
    if (!holdsAll(token.scopes, required, config.hierarchy)) {
      // RFC 6750 §3: `scope` names the scope necessary for the request, so
      // all required scopes, not only the missing ones: a client that
      // replaces its scopes with the challenge's still gets what it needs.
      return new Refusal(
        { type: "insufficient_scope", scopes: config.challengeScopes },
        used,
      );
    }
  }
  return token;
}

/**
 * Verifies the token of `credentials`, checks it, and lets the scheme
 * confirm it. `respond` maps a refusal to what the caller returns (a
 * `Response` for `bearerAuth`), inside this one async step: the hot path
 * pays for no extra promise.
 *
 * @returns The token to hand to the application, or `respond`'s answer.
 */
export async function verifyCredentials<R>(
  config: Config,
  request: Request,
  credentials: Credentials,
  respond: (refusal: Refusal) => R,
): Promise<AccessToken | R> {
  const viaScheme = credentials instanceof SchemeCredentials;
  const raw = viaScheme ? credentials.raw : credentials;
  const used = viaScheme ? credentials.used : BEARER;
  // RFC 6750 §3.1: a token in the header and another in a form body is
  // "more than one method". Only form requests pay for the look.
  if (mayCarryFormToken(request) && await formCarriesToken(request)) {
    return respond(
      new Refusal({
        type: "invalid_request",
        description: "Access token sent by more than one method",
      }, used),
    );
  }
  let verified: unknown;
  try {
    verified = await config.verifier.verifyToken(raw);
  } catch (error) {
    try {
      return respond(new Refusal(fromVerifierError(config, error, raw), used));
    } catch (hostile) {
      // A thrown Proxy or getter that throws: still a 503, never a 500.
      return respond(new Refusal(reportUnavailable(config, hostile), used));
    }
  }
  let token: AccessToken | Refusal;
  try {
    token = checkToken(config, verified, raw, used, viaScheme);
  } catch (error) {
    token = new Refusal(reportUnavailable(config, error), used);
  }
  if (token instanceof Refusal) return respond(token);
  const scheme = config.scheme;
  if (scheme === undefined) return token;
  try {
    // The token is verified (expiry and scopes included) before the proof,
    // so only holders of a valid token reach a scheme's replay store.
    return await scheme.confirm(request, token, viaScheme);
  } catch (error) {
    try {
      return respond(new Refusal(fromSchemeError(config, error, raw), used));
    } catch (hostile) {
      return respond(new Refusal(reportUnavailable(config, hostile), used));
    }
  }
}
