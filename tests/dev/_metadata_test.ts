// src/dev/_metadata.ts: RFC 8414 metadata at the issuer's path-aware
// well-known URI, OpenID discovery, and where the endpoints are.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { devServer, ISSUER, ORIGIN, send } from "./_flow.ts";

describe("dev server metadata and discovery", () => {
  it("serves RFC 8414 metadata at the issuer's path-aware well-known URI", async () => {
    const dev = await devServer();
    const response = await send(
      dev,
      "/.well-known/oauth-authorization-server/oauth",
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    assert.equal(response.headers.get("cache-control"), "max-age=60");
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
    assert.equal(metadata.service_documentation, `${ISSUER}/docs`);
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
    assert.deepEqual(metadata, { ...dev.metadata });
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
      assert.deepEqual(metadata.id_token_signing_alg_values_supported, [
        "ES256",
      ]);
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
    assert.equal(
      (await send(dev, "/.well-known/openid-configuration")).status,
      200,
    );
  });

  it("says in its description what approval it does", async () => {
    const auto = await devServer();
    assert.match(
      String(auto.metadata.description),
      /approves every request as "dev-user" without asking/,
    );
    const page = await devServer({ approval: "page", subject: "alice" });
    assert.match(
      String(page.metadata.description),
      /signs anyone in as "alice" on a click/,
    );
  });
});
