/**
 * The options of `bearerAuth` and `withBearerAuth`, validated through the
 * option kit and compiled once into a frozen {@linkcode Config}. Internal.
 *
 * @module
 */

import {
  booleanOption,
  functionOption,
  label,
  numberOption,
  optionsObject,
  show,
  urlOption,
} from "../_internal/options.ts";
import { isScopeToken } from "../_internal/scope_token.ts";
import { resourceIdentifierKey } from "../_internal/url.ts";
import { type CompiledHierarchy, compileHierarchy } from "../core/scopes.ts";
import { compileDecisions, type DecisionSink } from "../core/_decision_sink.ts";
import type { TokenVerifier } from "../verify/verifier.ts";
import { scopesOption } from "../verify/_options.ts";
import {
  compileChallenge,
  type CompiledChallenge,
} from "./_challenge_params.ts";
import { protectedResourceMetadataUrl } from "./metadata.ts";
import { type AuthScheme, isAuthScheme } from "./scheme.ts";

/** The options as given, before validation. */
interface RawOptions {
  readonly verifier?: unknown;
  readonly requiredScopes?: unknown;
  readonly resourceMetadataUrl?: unknown;
  readonly realm?: unknown;
  readonly resource?: unknown;
  readonly optional?: unknown;
  readonly scopeHierarchy?: unknown;
  readonly clockTolerance?: unknown;
  readonly now?: unknown;
  readonly onError?: unknown;
  readonly dpop?: unknown;
  readonly onDecision?: unknown;
  readonly redactDecision?: unknown;
}

/** The options, compiled once. */
export interface Config {
  readonly verifier: TokenVerifier;
  readonly requiredScopes: readonly string[];
  /**
   * What every challenge's `scope` names at least: `requiredScopes` and the
   * verifier's own `requiredScopes`, sorted (RFC 6750 §3).
   */
  readonly challengeScopes: readonly string[];
  readonly challenge: CompiledChallenge;
  readonly optional: boolean;
  /** The comparison key of `resource` (`resourceIdentifierKey`). */
  readonly resource: string | undefined;
  readonly hierarchy: CompiledHierarchy | undefined;
  readonly toleranceMs: number;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
  readonly scheme: AuthScheme | undefined;
  /** Where decision events go; `undefined` when nobody listens. */
  readonly decisions: DecisionSink | undefined;
}

/** Every option `bearerAuth` takes (the adapters check them first too). */
export const OPTION_NAMES: readonly (keyof RawOptions)[] = [
  "verifier",
  "requiredScopes",
  "resourceMetadataUrl",
  "realm",
  "resource",
  "optional",
  "scopeHierarchy",
  "clockTolerance",
  "now",
  "onError",
  "dpop",
  "onDecision",
  "redactDecision",
];

function defaultOnError(error: unknown): void {
  console.warn(
    "bearerAuth: token verification or authorization unavailable, answered 503:",
    error,
  );
}

/**
 * The comparison key of a resource URL: scheme and host case and a default
 * port do not matter; everything else does (MCP canonical URI).
 */
export function resourceKey(url: URL): string {
  return resourceIdentifierKey(url.href);
}

/**
 * A property of a verifier that describes what it accepts (`audiences`,
 * `requiredScopes`), or `undefined` when it has none or reading it throws:
 * a verifier of one's own need not describe itself.
 */
function describe(verifier: TokenVerifier, name: string): unknown {
  try {
    return (verifier as unknown as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

/**
 * `resource`, and what follows from it: the metadata URL the challenges
 * name (RFC 9728 §3.1), which a given `resourceMetadataUrl` must equal,
 * and the verifier's audiences, which must include it (RFC 8707), so that
 * metadata, challenges and tokens cannot name different resources.
 *
 * @throws {TypeError} On any mismatch, saying what to write.
 */
function resourceOptions(
  owner: string,
  options: RawOptions,
  verifier: TokenVerifier,
): { resource: string | undefined; metadataUrl: unknown } {
  if (options.resource === undefined) {
    return { resource: undefined, metadataUrl: options.resourceMetadataUrl };
  }
  const url = urlOption(owner, "resource", options.resource);
  const given = options.resource instanceof URL
    ? options.resource.href
    : String(options.resource);
  const derived = protectedResourceMetadataUrl(url);
  if (options.resourceMetadataUrl !== undefined) {
    const metadataUrl = urlOption(
      owner,
      "resourceMetadataUrl",
      options.resourceMetadataUrl,
    );
    if (metadataUrl.href !== derived.href) {
      throw new TypeError(
        `${label(owner, "resourceMetadataUrl")} (${
          show(metadataUrl)
        }) is not where the metadata of "resource" (${
          show(given)
        }) lives: RFC 9728 §3.1 puts it at ${
          show(derived)
        }; leave resourceMetadataUrl out to derive it`,
      );
    }
  }
  const audiences = describe(verifier, "audiences");
  if (audiences === false) {
    throw new TypeError(
      `${
        label(owner, "resource")
      } needs a verifier that checks the token audience, and this one skips it (audience: false): set the verifier's audience to ${
        show(given)
      }`,
    );
  }
  if (
    Array.isArray(audiences) &&
    !audiences.some((audience) =>
      typeof audience === "string" &&
      resourceIdentifierKey(audience) === resourceIdentifierKey(given)
    )
  ) {
    throw new TypeError(
      `${label(owner, "resource")} (${
        show(given)
      }) is not an audience the verifier accepts: give the verifier audience: ${
        show(given)
      } (RFC 8707), so that the metadata, the challenges and the tokens name one resource`,
    );
  }
  return { resource: resourceKey(url), metadataUrl: derived };
}

/** The verifier's own `requiredScopes`, when it names valid ones. */
function verifierScopes(verifier: TokenVerifier): readonly string[] {
  const scopes = describe(verifier, "requiredScopes");
  return Array.isArray(scopes) && scopes.every(isScopeToken) ? scopes : [];
}

function readScheme(owner: string, value: unknown): AuthScheme | undefined {
  if (value === undefined || isAuthScheme(value)) return value;
  throw new TypeError(
    `${label(owner, "dpop")} takes the object dpopScheme() makes, got ${
      show(value)
    }: write \`dpop: dpopScheme({ required: true, ... })\` with \`import { dpopScheme } from "@mcp-authz/core"\` (so that servers without DPoP never load its code)`,
  );
}

/**
 * Validates and compiles the options of `owner` (`"bearerAuth"` or
 * `"withBearerAuth"`).
 *
 * @throws {TypeError} When an option is missing, unknown or invalid.
 */
export function compileConfig(owner: string, value: unknown): Config {
  const options = optionsObject<RawOptions>(
    owner,
    value as RawOptions,
    OPTION_NAMES,
    "an options object with a verifier",
  );
  const verifier = options.verifier as TokenVerifier;
  if (
    verifier === null || typeof verifier !== "object" ||
    typeof verifier.verifyToken !== "function"
  ) {
    throw new TypeError(
      `${owner} needs a verifier with a verifyToken(token) method, such as a JwtVerifier or StaticTokenVerifier, got ${
        show(verifier)
      }`,
    );
  }
  const scheme = readScheme(owner, options.dpop);
  const requiredScopes = scopesOption(owner, options.requiredScopes);
  const challengeScopes = [
    ...new Set([...requiredScopes, ...verifierScopes(verifier)]),
  ].sort();
  const { resource, metadataUrl } = resourceOptions(owner, options, verifier);
  const tolerance = numberOption(
    owner,
    "clockTolerance",
    options.clockTolerance,
    0,
    { unit: "seconds" },
  );
  return Object.freeze({
    verifier,
    requiredScopes: Object.freeze(requiredScopes),
    challengeScopes: Object.freeze(challengeScopes),
    challenge: compileChallenge(owner, {
      resourceMetadataUrl: metadataUrl as string | undefined,
      realm: options.realm as string | undefined,
    }, scheme),
    optional: booleanOption(owner, "optional", options.optional, false),
    resource,
    hierarchy: options.scopeHierarchy === undefined
      ? undefined
      : compileHierarchy(options.scopeHierarchy),
    toleranceMs: tolerance * 1000,
    now: functionOption(owner, "now", options.now, Date.now),
    onError: functionOption(owner, "onError", options.onError, defaultOnError),
    scheme,
    decisions: compileDecisions(owner, options),
  });
}
