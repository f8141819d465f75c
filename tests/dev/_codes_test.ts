// src/dev/_codes.ts: authorization codes, redeemed once, by the client they
// were issued to, with the redirect URI, the PKCE verifier and the resource
// of the authorization request.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  assertOAuthError,
  devServer,
  exchange,
  getCode,
  ORIGIN,
  REDIRECT,
  register,
  RESOURCE,
  token,
} from "./_flow.ts";

describe("dev server authorization codes", () => {
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

  it("refuses a malformed verifier", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { code } = await getCode(dev, client);
    await assertOAuthError(
      await exchange(dev, client, code, "short"),
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
      await token(dev, {
        grant_type: "refresh_token",
        refresh_token: first.refresh_token,
        client_id: client.client_id,
      }),
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
      await exchange(dev, client, two.code, two.verifier, {
        redirect_uri: undefined,
      }),
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

  it("refuses a missing code_verifier, and a missing code", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { code } = await getCode(dev, client);
    await assertOAuthError(
      await exchange(dev, client, code, "", { code_verifier: undefined }),
      400,
      "invalid_request",
    );
    await assertOAuthError(
      await exchange(dev, client, "", "y".repeat(43), { code: undefined }),
      400,
      "invalid_request",
    );
  });

  it("refuses a resource other than the authorized one, and takes the same", async () => {
    const dev = await devServer({ resource: [RESOURCE, `${ORIGIN}/b`] });
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client);
    await assertOAuthError(
      await exchange(dev, client, code, verifier, { resource: `${ORIGIN}/b` }),
      400,
      "invalid_target",
    );
    const again = await getCode(dev, client);
    const same = await exchange(dev, client, again.code, again.verifier, {
      resource: RESOURCE,
    });
    assert.equal(same.status, 200);
  });
});
