/**
 * The development authorization server assembled: its key, its clients,
 * codes, refresh tokens and approvals, all in memory and bounded; and the
 * router that gives each of its paths to its endpoint (metadata, OpenID
 * discovery, JWKS, documentation, registration, authorization, token),
 * answers CORS preflights and wrong methods, and fails closed. Internal.
 *
 * @module
 */

import { Approvals } from "./_approval.ts";
import { type AuthorizeEndpoint, authorizeEndpoint } from "./_authorize.ts";
import { ClientRegistry } from "./_clients.ts";
import { AuthorizationCodes } from "./_codes.ts";
import { TokenSigner } from "./_keys.ts";
import {
  authorizationServerMetadata,
  developmentNotice,
  type Endpoint,
  type EndpointPaths,
  endpointPaths,
  type MetadataPaths,
  metadataPaths,
  metadataResponse,
  openIdResponse,
} from "./_metadata.ts";
import type { DevConfig } from "./_options.ts";
import { documentationPage } from "./_page.ts";
import { RefreshTokens } from "./_refresh.ts";
import { registerEndpoint } from "./_register.ts";
import { CORS_HEADERS, jsonResponse, oauthError } from "./_responses.ts";
import { type TokenEndpoint, tokenEndpoint } from "./_token.ts";

const METADATA_MAX_BYTES = 16 * 1024;
const MAX_ENTRIES = 10_000;
const MAX_CLIENTS = 1_000;

type Route = Endpoint | "metadata" | "openid";

/** The server's state and its router. */
export class DevCore {
  readonly config: DevConfig;
  readonly notice: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly metadataPaths: MetadataPaths;
  readonly signer: TokenSigner;
  readonly #paths: EndpointPaths;
  readonly #clients: ClientRegistry;
  readonly #token: TokenEndpoint;
  readonly #authorize: AuthorizeEndpoint;

  private constructor(config: DevConfig, signer: TokenSigner) {
    this.config = config;
    this.signer = signer;
    const now = config.now;
    this.#paths = endpointPaths(config.basePath);
    this.metadataPaths = metadataPaths(config.basePath);
    this.notice = developmentNotice(config);
    this.metadata = authorizationServerMetadata(
      config,
      this.#paths,
      this.notice,
    );
    const clients = new ClientRegistry({
      fetch: config.fetch,
      metadataTimeoutMs: config.clientMetadataTimeout,
      metadataMaxBytes: METADATA_MAX_BYTES,
      maxClients: MAX_CLIENTS,
      now,
    });
    const refresh = new RefreshTokens({
      grantable: config,
      ttl: config.refreshTokenTtl,
      maxEntries: MAX_ENTRIES,
      now,
    });
    const codes = new AuthorizationCodes({
      issuer: config.issuer,
      grantable: config,
      ttl: config.codeTtl,
      maxEntries: MAX_ENTRIES,
      now,
      onReplay: (code) => refresh.revokeCode(code),
    });
    const approvals = new Approvals({
      issuer: config.issuer,
      subject: config.subject,
      action: this.#paths.authorize,
      codes,
      maxEntries: MAX_ENTRIES,
      now,
    });
    this.#clients = clients;
    this.#token = Object.freeze({ config, clients, codes, refresh, signer });
    this.#authorize = Object.freeze({ config, clients, codes, approvals });
  }

  /** Generates the signing key and builds the server. */
  static async create(config: DevConfig): Promise<DevCore> {
    return new DevCore(
      config,
      await TokenSigner.create(config.issuer, config.now),
    );
  }

  /** Routes a request to its endpoint, or `undefined` when not ours. */
  async handle(request: Request): Promise<Response | undefined> {
    const route = this.#route(new URL(request.url).pathname);
    if (route === undefined) return undefined;
    if (request.method === "OPTIONS") {
      return new Response(null, { status: 204, headers: CORS_HEADERS });
    }
    const allowed = route === "authorize"
      ? ["GET", "POST"]
      : route === "token" || route === "register"
      ? ["POST"]
      : ["GET", "HEAD"];
    if (!allowed.includes(request.method)) {
      await request.body?.cancel().catch(() => {});
      return oauthError(
        405,
        "invalid_request",
        `Use ${allowed.join(" or ")} here`,
        { Allow: [...allowed, "OPTIONS"].join(", ") },
      );
    }
    try {
      return await this.#answer(route, request);
    } catch {
      // Fail closed, and say nothing of what went wrong inside.
      return oauthError(
        500,
        "server_error",
        "The request could not be handled",
      );
    }
  }

  #route(pathname: string): Route | undefined {
    if (pathname === this.metadataPaths.oauth) return "metadata";
    if (this.metadataPaths.openid.includes(pathname)) return "openid";
    const paths = Object.entries(this.#paths) as [Endpoint, string][];
    return paths.find(([, path]) => path === pathname)?.[0];
  }

  async #answer(route: Route, request: Request): Promise<Response> {
    switch (route) {
      case "metadata":
        return metadataResponse(this.metadata);
      case "openid":
        return openIdResponse(this.metadata);
      case "jwks":
        return jsonResponse(this.signer.jwks, 200, {
          "Cache-Control": "max-age=300",
        });
      case "docs":
        return documentationPage(this.config.issuer, this.notice);
      case "register":
        return await registerEndpoint(this.#clients, this.config.now, request);
      case "token":
        return await tokenEndpoint(this.#token, request);
      case "authorize":
        return await authorizeEndpoint(this.#authorize, request);
    }
  }
}
