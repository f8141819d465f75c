/**
 * A Cloudflare Worker built from the library, bundled by `run.ts` and run
 * under workerd. It answers the MCP-shaped questions a server asks: which
 * tools may this token see, and may it call this one.
 *
 * `GET /tools` lists the visible tool names; `POST /tools/<name>` calls one.
 */
import { createRemoteJWKSet, jwtVerify } from "jose";
import {
  type AccessToken,
  AuthorizationError,
  Authorizer,
  type Component,
  InsufficientScopeError,
  requireScopes,
  restrictTag,
} from "../../mod.ts";

/** Bindings the driver passes in. */
interface Env {
  JWKS_URL: string;
  ISSUER: string;
  AUDIENCE: string;
}

const tools: Component[] = [
  { kind: "tool", name: "echo" },
  { kind: "tool", name: "write_file", auth: requireScopes("write") },
  { kind: "tool", name: "drop_database", tags: ["admin"] },
];

const authorizer = new Authorizer({
  layers: [restrictTag("admin", { scopes: ["admin"] })],
});

/** Bearer token -> AccessToken via jose and the remote JWKS, or a 401. */
async function authenticate(
  request: Request,
  env: Env,
): Promise<AccessToken | Response> {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(
    request.headers.get("authorization") ?? "",
  );
  if (match === null) return json(401, { error: "invalid_token" });
  const token = match[1] as string;
  try {
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(env.JWKS_URL)),
      { issuer: env.ISSUER, audience: env.AUDIENCE },
    );
    const scope = typeof payload.scope === "string" ? payload.scope : "";
    return {
      token,
      clientId: String(payload.sub ?? "unknown"),
      scopes: scope.split(" ").filter(Boolean),
      claims: { ...payload },
    };
  } catch {
    return json(401, { error: "invalid_token" });
  }
}

function json(status: number, body: unknown): Response {
  return Response.json(body, { status });
}

/** The Worker: module syntax, no Node compatibility flags. */
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const token = await authenticate(request, env);
    if (token instanceof Response) return token;
    const path = new URL(request.url).pathname;
    if (request.method === "GET" && path === "/tools") {
      const visible = await authorizer.filter(token, tools);
      return json(200, { tools: visible.map((tool) => tool.name) });
    }
    const call = /^\/tools\/([^/]+)$/.exec(path);
    if (request.method === "POST" && call !== null) {
      const tool = tools.find((candidate) => candidate.name === call[1]);
      try {
        await authorizer.authorize(token, tool);
      } catch (error) {
        if (error instanceof InsufficientScopeError) {
          return json(403, {
            error: "insufficient_scope",
            scope: error.requiredScopes.join(" "),
          });
        }
        if (error instanceof AuthorizationError) {
          return json(404, { error: "not_found" });
        }
        throw error;
      }
      return json(200, { called: tool?.name });
    }
    return json(404, { error: "not_found" });
  },
};
