import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { JwtVerifier } from "../../mod.ts";
import { createDevAuthorizationServer } from "../../src/dev/mod.ts";
import {
  assertOAuthError,
  authorize,
  codeRequest,
  devServer,
  exchange,
  form,
  getCode,
  ISSUER,
  json,
  ORIGIN,
  REDIRECT,
  redirected,
  register,
  RESOURCE,
  send,
} from "./_flow.ts";

function basic(id: string, secret: string): string {
  return `Basic ${
    btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)
  }`;
}

describe("createDevAuthorizationServer: options", () => {
  const base = {
    issuer: ISSUER,
    resource: RESOURCE,
    scopesSupported: ["read"],
    warn: false as const,
  };

  it("refuses an unknown option, naming the allowed ones", async () => {
    await assert.rejects(
      createDevAuthorizationServer({ ...base, scope: ["x"] } as never),
      (error: unknown) =>
        error instanceof TypeError &&
        /unknown option "scope", expected one of "issuer", "resource", "scopesSupported"/
          .test(error.message),
    );
  });

  for (
    const [label, options, pattern] of [
      ["no issuer", { ...base, issuer: undefined }, /"issuer" is required/],
      [
        "no resource",
        { ...base, resource: undefined },
        /"resource" is required/,
      ],
      ["no scopes", { ...base, scopesSupported: undefined }, /scopesSupported/],
      [
        "a malformed scope",
        { ...base, scopesSupported: ["a b"] },
        /scopesSupported/,
      ],
      [
        "an issuer with a query",
        { ...base, issuer: `${ISSUER}?x=1` },
        /no query/,
      ],
      [
        "an issuer ending in /",
        { ...base, issuer: `${ISSUER}/` },
        /must not end with "\/"/,
      ],
      [
        "a resource with a fragment",
        { ...base, resource: `${RESOURCE}#x` },
        /fragment/,
      ],
      [
        "an unknown approval",
        { ...base, approval: "yes" },
        /"approval" must be "auto"/,
      ],
      [
        "a zero token lifetime",
        { ...base, accessTokenTtl: 0 },
        /accessTokenTtl/,
      ],
      [
        "a fetch that is not a function",
        { ...base, fetch: "x" },
        /"fetch" must be a function/,
      ],
    ] as const
  ) {
    it(`refuses ${label}`, async () => {
      await assert.rejects(
        createDevAuthorizationServer(options as never),
        (error: unknown) =>
          error instanceof TypeError && pattern.test(error.message),
      );
    });
  }

  it("serves loopback hosts only unless allowNonLoopback is true", async () => {
    await assert.rejects(
      createDevAuthorizationServer({
        ...base,
        issuer: "https://auth.example.com",
      }),
      (error: unknown) =>
        error instanceof TypeError &&
        /allowNonLoopback: true/.test(error.message),
    );
    const dev = await createDevAuthorizationServer({
      ...base,
      issuer: "https://auth.example.com",
      allowNonLoopback: true,
    });
    assert.equal(dev.issuer, "https://auth.example.com");
  });

  it("says at start, and in its metadata, that it is for development", async () => {
    const messages: string[] = [];
    const dev = await createDevAuthorizationServer({
      ...base,
      warn: (message) => messages.push(message),
    });
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /DEVELOPMENT authorization server/);
    assert.match(messages[0]!, /never in production/);
    assert.match(String(dev.metadata.description), /DEVELOPMENT/);
    const docs = await send(dev, "/oauth/docs");
    assert.match(await docs.text(), /for local development and tests only/);
  });
});

describe("createDevAuthorizationServer: metadata and keys", () => {
  it("serves RFC 8414 metadata at the issuer's path-aware well-known URI", async () => {
    const dev = await devServer();
    const response = await send(
      dev,
      "/.well-known/oauth-authorization-server/oauth",
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    const metadata = await response.json();
    assert.equal(metadata.issuer, ISSUER);
    assert.equal(
      dev.metadataUrl,
      `${ORIGIN}/.well-known/oauth-authorization-server/oauth`,
    );
    assert.equal(metadata.authorization_endpoint, `${ISSUER}/authorize`);
    assert.equal(metadata.token_endpoint, `${ISSUER}/token`);
    assert.equal(metadata.registration_endpoint, `${ISSUER}/register`);
    assert.equal(metadata.jwks_uri, `${ISSUER}/jwks`);
    assert.deepEqual(metadata.code_challenge_methods_supported, ["S256"]);
    assert.deepEqual(metadata.response_types_supported, ["code"]);
    assert.deepEqual(metadata.scopes_supported, ["read", "write", "admin"]);
    assert.equal(metadata.client_id_metadata_document_supported, true);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(metadata.grant_types_supported, [
      "authorization_code",
      "refresh_token",
      "client_credentials",
    ]);
  });

  it("serves OpenID discovery at both of its locations", async () => {
    const dev = await devServer();
    for (
      const path of [
        "/.well-known/openid-configuration/oauth",
        "/oauth/.well-known/openid-configuration",
      ]
    ) {
      const metadata = await (await send(dev, path)).json();
      assert.equal(metadata.issuer, ISSUER);
      assert.deepEqual(metadata.subject_types_supported, ["public"]);
    }
  });

  it("serves an issuer at the origin's root at the plain well-known URI", async () => {
    const dev = await devServer({ issuer: ORIGIN });
    assert.equal(dev.issuer, ORIGIN);
    const metadata = await (await send(
      dev,
      "/.well-known/oauth-authorization-server",
    )).json();
    assert.equal(metadata.token_endpoint, `${ORIGIN}/token`);
  });

  it("publishes its public key only", async () => {
    const dev = await devServer();
    const jwks = await (await send(dev, "/oauth/jwks")).json();
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0].kty, "EC");
    assert.equal(jwks.keys[0].alg, "ES256");
    assert.equal(jwks.keys[0].d, undefined);
    assert.deepEqual(jwks, dev.jwks);
  });

  it("leaves other paths alone and refuses wrong methods", async () => {
    const dev = await devServer();
    assert.equal(await dev.handle(new Request(`${ORIGIN}/mcp`)), undefined);
    assert.equal(
      await dev.handle(new Request(`${ORIGIN}/oauth/other`)),
      undefined,
    );
    const wrong = await send(dev, "/oauth/token");
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "POST, OPTIONS");
    const preflight = await send(dev, "/oauth/token", { method: "OPTIONS" });
    assert.equal(preflight.status, 204);
    assert.match(
      preflight.headers.get("access-control-allow-headers")!,
      /Content-Type/,
    );
  });
});

describe("createDevAuthorizationServer: authorization code with PKCE", () => {
  it("issues an RFC 9068 token bound to the resource, with state and iss echoed", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { params, verifier } = await codeRequest(client, {
      scope: "read write",
    });
    const response = await authorize(dev, params);
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get("location")!);
    assert.equal(location.origin + location.pathname, REDIRECT);
    assert.equal(location.searchParams.get("state"), "st-1");
    assert.equal(location.searchParams.get("iss"), ISSUER);
    const code = location.searchParams.get("code")!;

    const tokenResponse = await exchange(dev, client, code, verifier);
    assert.equal(tokenResponse.status, 200);
    assert.equal(tokenResponse.headers.get("cache-control"), "no-store");
    const body = await tokenResponse.json();
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.scope, "read write");
    assert.equal(body.expires_in, 3600);
    assert.equal(typeof body.refresh_token, "string");
    assert.equal(decodeProtectedHeader(body.access_token).typ, "at+jwt");
    const claims = decodeJwt(body.access_token);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, RESOURCE);
    assert.equal(claims.sub, "dev-user");
    assert.equal(claims.client_id, client.client_id);
    assert.equal(typeof claims.jti, "string");

    const verifierOfResource = new JwtVerifier({
      jwks: dev.jwks,
      issuer: dev.issuer,
      audience: RESOURCE,
      typ: "at+jwt",
    });
    const token = await verifierOfResource.verifyToken(body.access_token);
    assert.deepEqual(token.scopes, ["read", "write"]);
  });

  it("re-authorizes with more scope (step-up)", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const first = await getCode(dev, client, { scope: "read" });
    const narrow =
      await (await exchange(dev, client, first.code, first.verifier)).json();
    assert.equal(narrow.scope, "read");
    const second = await getCode(dev, client, { scope: "read admin" });
    const wide =
      await (await exchange(dev, client, second.code, second.verifier)).json();
    assert.equal(wide.scope, "read admin");
    assert.equal(decodeJwt(wide.access_token).scope, "read admin");
  });

  it("uses the only resource when the request names none", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client, {
      resource: undefined,
    });
    const body = await (await exchange(dev, client, code, verifier)).json();
    assert.equal(decodeJwt(body.access_token).aud, RESOURCE);
  });

  it("binds the resource the request names, among several", async () => {
    const other = `${ORIGIN}/other/mcp`;
    const dev = await devServer({ resource: [RESOURCE, other] });
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client, { resource: other });
    const body = await (await exchange(dev, client, code, verifier)).json();
    assert.equal(decodeJwt(body.access_token).aud, other);
    const { params } = await codeRequest(client, { resource: undefined });
    const refused = redirected(await authorize(dev, params));
    assert.equal(refused.get("error"), "invalid_target");
  });

  it("lets a loopback IP redirect URI change its port (RFC 8252 §7.3), not its path", async () => {
    const dev = await devServer();
    const client = await register(dev, {
      redirect_uris: ["http://127.0.0.1/cb"],
    });
    const { params } = await codeRequest(client, {
      redirect_uri: "http://127.0.0.1:5555/cb",
    });
    const back = await authorize(dev, params);
    assert.equal(new URL(back.headers.get("location")!).port, "5555");
    const { params: otherPath } = await codeRequest(client, {
      redirect_uri: "http://127.0.0.1:5555/other",
    });
    const refused = await authorize(dev, otherPath);
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get("location"), null);
  });

  it("does not extend port flexibility to localhost", async () => {
    const dev = await devServer();
    const client = await register(dev, {
      redirect_uris: ["http://localhost:1234/cb"],
    });
    const { params } = await codeRequest(client, {
      redirect_uri: "http://localhost:4321/cb",
    });
    const refused = await authorize(dev, params);
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get("location"), null);
  });

  it("uses the only registered redirect URI when the request omits it", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client, {
      redirect_uri: undefined,
    });
    const ok = await send(
      dev,
      "/oauth/token",
      form({
        grant_type: "authorization_code",
        code,
        code_verifier: verifier,
        client_id: client.client_id,
      }),
    );
    assert.equal(ok.status, 200);
  });
});

describe("createDevAuthorizationServer: authorization refusals", () => {
  // RFC 6749 §4.1.2.1: with no trustworthy client or redirect URI, the error
  // is shown, never redirected.
  for (
    const [label, extra, pattern] of [
      ["an unknown client", { client_id: "nobody" }, /Unknown client_id/],
      ["a missing client_id", { client_id: undefined }, /no client_id/],
      ["an unregistered redirect_uri", {
        redirect_uri: "http://127.0.0.1:7777/elsewhere",
      }, /not one the client registered/],
      ["a redirect_uri on another host", {
        redirect_uri: "https://attacker.example/callback",
      }, /not one the client registered/],
    ] as const
  ) {
    it(`shows, without redirecting, ${label}`, async () => {
      const dev = await devServer();
      const client = await register(dev);
      const { params } = await codeRequest(client, extra);
      const response = await authorize(dev, params);
      assert.equal(response.status, 400);
      assert.equal(response.headers.get("location"), null);
      assert.match(response.headers.get("content-type")!, /text\/html/);
      assert.match(await response.text(), pattern);
    });
  }

  it("shows a repeated parameter without redirecting", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { params } = await codeRequest(client);
    const query = new URLSearchParams(params as Record<string, string>);
    query.append("scope", "admin");
    const response = await send(dev, `/oauth/authorize?${query}`);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /&#34;scope&#34; is repeated/);
  });

  for (
    const [label, extra, error, pattern] of [
      [
        "a request without PKCE",
        {
          code_challenge: undefined,
          code_challenge_method: undefined,
        },
        "invalid_request",
        /PKCE is required/,
      ],
      [
        "plain PKCE",
        { code_challenge_method: "plain" },
        "invalid_request",
        /"plain" is refused/,
      ],
      [
        "PKCE without a method (plain by default)",
        {
          code_challenge_method: undefined,
        },
        "invalid_request",
        /"plain" is refused/,
      ],
      [
        "a malformed code_challenge",
        { code_challenge: "short" },
        "invalid_request",
        /base64url SHA-256/,
      ],
      [
        "a scope the resource does not support",
        {
          scope: "read delete",
        },
        "invalid_scope",
        /does not support the scope "delete"/,
      ],
      [
        "a malformed scope",
        { scope: 'read "x"' },
        "invalid_scope",
        /scope tokens/,
      ],
      [
        "the implicit response type",
        { response_type: "token" },
        "unsupported_response_type",
        /code/,
      ],
      [
        "a missing response type",
        { response_type: undefined },
        "invalid_request",
        /response_type/,
      ],
      [
        "an unknown resource",
        {
          resource: "http://127.0.0.1:9/elsewhere",
        },
        "invalid_target",
        /not one this server/,
      ],
    ] as const
  ) {
    it(`redirects an error for ${label}, with state`, async () => {
      const dev = await devServer();
      const client = await register(dev);
      const { params } = await codeRequest(client, extra);
      const back = redirected(await authorize(dev, params));
      assert.equal(back.get("error"), error);
      assert.match(back.get("error_description")!, pattern);
      assert.equal(back.get("state"), "st-1");
      assert.equal(back.get("iss"), ISSUER);
      assert.equal(back.get("code"), null);
    });
  }

  it("refuses a client that did not register the code grant", async () => {
    const dev = await devServer();
    const client = await register(dev, {
      grant_types: ["client_credentials"],
      response_types: [],
      token_endpoint_auth_method: "client_secret_basic",
      redirect_uris: [REDIRECT],
    });
    const { params } = await codeRequest(client);
    const back = redirected(await authorize(dev, params));
    assert.equal(back.get("error"), "unauthorized_client");
  });
});

describe("createDevAuthorizationServer: token refusals", () => {
  it("refuses a wrong PKCE verifier, and the code is spent", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client);
    await assertOAuthError(
      await exchange(dev, client, code, "x".repeat(43)),
      400,
      "invalid_grant",
    );
    await assertOAuthError(
      await exchange(dev, client, code, verifier),
      400,
      "invalid_grant",
    );
  });

  it("refuses a reused code and revokes the refresh token it gave", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client);
    const first = await (await exchange(dev, client, code, verifier)).json();
    await assertOAuthError(
      await exchange(dev, client, code, verifier),
      400,
      "invalid_grant",
    );
    await assertOAuthError(
      await send(
        dev,
        "/oauth/token",
        form({
          grant_type: "refresh_token",
          refresh_token: first.refresh_token,
          client_id: client.client_id,
        }),
      ),
      400,
      "invalid_grant",
    );
  });

  it("refuses an expired code", async () => {
    let now = 1_000_000;
    const dev = await devServer({ now: () => now });
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client);
    now += 61_000;
    await assertOAuthError(
      await exchange(dev, client, code, verifier),
      400,
      "invalid_grant",
    );
  });

  it("refuses a different redirect_uri, or none when the request named one", async () => {
    const dev = await devServer();
    const client = await register(dev, {
      redirect_uris: [REDIRECT, "http://127.0.0.1:7777/other"],
    });
    const one = await getCode(dev, client);
    await assertOAuthError(
      await exchange(dev, client, one.code, one.verifier, {
        redirect_uri: "http://127.0.0.1:7777/other",
      }),
      400,
      "invalid_grant",
    );
    const two = await getCode(dev, client);
    await assertOAuthError(
      await send(
        dev,
        "/oauth/token",
        form({
          grant_type: "authorization_code",
          code: two.code,
          code_verifier: two.verifier,
          client_id: client.client_id,
        }),
      ),
      400,
      "invalid_grant",
    );
  });

  it("refuses another client's code", async () => {
    const dev = await devServer();
    const alice = await register(dev);
    const mallory = await register(dev);
    const { code, verifier } = await getCode(dev, alice);
    await assertOAuthError(
      await exchange(dev, mallory, code, verifier),
      400,
      "invalid_grant",
    );
  });

  it("refuses a missing code_verifier", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { code } = await getCode(dev, client);
    await assertOAuthError(
      await send(
        dev,
        "/oauth/token",
        form({
          grant_type: "authorization_code",
          code,
          redirect_uri: REDIRECT,
          client_id: client.client_id,
        }),
      ),
      400,
      "invalid_request",
    );
  });

  it("refuses a resource other than the authorized one", async () => {
    const dev = await devServer({ resource: [RESOURCE, `${ORIGIN}/b`] });
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client);
    await assertOAuthError(
      await exchange(dev, client, code, verifier, { resource: `${ORIGIN}/b` }),
      400,
      "invalid_target",
    );
  });

  it("refuses an unknown client with 401 invalid_client", async () => {
    const dev = await devServer();
    const response = await send(
      dev,
      "/oauth/token",
      form({
        grant_type: "authorization_code",
        code: "x",
        code_verifier: "y".repeat(43),
        client_id: "nobody",
      }),
    );
    await assertOAuthError(response, 401, "invalid_client");
  });

  it("refuses an unsupported grant type, a missing one, and a form of another type", async () => {
    const dev = await devServer();
    const client = await register(dev);
    await assertOAuthError(
      await send(
        dev,
        "/oauth/token",
        form({ grant_type: "password", client_id: client.client_id }),
      ),
      400,
      "unsupported_grant_type",
    );
    await assertOAuthError(
      await send(dev, "/oauth/token", form({ client_id: client.client_id })),
      400,
      "invalid_request",
    );
    await assertOAuthError(
      await send(
        dev,
        "/oauth/token",
        json({ grant_type: "client_credentials" }),
      ),
      400,
      "invalid_request",
    );
  });

  it("refuses a repeated parameter", async () => {
    const dev = await devServer();
    const client = await register(dev);
    await assertOAuthError(
      await send(dev, "/oauth/token", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body:
          `grant_type=authorization_code&code=a&code=b&client_id=${client.client_id}`,
      }),
      400,
      "invalid_request",
    );
  });
});

describe("createDevAuthorizationServer: refresh tokens", () => {
  it("rotates the refresh token and narrows, never widens, the scope", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client, {
      scope: "read write",
    });
    const first = await (await exchange(dev, client, code, verifier)).json();
    const refresh = (token: string, scope?: string) =>
      send(
        dev,
        "/oauth/token",
        form({
          grant_type: "refresh_token",
          refresh_token: token,
          client_id: client.client_id,
          ...(scope === undefined ? {} : { scope }),
        }),
      );
    await assertOAuthError(
      await refresh(first.refresh_token, "read admin"),
      400,
      "invalid_scope",
    );
    const second = await (await refresh(first.refresh_token, "read")).json();
    assert.equal(second.scope, "read");
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.equal(decodeJwt(second.access_token).scope, "read");
    // The rotated token used again: the whole family ends.
    await assertOAuthError(
      await refresh(first.refresh_token),
      400,
      "invalid_grant",
    );
    await assertOAuthError(
      await refresh(second.refresh_token),
      400,
      "invalid_grant",
    );
  });

  it("gives no refresh token to a client without the refresh_token grant", async () => {
    const dev = await devServer();
    const client = await register(dev, { grant_types: ["authorization_code"] });
    const { code, verifier } = await getCode(dev, client);
    const body = await (await exchange(dev, client, code, verifier)).json();
    assert.equal(body.refresh_token, undefined);
  });
});

describe("createDevAuthorizationServer: client credentials", () => {
  const confidential = {
    grant_types: ["client_credentials"],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: "client_secret_basic",
  };

  it("issues a token to a confidential client authenticated with Basic", async () => {
    const dev = await devServer();
    const client = await register(dev, confidential);
    assert.equal(typeof client.client_secret, "string");
    const response = await send(dev, "/oauth/token", {
      ...form({
        grant_type: "client_credentials",
        scope: "write",
        resource: RESOURCE,
      }),
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Authorization: basic(client.client_id, client.client_secret!),
      },
    });
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.refresh_token, undefined);
    const claims = decodeJwt(body.access_token);
    assert.equal(claims.sub, client.client_id);
    assert.equal(claims.scope, "write");
    assert.equal(claims.aud, RESOURCE);
  });

  it("refuses a wrong secret with 401 and a Basic challenge", async () => {
    const dev = await devServer();
    const client = await register(dev, confidential);
    const response = await send(dev, "/oauth/token", {
      ...form({ grant_type: "client_credentials" }),
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Authorization: basic(client.client_id, "wrong"),
      },
    });
    assert.match(response.headers.get("www-authenticate")!, /^Basic realm=/);
    await assertOAuthError(response, 401, "invalid_client");
  });

  it("refuses a secret sent another way than registered, and an unsupported scope", async () => {
    const dev = await devServer();
    const client = await register(dev, confidential);
    await assertOAuthError(
      await send(
        dev,
        "/oauth/token",
        form({
          grant_type: "client_credentials",
          client_id: client.client_id,
          client_secret: client.client_secret!,
        }),
      ),
      401,
      "invalid_client",
    );
    const post = await register(dev, {
      ...confidential,
      token_endpoint_auth_method: "client_secret_post",
    });
    await assertOAuthError(
      await send(
        dev,
        "/oauth/token",
        form({
          grant_type: "client_credentials",
          client_id: post.client_id,
          client_secret: post.client_secret!,
          scope: "root",
        }),
      ),
      400,
      "invalid_scope",
    );
  });

  it("refuses client credentials to a public client", async () => {
    const dev = await devServer();
    const response = await send(
      dev,
      "/oauth/register",
      json({
        grant_types: ["client_credentials"],
        token_endpoint_auth_method: "none",
      }),
    );
    await assertOAuthError(response, 400, "invalid_client_metadata");
    const client = await register(dev);
    await assertOAuthError(
      await send(
        dev,
        "/oauth/token",
        form({
          grant_type: "client_credentials",
          client_id: client.client_id,
        }),
      ),
      400,
      "unauthorized_client",
    );
  });
});

describe("createDevAuthorizationServer: dynamic registration (RFC 7591)", () => {
  it("registers a public client and echoes its metadata", async () => {
    const dev = await devServer();
    const client = await register(dev);
    assert.match(client.client_id, /^dev-/);
    assert.equal(client.client_secret, undefined);
    assert.deepEqual(client.redirect_uris, [REDIRECT]);
    assert.equal(client.token_endpoint_auth_method, "none");
    assert.equal(client.client_name, "Test client");
  });

  it("keeps a registered public client across a restart: its id carries its metadata", async () => {
    const before = await devServer();
    const client = await register(before);
    const after = await devServer();
    const { code, verifier } = await getCode(after, client);
    const response = await exchange(after, client, code, verifier);
    assert.equal(response.status, 200);
    const again = await register(before);
    assert.notEqual(
      again.client_id,
      client.client_id,
      "one id per registration",
    );
  });

  it("refuses a confidential client's secret after a restart", async () => {
    const confidential = {
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_post",
    };
    const before = await devServer();
    const client = await register(before, confidential);
    const token = (dev: typeof before) =>
      send(
        dev,
        "/oauth/token",
        form({
          grant_type: "client_credentials",
          client_id: client.client_id,
          client_secret: client.client_secret!,
        }),
      );
    assert.equal((await token(before)).status, 200);
    await assertOAuthError(
      await token(await devServer()),
      401,
      "invalid_client",
    );
  });

  it("treats a made-up or tampered client_id as unknown", async () => {
    const dev = await devServer();
    const encode = (doc: unknown) =>
      "dev-" + btoa(JSON.stringify(doc)).replace(/\+/g, "-").replace(/\//g, "_")
        .replace(/=+$/, "");
    for (
      const id of [
        "dev-",
        "dev-!!",
        encode({ redirect_uris: ["javascript:alert(1)"] }),
        encode({ redirect_uris: [REDIRECT], grant_types: ["implicit"] }),
        "dev-" + "A".repeat(5000),
      ]
    ) {
      const { params } = await codeRequest({ client_id: id });
      const response = await authorize(dev, params);
      assert.equal(response.status, 400, id.slice(0, 40));
      assert.equal(response.headers.get("location"), null);
      assert.match(await response.text(), /Unknown client_id/);
    }
  });

  for (
    const [label, metadata, error] of [
      ["http on a host that is not loopback", {
        redirect_uris: ["http://example.com/cb"],
      }, "invalid_redirect_uri"],
      ["a javascript: redirect URI", {
        redirect_uris: ["javascript:alert(1)"],
      }, "invalid_redirect_uri"],
      ["a redirect URI with a fragment", {
        redirect_uris: [`${REDIRECT}#x`],
      }, "invalid_redirect_uri"],
      [
        "no redirect URI for the code grant",
        { redirect_uris: [] },
        "invalid_redirect_uri",
      ],
      [
        "the implicit grant",
        { grant_types: ["implicit"] },
        "invalid_client_metadata",
      ],
      [
        "a token response type",
        { response_types: ["token"] },
        "invalid_client_metadata",
      ],
      ["private_key_jwt", {
        token_endpoint_auth_method: "private_key_jwt",
      }, "invalid_client_metadata"],
      [
        "a non-string client_name",
        { client_name: 5 },
        "invalid_client_metadata",
      ],
    ] as const
  ) {
    it(`refuses ${label}`, async () => {
      const dev = await devServer();
      const response = await send(
        dev,
        "/oauth/register",
        json({
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: "none",
          ...metadata,
        }),
      );
      await assertOAuthError(response, 400, error);
    });
  }

  it("refuses a body that is not JSON, and one too large", async () => {
    const dev = await devServer();
    await assertOAuthError(
      await send(dev, "/oauth/register", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{",
      }),
      400,
      "invalid_client_metadata",
    );
    await assertOAuthError(
      await send(dev, "/oauth/register", json({ padding: "x".repeat(70_000) })),
      413,
      "invalid_client_metadata",
    );
  });
});

describe("createDevAuthorizationServer: Client ID Metadata Documents", () => {
  const CLIENT_ID = "https://client.example/oauth/metadata.json";
  const document = {
    client_id: CLIENT_ID,
    client_name: "Example <b>IDE</b>",
    redirect_uris: [REDIRECT],
    grant_types: ["authorization_code"],
    token_endpoint_auth_method: "none",
  };
  const serving = (body: unknown, init: ResponseInit = {}) => {
    const calls: string[] = [];
    const fetch = (input: string | URL | Request, options?: RequestInit) => {
      calls.push(String(input));
      assert.equal(options?.redirect, "manual");
      return Promise.resolve(
        new Response(typeof body === "string" ? body : JSON.stringify(body), {
          headers: { "Content-Type": "application/json" },
          ...init,
        }),
      );
    };
    return { fetch: fetch as typeof globalThis.fetch, calls };
  };

  it("fetches the document once, and the client logs in with its URL", async () => {
    const { fetch, calls } = serving(document);
    const dev = await devServer({ fetch });
    const client = { client_id: CLIENT_ID };
    const { code, verifier } = await getCode(dev, client);
    const body = await (await exchange(dev, client, code, verifier)).json();
    assert.equal(decodeJwt(body.access_token).client_id, CLIENT_ID);
    assert.deepEqual(calls, [CLIENT_ID]);
  });

  it("shows the document's name, escaped, on the approval page", async () => {
    const { fetch } = serving(document);
    const dev = await devServer({ fetch, approval: "page" });
    const { params } = await codeRequest({ client_id: CLIENT_ID });
    const page = await (await authorize(dev, params)).text();
    assert.match(page, /Example &#60;b&#62;IDE&#60;\/b&#62;/);
    assert.match(page, /client metadata document/);
  });

  for (
    const [label, body, init, pattern] of [
      [
        "a document naming another client_id",
        {
          ...document,
          client_id: "https://client.example/other",
        },
        {},
        /client_id that is not its own URL/,
      ],
      [
        "a document with a secret",
        {
          ...document,
          client_secret: "s",
        },
        {},
        /client_secret/,
      ],
      ["a redirect", "", {
        status: 302,
        headers: { Location: "https://x.example/" },
      }, /HTTP 302/],
      ["an error status", "", { status: 404 }, /HTTP 404/],
      ["a document that is not JSON", "<html>", {}, /not JSON/],
      ["a document served as HTML", document, {
        headers: { "Content-Type": "text/html" },
      }, /application\/json/],
      [
        "a document too large",
        { ...document, padding: "x".repeat(20_000) },
        {},
        /larger than/,
      ],
      [
        "a document with an http redirect URI to another host",
        {
          ...document,
          redirect_uris: ["http://evil.example/cb"],
        },
        {},
        /not loopback/,
      ],
    ] as const
  ) {
    it(`refuses ${label}`, async () => {
      const { fetch } = serving(body, init as ResponseInit);
      const dev = await devServer({ fetch });
      const { params } = await codeRequest({ client_id: CLIENT_ID });
      const response = await authorize(dev, params);
      assert.equal(response.status, 400);
      assert.equal(response.headers.get("location"), null);
      assert.match(await response.text(), pattern);
    });
  }

  it("gives up on a document that does not arrive in time", async () => {
    const fetch = (_input: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener(
          "abort",
          () => reject(init.signal!.reason),
        );
      });
    const dev = await devServer({
      fetch: fetch as typeof globalThis.fetch,
      clientMetadataTimeout: 20,
    });
    const { params } = await codeRequest({ client_id: CLIENT_ID });
    const response = await authorize(dev, params);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /timed out/);
  });

  it("does not fetch a client_id that is http on a public host, or has no path", async () => {
    const { fetch, calls } = serving(document);
    const dev = await devServer({ fetch });
    for (
      const id of ["http://client.example/meta.json", "https://client.example/"]
    ) {
      const { params } = await codeRequest({ client_id: id });
      const response = await authorize(dev, params);
      assert.equal(response.status, 400);
      assert.match(await response.text(), /Unknown client_id/);
    }
    assert.deepEqual(calls, []);
  });
});

describe("createDevAuthorizationServer: the approval page", () => {
  it("shows the client, scopes and resource, unframeable", async () => {
    const dev = await devServer({ approval: "page" });
    const client = await register(dev, { client_name: "My <script>" });
    const { params } = await codeRequest(client, { scope: "read write" });
    const response = await authorize(dev, params);
    assert.equal(response.status, 200);
    assert.match(
      response.headers.get("content-security-policy")!,
      /frame-ancestors 'none'/,
    );
    assert.equal(response.headers.get("x-frame-options"), "DENY");
    const html = await response.text();
    assert.ok(!html.includes("<script>"));
    assert.match(html, /My &#60;script&#62;/);
    assert.match(html, /<li>read<\/li><li>write<\/li>/);
    assert.ok(html.includes(RESOURCE));
    assert.match(html, /Development authorization server/);
  });

  function transaction(html: string): string {
    const match = /name="transaction" value="([^"]+)"/.exec(html);
    assert.ok(match !== null);
    return match[1]!;
  }

  it("approves once with a 303 carrying the code, then forgets the request", async () => {
    const dev = await devServer({ approval: "page" });
    const client = await register(dev);
    const { params, verifier } = await codeRequest(client);
    const id = transaction(await (await authorize(dev, params)).text());
    const approved = await send(
      dev,
      "/oauth/authorize",
      form({
        transaction: id,
        decision: "approve",
      }),
    );
    assert.equal(approved.status, 303);
    const back = redirected(approved);
    assert.equal(back.get("state"), "st-1");
    const token = await exchange(dev, client, back.get("code")!, verifier);
    assert.equal(token.status, 200);
    const again = await send(
      dev,
      "/oauth/authorize",
      form({
        transaction: id,
        decision: "approve",
      }),
    );
    assert.equal(again.status, 400);
    assert.equal(again.headers.get("location"), null);
  });

  it("denies with access_denied and the state", async () => {
    const dev = await devServer({ approval: "page" });
    const client = await register(dev);
    const { params } = await codeRequest(client);
    const id = transaction(await (await authorize(dev, params)).text());
    const back = redirected(
      await send(
        dev,
        "/oauth/authorize",
        form({ transaction: id, decision: "deny" }),
      ),
    );
    assert.equal(back.get("error"), "access_denied");
    assert.equal(back.get("state"), "st-1");
    assert.equal(back.get("code"), null);
  });

  it("refuses an unknown transaction", async () => {
    const dev = await devServer({ approval: "page" });
    const response = await send(
      dev,
      "/oauth/authorize",
      form({
        transaction: "made-up",
        decision: "approve",
      }),
    );
    assert.equal(response.status, 400);
    assert.match(await response.text(), /expired or was already answered/);
  });
});

describe("DevAuthorizationServer.mintAccessToken", () => {
  it("signs a token the resource accepts", async () => {
    const dev = await devServer();
    const claims = decodeJwt(
      await dev.mintAccessToken({ scopes: ["write"], clientId: "tests" }),
    );
    assert.equal(claims.scope, "write");
    assert.equal(claims.client_id, "tests");
    assert.equal(claims.aud, RESOURCE);
  });

  it("refuses a scope it does not grant and an unknown option", async () => {
    const dev = await devServer();
    await assert.rejects(
      dev.mintAccessToken({ scopes: ["root"] }),
      (error: unknown) =>
        error instanceof TypeError && /"root"/.test(error.message),
    );
    await assert.rejects(
      dev.mintAccessToken({ scope: "read" } as never),
      (error: unknown) =>
        error instanceof TypeError &&
        /unknown option "scope"/.test(error.message),
    );
  });
});
