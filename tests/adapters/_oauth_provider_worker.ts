// A Worker fronted by @cloudflare/workers-oauth-provider (its own
// authorization server, tokens in KV) instead of our withBearerAuth: the
// provider verifies the token, withOAuthProviderAuth maps ctx.auth and
// ctx.props to an AccessToken, the guard's preflight answers a scope
// shortfall with the 403 step-up, and agents' createMcpHandler serves the
// framework examples' guarded notes server (stackAuthorizer, the hidden
// tool) with the token, carrying the preflight's decisions, as authInfo. Bundled and run in
// workerd by workers_test.ts. /authorize approves every request as
// "dev-user" with the scopes asked for (a test stand-in for a consent page).
import { OAuthProvider } from "@cloudflare/workers-oauth-provider";
import { createMcpHandler } from "agents/mcp/server";
import { McpServer } from "@modelcontextprotocol/server";
import { protectedResourceMetadataUrl } from "../../mod.ts";
import { withOAuthProviderAuth } from "../../src/adapters/mod_workers.ts";
import type { GuardedServer } from "../../src/mcp/mod.ts";
import {
  guardNotes,
  SCOPE_HIERARCHY,
  SCOPES,
  stackAuthorizer,
} from "../../examples/demo/notes.ts";

interface OAuthHelpers {
  parseAuthRequest(request: Request): Promise<{ scope: string[] }>;
  completeAuthorization(options: {
    request: unknown;
    userId: string;
    metadata: unknown;
    scope: string[];
    props: unknown;
  }): Promise<{ redirectTo: string }>;
}

interface Env {
  OAUTH_PROVIDER: OAuthHelpers;
}

const notes: string[] = [];

function notesServer(): GuardedServer {
  return guardNotes(
    new McpServer({ name: "notes-oauth-provider", version: "1.0.0" }),
    notes,
    { authorizer: stackAuthorizer, hiddenTool: true },
  );
}

// The server each request was preflighted with (agents hands its factory
// the same Request); a fresh one for a request the preflight did not read.
const preflighted = new WeakMap<Request, McpServer>();
const mcp = createMcpHandler(
  ({ requestInfo }) =>
    (requestInfo && preflighted.get(requestInfo)) ?? notesServer().server,
  { route: "/mcp" },
);

async function authorize(request: Request, env: Env): Promise<Response> {
  if (new URL(request.url).pathname !== "/authorize") {
    return new Response("Not found", { status: 404 });
  }
  const parsed = await env.OAUTH_PROVIDER.parseAuthRequest(request);
  const { redirectTo } = await env.OAUTH_PROVIDER.completeAuthorization({
    request: parsed,
    userId: "dev-user",
    metadata: {},
    scope: parsed.scope.filter((scope) => SCOPES.includes(scope)),
    // What a real app stores: who logged in. A prop named "scope" must not
    // widen what the checks read.
    props: { user: "dev-user", scope: "admin" },
  });
  return Response.redirect(redirectTo, 302);
}

function provider(origin: string): OAuthProvider<Env> {
  const resource = `${origin}/mcp`;
  const resourceMetadataUrl = protectedResourceMetadataUrl(resource);
  return new OAuthProvider<Env>({
    apiRoute: "/mcp",
    apiHandler: withOAuthProviderAuth<Env>(
      async (request, token) => {
        const guarded = notesServer();
        const checked = await guarded.preflight(request, token, {
          resourceMetadataUrl,
        });
        if (checked.response !== undefined) return checked.response;
        preflighted.set(checked.request, guarded.server);
        return await mcp.fetch(checked.request, checked.sdkOptions);
      },
      // The provider's requiredScopes only advertises: enforce them here.
      {
        resourceMetadataUrl,
        requiredScopes: ["read"],
        scopeHierarchy: SCOPE_HIERARCHY,
      },
    ),
    defaultHandler: {
      fetch: (request: Request, env: unknown) => authorize(request, env as Env),
    },
    authorizeEndpoint: "/authorize",
    tokenEndpoint: "/token",
    clientRegistrationEndpoint: "/register",
    scopesSupported: SCOPES,
    requiredScopes: ["read"],
    resourceMetadata: { resource },
    // No refresh tokens: on a 403 the 1.x SDK client refreshes when it holds
    // one (the same scope again) instead of authorizing for the wider scope.
    refreshTokenTTL: 0,
  });
}

let built: OAuthProvider<Env> | undefined;

export default {
  fetch(request: Request, env: Env, ctx: unknown): Promise<Response> {
    // The port is known only once Miniflare listens: the first request
    // (the test's own, to 127.0.0.1) fixes the origin.
    built ??= provider(new URL(request.url).origin);
    return built.fetch(request, env as never, ctx as never);
  },
};
