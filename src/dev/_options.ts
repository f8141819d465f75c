// Validation of createDevAuthorizationServer's options, once, at
// construction: every mistake is a TypeError saying what to write.

import { isLoopbackHost, isScopeToken } from "./_oauth.ts";

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

const OPTION_KEYS: readonly string[] = [
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

const WHERE = "createDevAuthorizationServer";

function fail(message: string): never {
  throw new TypeError(`${WHERE}: ${message}`);
}

function seconds(
  value: unknown,
  name: string,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < 1 ||
    value > max
  ) {
    fail(`option "${name}" must be a whole number of seconds from 1 to ${max}`);
  }
  return value;
}

function parseIssuer(value: unknown, allowNonLoopback: boolean): URL {
  if (typeof value !== "string" && !(value instanceof URL)) {
    fail(
      'option "issuer" is required: the URL this server answers at, e.g. "http://127.0.0.1:8000/oauth"',
    );
  }
  const text = String(value);
  if (!URL.canParse(text)) fail(`option "issuer" must be an absolute URL`);
  const url = new URL(text);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    fail(`option "issuer" must be an http or https URL`);
  }
  // RFC 8414 §2: no query and no fragment.
  if (url.search !== "" || url.hash !== "" || /[?#]/.test(text)) {
    fail(`option "issuer" must have no query and no fragment`);
  }
  if (url.username !== "" || url.password !== "") {
    fail(`option "issuer" must have no credentials`);
  }
  if (url.pathname !== "/" && url.pathname.endsWith("/")) {
    fail(
      `option "issuer" must not end with "/" (write ${
        JSON.stringify(url.origin + url.pathname.replace(/\/+$/, ""))
      })`,
    );
  }
  if (!allowNonLoopback && !isLoopbackHost(url.hostname)) {
    fail(
      `option "issuer" names the host "${url.hostname}", which is not loopback: this server approves anyone, so it serves 127.0.0.1, [::1] or localhost only; set allowNonLoopback: true to serve it under another name (a tunnel, a container)`,
    );
  }
  return url;
}

function parseResources(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (value === undefined || list.length === 0) {
    fail(
      'option "resource" is required: your MCP server\'s URL (RFC 8707 resource, the "resource" of its RFC 9728 metadata), or an array of them',
    );
  }
  return [
    ...new Set(list.map((entry) => {
      if (
        (typeof entry !== "string" && !(entry instanceof URL)) ||
        !URL.canParse(String(entry))
      ) {
        fail(
          `option "resource" must be absolute URLs, got ${
            JSON.stringify(String(entry))
          }`,
        );
      }
      const url = new URL(String(entry));
      // RFC 8707 §2: an absolute URI without a fragment.
      if (url.hash !== "" || String(entry).includes("#")) {
        fail(`option "resource" must have no fragment`);
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        fail(`option "resource" must be http or https URLs`);
      }
      return url.href;
    })),
  ];
}

function parseScopes(value: unknown): string[] {
  if (
    !Array.isArray(value) ||
    !value.every((scope) => typeof scope === "string" && isScopeToken(scope))
  ) {
    fail(
      'option "scopesSupported" is required: the scopes your resource knows (its RFC 9728 scopes_supported), e.g. ["read", "write"]',
    );
  }
  return [...new Set(value as string[])];
}

function optionalFunction<T>(value: unknown, name: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") fail(`option "${name}" must be a function`);
  return value as T;
}

/** Validates and freezes the options; throws TypeError. */
export function parseOptions(options: unknown): DevConfig {
  if (typeof options !== "object" || options === null) {
    fail("expects an options object with issuer, resource and scopesSupported");
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!OPTION_KEYS.includes(key)) {
      fail(
        `unknown option ${JSON.stringify(key)}, expected one of ${
          OPTION_KEYS.map((k) => `"${k}"`).join(", ")
        }`,
      );
    }
  }
  const allowNonLoopback = record.allowNonLoopback ?? false;
  if (typeof allowNonLoopback !== "boolean") {
    fail('option "allowNonLoopback" must be a boolean');
  }
  const issuerUrl = parseIssuer(record.issuer, allowNonLoopback);
  const basePath = issuerUrl.pathname === "/" ? "" : issuerUrl.pathname;
  const approval = record.approval ?? "auto";
  if (approval !== "auto" && approval !== "page") {
    fail(
      'option "approval" must be "auto" (approve as the development user) or "page" (a page to approve or deny)',
    );
  }
  const subject = record.subject ?? "dev-user";
  if (typeof subject !== "string" || subject === "" || subject.length > 255) {
    fail('option "subject" must be a non-empty string (the user\'s "sub")');
  }
  const timeout = record.clientMetadataTimeout ?? 5000;
  if (
    typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 1 ||
    timeout > 60_000
  ) {
    fail('option "clientMetadataTimeout" must be milliseconds from 1 to 60000');
  }
  const warn = record.warn === false
    ? undefined
    : optionalFunction<(message: string) => void>(record.warn, "warn") ??
      ((message: string) => console.warn(message));
  return Object.freeze({
    issuer: issuerUrl.origin + basePath,
    basePath,
    resources: Object.freeze(parseResources(record.resource)),
    scopesSupported: Object.freeze(parseScopes(record.scopesSupported)),
    approval,
    subject,
    accessTokenTtl: seconds(
      record.accessTokenTtl,
      "accessTokenTtl",
      3600,
      86_400,
    ),
    refreshTokenTtl: seconds(
      record.refreshTokenTtl,
      "refreshTokenTtl",
      86_400,
      30 * 86_400,
    ),
    codeTtl: seconds(record.codeTtl, "codeTtl", 60, 600),
    fetch: optionalFunction<typeof globalThis.fetch>(record.fetch, "fetch") ??
      ((input, init) => fetch(input, init)),
    clientMetadataTimeout: timeout,
    now: optionalFunction<() => number>(record.now, "now") ??
      (() => Date.now()),
    warn,
  });
}
