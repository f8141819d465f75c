// src/dev/_register.ts: the RFC 7591 registration endpoint.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  assertOAuthError,
  devServer,
  json,
  REDIRECT,
  register,
  send,
} from "./_flow.ts";

describe("dev server registration endpoint (RFC 7591)", () => {
  it("registers a public client and echoes its metadata", async () => {
    const dev = await devServer();
    const client = await register(dev);
    assert.match(client.client_id, /^dev-/);
    assert.equal(client.client_secret, undefined);
    assert.deepEqual(client.redirect_uris, [REDIRECT]);
    assert.equal(client.token_endpoint_auth_method, "none");
    assert.equal(client.client_name, "Test client");
  });

  it("gives a confidential client a secret that does not expire", async () => {
    const dev = await devServer();
    const client = await register(dev, {
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_post",
      scope: "read write",
    });
    assert.equal(typeof client.client_secret, "string");
    assert.equal(client.client_secret_expires_at, 0);
    assert.deepEqual(client.response_types, []);
    assert.equal(client.scope, "read write");
    assert.equal(typeof client.client_id_issued_at, "number");
  });

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

  it("refuses a body that is not application/json", async () => {
    const dev = await devServer();
    await assertOAuthError(
      await send(dev, "/oauth/register", {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: JSON.stringify({ redirect_uris: [REDIRECT] }),
      }),
      400,
      "invalid_client_metadata",
    );
  });
});
