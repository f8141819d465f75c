/**
 * The one place where an authentication or authorization outcome becomes an
 * HTTP `Response`: RFC 6750 §3 challenges with RFC 9728 §5.1
 * `resource_metadata`, escaped so that no value can inject a header.
 *
 * @module
 */

import { optionsObject } from "../_internal/options.ts";
import { retryAfterSeconds } from "../_internal/retry_after.ts";
import { isScopeToken } from "../_internal/scope_token.ts";
import {
  challenges,
  compileChallenge,
  type CompiledChallenge,
  headerDescription,
} from "./_challenge_params.ts";

/**
 * Why a request was refused, independent of HTTP. {@linkcode challengeResponse}
 * maps each to its status:
 * - `missing_token` -> 401 with a challenge without error code (RFC 6750
 *   §3.1: no error code when the request carries no credentials);
 * - `invalid_request` -> 400 `error="invalid_request"`;
 * - `invalid_token` -> 401 `error="invalid_token"`;
 * - `insufficient_scope` -> 403 `error="insufficient_scope", scope="..."`;
 * - `forbidden` -> 403 without a challenge: a denial that no other token
 *   would lift (a role check, a policy), so the client is not sent to
 *   re-authorize in a loop;
 * - `unavailable` -> 503 with `Retry-After`: verification could not be done.
 *
 * `scopes` on `missing_token` and `invalid_token` is optional: the scopes a
 * new token should carry, which the MCP specification asks servers to name
 * in a 401 challenge (RFC 6750 §3 allows `scope` in any challenge).
 *
 * `description` is the `error_description`; it must be safe to show (never a
 * token, claim or internal error). Characters RFC 6750 §3 forbids in it
 * (`"`, `\`, controls, non-ASCII) are replaced or removed.
 *
 * @example Usage
 * ```ts
 * import { challengeResponse, type AuthOutcome } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const outcome: AuthOutcome = { type: "insufficient_scope", scopes: ["files:write"] };
 * assert.equal(challengeResponse(outcome).status, 403);
 * ```
 */
export type AuthOutcome =
  | { type: "missing_token"; scopes?: readonly string[] }
  | { type: "invalid_request"; description?: string }
  | { type: "invalid_token"; description?: string; scopes?: readonly string[] }
  | {
    type: "insufficient_scope";
    scopes: readonly string[];
    description?: string;
  }
  | { type: "forbidden"; description?: string }
  | { type: "unavailable"; retryAfter?: number };

/**
 * What every challenge carries besides the error.
 *
 * @example Usage
 * ```ts
 * import type { ChallengeOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: ChallengeOptions = {
 *   resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
 *   realm: "mcp",
 * };
 * assert.equal(options.realm, "mcp");
 * ```
 */
export interface ChallengeOptions {
  /** RFC 9728 §5.1: where clients find the protected resource metadata. */
  resourceMetadataUrl?: string | URL;
  /** RFC 9110 §11.5 protection space, rarely needed. */
  realm?: string;
}

/**
 * The refusals of a sender-constrained scheme (RFC 9449 §7.1), beside the
 * public {@linkcode AuthOutcome}s: always 401, on the scheme the client used;
 * `use_dpop_nonce` also sends the nonce in `DPoP-Nonce` (§8). Internal.
 */
export type SchemeOutcome =
  | { type: "invalid_dpop_proof"; description?: string }
  | { type: "use_dpop_nonce"; description?: string; nonce: string };

/** Every refusal the one renderer knows. Internal. */
export type Outcome = AuthOutcome | SchemeOutcome;

// RFC 9449 §8.1: nonce = 1*NQCHAR.
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const OUTCOME_TYPES =
  '"missing_token", "invalid_request", "invalid_token", "insufficient_scope", "forbidden", "unavailable"';

const DEFAULT_DESCRIPTION = {
  missing_token: "Authentication required",
  invalid_request: "Malformed request",
  invalid_token: "Invalid token",
  insufficient_scope: "Insufficient scope",
  forbidden: "Forbidden",
  unavailable: "Token verification is temporarily unavailable",
  invalid_dpop_proof: "Invalid DPoP proof",
  use_dpop_nonce: "Invalid DPoP proof",
} as const;

/** A JSON error answer, never cached. Internal: the metadata's too. */
export function json(
  status: number,
  error: string,
  description: string,
  extra: Record<string, string>,
): Response {
  return new Response(
    JSON.stringify({ error, error_description: description }),
    {
      status,
      headers: {
        "content-type": "application/json",
        "cache-control": "no-store",
        ...extra,
      },
    },
  );
}

function checkScopes(scopes: unknown, required: boolean): readonly string[] {
  if (scopes === undefined && !required) return [];
  if (!Array.isArray(scopes) || (required && scopes.length === 0)) {
    throw new TypeError(
      required
        ? "An insufficient_scope outcome needs a non-empty array of scopes"
        : "An outcome's scopes must be an array of scope strings",
    );
  }
  for (const scope of scopes) {
    if (!isScopeToken(scope)) {
      throw new TypeError(
        `An outcome's scopes must be valid scope tokens (RFC 6749 §3.3), got ${
          JSON.stringify(String(scope))
        }`,
      );
    }
  }
  return [...new Set<string>(scopes)];
}

/**
 * Builds the response for an outcome with options compiled beforehand: the
 * one outcome -> `Response` mapping of `bearerAuth`, `withBearerAuth` and
 * {@linkcode challengeResponse}. Internal.
 *
 * @param outcome Why the request is refused.
 * @param compiled From {@linkcode compileChallenge}.
 * @param used The scheme of the client's credentials, when it sent some.
 * @throws {TypeError} When the outcome is not one of {@linkcode Outcome}.
 */
export function renderOutcome(
  outcome: Outcome,
  compiled: CompiledChallenge,
  used?: string,
): Response {
  switch (outcome?.type) {
    case "missing_token":
      // RFC 6750 §3.1: no error code, no error information in the challenge.
      return json(401, "unauthorized", DEFAULT_DESCRIPTION.missing_token, {
        "www-authenticate": challenges(
          compiled,
          used,
          undefined,
          undefined,
          checkScopes(outcome.scopes, false),
        ),
      });
    case "invalid_request":
    case "invalid_token": {
      const description = headerDescription(
        outcome.description,
        DEFAULT_DESCRIPTION[outcome.type],
      );
      return json(
        outcome.type === "invalid_request" ? 400 : 401,
        outcome.type,
        description,
        {
          "www-authenticate": challenges(
            compiled,
            used,
            outcome.type,
            description,
            outcome.type === "invalid_token"
              ? checkScopes(outcome.scopes, false)
              : undefined,
          ),
        },
      );
    }
    case "insufficient_scope": {
      const scopes = checkScopes(outcome.scopes, true);
      const description = headerDescription(
        outcome.description,
        DEFAULT_DESCRIPTION.insufficient_scope,
      );
      return json(403, "insufficient_scope", description, {
        "www-authenticate": challenges(
          compiled,
          used,
          "insufficient_scope",
          description,
          scopes,
        ),
      });
    }
    case "invalid_dpop_proof":
    case "use_dpop_nonce": {
      const description = headerDescription(
        outcome.description,
        DEFAULT_DESCRIPTION[outcome.type],
      );
      const headers: Record<string, string> = {
        "www-authenticate": challenges(
          compiled,
          used,
          outcome.type,
          description,
          undefined,
        ),
      };
      if (outcome.type === "use_dpop_nonce") {
        // Echoed into a header: only RFC 9449 §8.1 syntax, never a CR/LF.
        if (typeof outcome.nonce !== "string" || !NONCE.test(outcome.nonce)) {
          throw new TypeError(
            "A use_dpop_nonce outcome needs an RFC 9449 §8.1 nonce",
          );
        }
        headers["dpop-nonce"] = outcome.nonce;
      }
      return json(401, outcome.type, description, headers);
    }
    case "forbidden":
      return json(
        403,
        "access_denied",
        headerDescription(outcome.description, DEFAULT_DESCRIPTION.forbidden),
        {},
      );
    case "unavailable":
      return json(
        503,
        "temporarily_unavailable",
        DEFAULT_DESCRIPTION.unavailable,
        { "retry-after": String(retryAfterSeconds(outcome.retryAfter)) },
      );
    default:
      throw new TypeError(
        `Unknown outcome type ${
          JSON.stringify(String((outcome as { type?: unknown })?.type))
        }, expected one of ${OUTCOME_TYPES}`,
      );
  }
}

const CHALLENGE_OPTIONS: readonly (keyof ChallengeOptions)[] = [
  "resourceMetadataUrl",
  "realm",
];

/**
 * Maps a refusal to its HTTP `Response`: the status, the
 * `WWW-Authenticate: Bearer ...` challenge (RFC 6750 §3, with
 * `resource_metadata` from RFC 9728 §5.1 when given), `Retry-After` for 503,
 * and a JSON body `{ "error", "error_description" }` sent with
 * `Cache-Control: no-store`. Pure: the same outcome always gives the same
 * response.
 *
 * Every parameter value is an RFC 9110 §5.6.4 quoted-string with `"` and `\`
 * escaped and control characters removed, so no value can split the header.
 * A missing token gets a challenge without error code
 * (`Bearer resource_metadata="..."`, with `scope` when given) and the body
 * error `"unauthorized"`. No challenge is ever a bare scheme (RFC 6750 §3
 * wants an auth-param): without a metadata URL or a realm, and with nothing
 * else to say, it is `Bearer realm="mcp"`. `offline_access` is never named
 * in `scope` (MCP, "Refresh Tokens").
 * A `forbidden` outcome answers 403 with body error `"access_denied"` and no
 * challenge; `unavailable` answers 503 with body error
 * `"temporarily_unavailable"` and no challenge.
 *
 * This is the function an MCP integration calls to answer a step-up
 * (`insufficient_scope`) after authentication has succeeded.
 *
 * @param outcome Why the request is refused.
 * @param options `resourceMetadataUrl` and `realm` for the challenge.
 * @returns A new `Response` (bodies are single-use).
 * @throws {TypeError} When the outcome type is unknown, an
 * `insufficient_scope` outcome has no valid scopes, or the options are
 * invalid.
 *
 * @example Usage
 * ```ts
 * import { challengeResponse } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const response = challengeResponse(
 *   { type: "insufficient_scope", scopes: ["files:read", "files:write"] },
 *   { resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource" },
 * );
 * assert.equal(response.status, 403);
 * assert.equal(
 *   response.headers.get("www-authenticate"),
 *   'Bearer error="insufficient_scope", error_description="Insufficient scope", ' +
 *     'scope="files:read files:write", ' +
 *     'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource"',
 * );
 * assert.deepEqual(await response.json(), {
 *   error: "insufficient_scope",
 *   error_description: "Insufficient scope",
 * });
 * ```
 */
export function challengeResponse(
  outcome: AuthOutcome,
  options?: ChallengeOptions,
): Response {
  if (!isPublicOutcome(outcome)) {
    throw new TypeError(
      `Unknown outcome type ${
        JSON.stringify(String((outcome as { type?: unknown })?.type))
      }, expected one of ${OUTCOME_TYPES}`,
    );
  }
  const compiled = compileChallenge(
    "challengeResponse",
    options === undefined
      ? {}
      : optionsObject("challengeResponse", options, CHALLENGE_OPTIONS),
  );
  return renderOutcome(outcome, compiled);
}

// The scheme outcomes are bearerAuth's own: challengeResponse renders Bearer.
function isPublicOutcome(outcome: unknown): outcome is AuthOutcome {
  const type = (outcome as { type?: unknown } | null)?.type;
  return type !== "invalid_dpop_proof" && type !== "use_dpop_nonce";
}
