// The clients the development authorization server knows: those registered
// by RFC 7591 dynamic registration, and those that name themselves with a
// Client ID Metadata Document URL (draft-ietf-oauth-client-id-metadata-
// document), fetched on first use. One metadata validator serves both.
//
// A registered client's id carries its own metadata (encoded, validated
// again on every use), so a client keeps working across restarts of the
// server: MCP clients store their registration, and this server keeps its
// state in memory only. That gives nothing away: registration is open to
// anyone, so an id one makes up is no more than a registration one could
// have asked for. A confidential client's secret is an HMAC of its id under
// a key of this process: after a restart it is refused (invalid_client),
// and SDK clients then register again.

import {
  base64url,
  isLoopbackHost,
  isScopeToken,
  randomValue,
  readLimited,
} from "./_oauth.ts";

/** The grant types the server implements. */
export type GrantType =
  | "authorization_code"
  | "refresh_token"
  | "client_credentials";

/** How a client authenticates at the token endpoint. */
export type AuthMethod = "none" | "client_secret_basic" | "client_secret_post";

/** A known client. */
export interface Client {
  readonly clientId: string;
  /** Absent for a public client (`none`). */
  readonly clientSecret: string | undefined;
  readonly authMethod: AuthMethod;
  readonly redirectUris: readonly string[];
  readonly grantTypes: ReadonlySet<GrantType>;
  /** What the client calls itself (shown on the approval page). */
  readonly clientName: string | undefined;
  /** How it became known. */
  readonly source: "registration" | "metadata document";
}

/** A client metadata document or registration request that is refused. */
export class ClientMetadataError extends Error {
  /** `invalid_client_metadata` or `invalid_redirect_uri` (RFC 7591 §3.2.2). */
  readonly code: "invalid_client_metadata" | "invalid_redirect_uri";
  constructor(
    code: "invalid_client_metadata" | "invalid_redirect_uri",
    message: string,
  ) {
    super(message);
    this.name = "ClientMetadataError";
    this.code = code;
  }
}

const GRANT_TYPES: readonly GrantType[] = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
];
const AUTH_METHODS: readonly AuthMethod[] = [
  "none",
  "client_secret_basic",
  "client_secret_post",
];
// Schemes a browser must never be sent to with an authorization code.
const FORBIDDEN_SCHEMES = new Set([
  "javascript:",
  "data:",
  "vbscript:",
  "file:",
  "blob:",
  "about:",
  "ws:",
  "wss:",
  "ftp:",
]);
const MAX_REDIRECT_URIS = 10;
const MAX_URI_LENGTH = 2000;
const MAX_NAME_LENGTH = 200;

/**
 * Whether `value` may be a redirect URI: absolute, no fragment (RFC 6749
 * §3.1.2), `https`, `http` on a loopback host only (RFC 8252 §7.3), or a
 * private-use scheme (RFC 8252 §7.1); never a script or local scheme.
 */
export function redirectUriProblem(value: string): string | undefined {
  if (value.length > MAX_URI_LENGTH) return "is too long";
  if (!URL.canParse(value)) return "is not an absolute URL";
  const url = new URL(value);
  if (url.hash !== "" || value.includes("#")) return "has a fragment";
  if (url.username !== "" || url.password !== "") return "has credentials";
  if (FORBIDDEN_SCHEMES.has(url.protocol)) {
    return `uses the forbidden scheme "${url.protocol}"`;
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return "uses http on a host that is not loopback (use https)";
  }
  return undefined;
}

/**
 * Whether a requested redirect URI matches a registered one: exactly
 * (RFC 6749 §3.1.2.3), or for an `http` loopback IP literal, with any port
 * (RFC 8252 §7.3: native apps get an ephemeral port each run).
 */
export function redirectUriMatches(
  registered: string,
  requested: string,
): boolean {
  if (registered === requested) return true;
  if (!URL.canParse(registered) || !URL.canParse(requested)) return false;
  const a = new URL(registered);
  const b = new URL(requested);
  if (a.protocol !== "http:" || b.protocol !== "http:") return false;
  if (!isLoopbackHost(a.hostname) || a.hostname === "localhost") return false;
  if (requested.includes("#")) return false;
  return a.hostname === b.hostname && a.pathname === b.pathname &&
    a.search === b.search && a.username === "" && b.username === "" &&
    a.password === "" && b.password === "";
}

function stringArray(
  value: unknown,
  name: string,
): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      `${name} must be an array of strings`,
    );
  }
  return value as string[];
}

/** The validated fields of a client's metadata (RFC 7591 §2). */
export interface ClientMetadata {
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly GrantType[];
  readonly authMethod: AuthMethod;
  readonly clientName: string | undefined;
  readonly scope: string | undefined;
}

/**
 * Validates RFC 7591 §2 client metadata. Unknown members are ignored, as
 * RFC 7591 §2 requires.
 */
export function parseClientMetadata(
  body: unknown,
  defaultAuthMethod: AuthMethod,
): ClientMetadata {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      "The client metadata must be a JSON object",
    );
  }
  const doc = body as Record<string, unknown>;
  const redirectUris = stringArray(doc.redirect_uris, "redirect_uris") ?? [];
  if (redirectUris.length > MAX_REDIRECT_URIS) {
    throw new ClientMetadataError(
      "invalid_redirect_uri",
      `At most ${MAX_REDIRECT_URIS} redirect_uris are accepted`,
    );
  }
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem !== undefined) {
      throw new ClientMetadataError(
        "invalid_redirect_uri",
        `The redirect URI ${JSON.stringify(uri.slice(0, 200))} ${problem}`,
      );
    }
  }
  const grantTypes = stringArray(doc.grant_types, "grant_types") ??
    ["authorization_code"];
  for (const grant of grantTypes) {
    if (!(GRANT_TYPES as readonly string[]).includes(grant)) {
      throw new ClientMetadataError(
        "invalid_client_metadata",
        `Unsupported grant type ${
          JSON.stringify(grant)
        }: this server supports ${GRANT_TYPES.join(", ")}`,
      );
    }
  }
  const responseTypes = stringArray(doc.response_types, "response_types") ??
    (grantTypes.includes("authorization_code") ? ["code"] : []);
  if (responseTypes.some((type) => type !== "code")) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      'Only the response type "code" is supported',
    );
  }
  // RFC 7591 §2.1: response_types and grant_types must agree.
  if (
    responseTypes.includes("code") !== grantTypes.includes("authorization_code")
  ) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      'response_types "code" and grant_types "authorization_code" go together',
    );
  }
  if (grantTypes.includes("authorization_code") && redirectUris.length === 0) {
    throw new ClientMetadataError(
      "invalid_redirect_uri",
      "The authorization_code grant needs at least one redirect_uris entry",
    );
  }
  const method = doc.token_endpoint_auth_method ?? defaultAuthMethod;
  if (!(AUTH_METHODS as readonly unknown[]).includes(method)) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      `Unsupported token_endpoint_auth_method ${
        JSON.stringify(method)
      }: use one of ${AUTH_METHODS.join(", ")}`,
    );
  }
  const authMethod = method as AuthMethod;
  if (grantTypes.includes("client_credentials") && authMethod === "none") {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      "The client_credentials grant needs a confidential client (token_endpoint_auth_method client_secret_basic or client_secret_post)",
    );
  }
  const name = doc.client_name;
  if (
    name !== undefined &&
    (typeof name !== "string" || name.length > MAX_NAME_LENGTH)
  ) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      `client_name must be a string of at most ${MAX_NAME_LENGTH} characters`,
    );
  }
  const scope = doc.scope;
  if (
    scope !== undefined &&
    (typeof scope !== "string" ||
      !scope.split(" ").every((token) => isScopeToken(token)))
  ) {
    throw new ClientMetadataError(
      "invalid_client_metadata",
      "scope must be a space-separated list of scope tokens",
    );
  }
  return {
    redirectUris: [...new Set(redirectUris)],
    grantTypes: [...new Set(grantTypes as GrantType[])],
    authMethod,
    clientName: name,
    scope,
  };
}

/** Options of {@linkcode ClientRegistry}. */
export interface ClientRegistryOptions {
  readonly fetch: typeof globalThis.fetch;
  readonly metadataTimeoutMs: number;
  readonly metadataMaxBytes: number;
  readonly maxClients: number;
  readonly now: () => number;
}

const METADATA_CACHE_MS = 60_000;

const REGISTERED_PREFIX = "dev-";
const MAX_CLIENT_ID_LENGTH = 4096;

/** The clients: registered ones, and metadata documents fetched recently. */
export class ClientRegistry {
  readonly #options: ClientRegistryOptions;
  readonly #key: Promise<CryptoKey>;
  readonly #documents = new Map<string, { client: Client; until: number }>();

  constructor(options: ClientRegistryOptions) {
    this.#options = options;
    this.#key = crypto.subtle.generateKey(
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    ) as Promise<CryptoKey>;
  }

  /** Registers a client (RFC 7591 §3.1); throws ClientMetadataError. */
  async register(metadata: ClientMetadata): Promise<Client> {
    const document: Record<string, unknown> = {
      // Two registrations of the same metadata are still two clients.
      nonce: randomValue(9),
      redirect_uris: metadata.redirectUris,
      grant_types: metadata.grantTypes,
      token_endpoint_auth_method: metadata.authMethod,
      ...(metadata.clientName === undefined
        ? {}
        : { client_name: metadata.clientName }),
    };
    const clientId = REGISTERED_PREFIX +
      base64url(new TextEncoder().encode(JSON.stringify(document)));
    if (clientId.length > MAX_CLIENT_ID_LENGTH) {
      throw new ClientMetadataError(
        "invalid_client_metadata",
        "The client metadata is too large for this development server (fewer or shorter redirect_uris)",
      );
    }
    return await this.#registered(clientId, metadata);
  }

  /**
   * The client with this `client_id`: a registered one, or the client its
   * metadata document describes when the id is such a URL. `undefined` when
   * unknown; throws ClientMetadataError when its document is refused.
   */
  async resolve(clientId: string): Promise<Client | undefined> {
    if (clientId.startsWith(REGISTERED_PREFIX)) {
      return await this.#decode(clientId);
    }
    if (!isMetadataDocumentUrl(clientId)) return undefined;
    const now = this.#options.now();
    const cached = this.#documents.get(clientId);
    if (cached !== undefined && cached.until > now) return cached.client;
    const client = await this.#fetchDocument(clientId);
    if (this.#documents.size >= this.#options.maxClients) {
      const oldest = this.#documents.keys().next().value;
      if (oldest !== undefined) this.#documents.delete(oldest);
    }
    this.#documents.set(clientId, { client, until: now + METADATA_CACHE_MS });
    return client;
  }

  async #decode(clientId: string): Promise<Client | undefined> {
    const encoded = clientId.slice(REGISTERED_PREFIX.length);
    if (
      clientId.length > MAX_CLIENT_ID_LENGTH ||
      !/^[A-Za-z0-9_-]+$/.test(encoded)
    ) {
      return undefined;
    }
    try {
      const binary = atob(encoded.replace(/-/g, "+").replace(/_/g, "/"));
      const json = new TextDecoder("utf-8", { fatal: true }).decode(
        Uint8Array.from(binary, (c) => c.charCodeAt(0)),
      );
      const metadata = parseClientMetadata(
        JSON.parse(json),
        "client_secret_basic",
      );
      return await this.#registered(clientId, metadata);
    } catch {
      // Not an id this server could have issued: an unknown client.
      return undefined;
    }
  }

  async #registered(
    clientId: string,
    metadata: ClientMetadata,
  ): Promise<Client> {
    let clientSecret: string | undefined;
    if (metadata.authMethod !== "none") {
      const mac = await crypto.subtle.sign(
        "HMAC",
        await this.#key,
        new TextEncoder().encode(clientId),
      );
      clientSecret = base64url(new Uint8Array(mac));
    }
    return Object.freeze({
      clientId,
      clientSecret,
      authMethod: metadata.authMethod,
      redirectUris: Object.freeze([...metadata.redirectUris]),
      grantTypes: new Set(metadata.grantTypes),
      clientName: metadata.clientName,
      source: "registration",
    });
  }

  async #fetchDocument(clientId: string): Promise<Client> {
    const fetchFn = this.#options.fetch;
    // A plain timer (AbortSignal.timeout's does not keep Node's loop alive)
    // bounds the fetch and the reading of the body together.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error("timed out")),
      this.#options.metadataTimeoutMs,
    );
    try {
      return await this.#readDocument(clientId, fetchFn, controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  async #readDocument(
    clientId: string,
    fetchFn: typeof globalThis.fetch,
    signal: AbortSignal,
  ): Promise<Client> {
    const refuse = (why: string) =>
      new ClientMetadataError(
        "invalid_client_metadata",
        `The client metadata document ${JSON.stringify(clientId)} ${why}`,
      );
    let response: Response;
    try {
      response = await fetchFn(clientId, {
        headers: { Accept: "application/json" },
        redirect: "manual",
        signal,
      });
    } catch {
      throw refuse("could not be fetched (unreachable or timed out)");
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw refuse(`answered HTTP ${response.status}, expected 200`);
    }
    const type = response.headers.get("content-type") ?? "";
    if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
      await response.body?.cancel().catch(() => {});
      throw refuse("is not served as application/json");
    }
    let text: string | undefined;
    try {
      text = await readLimited(
        response.body,
        this.#options.metadataMaxBytes,
      );
    } catch {
      throw refuse("could not be read");
    }
    if (text === undefined) {
      throw refuse(
        `is larger than ${this.#options.metadataMaxBytes} bytes`,
      );
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw refuse("is not JSON");
    }
    const record = doc as Record<string, unknown> | null;
    if (typeof record !== "object" || record === null) {
      throw refuse("is not a JSON object");
    }
    // The document must name itself (draft-ietf-oauth-client-id-metadata-
    // document §4.1), and a URL-named client has no shared secret.
    if (record.client_id !== clientId) {
      throw refuse("has a client_id that is not its own URL");
    }
    if ("client_secret" in record || "client_secret_expires_at" in record) {
      throw refuse("must not contain a client_secret");
    }
    const metadata = parseClientMetadata(record, "none");
    if (metadata.authMethod !== "none") {
      throw refuse(
        'must use token_endpoint_auth_method "none" (this server supports no key-based client authentication)',
      );
    }
    return Object.freeze({
      clientId,
      clientSecret: undefined,
      authMethod: "none",
      redirectUris: Object.freeze([...metadata.redirectUris]),
      grantTypes: new Set(metadata.grantTypes),
      clientName: metadata.clientName,
      source: "metadata document",
    });
  }
}

/**
 * Whether a client_id is a Client ID Metadata Document URL: `https` with a
 * path, no fragment, credentials or dot segments; `http` only on a loopback
 * host (a development allowance).
 */
export function isMetadataDocumentUrl(clientId: string): boolean {
  if (!URL.canParse(clientId)) return false;
  const url = new URL(clientId);
  if (url.protocol !== "https:" && url.protocol !== "http:") return false;
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) return false;
  if (url.pathname === "/" || url.hash !== "" || clientId.includes("#")) {
    return false;
  }
  if (url.username !== "" || url.password !== "") return false;
  if (/\/\.\.?(?:\/|$)/.test(clientId.slice(url.origin.length))) return false;
  return true;
}
