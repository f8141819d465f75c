// bearerAuth's discovery (RFC 6750 §3, RFC 9728 §3, §5.1): one resource
// identifier drives the metadata URL of every challenge and must be the
// verifier's audience; no challenge is ever bare; offline_access is never
// named; every refusal is sent with Cache-Control: no-store.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  bearerAuth,
  type BearerAuthOptions,
  challengeResponse,
  dpopScheme,
  InsufficientScopeError,
  IntrospectionVerifier,
  InvalidTokenError,
  JwtVerifier,
  StaticTokenVerifier,
  type TokenVerifier,
  withBearerAuth,
} from "../../mod.ts";
import { parseNoneBare } from "../_challenge_parser.ts";

const RESOURCE = "https://mcp.example.com/mcp";
const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

const tokens = new StaticTokenVerifier({
  tokens: {
    good: { clientId: "app", scopes: ["mcp"], resource: RESOURCE },
    reader: { clientId: "app", scopes: ["read"], resource: RESOURCE },
  },
});

function jwt(audience: string | string[] | false): JwtVerifier {
  return new JwtVerifier({
    jwksUri: "https://auth.example.com/jwks",
    issuer: "https://auth.example.com/",
    audience,
  });
}

function get(authorization?: string): Request {
  return new Request(RESOURCE, {
    headers: authorization === undefined ? {} : { authorization },
  });
}

async function refusal(
  auth: (request: Request) => Promise<unknown>,
  request: Request,
): Promise<Response> {
  const result = await auth(request);
  assert.ok(result instanceof Response, "expected a refusal");
  return result;
}

describe("bearerAuth resource: one identifier for metadata, challenges and audience", () => {
  it("derives resource_metadata for every challenge (RFC 9728 §3.1, §5.1)", async () => {
    const auth = bearerAuth({ verifier: tokens, resource: RESOURCE });
    for (
      const request of [
        get(),
        get("Bearer two tokens"),
        get("Bearer unknown"),
      ]
    ) {
      const response = await refusal(auth, request);
      assert.match(
        response.headers.get("www-authenticate")!,
        new RegExp(`resource_metadata="${METADATA}"$`),
      );
      await response.body?.cancel();
    }
    const pair = bearerAuth({
      verifier: tokens,
      resource: new URL(RESOURCE),
      dpop: dpopScheme({ algorithms: ["ES256"] }),
    });
    const both = await refusal(pair, get());
    assert.equal(
      both.headers.get("www-authenticate"),
      `Bearer resource_metadata="${METADATA}", DPoP resource_metadata="${METADATA}", algs="ES256"`,
    );
  });

  it("accepts a resourceMetadataUrl beside it only when it is the derived one", () => {
    bearerAuth({
      verifier: tokens,
      resource: RESOURCE,
      resourceMetadataUrl: METADATA,
    });
    assert.throws(
      () =>
        bearerAuth({
          verifier: tokens,
          resource: RESOURCE,
          resourceMetadataUrl:
            "https://mcp.example.com/.well-known/oauth-protected-resource",
        }),
      /^TypeError: bearerAuth option "resourceMetadataUrl" \("https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource"\) is not where the metadata of "resource" \("https:\/\/mcp\.example\.com\/mcp"\) lives: RFC 9728 §3\.1 puts it at "https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"; leave resourceMetadataUrl out to derive it$/,
    );
  });

  it("must be an audience the verifier accepts, compared as the verifier compares audiences", () => {
    bearerAuth({ verifier: jwt(RESOURCE), resource: RESOURCE });
    bearerAuth({
      verifier: jwt(["urn:other", "HTTPS://MCP.EXAMPLE.COM:443/mcp"]),
      resource: RESOURCE,
    });
    assert.throws(
      () => bearerAuth({ verifier: jwt(`${RESOURCE}/v2`), resource: RESOURCE }),
      /^TypeError: bearerAuth option "resource" \("https:\/\/mcp\.example\.com\/mcp"\) is not an audience the verifier accepts: give the verifier audience: "https:\/\/mcp\.example\.com\/mcp" \(RFC 8707\)/,
    );
    assert.throws(
      () =>
        withBearerAuth(() => new Response(), {
          verifier: jwt(false),
          resource: RESOURCE,
        }),
      /^TypeError: withBearerAuth option "resource" needs a verifier that checks the token audience, and this one skips it \(audience: false\)/,
    );
    const introspection = new IntrospectionVerifier({
      endpoint: "https://auth.example.com/introspect",
      clientId: "rs",
      clientSecret: "s",
      issuer: "https://auth.example.com/",
      audience: "https://other.example.com/mcp",
    });
    assert.throws(
      () => bearerAuth({ verifier: introspection, resource: RESOURCE }),
      /is not an audience the verifier accepts/,
    );
  });

  it("trusts a verifier that does not describe its audiences, or whose description throws", () => {
    const custom: TokenVerifier = {
      verifyToken: () => Promise.reject(new InvalidTokenError()),
    };
    bearerAuth({ verifier: custom, resource: RESOURCE });
    const hostile = Object.defineProperty(
      { verifyToken: custom.verifyToken },
      "audiences",
      {
        get() {
          throw new Error("no");
        },
      },
    );
    bearerAuth({ verifier: hostile, resource: RESOURCE });
  });
});

describe("challenges are never bare (RFC 6750 §3)", () => {
  const outcomes = [
    { type: "missing_token" },
    { type: "missing_token", scopes: ["offline_access"] },
    { type: "invalid_request" },
    { type: "invalid_token" },
    { type: "insufficient_scope", scopes: ["offline_access"] },
  ] as const;

  it('gives challengeResponse\'s challenges at least one auth-param, realm="mcp" when nothing else', async () => {
    for (const outcome of outcomes) {
      const response = challengeResponse(outcome);
      parseNoneBare(response.headers.get("www-authenticate"));
      await response.body?.cancel();
    }
    assert.equal(
      challengeResponse({ type: "missing_token" }).headers.get(
        "www-authenticate",
      ),
      'Bearer realm="mcp"',
    );
    // A configured realm or metadata URL is what it carries instead.
    assert.equal(
      challengeResponse({ type: "missing_token" }, { realm: "files" }).headers
        .get("www-authenticate"),
      'Bearer realm="files"',
    );
  });

  it("gives the DPoP-plus-Bearer pair a param on each challenge", async () => {
    const auth = bearerAuth({
      verifier: tokens,
      dpop: dpopScheme({ algorithms: ["ES256"] }),
    });
    for (const request of [get(), get("DPoP good"), get("Bearer x y")]) {
      const response = await refusal(auth, request);
      const challenges = parseNoneBare(
        response.headers.get("www-authenticate"),
      );
      assert.deepEqual(challenges.map((c) => c.scheme), ["Bearer", "DPoP"]);
      await response.body?.cancel();
    }
    const bare = await refusal(auth, get());
    assert.equal(
      bare.headers.get("www-authenticate"),
      'Bearer realm="mcp", DPoP algs="ES256"',
    );
  });
});

describe("offline_access is never advertised (MCP, Refresh Tokens)", () => {
  it("is left out of every challenge's scope, and the scope param with it when nothing remains", async () => {
    const handler = withBearerAuth(() => {
      throw new InsufficientScopeError(["offline_access", "admin"]);
    }, { verifier: tokens, resource: RESOURCE });
    const response = await handler(get("Bearer good"));
    assert.equal(response.status, 403);
    // Neither the scope param nor the description names offline_access.
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer error="insufficient_scope", error_description="Insufficient scope. Required: admin", scope="admin", resource_metadata="${METADATA}"`,
    );
    const only = challengeResponse({
      type: "insufficient_scope",
      scopes: ["offline_access"],
    });
    assert.equal(
      only.headers.get("www-authenticate"),
      'Bearer error="insufficient_scope", error_description="Insufficient scope"',
    );
  });

  it("is refused in requiredScopes: no request ever needs a refresh token", () => {
    assert.throws(
      () =>
        bearerAuth({
          verifier: tokens,
          requiredScopes: ["mcp", "offline_access"],
        }),
      /^TypeError: bearerAuth option "requiredScopes" must not contain "offline_access"/,
    );
  });
});

describe("what a 403's scope names: every required scope, held or not, never a parent", () => {
  const hierarchy = { admin: ["write"], write: ["read"] };

  it("bearerAuth's own requiredScopes: all of them, the held ones too", async () => {
    const auth = bearerAuth({
      verifier: tokens,
      requiredScopes: ["read", "write"],
      scopeHierarchy: hierarchy,
    });
    const response = await refusal(auth, get("Bearer reader"));
    assert.equal(response.status, 403);
    assert.match(
      response.headers.get("www-authenticate")!,
      /scope="read write"/,
    );
  });

  it("a handler's InsufficientScopeError: its challengeScopes and bearerAuth's requiredScopes", async () => {
    const handler = withBearerAuth(() => {
      throw new InsufficientScopeError(["admin"], {
        challengeScopes: ["files:read"],
      });
    }, { verifier: tokens, requiredScopes: ["mcp"], resource: RESOURCE });
    const response = await handler(get("Bearer good"));
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer error="insufficient_scope", error_description="Insufficient scope. Required: admin", scope="admin files:read mcp", resource_metadata="${METADATA}"`,
    );
  });

  it("a verifier's requiredScopes shortfall: every scope the verifier requires, and bearerAuth's", async () => {
    const verifier: TokenVerifier & { requiredScopes: readonly string[] } = {
      requiredScopes: ["mcp", "files:read"],
      verifyToken: () =>
        Promise.reject(
          new InsufficientScopeError(["files:read"], {
            challengeScopes: ["mcp", "files:read"],
          }),
        ),
    };
    const auth = bearerAuth({ verifier, requiredScopes: ["tenant"] });
    const forbidden = await refusal(auth, get("Bearer t"));
    assert.equal(forbidden.status, 403);
    assert.match(
      forbidden.headers.get("www-authenticate")!,
      /scope="files:read mcp tenant"/,
    );
    // The 401 names the verifier's requiredScopes too (MCP scope selection).
    const missing = await refusal(auth, get());
    assert.equal(
      missing.headers.get("www-authenticate"),
      'Bearer scope="files:read mcp tenant"',
    );
  });

  it("never names a broader scope that implies a required one", async () => {
    const auth = bearerAuth({
      verifier: tokens,
      requiredScopes: ["read"],
      scopeHierarchy: hierarchy,
    });
    const response = await refusal(auth, get("Bearer good"));
    assert.equal(response.status, 403);
    const challenge = response.headers.get("www-authenticate")!;
    assert.match(challenge, /scope="read"/);
    assert.doesNotMatch(challenge, /admin|write/);
  });
});

describe("a token in a form body beside the header (RFC 6750 §3.1)", () => {
  const form = (body: string, authorization = "Bearer good") =>
    new Request(RESOURCE, {
      method: "POST",
      headers: {
        authorization,
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      },
      body,
    });

  it("is a 400 invalid_request, before any verification", async () => {
    let calls = 0;
    const verifier: TokenVerifier = {
      verifyToken: (token) => {
        calls++;
        return tokens.verifyToken(token);
      },
    };
    const auth = bearerAuth({ verifier, resource: RESOURCE });
    for (
      const body of [
        "access_token=good",
        "a=1&access_token=x",
        "a=1&access%5Ftoken=x",
      ]
    ) {
      const response = await refusal(auth, form(body));
      assert.equal(response.status, 400, body);
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.deepEqual(await response.json(), {
        error: "invalid_request",
        error_description: "Access token sent by more than one method",
      });
    }
    assert.equal(calls, 0);
  });

  it("leaves the body whole for the handler, however large, and looks no further than 64 KiB", async () => {
    const seen: string[] = [];
    const handler = withBearerAuth(async (request) => {
      seen.push(await request.text());
      return new Response("ok");
    }, { verifier: tokens, resource: RESOURCE });
    const large = `a=${"x".repeat(200_000)}&b=2`;
    for (const body of ["a=1&b=2", large, `${large}&access_token=late`]) {
      const response = await handler(form(body));
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "ok");
    }
    assert.deepEqual(seen.map((text) => text.length), [
      7,
      large.length,
      large.length + 18,
    ]);
    assert.equal(seen[2], `${large}&access_token=late`);
  });

  it("is not looked for without a header (no token at all: 401), or in another content type", async () => {
    const auth = bearerAuth({ verifier: tokens, resource: RESOURCE });
    const bodyOnly = await refusal(
      auth,
      new Request(RESOURCE, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "access_token=good",
      }),
    );
    assert.equal(bodyOnly.status, 401);
    const json = await auth(
      new Request(RESOURCE, {
        method: "POST",
        headers: {
          authorization: "Bearer good",
          "content-type": "application/json",
        },
        body: '{"access_token":"good"}',
      }),
    );
    assert.ok(!(json instanceof Response));
  });
});

describe("every 400, 401, 403 and 503 is sent with Cache-Control: no-store", () => {
  it("from challengeResponse, for every outcome", () => {
    for (
      const outcome of [
        { type: "missing_token" },
        { type: "invalid_request" },
        { type: "invalid_token" },
        { type: "insufficient_scope", scopes: ["a"] },
        { type: "forbidden" },
        { type: "unavailable" },
      ] as const
    ) {
      const response = challengeResponse(outcome);
      assert.ok([400, 401, 403, 503].includes(response.status));
      assert.equal(response.headers.get("cache-control"), "no-store");
    }
  });

  it("from bearerAuth and withBearerAuth, a step-up the handler's SDK answers included", async () => {
    const { reportStepUp } = await import("../../src/http/_step_up.ts");
    const options: BearerAuthOptions = {
      verifier: {
        verifyToken: (token) =>
          token === "down"
            ? Promise.reject(new Error("JWKS down"))
            : tokens.verifyToken(token),
      },
      requiredScopes: ["mcp"],
      resource: RESOURCE,
      onError: () => {},
    };
    const sdk = withBearerAuth((_request, token) => {
      // What the MCP guard does inside the SDK's scope-challenge hook; the
      // SDK's own 403 has no Cache-Control.
      reportStepUp({ ...token }, ["admin"]);
      return new Response("{}", {
        status: 403,
        headers: { "www-authenticate": 'Bearer scope="admin"' },
      });
    }, options);
    const auth = bearerAuth(options);
    const answers = [
      await refusal(auth, get()),
      await refusal(auth, get("Bearer a b")),
      await refusal(auth, get("Bearer unknown")),
      await refusal(auth, get("Bearer reader")),
      await refusal(auth, get("Bearer down")),
      await sdk(get("Bearer good")),
    ];
    assert.deepEqual(answers.map((r) => r.status), [
      401,
      400,
      401,
      403,
      503,
      403,
    ]);
    for (const response of answers) {
      assert.equal(response.headers.get("cache-control"), "no-store");
    }
    assert.equal(
      answers[5]!.headers.get("www-authenticate"),
      `Bearer error="insufficient_scope", error_description="Insufficient scope", scope="admin mcp", resource_metadata="${METADATA}"`,
    );
  });

  it("adds no-store to the SDK's own 403 when the reported scopes cannot be rendered", async () => {
    const { reportStepUp } = await import("../../src/http/_step_up.ts");
    const handler = withBearerAuth((_request, token) => {
      reportStepUp({ ...token }, ["not a scope"]);
      return Response.json({ error: "insufficient_scope" }, {
        status: 403,
        headers: { "www-authenticate": 'Bearer scope="admin"' },
      });
    }, { verifier: tokens, resource: RESOURCE });
    const response = await handler(get("Bearer good"));
    assert.equal(response.status, 403);
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(
      response.headers.get("www-authenticate"),
      'Bearer scope="admin"',
    );
    assert.deepEqual(await response.json(), { error: "insufficient_scope" });
  });
});
