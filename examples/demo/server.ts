/**
 * The demo server: MCP at `/mcp` behind `bearerAuth` + `JwtVerifier`, its
 * RFC 9728 protected-resource metadata, and (by default) an embedded
 * development token issuer.
 *
 * @module
 */

import { createMcpHandler } from "@modelcontextprotocol/server";
import {
  JwtVerifier,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  withBearerAuth,
} from "../../mod.ts";
import { createDevIssuer } from "./dev_issuer.ts";
import { notesServer } from "./notes.ts";

/** A real authorization server to trust instead of the development issuer. */
export interface ExternalIssuer {
  /** Its issuer identifier (the `iss` of its tokens). */
  issuer: string;
  /** Where it publishes its signing keys. */
  jwksUrl: string;
  /** The `aud` its tokens carry for this server; default: the MCP URL. */
  audience?: string | undefined;
  /** The JWT `typ` to require (e.g. `at+jwt`); default: not checked. */
  typ?: string | undefined;
}

/** Options of {@linkcode startDemo}. */
export interface DemoOptions {
  /** Port on 127.0.0.1; 0 picks a free one. Default 8000. */
  port?: number;
  /** Trust this issuer instead of embedding the development issuer. */
  external?: ExternalIssuer | undefined;
}

/** A running demo. */
export interface Demo {
  /** The MCP endpoint. */
  mcpUrl: URL;
  /** The protected-resource metadata document. */
  metadataUrl: URL;
  /** The development token endpoint, when the issuer is embedded. */
  devTokenUrl: URL | undefined;
  /** The trusted issuer. */
  issuer: string;
  /** Stops the server. */
  close(): Promise<void>;
}

const SCOPES = ["read", "write", "admin"];

/**
 * Starts the demo on 127.0.0.1.
 *
 * @param options Port and issuer.
 * @returns The running demo.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const controller = new AbortController();
  const notes: string[] = [];
  const mcp = createMcpHandler(() => notesServer(notes));
  // Routes are bound once the port is known; until then nothing is served.
  let route: (request: Request) => Response | Promise<Response> = () =>
    new Response(null, { status: 503 });
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 8000,
    signal: controller.signal,
    onListen() {},
  }, (request) => route(request));

  const base = `http://127.0.0.1:${server.addr.port}`;
  const mcpUrl = new URL("/mcp", base);
  const metadataUrl = protectedResourceMetadataUrl(mcpUrl);
  const external = options.external;
  const audience = external?.audience ?? mcpUrl.href;
  const dev = external === undefined
    ? await createDevIssuer({ issuer: `${base}/dev`, audience })
    : undefined;
  const issuer = external?.issuer ?? dev!.issuer;
  const verifier = new JwtVerifier({
    jwksUri: external?.jwksUrl ?? `${base}/dev/jwks`,
    issuer,
    audience,
    ...(dev !== undefined
      ? { typ: "at+jwt" }
      : external?.typ !== undefined
      ? { typ: external.typ }
      : {}),
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
        ...(token === undefined
          ? {}
          : { authInfo: { ...token, resourceMetadataUrl: metadataUrl.href } }),
      }),
    { verifier, resourceMetadataUrl: metadataUrl },
  );

  route = (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/mcp") return protectedMcp(request);
    if (pathname === metadataUrl.pathname) return metadata(request);
    if (dev !== undefined && request.method === "GET") {
      if (pathname === "/dev/jwks") return dev.jwks();
      if (pathname === "/dev/token") return dev.token(request);
    }
    return new Response("Not found\n", { status: 404 });
  };

  return {
    mcpUrl,
    metadataUrl,
    devTokenUrl: dev === undefined ? undefined : new URL("/dev/token", base),
    issuer,
    async close() {
      controller.abort();
      await server.finished;
      await mcp.close();
    },
  };
}
