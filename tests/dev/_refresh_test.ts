// src/dev/_refresh.ts: refresh tokens, rotated on every use, one family per
// authorization, never widening the scope.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import {
  assertOAuthError,
  devServer,
  exchange,
  getCode,
  ORIGIN,
  register,
  RESOURCE,
  token,
} from "./_flow.ts";
import type { DevAuthorizationServer } from "../../src/dev/mod.ts";

function refresh(
  dev: DevAuthorizationServer,
  clientId: string,
  refreshToken: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  return token(dev, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: clientId,
    ...extra,
  });
}

describe("dev server refresh tokens", () => {
  it("rotates the refresh token and narrows, never widens, the scope", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client, {
      scope: "read write",
    });
    const first = await (await exchange(dev, client, code, verifier)).json();
    await assertOAuthError(
      await refresh(dev, client.client_id, first.refresh_token, {
        scope: "read admin",
      }),
      400,
      "invalid_scope",
    );
    const second = await (await refresh(
      dev,
      client.client_id,
      first.refresh_token,
      { scope: "read" },
    )).json();
    assert.equal(second.scope, "read");
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.equal(decodeJwt(second.access_token).scope, "read");
    // The rotated token used again: the whole family ends.
    await assertOAuthError(
      await refresh(dev, client.client_id, first.refresh_token),
      400,
      "invalid_grant",
    );
    await assertOAuthError(
      await refresh(dev, client.client_id, second.refresh_token),
      400,
      "invalid_grant",
    );
  });

  it("keeps the scope when the refresh names none", async () => {
    const dev = await devServer();
    const client = await register(dev);
    const { code, verifier } = await getCode(dev, client, {
      scope: "read write",
    });
    const first = await (await exchange(dev, client, code, verifier)).json();
    const second =
      await (await refresh(dev, client.client_id, first.refresh_token))
        .json();
    assert.equal(second.scope, "read write");
    assert.equal(decodeJwt(second.access_token).aud, RESOURCE);
  });

  it("gives no refresh token to a client without the refresh_token grant", async () => {
    const dev = await devServer();
    const client = await register(dev, { grant_types: ["authorization_code"] });
    const { code, verifier } = await getCode(dev, client);
    const body = await (await exchange(dev, client, code, verifier)).json();
    assert.equal(body.refresh_token, undefined);
  });

  it("refuses another client's, an expired, a missing or another resource's token", async () => {
    let now = 1_000_000;
    const dev = await devServer({
      now: () => now,
      refreshTokenTtl: 100,
      resource: [RESOURCE, `${ORIGIN}/b`],
    });
    const client = await register(dev);
    const other = await register(dev);
    const { code, verifier } = await getCode(dev, client);
    const first = await (await exchange(dev, client, code, verifier)).json();
    await assertOAuthError(
      await refresh(dev, other.client_id, first.refresh_token),
      400,
      "invalid_grant",
    );
    await assertOAuthError(
      await refresh(dev, client.client_id, first.refresh_token, {
        resource: `${ORIGIN}/b`,
      }),
      400,
      "invalid_target",
    );
    await assertOAuthError(
      await token(dev, {
        grant_type: "refresh_token",
        client_id: client.client_id,
      }),
      400,
      "invalid_request",
    );
    now += 101_000;
    await assertOAuthError(
      await refresh(dev, client.client_id, first.refresh_token),
      400,
      "invalid_grant",
    );
  });
});
