/**
 * A Cloudflare Worker built from the library, bundled by `run.ts` and run
 * under workerd: `bearerAuth` (through `withBearerAuth`) with a `JwtVerifier`
 * that fetches the driver's JWKS, an `Authorizer` that filters a tool list and
 * denies forbidden calls, and the RFC 9728 metadata document.
 *
 * `GET /tools` lists the visible tool names; `POST /tools/<name>` calls one;
 * `POST /echo` answers the body it was sent.
 */
import {
  type AccessToken,
  Authorizer,
  type Component,
  JwtVerifier,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  requireScopes,
  restrictTag,
  withBearerAuth,
} from "../../mod.ts";

/** Bindings the driver passes in. */
interface Env {
  /** The MCP endpoint, e.g. `https://mcp.test/mcp`: the token audience. */
  RESOURCE: string;
  ISSUER: string;
  JWKS_URL: string;
  /** "yes": hand the global `fetch` to the verifier, as Workers code does. */
  PASS_FETCH?: string;
}

const tools: Component[] = [
  { kind: "tool", name: "echo" },
  { kind: "tool", name: "write_file", auth: requireScopes("write") },
  { kind: "tool", name: "drop_database", tags: ["admin"] },
];

const authorizer = new Authorizer({
  layers: [restrictTag("admin", { scopes: ["admin"] })],
});

/** The application behind the Bearer check: authorization errors it throws
 * become 403 responses in `withBearerAuth`. */
async function app(
  request: Request,
  token: AccessToken | undefined,
): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (request.method === "GET" && path === "/tools") {
    const visible = await authorizer.filter(token, tools);
    return Response.json({ tools: visible.map((tool) => tool.name) });
  }
  if (request.method === "POST" && path === "/echo") {
    // The body the client sent, whole: bearerAuth only looked at a clone.
    return Response.json({ body: await request.text() });
  }
  const call = /^\/tools\/([^/]+)$/.exec(path);
  if (request.method === "POST" && call !== null) {
    const tool = tools.find((candidate) => candidate.name === call[1]);
    await authorizer.authorize(token, tool);
    return Response.json({ called: tool?.name });
  }
  return Response.json({ error: "not_found" }, { status: 404 });
}

/** Builds the handler from the bindings, once per isolate. */
function build(env: Env): (request: Request) => Promise<Response> {
  const metadataUrl = protectedResourceMetadataUrl(env.RESOURCE);
  const metadata = protectedResourceMetadata({
    resource: env.RESOURCE,
    authorizationServers: [env.ISSUER],
    scopesSupported: ["read", "write", "admin"],
  });
  const guarded = withBearerAuth(app, {
    // The defaults: issuer and audience required, typ at+jwt.
    verifier: new JwtVerifier({
      jwksUri: env.JWKS_URL,
      issuer: env.ISSUER,
      audience: env.RESOURCE,
      ...(env.PASS_FETCH === "yes" ? { fetch } : {}),
    }),
    // One identifier: the challenges' resource_metadata is derived from it.
    resource: env.RESOURCE,
  });
  return (request) =>
    new URL(request.url).pathname === metadataUrl.pathname
      ? Promise.resolve(metadata(request))
      : guarded(request);
}

let handler: ((request: Request) => Promise<Response>) | undefined;

/** The Worker: module syntax, no Node compatibility flags. */
export default {
  fetch(request: Request, env: Env): Promise<Response> {
    handler ??= build(env);
    return handler(request);
  },
};
