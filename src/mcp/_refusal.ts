/**
 * What the preflight answers over HTTP instead of dispatching: the RFC 6750
 * §3.1 `insufficient_scope` 403 step-up, a 503 when a check could not
 * decide, a 413 for a body over the bound, a 400 for one that could not be
 * read to its end. The challenges come from the one
 * renderer of `src/http/challenge.ts`, in the scheme the client used (DPoP
 * included), with `resource_metadata` (RFC 9728 §5.1) and
 * `Cache-Control: no-store`. Internal.
 *
 * @module
 */

import { isRecord, optionsObject, show } from "../_internal/options.ts";
import { numberOption } from "../_internal/options.ts";
import { InsufficientScopeError } from "../errors.ts";
import {
  compileChallenge,
  type CompiledChallenge,
} from "../http/_challenge_params.ts";
import { reportStepUp } from "../http/_step_up.ts";
import { type Outcome, renderOutcome } from "../http/challenge.ts";
import { type AuthScheme, isAuthScheme } from "../http/scheme.ts";
import { isUnavailableError } from "../core/_evaluate.ts";
import { DEFAULT_MAX_BODY_SIZE } from "./_body.ts";

/**
 * Options of `GuardedServer.preflight`: how its HTTP answers are rendered,
 * and how much body it reads.
 *
 * @example Usage
 * ```ts
 * import type { PreflightOptions } from "@mcp-authz/core/mcp";
 * import assert from "node:assert/strict";
 *
 * const options: PreflightOptions = {
 *   resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
 * };
 * assert.ok(options.resourceMetadataUrl);
 * ```
 */
export interface PreflightOptions {
  /**
   * RFC 9728 §5.1: the metadata URL every challenge names. Default: the
   * token's own `resourceMetadataUrl` (the MCP SDKs' `AuthInfo` field),
   * else none.
   */
  resourceMetadataUrl?: string | URL | undefined;
  /** RFC 9110 §11.5 `realm` for the challenges. */
  realm?: string | undefined;
  /**
   * The DPoP scheme of the server (`dpopScheme(...)`, as given to
   * `bearerAuth`), so that a DPoP client's challenge names its `algs`
   * (RFC 9449 §7.1). Without it, a client that sent `DPoP` credentials
   * still gets its challenge on `DPoP`, without `algs`.
   */
  dpop?: AuthScheme | undefined;
  /** The most bytes of body read (default 4 MiB, as the SDKs): more is 413. */
  maxBodySize?: number | undefined;
}

/** {@linkcode PreflightOptions}, checked once per options object. */
export interface PreflightConfig {
  readonly maxBodySize: number;
  readonly resourceMetadataUrl: string | URL | undefined;
  readonly realm: string | undefined;
  readonly dpop: AuthScheme | undefined;
  /** Compiled on first use, per scheme the client used. */
  readonly compiled: Map<string, CompiledChallenge>;
}

const OWNER = "preflight";
const KEYS: readonly (keyof PreflightOptions)[] = Object.freeze([
  "resourceMetadataUrl",
  "realm",
  "dpop",
  "maxBodySize",
]);

// Options objects are usually made once and passed on every request: each
// is checked once. Keyed weakly by the caller's object, so bounded by them.
const CONFIGS = new WeakMap<object, PreflightConfig>();

/**
 * The checked configuration of `options`.
 *
 * @throws {TypeError} When `options` is not an object, has an unknown key,
 * or a value is invalid.
 */
export function preflightConfig(options: unknown): PreflightConfig {
  if (options === undefined) return DEFAULTS;
  if (isRecord(options)) {
    const known = CONFIGS.get(options);
    if (known !== undefined) return known;
  }
  const config = compile(options);
  CONFIGS.set(options as object, config);
  return config;
}

function compile(options: unknown): PreflightConfig {
  const { resourceMetadataUrl, realm, dpop, maxBodySize } = optionsObject<
    PreflightOptions
  >(
    OWNER,
    options as PreflightOptions,
    KEYS,
    "options { resourceMetadataUrl, realm, dpop, maxBodySize }",
  );
  if (dpop !== undefined && !isAuthScheme(dpop)) {
    throw new TypeError(
      `preflight option "dpop" takes the object dpopScheme() makes, got ${
        show(dpop)
      }`,
    );
  }
  const config: PreflightConfig = {
    maxBodySize: numberOption(
      OWNER,
      "maxBodySize",
      maxBodySize,
      DEFAULT_MAX_BODY_SIZE,
      {
        min: 1,
        integer: true,
        unit: "bytes",
      },
    ),
    resourceMetadataUrl,
    realm,
    dpop,
    compiled: new Map(),
  };
  // Checked now, so that a typo fails the first request, not the first 403.
  challengeFor(config, undefined, "Bearer");
  return Object.freeze(config);
}

const DPOP = "DPoP";
const LOOSE_DPOP: AuthScheme = Object.freeze({
  name: DPOP,
  required: false,
  challengeParams: Object.freeze({}),
  readToken: () => undefined,
  confirm: (_request: Request, token: never) => token,
});

/** Without options: the defaults, compiled once for the isolate. */
const DEFAULTS: PreflightConfig = compile({});

/** The scheme of an `Authorization` header's credentials, as challenges name it. */
export function schemeOf(authorization: string | null | undefined): string {
  if (typeof authorization !== "string") return "Bearer";
  const space = authorization.indexOf(" ");
  const scheme = space === -1 ? authorization : authorization.slice(0, space);
  return scheme.toLowerCase() === "dpop" ? DPOP : "Bearer";
}

/** The token's own metadata URL, the SDKs' `AuthInfo.resourceMetadataUrl`. */
function tokenMetadataUrl(token: unknown): unknown {
  try {
    return (token as { resourceMetadataUrl?: unknown } | undefined)
      ?.resourceMetadataUrl;
  } catch {
    return undefined;
  }
}

function challengeFor(
  config: PreflightConfig,
  token: unknown,
  used: string,
): CompiledChallenge {
  const own = config.resourceMetadataUrl === undefined;
  const url = own ? tokenMetadataUrl(token) : config.resourceMetadataUrl;
  const scheme = config.dpop ?? (used === DPOP ? LOOSE_DPOP : undefined);
  const key = `${scheme === undefined ? "" : scheme.name}\n${String(url)}`;
  let compiled = config.compiled.get(key);
  if (compiled === undefined) {
    try {
      compiled = compileChallenge(OWNER, {
        resourceMetadataUrl: url as string | URL | undefined,
        realm: config.realm,
      }, scheme);
    } catch (error) {
      // The caller's option is wrong: say so. A token's own URL that the
      // renderer refuses is left out (still a challenge, never a 500).
      if (!own || url === undefined) throw error;
      compiled = compileChallenge(OWNER, { realm: config.realm }, scheme);
    }
    // A handful of schemes and URLs per options object: bounded.
    if (config.compiled.size < 16) config.compiled.set(key, compiled);
  }
  return compiled;
}

/**
 * The HTTP answer to a denial decided before dispatch, or `undefined` when
 * the denial is answered in dispatch (not found: the JSON-RPC error).
 *
 * @param error What `Authorizer.authorize` threw.
 * @param token The token the request came with (also the step-up sink of
 * `withBearerAuth`, which then answers in its own configuration).
 * @param authorization The request's `Authorization` header.
 */
export function refusalOf(
  error: unknown,
  token: unknown,
  authorization: string | null | undefined,
  config: PreflightConfig,
): Response | undefined {
  let outcome: Outcome;
  if (error instanceof InsufficientScopeError) {
    let scopes: readonly string[];
    try {
      scopes = [...error.challengeScopes];
    } catch {
      return undefined; // A hostile error: the not-found answer in dispatch.
    }
    // No token: authenticating is the way forward (RFC 6750 §3.1), as
    // withBearerAuth answers a handler's shortfall without one.
    outcome = token === undefined
      ? { type: "missing_token", scopes }
      : { type: "insufficient_scope", scopes };
    reportStepUp(token, scopes);
  } else if (isUnavailableError(error)) {
    const hint = (error as { retryAfter?: unknown }).retryAfter;
    outcome = typeof hint === "number"
      ? { type: "unavailable", retryAfter: hint }
      : { type: "unavailable" };
  } else {
    return undefined;
  }
  const used = schemeOf(authorization);
  try {
    return renderOutcome(outcome, challengeFor(config, token, used), used);
  } catch {
    // Scopes the renderer refuses (a hostile error): answered in dispatch.
    return undefined;
  }
}

/** The 413 for a body over `limit`, as a JSON-RPC error (the SDKs' shape). */
export function tooLarge(limit: number): Response {
  return new Response(
    JSON.stringify({
      jsonrpc: "2.0",
      error: {
        code: -32000,
        message: `Payload too large: the request body exceeds ${limit} bytes`,
      },
      id: null,
    }),
    {
      status: 413,
      headers: {
        "content-type": "application/json",
        "cache-control": "no-store",
      },
    },
  );
}

/**
 * The 400 for a body that could not be read to its end (an aborted upload),
 * as a JSON-RPC parse error (the SDKs' shape for a body they cannot parse).
 */
export function unreadableBody(): Response {
  return new Response(
    JSON.stringify({
      jsonrpc: "2.0",
      error: {
        code: -32700,
        message: "Parse error: the request body could not be read",
      },
      id: null,
    }),
    {
      status: 400,
      headers: {
        "content-type": "application/json",
        "cache-control": "no-store",
      },
    },
  );
}
