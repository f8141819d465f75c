/**
 * The demo server: MCP at `/mcp` behind `bearerAuth` + `JwtVerifier`, its
 * RFC 9728 protected-resource metadata, and (by default) the embedded
 * development authorization server of `@mcp-authz/core/dev` at `/oauth`, so
 * that an OAuth-following MCP client (the Inspector, an IDE, the SDK
 * `Client`) logs in with no identity provider to set up.
 *
 * @module
 */

import { createMcpHandler } from "@modelcontextprotocol/server";
import {
  type DecisionListener,
  JwtVerifier,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  withBearerAuth,
} from "@mcp-authz/core";
import {
  createDevAuthorizationServer,
  type DevAuthorizationServer,
} from "@mcp-authz/core/dev";
import { notesServer, SCOPE_HIERARCHY, SCOPES } from "./notes.ts";
import { serveWithOrigin } from "../_serve.ts";

/** A real authorization server to trust instead of the development one. */
export interface ExternalIssuer {
  /** Its issuer identifier (the `iss` of its tokens). */
  issuer: string;
  /** Where it publishes its signing keys. */
  jwksUrl: string;
  /** The `aud` its tokens carry for this server; default: the MCP URL. */
  audience?: string | undefined;
  /**
   * The JWT `typ` its access tokens carry; default `at+jwt` (RFC 9068),
   * `false` for an issuer that sends none.
   */
  typ?: string | false | undefined;
}

/** Options of {@linkcode createDemo}. */
export interface DemoAppOptions {
  /** Where the demo is served, e.g. `http://127.0.0.1:8000`. */
  origin: string;
  /** Trust this issuer instead of embedding the development server. */
  external?: ExternalIssuer | undefined;
  /** The development server's approval: automatic (default) or a page. */
  approval?: "auto" | "page";
  /** Where the development server's warning goes (default console.warn). */
  warn?: ((message: string) => void) | false;
  /**
   * The audit log: given one JSON line per authorization decision (the
   * bearer gate's and the guard's). Default: none.
   */
  audit?: ((line: string) => void) | undefined;
}

/** The longest string an audit line prints of one field. */
const MAX_FIELD = 256;

/**
 * What JSON leaves as it is but a terminal or a line-based log reader acts
 * on: DEL and C1 controls, the line and paragraph separators, the
 * bidirectional controls (JSON.stringify escapes C0 controls itself).
 */
const UNPRINTABLE =
  /[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A long string cut, marked with how long it was. */
function bounded(_key: string, value: unknown): unknown {
  return typeof value === "string" && value.length > MAX_FIELD
    ? `${value.slice(0, MAX_FIELD)}... (${value.length} characters)`
    : value;
}

/**
 * A decision listener writing one JSON line per decision to `write`: the
 * time, then the event (which holds no token, argument or error message).
 * Each line is printable and bounded whatever a client or a token issuer
 * chose as ids: control characters are escaped, strings longer than 256
 * characters cut.
 */
export function auditLog(write: (line: string) => void): DecisionListener {
  return (event) =>
    write(
      JSON.stringify({ time: new Date().toISOString(), ...event }, bounded)
        .replace(
          UNPRINTABLE,
          (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
        ),
    );
}

/** The demo as a fetch handler, on any runtime. */
export interface DemoApp {
  /** Answers every request of the demo. */
  handler(request: Request): Promise<Response>;
  /** The MCP endpoint. */
  mcpUrl: URL;
  /** The protected-resource metadata document. */
  metadataUrl: URL;
  /** The trusted issuer. */
  issuer: string;
  /** The embedded development authorization server, when there is one. */
  dev: DevAuthorizationServer | undefined;
  /** Releases the MCP handler. */
  close(): Promise<void>;
}

/**
 * Builds the demo for the origin it is served at: the MCP endpoint, its
 * metadata and, unless `external` is given, the development authorization
 * server at `<origin>/oauth`.
 *
 * @param options Origin, issuer and approval.
 * @returns The handler and what a client needs to know.
 */
export async function createDemo(options: DemoAppOptions): Promise<DemoApp> {
  const notes: string[] = [];
  const onDecision = options.audit && auditLog(options.audit);
  const mcp = createMcpHandler(() => notesServer(notes, onDecision));
  const mcpUrl = new URL("/mcp", options.origin);
  const metadataUrl = protectedResourceMetadataUrl(mcpUrl);
  const external = options.external;
  const audience = external?.audience ?? mcpUrl.href;
  const dev = external === undefined
    ? await createDevAuthorizationServer({
      issuer: new URL("/oauth", mcpUrl).href,
      resource: mcpUrl,
      scopesSupported: SCOPES,
      approval: options.approval ?? "auto",
      ...(options.warn === undefined ? {} : { warn: options.warn }),
    })
    : undefined;
  const issuer = external?.issuer ?? dev!.issuer;
  const verifier = new JwtVerifier({
    // The embedded server's key is at hand: no JWKS fetch to ourselves. It
    // issues RFC 9068 tokens (typ at+jwt, the default).
    ...(dev !== undefined
      ? { jwks: dev.jwks }
      : external?.typ !== undefined
      ? { jwksUri: external.jwksUrl, typ: external.typ }
      : { jwksUri: external!.jwksUrl }),
    issuer,
    audience,
  });
  const metadata = protectedResourceMetadata({
    resource: mcpUrl,
    authorizationServers: [issuer],
    scopesSupported: SCOPES,
    resourceName: "mcp-authz demo notes",
  });
  const protectedMcp = withBearerAuth(
    (request, token) =>
      mcp.fetch(request, {
        // The SDK's 403 step-up challenge names the metadata document too.
        ...(token === undefined ? {} : {
          authInfo: { ...token, resourceMetadataUrl: metadataUrl.href },
        }),
      }),
    {
      verifier,
      resourceMetadataUrl: metadataUrl,
      // Every call needs "read": the 401 says so, and clients ask for it
      // first (MCP's scope selection), then step up for write or admin.
      requiredScopes: ["read"],
      scopeHierarchy: SCOPE_HIERARCHY,
      onDecision,
    },
  );
  return {
    async handler(request) {
      const own = await dev?.handle(request);
      if (own !== undefined) return own;
      const { pathname } = new URL(request.url);
      if (pathname === "/mcp") return await protectedMcp(request);
      if (pathname === metadataUrl.pathname) return metadata(request);
      return new Response("Not found\n", { status: 404 });
    },
    mcpUrl,
    metadataUrl,
    issuer,
    dev,
    close: () => mcp.close(),
  };
}

/** Options of {@linkcode startDemo}. */
export interface DemoOptions extends Omit<DemoAppOptions, "origin"> {
  /** Port on 127.0.0.1; 0 picks a free one. Default 8000. */
  port?: number;
}

/** A running demo. */
export interface Demo extends Omit<DemoApp, "handler" | "close"> {
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts the demo on 127.0.0.1 with `Deno.serve`.
 *
 * @param options Port, issuer and approval.
 * @returns The running demo.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const { port = 8000, ...rest } = options;
  return await serveWithOrigin(createDemo, port, rest);
}
