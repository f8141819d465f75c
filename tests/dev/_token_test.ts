// src/dev/_token.ts: the token endpoint: one form, each parameter once, one
// resource; the grant types; the client credentials grant; the token
// response.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import {
  assertOAuthError,
  basic,
  CONFIDENTIAL,
  devServer,
  exchange,
  getCode,
  json,
  ORIGIN,
  register,
  RESOURCE,
  send,
  token,
} from "./_flow.ts";

describe("dev server token endpoint", () => {
  it("answers a code with an RFC 6749 §5.1 response, never cached", async () => {
    const dev = await devServer({ accessTokenTtl: 120 });
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client, {
      scope: "write read",
    });
    const response = await exchange(dev, client, code, verifier);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(response.headers.get("pragma"), "no-cache");
    const body = await response.json();
    assert.deepEqual(Object.keys(body).sort(), [
      "access_token",
      "expires_in",
      "refresh_token",
      "scope",
      "token_type",
    ]);
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.expires_in, 120);
    assert.equal(body.scope, "write read");
  });

  it("refuses an unsupported grant type, a missing one, and a form of another type", async () => {
    const dev = await devServer();
    const client = await register(dev);
    await assertOAuthError(
      await token(dev, { grant_type: "password", client_id: client.client_id }),
      400,
      "unsupported_grant_type",
    );
    await assertOAuthError(
      await token(dev, { client_id: client.client_id }),
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

  it("refuses two resources in one request with invalid_target", async () => {
    const dev = await devServer({ resource: [RESOURCE, `${ORIGIN}/b`] });
    const client = await register(dev, CONFIDENTIAL);
    const body = new URLSearchParams({ grant_type: "client_credentials" });
    body.append("resource", RESOURCE);
    body.append("resource", `${ORIGIN}/b`);
    await assertOAuthError(
      await send(dev, "/oauth/token", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Authorization: basic(client.client_id, client.client_secret!),
        },
        body: body.toString(),
      }),
      400,
      "invalid_target",
    );
  });

  it("refuses a body too large (413) and one that is not UTF-8", async () => {
    const dev = await devServer();
    await assertOAuthError(
      await token(dev, { padding: "x".repeat(70_000) }),
      413,
      "invalid_request",
    );
    await assertOAuthError(
      await send(dev, "/oauth/token", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new Uint8Array([0x61, 0x3d, 0xff]),
      }),
      400,
      "invalid_request",
    );
  });
});

describe("dev server token endpoint: client credentials", () => {
  it("issues a token to a confidential client authenticated with Basic", async () => {
    const dev = await devServer();
    const client = await register(dev, CONFIDENTIAL);
    assert.equal(typeof client.client_secret, "string");
    const response = await token(dev, {
      grant_type: "client_credentials",
      scope: "write",
      resource: RESOURCE,
    }, { Authorization: basic(client.client_id, client.client_secret!) });
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.refresh_token, undefined);
    const claims = decodeJwt(body.access_token);
    assert.equal(claims.sub, client.client_id);
    assert.equal(claims.scope, "write");
    assert.equal(claims.aud, RESOURCE);
  });

  it("refuses an unsupported scope, and no resource among several", async () => {
    const dev = await devServer({ resource: [RESOURCE, `${ORIGIN}/b`] });
    const post = await register(dev, {
      ...CONFIDENTIAL,
      token_endpoint_auth_method: "client_secret_post",
    });
    const credentials = {
      grant_type: "client_credentials",
      client_id: post.client_id,
      client_secret: post.client_secret!,
    };
    await assertOAuthError(
      await token(dev, { ...credentials, scope: "root", resource: RESOURCE }),
      400,
      "invalid_scope",
    );
    await assertOAuthError(
      await token(dev, credentials),
      400,
      "invalid_target",
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
      await token(dev, {
        grant_type: "client_credentials",
        client_id: client.client_id,
      }),
      400,
      "unauthorized_client",
    );
  });
});
