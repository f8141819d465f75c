// src/dev/server.ts: createDevAuthorizationServer, what it returns, and
// mintAccessToken. The endpoints are tested per file (tests/dev/_*_test.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import { JwtVerifier } from "../../mod.ts";
import { devServer, ISSUER, ORIGIN, RESOURCE, send } from "./_flow.ts";

describe("createDevAuthorizationServer", () => {
  it("says at start, and in its metadata, that it is for development", async () => {
    const messages: string[] = [];
    const dev = await devServer({
      warn: (message) => messages.push(message),
    });
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /DEVELOPMENT authorization server/);
    assert.match(messages[0]!, /never in production/);
    assert.match(String(dev.metadata.description), /DEVELOPMENT/);
    const docs = await send(dev, "/oauth/docs");
    assert.match(await docs.text(), /for local development and tests only/);
  });

  it("starts even when its warn throws (a logger never decides)", async () => {
    const dev = await devServer({
      warn: () => {
        throw new Error("logger down");
      },
    });
    assert.equal(dev.issuer, ISSUER);
  });

  it("returns its issuer, metadata and keys, frozen", async () => {
    const dev = await devServer();
    assert.equal(dev.issuer, ISSUER);
    assert.equal(
      dev.metadataUrl,
      `${ORIGIN}/.well-known/oauth-authorization-server/oauth`,
    );
    assert.equal(dev.jwksUri, `${ISSUER}/jwks`);
    assert.deepEqual(dev.resources, [RESOURCE]);
    assert.deepEqual(dev.scopesSupported, ["read", "write", "admin"]);
    assert.match(dev.notice, /DEVELOPMENT/);
    assert.ok(Object.isFrozen(dev));
    assert.ok(Object.isFrozen(dev.metadata));
  });
});

describe("DevAuthorizationServer.mintAccessToken", () => {
  it("signs a token the resource accepts", async () => {
    const dev = await devServer();
    const token = await dev.mintAccessToken({
      scopes: ["write"],
      clientId: "tests",
    });
    const claims = decodeJwt(token);
    assert.equal(claims.scope, "write");
    assert.equal(claims.client_id, "tests");
    assert.equal(claims.aud, RESOURCE);
    assert.equal(claims.sub, "dev-user");
    assert.equal(claims.exp! - claims.iat!, 3600);
    const verifier = new JwtVerifier({
      jwks: dev.jwks,
      issuer: dev.issuer,
      audience: RESOURCE,
      typ: "at+jwt",
    });
    assert.deepEqual((await verifier.verifyToken(token)).scopes, ["write"]);
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
        /Unknown mintAccessToken option "scope" \(did you mean "scopes"\?\)/
          .test(error.message),
    );
  });

  for (
    const [label, options, pattern] of [
      ["a resource it does not serve", {
        resource: `${ORIGIN}/other`,
      }, /"resource" must be one of/],
      ["scopes that are not an array", {
        scopes: "read",
      }, /"scopes" must be an array/],
      ["a lifetime over a day", {
        expiresIn: 86_401,
      }, /"expiresIn" must be an integer of seconds from 1 to 86400/],
      ["an empty clientId", {
        clientId: "",
      }, /"clientId" must be a non-empty string/],
      ["an empty subject", {
        subject: "",
      }, /"subject" must be a non-empty string/],
    ] as const
  ) {
    it(`refuses ${label}`, async () => {
      const dev = await devServer();
      await assert.rejects(
        dev.mintAccessToken(options as never),
        (error: unknown) =>
          error instanceof TypeError && pattern.test(error.message),
      );
    });
  }
});
