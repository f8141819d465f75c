// The endpoints of the development authorization server: authorization
// (RFC 6749 §4.1 with RFC 7636 PKCE), token (§4.1.3, §4.4, §6), dynamic
// registration (RFC 7591), metadata (RFC 8414) and JWKS.

import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { JsonWebKeySet, PublicJwk } from "../verify/keys.ts";
import {
  type Client,
  ClientMetadataError,
  ClientRegistry,
  type GrantType,
  parseClientMetadata,
  redirectUriMatches,
} from "./_clients.ts";
import {
  CORS_HEADERS,
  isCodeVerifier,
  isS256Challenge,
  isVsChars,
  jsonResponse,
  oauthError,
  parseScope,
  randomValue,
  readLimited,
  s256,
  singleParams,
  timingSafeEqual,
} from "./_oauth.ts";
import type { DevConfig } from "./_options.ts";
import { approvalPage, documentationPage, errorPage } from "./_page.ts";
import { ExpiringStore } from "./_store.ts";

const MAX_BODY_BYTES = 64 * 1024;
const METADATA_MAX_BYTES = 16 * 1024;
const MAX_ENTRIES = 10_000;
const MAX_CLIENTS = 1_000;
const TRANSACTION_TTL_MS = 10 * 60_000;

/** A validated authorization request, waiting for approval or approved. */
interface Grant {
  readonly clientId: string;
  readonly redirectUri: string;
  /** Whether the request named redirect_uri (RFC 6749 §4.1.3). */
  readonly redirectUriGiven: boolean;
  readonly state: string | undefined;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  readonly resource: string;
}

interface Transaction extends Grant {
  readonly expiresAt: number;
}

interface Code extends Grant {
  readonly expiresAt: number;
  readonly subject: string;
  used: boolean;
}

interface RefreshGrant {
  readonly expiresAt: number;
  readonly clientId: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** Every rotation of one grant shares a family (RFC 9700 §4.14.2). */
  readonly family: string;
  /** The code the family came from, revoked with it if that code is replayed. */
  readonly code: string;
  rotated: boolean;
}

/** The claims and lifetime of a token to sign. */
export interface MintInput {
  readonly subject: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly ttl: number;
}

type Params = Map<string, string>;

/** The server's state and endpoints. */
export class DevCore {
  readonly config: DevConfig;
  readonly notice: string;
  readonly jwks: JsonWebKeySet;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly #privateKey: CryptoKey;
  readonly #kid: string;
  readonly #clients: ClientRegistry;
  readonly #transactions: ExpiringStore<Transaction>;
  readonly #codes: ExpiringStore<Code>;
  readonly #refresh: ExpiringStore<RefreshGrant>;
  readonly #paths: Readonly<Record<string, string>>;

  private constructor(
    config: DevConfig,
    privateKey: CryptoKey,
    jwk: PublicJwk,
  ) {
    this.config = config;
    this.#privateKey = privateKey;
    this.#kid = jwk.kid!;
    this.jwks = Object.freeze({ keys: Object.freeze([Object.freeze(jwk)]) });
    const now = config.now;
    this.#clients = new ClientRegistry({
      fetch: config.fetch,
      metadataTimeoutMs: config.clientMetadataTimeout,
      metadataMaxBytes: METADATA_MAX_BYTES,
      maxClients: MAX_CLIENTS,
      now,
    });
    this.#transactions = new ExpiringStore(MAX_ENTRIES, now);
    this.#codes = new ExpiringStore(MAX_ENTRIES, now);
    this.#refresh = new ExpiringStore(MAX_ENTRIES, now);
    const base = config.basePath;
    this.#paths = Object.freeze({
      authorize: `${base}/authorize`,
      token: `${base}/token`,
      register: `${base}/register`,
      jwks: `${base}/jwks`,
      docs: `${base}/docs`,
    });
    const origin = new URL(config.issuer).origin;
    const url = (path: string) => origin + path;
    this.notice = `DEVELOPMENT authorization server: it ${
      config.approval === "auto"
        ? `approves every request as "${config.subject}" without asking`
        : `signs anyone in as "${config.subject}" on a click`
    }. For local development and tests only, never in production.`;
    const grantTypes: GrantType[] = [
      "authorization_code",
      "refresh_token",
      "client_credentials",
    ];
    this.metadata = Object.freeze({
      issuer: config.issuer,
      authorization_endpoint: url(this.#paths.authorize!),
      token_endpoint: url(this.#paths.token!),
      registration_endpoint: url(this.#paths.register!),
      jwks_uri: url(this.#paths.jwks!),
      scopes_supported: [...config.scopesSupported],
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: grantTypes,
      token_endpoint_auth_methods_supported: [
        "none",
        "client_secret_basic",
        "client_secret_post",
      ],
      code_challenge_methods_supported: ["S256"],
      // RFC 9207: the authorization response names its issuer.
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
      service_documentation: url(this.#paths.docs!),
      description: this.notice,
    });
  }

  /** Generates the signing key and builds the server. */
  static async create(config: DevConfig): Promise<DevCore> {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const jwk: PublicJwk = {
      ...await exportJWK(publicKey),
      kid: randomValue(12),
      alg: "ES256",
      use: "sig",
    };
    return new DevCore(config, privateKey, jwk);
  }

  /** RFC 8414 §3.1 path-aware metadata location, and OpenID's two. */
  get metadataPaths(): { oauth: string; openid: readonly string[] } {
    const base = this.config.basePath;
    return {
      oauth: `/.well-known/oauth-authorization-server${base}`,
      openid: [
        `/.well-known/openid-configuration${base}`,
        `${base}/.well-known/openid-configuration`,
      ],
    };
  }

  /** Routes a request to its endpoint, or `undefined` when not ours. */
  async handle(request: Request): Promise<Response | undefined> {
    const { pathname } = new URL(request.url);
    const paths = this.#paths;
    const { oauth, openid } = this.metadataPaths;
    const route = pathname === oauth
      ? "metadata"
      : openid.includes(pathname)
      ? "openid"
      : Object.entries(paths).find(([, path]) => path === pathname)?.[0];
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
      switch (route) {
        case "metadata":
          return jsonResponse(this.metadata, 200, {
            "Cache-Control": "max-age=60",
          });
        case "openid":
          // OpenID Connect Discovery 1.0 §3 requires these two as well.
          return jsonResponse(
            {
              ...this.metadata,
              subject_types_supported: ["public"],
              id_token_signing_alg_values_supported: ["ES256"],
            },
            200,
            { "Cache-Control": "max-age=60" },
          );
        case "jwks":
          return jsonResponse(this.jwks, 200, {
            "Cache-Control": "max-age=300",
          });
        case "docs":
          return documentationPage(this.config.issuer, this.notice);
        case "register":
          return await this.#register(request);
        case "token":
          return await this.#token(request);
        default:
          return await this.#authorize(request);
      }
    } catch {
      // Fail closed, and say nothing of what went wrong inside.
      return oauthError(
        500,
        "server_error",
        "The request could not be handled",
      );
    }
  }

  /** Signs an RFC 9068 access token. */
  async mint(input: MintInput): Promise<string> {
    const now = Math.floor(this.config.now() / 1000);
    const payload: Record<string, unknown> = { client_id: input.clientId };
    if (input.scopes.length > 0) payload.scope = input.scopes.join(" ");
    return await new SignJWT(payload)
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: this.#kid })
      .setIssuer(this.config.issuer)
      .setAudience(input.resource)
      .setSubject(input.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + input.ttl)
      .setJti(randomValue(16))
      .sign(this.#privateKey);
  }

  /** The resource a request names, or the only one configured. */
  resolveResource(value: string | undefined): string | undefined {
    const resources = this.config.resources;
    if (value === undefined) {
      return resources.length === 1 ? resources[0] : undefined;
    }
    if (!URL.canParse(value) || value.includes("#")) return undefined;
    const href = new URL(value).href;
    return resources.includes(href) ? href : undefined;
  }

  /** The scopes requested, when all are supported; else an error message. */
  checkScopes(value: string | undefined): string[] | string {
    const scopes = parseScope(value ?? "");
    if (scopes === undefined) {
      return "scope must be space-separated RFC 6749 scope tokens";
    }
    const unknown = scopes.filter((s) =>
      !this.config.scopesSupported.includes(s)
    );
    if (unknown.length > 0) {
      return `The resource does not support the scope ${
        unknown.map((s) => JSON.stringify(s.slice(0, 64))).join(", ")
      }; it supports ${this.config.scopesSupported.join(" ")}`;
    }
    return scopes;
  }

  // --- registration (RFC 7591) -------------------------------------------

  async #register(request: Request): Promise<Response> {
    const type = request.headers.get("content-type") ?? "";
    if (!/^application\/json\s*(?:;|$)/i.test(type)) {
      await request.body?.cancel().catch(() => {});
      return oauthError(
        400,
        "invalid_client_metadata",
        "Send the client metadata as application/json",
      );
    }
    let body: unknown;
    try {
      const text = await readLimited(request.body, MAX_BODY_BYTES);
      if (text === undefined) {
        return oauthError(
          413,
          "invalid_client_metadata",
          "The client metadata is too large",
        );
      }
      body = JSON.parse(text);
    } catch {
      return oauthError(
        400,
        "invalid_client_metadata",
        "The client metadata is not valid JSON",
      );
    }
    let client: Client;
    let scope: string | undefined;
    try {
      const metadata = parseClientMetadata(body, "client_secret_basic");
      scope = metadata.scope;
      client = await this.#clients.register(metadata);
    } catch (error) {
      if (error instanceof ClientMetadataError) {
        return oauthError(400, error.code, error.message);
      }
      throw error;
    }
    const issuedAt = Math.floor(this.config.now() / 1000);
    return jsonResponse({
      client_id: client.clientId,
      ...(client.clientSecret === undefined ? {} : {
        client_secret: client.clientSecret,
        client_secret_expires_at: 0,
      }),
      client_id_issued_at: issuedAt,
      redirect_uris: client.redirectUris,
      grant_types: [...client.grantTypes],
      response_types: client.grantTypes.has("authorization_code")
        ? ["code"]
        : [],
      token_endpoint_auth_method: client.authMethod,
      ...(client.clientName === undefined
        ? {}
        : { client_name: client.clientName }),
      ...(scope === undefined ? {} : { scope }),
    }, 201);
  }

  // --- authorization endpoint (RFC 6749 §4.1.1, §4.1.2) -------------------

  async #authorize(request: Request): Promise<Response> {
    let params: URLSearchParams;
    if (request.method === "POST") {
      const form = await this.#readForm(request);
      if (form instanceof Response) {
        return errorPage(
          form.status,
          "Send the form as application/x-www-form-urlencoded, at most 64 KiB",
        );
      }
      params = form;
      if (params.has("transaction")) return await this.#decide(params);
    } else {
      params = new URL(request.url).searchParams;
    }
    const single = singleParams(params);
    if (!(single instanceof Map)) {
      return errorPage(
        400,
        `The parameter "${single.repeated.slice(0, 64)}" is repeated`,
      );
    }
    const get = (name: string) => nonEmpty(single, name);

    // §4.1.2.1: without a trustworthy client and redirect URI, the error is
    // shown here, never sent to a redirect URI nobody vouched for.
    const clientId = get("client_id");
    if (clientId === undefined) {
      return errorPage(400, "The request has no client_id");
    }
    let client: Client | undefined;
    try {
      client = await this.#clients.resolve(clientId);
    } catch (error) {
      if (error instanceof ClientMetadataError) {
        return errorPage(400, error.message);
      }
      throw error;
    }
    if (client === undefined) {
      return errorPage(400, "Unknown client_id: register the client first");
    }
    const requested = get("redirect_uri");
    let redirectUri: string;
    if (requested === undefined) {
      if (client.redirectUris.length !== 1) {
        return errorPage(
          400,
          "The request has no redirect_uri, and the client registered several",
        );
      }
      redirectUri = client.redirectUris[0]!;
    } else if (
      client.redirectUris.some((uri) => redirectUriMatches(uri, requested))
    ) {
      redirectUri = requested;
    } else {
      return errorPage(
        400,
        "The redirect_uri is not one the client registered",
      );
    }

    const state = get("state");
    const fail = (error: string, description: string) =>
      this.#redirect(redirectUri, {
        error,
        error_description: description,
        ...(state === undefined || !isVsChars(state) ? {} : { state }),
      }, request.method);
    if (state !== undefined && !isVsChars(state)) {
      return fail("invalid_request", "state must be printable ASCII");
    }
    const responseType = get("response_type");
    if (responseType === undefined) {
      return fail("invalid_request", "The request has no response_type");
    }
    if (responseType !== "code") {
      return fail(
        "unsupported_response_type",
        'Only response_type "code" is supported',
      );
    }
    if (!client.grantTypes.has("authorization_code")) {
      return fail(
        "unauthorized_client",
        "The client did not register the authorization_code grant",
      );
    }
    // RFC 7636 and OAuth 2.1: PKCE always, and S256 only.
    const challenge = get("code_challenge");
    const method = get("code_challenge_method");
    if (challenge === undefined) {
      return fail(
        "invalid_request",
        "PKCE is required: send code_challenge with code_challenge_method S256",
      );
    }
    if (method !== "S256") {
      return fail(
        "invalid_request",
        method === undefined || method === "plain"
          ? 'code_challenge_method "plain" is refused: use S256'
          : "code_challenge_method must be S256",
      );
    }
    if (!isS256Challenge(challenge)) {
      return fail(
        "invalid_request",
        "code_challenge must be the base64url SHA-256 of the code verifier",
      );
    }
    const resourceValue = get("resource");
    const resource = this.resolveResource(resourceValue);
    if (resource === undefined || params.getAll("resource").length > 1) {
      return fail(
        "invalid_target",
        resourceValue === undefined
          ? "Name the resource (RFC 8707): this server serves several"
          : "The resource is not one this server issues tokens for",
      );
    }
    const scopes = this.checkScopes(get("scope"));
    if (typeof scopes === "string") return fail("invalid_scope", scopes);

    const grant: Grant = {
      clientId: client.clientId,
      redirectUri,
      redirectUriGiven: requested !== undefined,
      state,
      codeChallenge: challenge,
      scopes,
      resource,
    };
    if (this.config.approval === "auto") {
      return this.#issueCode(grant, request.method);
    }
    const transaction = randomValue(24);
    this.#transactions.set(transaction, {
      ...grant,
      expiresAt: this.config.now() + TRANSACTION_TTL_MS,
    });
    return approvalPage({
      action: this.#paths.authorize!,
      transaction,
      clientName: client.clientName,
      clientId: client.clientId,
      clientSource: client.source === "registration"
        ? "registered dynamically"
        : "client metadata document",
      redirectUri,
      scopes,
      resource,
      subject: this.config.subject,
    });
  }

  /** The person's answer on the approval page. */
  #decide(params: URLSearchParams): Response {
    const single = singleParams(params);
    const id = single instanceof Map ? single.get("transaction") : undefined;
    const grant = id === undefined ? undefined : this.#transactions.get(id);
    if (id === undefined || grant === undefined) {
      return errorPage(
        400,
        "This authorization request has expired or was already answered: start again from the client",
      );
    }
    // One answer per request: a second click finds nothing.
    this.#transactions.delete(id);
    const decision = (single as Params).get("decision");
    if (decision === "approve") return this.#issueCode(grant, "POST");
    return this.#redirect(grant.redirectUri, {
      error: "access_denied",
      error_description: "The user denied the request",
      ...(grant.state === undefined ? {} : { state: grant.state }),
    }, "POST");
  }

  #issueCode(grant: Grant, method: string): Response {
    const code = randomValue(32);
    this.#codes.set(code, {
      ...grant,
      subject: this.config.subject,
      expiresAt: this.config.now() + this.config.codeTtl * 1000,
      used: false,
    });
    return this.#redirect(grant.redirectUri, {
      code,
      ...(grant.state === undefined ? {} : { state: grant.state }),
    }, method);
  }

  #redirect(
    redirectUri: string,
    params: Record<string, string>,
    method: string,
  ): Response {
    const url = new URL(redirectUri);
    for (const [name, value] of Object.entries(params)) {
      url.searchParams.set(name, value);
    }
    url.searchParams.set("iss", this.config.issuer);
    // 303 after the approval form, so the browser follows with a GET.
    return new Response(null, {
      status: method === "POST" ? 303 : 302,
      headers: {
        Location: url.href,
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
      },
    });
  }

  // --- token endpoint (RFC 6749 §3.2, §4.1.3, §4.4, §6) -------------------

  async #readForm(request: Request): Promise<URLSearchParams | Response> {
    const type = request.headers.get("content-type") ?? "";
    if (!/^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(type)) {
      await request.body?.cancel().catch(() => {});
      return oauthError(
        400,
        "invalid_request",
        "Send the parameters as application/x-www-form-urlencoded",
      );
    }
    let text: string | undefined;
    try {
      text = await readLimited(request.body, MAX_BODY_BYTES);
    } catch {
      return oauthError(400, "invalid_request", "The body is not UTF-8");
    }
    if (text === undefined) {
      return oauthError(413, "invalid_request", "The body is too large");
    }
    return new URLSearchParams(text);
  }

  async #token(request: Request): Promise<Response> {
    const form = await this.#readForm(request);
    if (form instanceof Response) return form;
    const resources = form.getAll("resource");
    if (resources.length > 1) {
      return oauthError(
        400,
        "invalid_target",
        "Ask for one resource per token request",
      );
    }
    const single = singleParams(form);
    if (!(single instanceof Map)) {
      return oauthError(
        400,
        "invalid_request",
        `The parameter "${single.repeated.slice(0, 64)}" is repeated`,
      );
    }
    const client = await this.#authenticate(request, single);
    if (client instanceof Response) return client;
    const grantType = nonEmpty(single, "grant_type");
    switch (grantType) {
      case "authorization_code":
        return await this.#codeGrant(client, single);
      case "refresh_token":
        return await this.#refreshGrant(client, single);
      case "client_credentials":
        return await this.#clientCredentialsGrant(client, single);
      case undefined:
        return oauthError(
          400,
          "invalid_request",
          "The request has no grant_type",
        );
      default:
        return oauthError(
          400,
          "unsupported_grant_type",
          "Use authorization_code, refresh_token or client_credentials",
        );
    }
  }

  /** RFC 6749 §2.3: the client, authenticated as it registered. */
  async #authenticate(
    request: Request,
    params: Params,
  ): Promise<Client | Response> {
    const header = request.headers.get("authorization");
    let basic: { id: string; secret: string } | undefined;
    const invalid = (description: string) =>
      oauthError(
        401,
        "invalid_client",
        description,
        header === null ? {} : {
          "WWW-Authenticate": `Basic realm="${this.config.issuer}"`,
        },
      );
    if (header !== null) {
      basic = parseBasic(header);
      if (basic === undefined) {
        return invalid(
          "The Authorization header is not valid Basic credentials",
        );
      }
    }
    const bodyId = nonEmpty(params, "client_id");
    const bodySecret = nonEmpty(params, "client_secret");
    if (basic !== undefined && bodySecret !== undefined) {
      return oauthError(
        400,
        "invalid_request",
        "Authenticate the client one way only (RFC 6749 §2.3)",
      );
    }
    if (basic !== undefined && bodyId !== undefined && bodyId !== basic.id) {
      return oauthError(
        400,
        "invalid_request",
        "client_id differs from the Authorization header's",
      );
    }
    const clientId = basic?.id ?? bodyId;
    if (clientId === undefined) {
      return invalid("The request names no client");
    }
    let client: Client | undefined;
    try {
      client = await this.#clients.resolve(clientId);
    } catch (error) {
      if (error instanceof ClientMetadataError) return invalid(error.message);
      throw error;
    }
    if (client === undefined) return invalid("Unknown client");
    const presented = basic?.secret ?? bodySecret;
    const expected = client.clientSecret;
    if (client.authMethod === "none") {
      if (presented !== undefined) {
        return invalid("This public client has no secret to present");
      }
      return client;
    }
    const via = basic !== undefined
      ? "client_secret_basic"
      : bodySecret !== undefined
      ? "client_secret_post"
      : undefined;
    if (
      via !== client.authMethod || presented === undefined ||
      expected === undefined || !timingSafeEqual(presented, expected)
    ) {
      return invalid(
        `Client authentication failed (this client uses ${client.authMethod})`,
      );
    }
    return client;
  }

  async #codeGrant(client: Client, params: Params): Promise<Response> {
    if (!client.grantTypes.has("authorization_code")) {
      return oauthError(
        400,
        "unauthorized_client",
        "The client did not register the authorization_code grant",
      );
    }
    const value = nonEmpty(params, "code");
    if (value === undefined) {
      return oauthError(400, "invalid_request", "The request has no code");
    }
    const code = this.#codes.get(value);
    const invalid = () =>
      oauthError(
        400,
        "invalid_grant",
        "The code is invalid, expired, already used or not this client's",
      );
    if (code === undefined) return invalid();
    if (code.used) {
      // RFC 6749 §4.1.2: a replayed code revokes what it granted.
      this.#refresh.deleteWhere((grant) => grant.code === value);
      return invalid();
    }
    // Presented once, spent: a wrong verifier does not leave it to retry.
    code.used = true;
    if (code.clientId !== client.clientId) return invalid();
    const redirectUri = nonEmpty(params, "redirect_uri");
    if (
      code.redirectUriGiven
        ? redirectUri !== code.redirectUri
        : redirectUri !== undefined && redirectUri !== code.redirectUri
    ) {
      return oauthError(
        400,
        "invalid_grant",
        "redirect_uri differs from the authorization request's",
      );
    }
    const verifier = nonEmpty(params, "code_verifier");
    if (verifier === undefined) {
      return oauthError(
        400,
        "invalid_request",
        "The request has no code_verifier (PKCE)",
      );
    }
    if (
      !isCodeVerifier(verifier) ||
      !timingSafeEqual(await s256(verifier), code.codeChallenge)
    ) {
      return oauthError(
        400,
        "invalid_grant",
        "code_verifier does not match the code_challenge",
      );
    }
    const resource = nonEmpty(params, "resource");
    if (
      resource !== undefined && this.resolveResource(resource) !== code.resource
    ) {
      return oauthError(
        400,
        "invalid_target",
        "The resource differs from the authorization request's",
      );
    }
    return await this.#tokens(client, {
      subject: code.subject,
      scopes: code.scopes,
      resource: code.resource,
      family: randomValue(16),
      code: value,
    });
  }

  async #refreshGrant(client: Client, params: Params): Promise<Response> {
    if (!client.grantTypes.has("refresh_token")) {
      return oauthError(
        400,
        "unauthorized_client",
        "The client did not register the refresh_token grant",
      );
    }
    const value = nonEmpty(params, "refresh_token");
    if (value === undefined) {
      return oauthError(
        400,
        "invalid_request",
        "The request has no refresh_token",
      );
    }
    const grant = this.#refresh.get(value);
    const invalid = () =>
      oauthError(
        400,
        "invalid_grant",
        "The refresh token is invalid, expired, revoked or not this client's",
      );
    if (grant === undefined || grant.clientId !== client.clientId) {
      return invalid();
    }
    if (grant.rotated) {
      // A rotated token used again was stolen or replayed: end the family.
      this.#refresh.deleteWhere((entry) => entry.family === grant.family);
      return invalid();
    }
    const requested = nonEmpty(params, "scope");
    let scopes = grant.scopes;
    if (requested !== undefined) {
      const parsed = parseScope(requested);
      // RFC 6749 §6: no scope beyond the original grant.
      if (
        parsed === undefined || !parsed.every((s) => grant.scopes.includes(s))
      ) {
        return oauthError(
          400,
          "invalid_scope",
          "A refresh may keep or narrow the granted scope, not widen it: authorize again for more",
        );
      }
      scopes = parsed;
    }
    const resource = nonEmpty(params, "resource");
    if (
      resource !== undefined &&
      this.resolveResource(resource) !== grant.resource
    ) {
      return oauthError(
        400,
        "invalid_target",
        "The resource differs from the one this grant is for",
      );
    }
    grant.rotated = true;
    return await this.#tokens(client, {
      subject: grant.subject,
      scopes,
      resource: grant.resource,
      family: grant.family,
      code: grant.code,
    });
  }

  async #clientCredentialsGrant(
    client: Client,
    params: Params,
  ): Promise<Response> {
    if (!client.grantTypes.has("client_credentials")) {
      return oauthError(
        400,
        "unauthorized_client",
        "The client did not register the client_credentials grant",
      );
    }
    const resourceValue = nonEmpty(params, "resource");
    const resource = this.resolveResource(resourceValue);
    if (resource === undefined) {
      return oauthError(
        400,
        "invalid_target",
        resourceValue === undefined
          ? "Name the resource (RFC 8707): this server serves several"
          : "The resource is not one this server issues tokens for",
      );
    }
    const scopes = this.checkScopes(nonEmpty(params, "scope"));
    if (typeof scopes === "string") {
      return oauthError(400, "invalid_scope", scopes);
    }
    // §4.4.3: no refresh token; the client is its own subject.
    return await this.#tokens(client, {
      subject: client.clientId,
      scopes,
      resource,
      family: undefined,
      code: undefined,
    });
  }

  async #tokens(client: Client, grant: {
    subject: string;
    scopes: readonly string[];
    resource: string;
    family: string | undefined;
    code: string | undefined;
  }): Promise<Response> {
    const ttl = this.config.accessTokenTtl;
    const accessToken = await this.mint({
      subject: grant.subject,
      clientId: client.clientId,
      scopes: grant.scopes,
      resource: grant.resource,
      ttl,
    });
    let refreshToken: string | undefined;
    if (
      grant.family !== undefined && grant.code !== undefined &&
      client.grantTypes.has("refresh_token")
    ) {
      refreshToken = randomValue(32);
      this.#refresh.set(refreshToken, {
        expiresAt: this.config.now() + this.config.refreshTokenTtl * 1000,
        clientId: client.clientId,
        subject: grant.subject,
        scopes: grant.scopes,
        resource: grant.resource,
        family: grant.family,
        code: grant.code,
        rotated: false,
      });
    }
    return jsonResponse({
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: ttl,
      scope: grant.scopes.join(" "),
      ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
    });
  }
}

/** A parameter's value; an empty one counts as absent (RFC 6749 §3.1). */
function nonEmpty(params: Params, name: string): string | undefined {
  const value = params.get(name);
  return value === undefined || value === "" ? undefined : value;
}

/** RFC 6749 §2.3.1: Basic with form-encoded id and secret. */
function parseBasic(
  header: string,
): { id: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header);
  if (match === null) return undefined;
  let decoded: string;
  try {
    const binary = atob(match[1]!);
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  try {
    const id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " "));
    const secret = decodeURIComponent(
      decoded.slice(colon + 1).replace(/\+/g, " "),
    );
    return id === "" ? undefined : { id, secret };
  } catch {
    return undefined;
  }
}
