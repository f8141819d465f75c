// src/dev/_authorize.ts: the authorization endpoint: a code with PKCE S256
// for one resource and supported scopes; errors about the client or its
// redirect URI shown, the others redirected with the state.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { JwtVerifier } from "../../mod.ts";
import {
  authorize,
  codeRequest,
  devServer,
  exchange,
  getCode,
  ISSUER,
  ORIGIN,
  REDIRECT,
  redirected,
  register,
  RESOURCE,
  send,
} from "./_flow.ts";

describe("dev server authorization endpoint: a code with PKCE", () => {
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

  it("uses the only registered redirect URI when the request omits it", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client, {
      redirect_uri: undefined,
    });
    const ok = await exchange(dev, client, code, verifier, {
      redirect_uri: undefined,
    });
    assert.equal(ok.status, 200);
  });
});

describe("dev server authorization endpoint: refusals", () => {
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

  it("redirects a state that is not printable ASCII without it", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { params } = await codeRequest(client, { state: "caf\u00e9" });
    const back = redirected(await authorize(dev, params));
    assert.equal(back.get("error"), "invalid_request");
    assert.equal(back.get("state"), null);
  });

  it("refuses two resources in one request", async () => {
    const dev = await devServer({ resource: [RESOURCE, `${ORIGIN}/b`] });
    const client = await register(dev);
    const { params } = await codeRequest(client);
    const query = new URLSearchParams(params as Record<string, string>);
    query.append("resource", `${ORIGIN}/b`);
    const response = await send(dev, `/oauth/authorize?${query}`);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /&#34;resource&#34; is repeated/);
  });

  it("shows a form POST of another type without redirecting", async () => {
    const dev = await devServer();
    const response = await send(dev, "/oauth/authorize", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get("location"), null);
    assert.match(await response.text(), /x-www-form-urlencoded/);
  });
});
