/**
 * The options of `authzenCheck`, read once through the option kit into a
 * frozen {@linkcode AuthzenConfig}. Internal.
 *
 * @module
 */

import {
  functionOption,
  label,
  numberOption,
  optionsObject,
  show,
  stringOption,
  urlOption,
} from "../_internal/options.ts";
import type { AuthContext } from "../core/context.ts";
import { DecisionCache } from "./_cache.ts";
import { PdpClient } from "./_client.ts";
import { AuthzenMappings } from "./mappings.ts";

const OWNER = "authzenCheck";

/** Every option `authzenCheck` takes. */
export const ALLOWED = [
  "pdp",
  "headers",
  "fetch",
  "timeoutMs",
  "cache",
  "subject",
  "action",
  "resource",
  "context",
  "subjectClaim",
  "mappings",
  "batchSize",
  "concurrency",
  "now",
] as const;

/** A mapping function of the options: the context to a part of a request. */
export type MappingFunction = (ctx: AuthContext) => unknown;

/** `authzenCheck`'s options, validated. */
export interface AuthzenConfig {
  readonly client: PdpClient;
  readonly cache: DecisionCache | undefined;
  readonly subject: MappingFunction | undefined;
  readonly action: MappingFunction | undefined;
  readonly resource: MappingFunction | undefined;
  readonly context: MappingFunction | undefined;
  /** The subject-identity claim, or `false` (subjects sent unverified). */
  readonly claim: string | false;
  readonly mappings: AuthzenMappings | undefined;
}

/** The global `fetch`, looked up at each call (tests may stub it). */
const globalFetch: typeof fetch = (input, init) => fetch(input, init);

/** The PDP identifier: the URL option, without a trailing slash. */
function pdpOption(value: unknown): string {
  const href = urlOption(OWNER, "pdp", value, { query: false }).href;
  return href.endsWith("/") ? href.slice(0, -1) : href;
}

function headersOption(value: unknown): readonly (readonly [string, string])[] {
  if (value === undefined) return [];
  try {
    if (typeof value !== "object" || value === null) throw new TypeError();
    return Object.freeze([...new Headers(value as HeadersInit)]);
  } catch {
    // A string may be a credential: described by kind only.
    throw new TypeError(
      `${
        label(OWNER, "headers")
      } must be a Headers, a list of [name, value] or an object of header values, got ${
        typeof value === "string" ? "a string" : show(value)
      }`,
    );
  }
}

function cacheOption(
  value: unknown,
  now: () => number,
): DecisionCache | undefined {
  if (value === false) return undefined;
  const { ttlMs, maxEntries } = value === undefined ? {} : optionsObject(
    `${OWNER} "cache"`,
    value as { ttlMs?: unknown; maxEntries?: unknown },
    ["ttlMs", "maxEntries"],
    "{ ttlMs, maxEntries } or false",
  );
  return new DecisionCache(
    numberOption(OWNER, "cache.ttlMs", ttlMs, 5000, {
      min: 1,
      unit: "milliseconds",
    }),
    numberOption(OWNER, "cache.maxEntries", maxEntries, 1000, {
      min: 1,
      integer: true,
    }),
    now,
  );
}

/** A mapping function option, called without a receiver, or `undefined`. */
function mappingFunction(
  name: string,
  value: unknown,
): MappingFunction | undefined {
  return value === undefined
    ? undefined
    : functionOption<MappingFunction>(OWNER, name, value, () => undefined);
}

function claimOption(value: unknown): string | false {
  if (value === false) return false;
  return stringOption(OWNER, "subjectClaim", value) ?? "sub";
}

function mappingsOption(value: unknown): AuthzenMappings | undefined {
  if (value === undefined || value instanceof AuthzenMappings) return value;
  throw new TypeError(
    `${
      label(OWNER, "mappings")
    } must be what compileMappings returns: mappings: await compileMappings({ tool: { evaluation: {...} } }), got ${
      show(value)
    }`,
  );
}

/**
 * Reads `authzenCheck`'s options.
 *
 * @throws {TypeError} When an option is unknown or invalid, saying what to
 * write.
 */
export function authzenConfig(options: unknown): AuthzenConfig {
  const {
    pdp,
    headers,
    fetch: fetchFn,
    timeoutMs,
    cache,
    subject,
    action,
    resource,
    context,
    subjectClaim,
    mappings,
    batchSize,
    concurrency,
    now,
  } = optionsObject<Record<(typeof ALLOWED)[number], unknown>>(
    OWNER,
    options as Record<(typeof ALLOWED)[number], unknown>,
    ALLOWED,
    'an options object with at least { pdp: "https://pdp.example.com" }',
  );
  const config: AuthzenConfig = {
    client: new PdpClient({
      pdp: pdpOption(pdp),
      headers: headersOption(headers),
      fetch: functionOption(OWNER, "fetch", fetchFn, globalFetch),
      timeoutMs: numberOption(OWNER, "timeoutMs", timeoutMs, 2000, {
        min: 1,
        unit: "milliseconds",
      }),
      batchSize: numberOption(OWNER, "batchSize", batchSize, 50, {
        min: 1,
        integer: true,
      }),
      concurrency: numberOption(OWNER, "concurrency", concurrency, 8, {
        min: 1,
        integer: true,
      }),
    }),
    cache: cacheOption(
      cache,
      functionOption<() => number>(OWNER, "now", now, Date.now),
    ),
    subject: mappingFunction("subject", subject),
    action: mappingFunction("action", action),
    resource: mappingFunction("resource", resource),
    context: mappingFunction("context", context),
    claim: claimOption(subjectClaim),
    mappings: mappingsOption(mappings),
  };
  if (config.claim === false && config.subject === undefined) {
    throw new TypeError(
      `${
        label(OWNER, "subjectClaim")
      } is false, so there is no default subject: also give a subject function, subject: (ctx) => ({ type: "identity", id: ... })`,
    );
  }
  return Object.freeze(config);
}
