// src/adapters/workers.ts: the token @cloudflare/workers-oauth-provider
// hands a Worker, as an AccessToken; withOAuthProviderAuth's answers; and,
// in workerd, the real provider (its own authorization server, tokens in KV)
// in front of agents' createMcpHandler and the examples' guarded notes server
// (stackAuthorizer, the preflight), logged into by the SDK clients with
// their OAuth providers: list, call, own-auth and layer step-ups, hidden
// == unknown.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  accessTokenFromOAuthProvider,
  withOAuthProviderAuth,
} from "../../src/adapters/mod_workers.ts";
import { AuthorizationError, InsufficientScopeError } from "../../mod.ts";
import { v1Flow, v2Flow } from "../dev/_sdk_flows.ts";
import { assertUnknownLikeDenied, loggedIn } from "./_workers_flows.ts";
import { assertSteppedUp, login, SDKS } from "../examples/_stack_flows.ts";

const RESOURCE = "https://mcp.example.com/mcp";
const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const AUTH = Object.freeze({
  token: "opaque-token",
  audience: RESOURCE,
  expiresAt: 2_000_000_000,
  scope: ["read", "write"],
  userId: "ann",
  clientId: "client-1",
});

describe("accessTokenFromOAuthProvider", () => {
  it("maps ctx.auth and ctx.props to an AccessToken", () => {
    const token = accessTokenFromOAuthProvider({
      props: { user: "Ann", roles: ["editor"] },
      auth: AUTH,
    });
    assert.deepEqual(token, {
      token: "opaque-token",
      clientId: "client-1",
      scopes: ["read", "write"],
      expiresAt: 2_000_000_000,
      resource: new URL(RESOURCE),
      extra: { props: { user: "Ann", roles: ["editor"] } },
      claims: {
        user: "Ann",
        roles: ["editor"],
        sub: "ann",
        client_id: "client-1",
        aud: RESOURCE,
        scope: "read write",
        exp: 2_000_000_000,
      },
    });
  });

  it("lets what the provider verified win over props of the same name", () => {
    const token = accessTokenFromOAuthProvider({
      props: { scope: "admin", sub: "root", aud: "x", exp: 9e12 },
      auth: AUTH,
    });
    assert.equal(token?.claims.scope, "read write");
    assert.equal(token?.claims.sub, "ann");
    assert.equal(token?.claims.aud, RESOURCE);
    assert.equal(token?.claims.exp, 2_000_000_000);
    assert.deepEqual(token?.scopes, ["read", "write"]);
  });

  it("falls back to the user, then to unknown, for the client id", () => {
    const { clientId: _, ...noClient } = AUTH;
    assert.equal(
      accessTokenFromOAuthProvider({ auth: noClient })?.clientId,
      "ann",
    );
    const { userId: __, ...anonymous } = noClient;
    assert.equal(
      accessTokenFromOAuthProvider({ auth: anonymous })?.clientId,
      "unknown",
    );
  });

  it("keeps props that are not a plain object out of the claims", () => {
    const token = accessTokenFromOAuthProvider({ props: ["a"], auth: AUTH });
    assert.deepEqual(token?.extra, { props: ["a"] });
    assert.equal(token?.claims[0], undefined);
  });

  it("reads a context without a usable auth as no token", () => {
    const bad: unknown[] = [
      undefined,
      null,
      "token",
      [],
      { ...AUTH, token: "" },
      { ...AUTH, token: 1 },
      { ...AUTH, audience: undefined },
      { ...AUTH, audience: "not a url" },
      { ...AUTH, scope: "read write" },
      { ...AUTH, scope: ["read", 1] },
      { ...AUTH, scope: ["read", ""] },
      { ...AUTH, expiresAt: "soon" },
      { ...AUTH, expiresAt: Number.NaN },
      { ...AUTH, expiresAt: 0 },
      { ...AUTH, userId: "" },
      { ...AUTH, clientId: 7 },
      new (class {
        token = "t";
        audience = RESOURCE;
        scope = ["read"];
      })(),
    ];
    for (const auth of bad) {
      assert.equal(
        accessTokenFromOAuthProvider({ auth, props: {} }),
        undefined,
        String(auth),
      );
    }
    assert.equal(accessTokenFromOAuthProvider({ props: AUTH }), undefined);
  });

  it("reads a hostile context as no token instead of throwing", () => {
    const ctx = {
      get auth(): unknown {
        throw new Error("boom");
      },
    };
    assert.equal(accessTokenFromOAuthProvider(ctx), undefined);
    const auth = {
      ...AUTH,
      get scope(): string[] {
        throw new Error("boom");
      },
    };
    assert.equal(accessTokenFromOAuthProvider({ auth }), undefined);
  });
});

describe("withOAuthProviderAuth", () => {
  const request = () => new Request(RESOURCE, { method: "POST" });
  const now = () => 1_900_000_000_000;

  it("runs the handler with the token, env and ctx", async () => {
    const seen: unknown[] = [];
    const api = withOAuthProviderAuth((req, token, env, ctx) => {
      seen.push(req.method, token.claims.user, env, ctx.props);
      return new Response("ok");
    }, { resourceMetadataUrl: METADATA, now });
    const response = await api.fetch(request(), { BINDING: 1 }, {
      props: { user: "Ann" },
      auth: AUTH,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(seen, ["POST", "Ann", { BINDING: 1 }, { user: "Ann" }]);
  });

  it("answers 401 with the bare challenge when the provider verified nothing", async () => {
    let called = false;
    const api = withOAuthProviderAuth(() => {
      called = true;
      return new Response("ok");
    }, { resourceMetadataUrl: METADATA });
    const response = await api.fetch(request(), {}, { props: { user: "x" } });
    assert.equal(response.status, 401);
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer resource_metadata="${METADATA}"`,
    );
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(called, false);
  });

  it("answers 401 invalid_token for a token past its expiry", async () => {
    const api = withOAuthProviderAuth(() => new Response("ok"), {
      resourceMetadataUrl: METADATA,
      now: () => 2_000_000_000_000,
    });
    const response = await api.fetch(request(), {}, { auth: AUTH });
    assert.equal(response.status, 401);
    assert.match(
      response.headers.get("www-authenticate")!,
      /^Bearer error="invalid_token", error_description="Token expired", resource_metadata="/,
    );
  });

  it("answers a grant without its requiredScopes 403 before the handler", async () => {
    // The provider's own requiredScopes only advertises: a client that asks
    // for no scope gets a grant without them, and the handler must not run.
    let called = 0;
    const api = withOAuthProviderAuth(() => {
      called++;
      return new Response("ok");
    }, {
      resourceMetadataUrl: METADATA,
      requiredScopes: ["read"],
      scopeHierarchy: { admin: ["read"] },
      now,
    });
    for (const scope of [[], ["write"], ["READ"]]) {
      const response = await api.fetch(request(), {}, {
        auth: { ...AUTH, scope },
      });
      assert.equal(response.status, 403, String(scope));
      assert.equal(
        response.headers.get("www-authenticate"),
        `Bearer error="insufficient_scope", error_description="Insufficient scope", scope="read", resource_metadata="${METADATA}"`,
      );
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.ok(!(await response.text()).includes("opaque-token"));
    }
    assert.equal(called, 0);
    for (const scope of [["read"], ["admin"]]) {
      const response = await api.fetch(request(), {}, {
        auth: { ...AUTH, scope },
      });
      assert.equal(response.status, 200, String(scope));
    }
    assert.equal(called, 2);
  });

  it("refuses requiredScopes and scopeHierarchy that are not scopes", () => {
    const ok = () => new Response("ok");
    assert.throws(
      () => withOAuthProviderAuth(ok, { requiredScopes: "read" as never }),
      TypeError,
    );
    assert.throws(
      () => withOAuthProviderAuth(ok, { requiredScopes: ["a b"] }),
      TypeError,
    );
    assert.throws(
      () => withOAuthProviderAuth(ok, { scopeHierarchy: new Map() as never }),
      TypeError,
    );
    assert.throws(
      () => withOAuthProviderAuth(ok, { requiredScope: ["read"] } as never),
      /Unknown withOAuthProviderAuth option "requiredScope" \(did you mean "requiredScopes"\?\)/,
    );
  });

  it("turns an InsufficientScopeError into the 403 step-up challenge", async () => {
    const api = withOAuthProviderAuth(() => {
      throw new InsufficientScopeError(["admin"]);
    }, { resourceMetadataUrl: METADATA, now });
    const response = await api.fetch(request(), {}, { auth: AUTH });
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer error="insufficient_scope", error_description="Insufficient scope", scope="admin", resource_metadata="${METADATA}"`,
    );
    const body = await response.text();
    assert.ok(!body.includes("opaque-token"));
  });

  it("turns another AuthorizationError into a 403 without challenge or message", async () => {
    const api = withOAuthProviderAuth(() => {
      throw new AuthorizationError("secret reason opaque-token");
    }, { resourceMetadataUrl: METADATA, now });
    const response = await api.fetch(request(), {}, { auth: AUTH });
    assert.equal(response.status, 403);
    assert.doesNotMatch(
      response.headers.get("www-authenticate") ?? "",
      /error=|scope=/,
    );
    const body = await response.text();
    assert.doesNotMatch(body, /secret|opaque-token/);
  });

  it("lets the application's own errors propagate", async () => {
    const api = withOAuthProviderAuth(() => {
      throw new RangeError("app bug");
    }, { now });
    await assert.rejects(
      api.fetch(request(), {}, { auth: AUTH }),
      RangeError,
    );
  });

  it("refuses a handler that is not a function and wrong options", () => {
    assert.throws(
      () => withOAuthProviderAuth("nope" as never),
      /withOAuthProviderAuth expects a handler function/,
    );
    const ok = () => new Response("ok");
    assert.throws(
      () =>
        withOAuthProviderAuth(ok, { resourceMetadataURL: METADATA } as never),
      /Unknown withOAuthProviderAuth option "resourceMetadataURL" \(did you mean "resourceMetadataUrl"\?\)/,
    );
    assert.throws(
      () => withOAuthProviderAuth(ok, { resourceMetadataUrl: "not a url" }),
      TypeError,
    );
    assert.throws(
      () => withOAuthProviderAuth(ok, { now: 5 as never }),
      /withOAuthProviderAuth option "now" must be a function/,
    );
    assert.throws(() => withOAuthProviderAuth(ok, null as never), TypeError);
  });
});

const skip = typeof Deno === "undefined" && "bundles the Worker with Deno";

/** What a read token is listed under stackAuthorizer (stepUp: "always"). */
const STACK_LISTED = ["list_notes", "add_note", "delete_all_notes", "whoami"];

describe("workers-oauth-provider + agents' createMcpHandler in workerd", () => {
  let worker: { origin: string; stop(): Promise<void> } | undefined;
  let mcpUrl: URL;
  before(async () => {
    if (skip) return;
    const { bundleWorker, startWorker } = await import("../_workerd.ts");
    worker = await startWorker({
      script: await bundleWorker(
        new URL("./_oauth_provider_worker.ts", import.meta.url),
      ),
      kvNamespaces: ["OAUTH_KV"],
    });
    mcpUrl = new URL("/mcp", worker.origin);
  });
  after(async () => {
    await worker?.stop();
  });

  it(
    "SDK v2: logs in through the provider, lists, calls, steps up for admin",
    { skip },
    async () => {
      await v2Flow(mcpUrl, { clientId: /./, listed: STACK_LISTED });
    },
  );

  it(
    "SDK 1.x: logs in through the provider, lists, steps up for admin",
    { skip },
    async () => {
      await v1Flow(mcpUrl, { listed: STACK_LISTED });
    },
  );

  it(
    "answers a tool an opaque check hides exactly as an unknown one",
    { skip },
    async () => {
      const { client, token } = await loggedIn(mcpUrl);
      try {
        await assertUnknownLikeDenied(mcpUrl, token);
      } finally {
        await client.close();
      }
    },
  );

  for (const sdk of SDKS) {
    it(
      `SDK ${sdk}: an own-auth shortfall is a 403 the client steps up from`,
      { skip },
      async () => {
        const session = await login(sdk, mcpUrl);
        try {
          const added = await session.callTool("add_note", { text: sdk });
          assert.match(added, /^added note #\d+$/);
          assertSteppedUp(session, "write");
        } finally {
          await session.close();
        }
      },
    );
  }
});
