/**
 * An MCP client for the demo, with the official SDK `Client` over
 * Streamable HTTP. Without `TOKEN` it logs in as an OAuth client does: the
 * server's 401 names its protected-resource metadata, which names the
 * authorization server; the client registers itself (RFC 7591), authorizes
 * with PKCE and gets a token. The demo's development server approves at
 * once, so this script follows the authorization redirect itself instead of
 * opening a browser. Calling a tool beyond its scope makes the SDK step up:
 * it logs in again for the wider scope and retries.
 *
 * ```sh
 * deno task client                         # scope "read": lists the tools, calls the first
 * TOOL=delete_all_notes deno task client   # steps up to "admin" and calls it
 * SCOPE=write TOOL=add_note ARGS='{"text":"hi"}' deno task client
 * TOKEN=eyJ... MCP_URL=https://example.com/mcp deno task client
 * ```
 *
 * @module
 */

import {
  Client,
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type OAuthTokens,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";

const mcpUrl = new URL(
  Deno.env.get("MCP_URL") ??
    `http://127.0.0.1:${Deno.env.get("PORT") ?? "8000"}/mcp`,
);

/**
 * An in-memory OAuth client that "opens" the authorization URL by fetching
 * it: with automatic approval the answer is the redirect carrying the code.
 */
class ScriptProvider implements OAuthClientProvider {
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = "";
  #discovery: OAuthDiscoveryState | undefined;
  /** The callback's query, once the authorization server redirected. */
  callback: URLSearchParams | undefined;

  get redirectUrl(): string {
    return "http://127.0.0.1/callback";
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "mcp-authz demo client",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    if (this.#client === undefined) {
      console.log(`Registered as client ${info.client_id}`);
    }
    this.#client = info;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens) {
    console.log(`Got a token with scope "${tokens.scope ?? ""}"`);
    this.#tokens = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.#discovery = state;
  }
  discoveryState() {
    return this.#discovery;
  }
  async redirectToAuthorization(url: URL) {
    // SCOPE: ask for more than the server's challenge names (add_note is
    // hidden from a token without "write", so no challenge asks for it).
    const extra = Deno.env.get("SCOPE");
    if (extra !== undefined) {
      const scopes = new Set((url.searchParams.get("scope") ?? "").split(" "));
      for (const scope of extra.split(" ")) scopes.add(scope);
      scopes.delete("");
      url.searchParams.set("scope", [...scopes].join(" "));
    }
    console.log(
      `Logging in at ${url.origin}${url.pathname} for scope "${
        url.searchParams.get("scope") ?? ""
      }"`,
    );
    const response = await fetch(url, { redirect: "manual" });
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (location === null || !location.startsWith(this.redirectUrl)) {
      throw new Error(
        `The authorization server did not redirect back (HTTP ${response.status}): approve in a browser instead, at ${url}`,
      );
    }
    const params = new URL(location).searchParams;
    if (params.has("error")) {
      throw new Error(
        `Authorization refused: ${params.get("error")} (${
          params.get("error_description") ?? ""
        })`,
      );
    }
    this.callback = params;
  }
}

const provider = new ScriptProvider();
const token = Deno.env.get("TOKEN");

function transport(): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(
    mcpUrl,
    token === undefined
      ? { authProvider: provider }
      : { requestInit: { headers: { Authorization: `Bearer ${token}` } } },
  );
}

/**
 * Runs `step`; when the SDK stopped at the authorization redirect, hands it
 * the callback and runs `step` once more.
 */
async function withLogin<T>(
  current: StreamableHTTPClientTransport,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const callback = provider.callback;
    if (!(error instanceof UnauthorizedError) || callback === undefined) {
      throw error;
    }
    provider.callback = undefined;
    await current.finishAuth(callback);
    return await step();
  }
}

const client = new Client({ name: "mcp-authz-demo-client", version: "1.0.0" });
let current = transport();
try {
  await client.connect(current);
} catch (error) {
  if (
    !(error instanceof UnauthorizedError) || provider.callback === undefined
  ) {
    console.error(
      `Could not connect to ${mcpUrl}: ${(error as Error).message}` +
        "\nIs the demo running (npx --yes deno@2.9.6 task demo)?",
    );
    Deno.exit(1);
  }
  await current.finishAuth(provider.callback);
  provider.callback = undefined;
  current = transport();
  await client.connect(current);
}
try {
  const { tools } = await withLogin(current, () => client.listTools());
  // Under stepUp "always", also the tools a step-up would unlock.
  console.log("Tools listed for this token:");
  for (const tool of tools) {
    console.log(`  - ${tool.name}: ${tool.description ?? ""}`);
  }
  const name = Deno.env.get("TOOL") ?? tools[0]?.name;
  if (name !== undefined) {
    const args = JSON.parse(Deno.env.get("ARGS") ?? "{}");
    try {
      const result = await withLogin(
        current,
        () => client.callTool({ name, arguments: args }),
      );
      console.log(`\ncallTool ${name} ->`, JSON.stringify(result.content));
    } catch (error) {
      console.log(
        `\ncallTool ${name} was refused: ${(error as Error).message}`,
      );
    }
  }
} finally {
  await client.close();
}
