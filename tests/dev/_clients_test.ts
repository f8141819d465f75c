// src/dev/_clients.ts: the client registry: registered ids carry their
// metadata (so clients survive a restart), confidential secrets do not.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  assertOAuthError,
  authorize,
  codeRequest,
  CONFIDENTIAL,
  devServer,
  exchange,
  getCode,
  json,
  REDIRECT,
  register,
  send,
  token,
} from "./_flow.ts";

describe("dev server client registry", () => {
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
      ...CONFIDENTIAL,
      token_endpoint_auth_method: "client_secret_post",
    };
    const before = await devServer();
    const client = await register(before, confidential);
    const credentials = (dev: typeof before) =>
      token(dev, {
        grant_type: "client_credentials",
        client_id: client.client_id,
        client_secret: client.client_secret!,
      });
    assert.equal((await credentials(before)).status, 200);
    await assertOAuthError(
      await credentials(await devServer()),
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

  it("keeps what the client registered: its redirect URIs and grants", async () => {
    const before = await devServer();
    const client = await register(before, {
      grant_types: ["authorization_code"],
    });
    const after = await devServer();
    const { code, verifier } = await getCode(after, client);
    const body = await (await exchange(after, client, code, verifier)).json();
    assert.equal(body.refresh_token, undefined, "no refresh_token grant");
    const { params } = await codeRequest(client, {
      redirect_uri: "http://127.0.0.1:7777/elsewhere",
    });
    assert.equal((await authorize(after, params)).status, 400);
  });

  it("refuses metadata too large to carry in an id", async () => {
    const dev = await devServer();
    const uris = Array.from(
      { length: 10 },
      (_, i) => `https://app.example/${"x".repeat(300)}/${i}`,
    );
    await assertOAuthError(
      await send(
        dev,
        "/oauth/register",
        json({
          redirect_uris: uris,
          token_endpoint_auth_method: "none",
        }),
      ),
      400,
      "invalid_client_metadata",
    );
  });
});
