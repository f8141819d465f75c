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
import { normalizeScopes } from "../_internal/scope_token.ts";
import { type CompiledHierarchy, compileHierarchy } from "../core/scopes.ts";
import { compileDecisions, type DecisionSink } from "../core/_decision_sink.ts";
import type { TokenVerifier } from "../verify/verifier.ts";
import {
  compileChallenge,
  type CompiledChallenge,
} from "./_challenge_params.ts";
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
  readonly challenge: CompiledChallenge;
  readonly optional: boolean;
  readonly resource: string | undefined;
  readonly hierarchy: CompiledHierarchy | undefined;
  readonly toleranceMs: number;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
  readonly scheme: AuthScheme | undefined;
  /** Where decision events go; `undefined` when nobody listens. */
  readonly decisions: DecisionSink | undefined;
}

const OPTION_NAMES: readonly (keyof RawOptions)[] = [
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
    "bearerAuth: token verification unavailable, answered 503:",
    error,
  );
}

/** A resource URL compared without fragment and one trailing slash. */
export function resourceKey(url: URL): string {
  const href = url.href.split("#", 1)[0]!;
  return href.endsWith("/") ? href.slice(0, -1) : href;
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
  const requiredScopes = options.requiredScopes === undefined
    ? []
    : normalizeScopes(options.requiredScopes, label(owner, "requiredScopes"));
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
    challenge: compileChallenge(owner, {
      resourceMetadataUrl: options.resourceMetadataUrl as string | undefined,
      realm: options.realm as string | undefined,
    }, scheme),
    optional: booleanOption(owner, "optional", options.optional, false),
    resource: options.resource === undefined
      ? undefined
      : resourceKey(urlOption(owner, "resource", options.resource)),
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
