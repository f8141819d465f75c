// An in-memory OAuth client provider for the SDK Clients (v2 and 1.x share
// the shape) that follows the authorization URL itself, with fetch (the
// development server approves automatically) or with a browser page, and
// records each step so the tests can assert the flow.
import assert from "node:assert/strict";

interface Tokens {
  access_token: string;
  token_type: string;
  scope?: string | undefined;
  refresh_token?: string | undefined;
}

/** Opens an authorization URL; returns the redirect back, or fails. */
export type Opener = (url: URL, redirectUri: string) => Promise<URL>;

/** Follows the redirect the authorization endpoint answers with. */
export const fetchOpener: Opener = async (url, redirectUri) => {
  const response = await fetch(url, { redirect: "manual" });
  await response.body?.cancel();
  const location = response.headers.get("location");
  assert.ok(
    location !== null && location.startsWith(redirectUri),
    `no redirect back (HTTP ${response.status})`,
  );
  return new URL(location);
};

export class HeadlessProvider {
  readonly redirectUri: string;
  readonly grantTypes: string[];
  readonly #open: Opener;
  #client: { client_id: string } | undefined;
  #tokens: Tokens | undefined;
  #verifier = "";
  #discovery: unknown;
  /** Every client registered, every authorization URL opened, every token. */
  readonly registered: string[] = [];
  readonly authorizations: URL[] = [];
  readonly tokenScopes: string[] = [];
  /** The callback's query once the authorization server redirected back. */
  callback: URLSearchParams | undefined;

  constructor(options: {
    redirectUri?: string;
    grantTypes?: string[];
    open?: Opener;
  } = {}) {
    this.redirectUri = options.redirectUri ?? "http://127.0.0.1/callback";
    this.grantTypes = options.grantTypes ??
      ["authorization_code", "refresh_token"];
    this.#open = options.open ?? fetchOpener;
  }

  get redirectUrl(): string {
    return this.redirectUri;
  }
  get clientMetadata() {
    return {
      client_name: "mcp-authz test client",
      redirect_uris: [this.redirectUri],
      grant_types: this.grantTypes,
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.#client;
  }
  saveClientInformation(info: { client_id: string }) {
    if (this.#client?.client_id !== info.client_id) {
      this.registered.push(info.client_id);
    }
    this.#client = info;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: Tokens) {
    this.tokenScopes.push(tokens.scope ?? "");
    this.#tokens = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
  saveDiscoveryState(state: unknown) {
    this.#discovery = state;
  }
  discoveryState() {
    return this.#discovery as never;
  }
  async redirectToAuthorization(url: URL) {
    this.authorizations.push(url);
    const back = await this.#open(url, this.redirectUri);
    assert.equal(back.searchParams.get("error"), null, `${back}`);
    this.callback = back.searchParams;
  }

  /** The pending callback's query, taken once. */
  take(): URLSearchParams {
    const callback = this.callback;
    assert.ok(callback !== undefined, "no authorization redirect happened");
    this.callback = undefined;
    return callback;
  }
}
