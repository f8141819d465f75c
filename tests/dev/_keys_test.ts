// src/dev/_keys.ts: the generated ES256 key, its public JWKS, and the
// RFC 9068 access tokens signed with it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { devServer, ISSUER, RESOURCE, send } from "./_flow.ts";

describe("dev server keys and signing", () => {
  it("publishes its public key only", async () => {
    const dev = await devServer();
    const response = await send(dev, "/oauth/jwks");
    assert.equal(response.headers.get("cache-control"), "max-age=300");
    const jwks = await response.json();
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0].kty, "EC");
    assert.equal(jwks.keys[0].alg, "ES256");
    assert.equal(jwks.keys[0].use, "sig");
    assert.equal(jwks.keys[0].d, undefined);
    assert.deepEqual(jwks, dev.jwks);
  });

  it("generates a new key each time it is created", async () => {
    const one = await devServer();
    const two = await devServer();
    assert.notEqual(one.jwks.keys[0]!.kid, two.jwks.keys[0]!.kid);
    assert.notEqual(one.jwks.keys[0]!.x, two.jwks.keys[0]!.x);
  });

  it("signs at+jwt tokens under its key id, on its clock", async () => {
    const now = Date.UTC(2030, 0, 1);
    const dev = await devServer({ now: () => now });
    const token = await dev.mintAccessToken({ scopes: [], expiresIn: 60 });
    const header = decodeProtectedHeader(token);
    assert.deepEqual(header, {
      alg: "ES256",
      typ: "at+jwt",
      kid: dev.jwks.keys[0]!.kid,
    });
    const claims = decodeJwt(token);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, RESOURCE);
    assert.equal(claims.iat, now / 1000);
    assert.equal(claims.exp, now / 1000 + 60);
    assert.equal(claims.scope, undefined, "no scope claim for no scope");
    assert.equal(typeof claims.jti, "string");
  });
});
