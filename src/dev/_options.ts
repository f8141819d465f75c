/**
 * The options of `createDevAuthorizationServer`, validated once at
 * construction with the option kit (`src/_internal/options.ts`) and frozen:
 * every mistake is a `TypeError` saying what to write. Internal.
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
  stringOption,
} from "../_internal/options.ts";
import { isScopeToken } from "../_internal/scope_token.ts";
import { isLoopbackHost, parseEndpointUrl } from "../_internal/url.ts";

/** How authorization requests are approved. */
export type Approval = "auto" | "page";

/** The validated, frozen configuration. */
export interface DevConfig {
  readonly issuer: string;
  /** The issuer's path, "" for an issuer at the origin's root. */
  readonly basePath: string;
  readonly resources: readonly string[];
  readonly scopesSupported: readonly string[];
  readonly approval: Approval;
  readonly subject: string;
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly codeTtl: number;
  readonly fetch: typeof globalThis.fetch;
  readonly clientMetadataTimeout: number;
  readonly now: () => number;
  readonly warn: ((message: string) => void) | undefined;
}

/** The options as given, before validation. */
interface RawOptions {
  issuer?: unknown;
  resource?: unknown;
  scopesSupported?: unknown;
  approval?: unknown;
  subject?: unknown;
  accessTokenTtl?: unknown;
  refreshTokenTtl?: unknown;
  codeTtl?: unknown;
  allowNonLoopback?: unknown;
  fetch?: unknown;
  clientMetadataTimeout?: unknown;
  now?: unknown;
  warn?: unknown;
}

const OPTION_KEYS: readonly (keyof RawOptions)[] = [
  "issuer",
  "resource",
  "scopesSupported",
  "approval",
  "subject",
  "accessTokenTtl",
  "refreshTokenTtl",
  "codeTtl",
  "allowNonLoopback",
  "fetch",
  "clientMetadataTimeout",
  "now",
  "warn",
];

const OWNER = "createDevAuthorizationServer";

/** The most a lifetime in seconds may be, by option. */
const MAX_SECONDS = {
  accessTokenTtl: 86_400,
  refreshTokenTtl: 30 * 86_400,
  codeTtl: 600,
} as const;

function seconds(
  name: keyof typeof MAX_SECONDS,
  value: unknown,
  fallback: number,
): number {
  return numberOption(OWNER, name, value, fallback, {
    min: 1,
    max: MAX_SECONDS[name],
    integer: true,
    unit: "seconds",
  });
}

/**
 * The issuer: an endpoint URL (RFC 8414 §2: no query, no fragment), without
 * a trailing "/", on a loopback host unless `allowNonLoopback`.
 */
function parseIssuer(value: unknown, allowNonLoopback: boolean): URL {
  const name = label(OWNER, "issuer");
  if (value === undefined) {
    throw new TypeError(
      `${name} is required: the URL this server answers at, e.g. "http://127.0.0.1:8000/oauth"`,
    );
  }
  const url = parseEndpointUrl(value, name, { query: false });
  if (url.pathname !== "/" && url.pathname.endsWith("/")) {
    throw new TypeError(
      `${name} must not end with "/" (write ${
        JSON.stringify(url.origin + url.pathname.replace(/\/+$/, ""))
      })`,
    );
  }
  if (!allowNonLoopback && !isLoopbackHost(url.hostname)) {
    throw new TypeError(
      `${name} names the host "${url.hostname}", which is not loopback: this server approves anyone, so it serves 127.0.0.1, [::1] or localhost only; set allowNonLoopback: true to serve it under another name (a tunnel, a container)`,
    );
  }
  return url;
}

/** The resources (RFC 8707 §2: absolute URIs, no fragment), deduplicated. */
function parseResources(value: unknown): string[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (value === undefined || list.length === 0) {
    throw new TypeError(
      `${
        label(OWNER, "resource")
      } is required: your MCP server's URL (RFC 8707 resource, the "resource" of its RFC 9728 metadata), or an array of them`,
    );
  }
  return [
    ...new Set(
      list.map((entry) =>
        parseEndpointUrl(entry, label(OWNER, "resource")).href
      ),
    ),
  ];
}

function parseScopes(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every(isScopeToken)) {
    throw new TypeError(
      `${
        label(OWNER, "scopesSupported")
      } is required: the scopes your resource knows (its RFC 9728 scopes_supported, RFC 6749 §3.3 scope tokens), e.g. ["read", "write"], got ${
        show(value)
      }`,
    );
  }
  return [...new Set(value)];
}

function parseApproval(value: unknown): Approval {
  if (value === undefined) return "auto";
  if (value !== "auto" && value !== "page") {
    throw new TypeError(
      `${
        label(OWNER, "approval")
      } must be "auto" (approve as the development user) or "page" (a page to approve or deny), got ${
        show(value)
      }`,
    );
  }
  return value;
}

function parseSubject(value: unknown): string {
  const subject = stringOption(OWNER, "subject", value) ?? "dev-user";
  if (subject.length > 255) {
    throw new TypeError(
      `${label(OWNER, "subject")} must be at most 255 characters`,
    );
  }
  return subject;
}

const defaultFetch: typeof fetch = (input, init) => fetch(input, init);
const defaultWarn = (message: string): void => console.warn(message);

/** Validates and freezes the options; throws TypeError. */
export function parseOptions(options: unknown): DevConfig {
  const given = optionsObject<RawOptions>(
    OWNER,
    options as RawOptions,
    OPTION_KEYS,
    "an options object with issuer, resource and scopesSupported",
  );
  const allowNonLoopback = booleanOption(
    OWNER,
    "allowNonLoopback",
    given.allowNonLoopback,
    false,
  );
  const issuer = parseIssuer(given.issuer, allowNonLoopback);
  const basePath = issuer.pathname === "/" ? "" : issuer.pathname;
  return Object.freeze({
    issuer: issuer.origin + basePath,
    basePath,
    resources: Object.freeze(parseResources(given.resource)),
    scopesSupported: Object.freeze(parseScopes(given.scopesSupported)),
    approval: parseApproval(given.approval),
    subject: parseSubject(given.subject),
    accessTokenTtl: seconds("accessTokenTtl", given.accessTokenTtl, 3600),
    refreshTokenTtl: seconds("refreshTokenTtl", given.refreshTokenTtl, 86_400),
    codeTtl: seconds("codeTtl", given.codeTtl, 60),
    fetch: functionOption(OWNER, "fetch", given.fetch, defaultFetch),
    clientMetadataTimeout: numberOption(
      OWNER,
      "clientMetadataTimeout",
      given.clientMetadataTimeout,
      5000,
      { min: 1, max: 60_000, integer: true, unit: "milliseconds" },
    ),
    now: functionOption<() => number>(OWNER, "now", given.now, Date.now),
    warn: given.warn === false
      ? undefined
      : functionOption(OWNER, "warn", given.warn, defaultWarn),
  });
}
