// src/dev/_client_auth.ts: client authentication at the token endpoint,
// the one way each client registered.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseBasic } from "../../src/dev/_client_auth.ts";
import {
  assertOAuthError,
  basic,
  CONFIDENTIAL,
  devServer,
  register,
  token,
} from "./_flow.ts";

describe("dev server client authentication", () => {
  it("refuses an unknown client with 401 invalid_client", async () => {
    const dev = await devServer();
    const response = await token(dev, {
      grant_type: "authorization_code",
      code: "x",
      code_verifier: "y".repeat(43),
      client_id: "nobody",
    });
    assert.equal(response.headers.get("www-authenticate"), null);
    await assertOAuthError(response, 401, "invalid_client");
  });

  it("refuses a request that names no client", async () => {
    const dev = await devServer();
    await assertOAuthError(
      await token(dev, { grant_type: "client_credentials" }),
      401,
      "invalid_client",
    );
  });

  it("refuses a wrong secret with 401 and a Basic challenge", async () => {
    const dev = await devServer();
    const client = await register(dev, CONFIDENTIAL);
    const response = await token(
      dev,
      { grant_type: "client_credentials" },
      { Authorization: basic(client.client_id, "wrong") },
    );
    assert.match(response.headers.get("www-authenticate")!, /^Basic realm=/);
    await assertOAuthError(response, 401, "invalid_client");
  });

  it("refuses a secret sent another way than registered", async () => {
    const dev = await devServer();
    const client = await register(dev, CONFIDENTIAL);
    await assertOAuthError(
      await token(dev, {
        grant_type: "client_credentials",
        client_id: client.client_id,
        client_secret: client.client_secret!,
      }),
      401,
      "invalid_client",
    );
  });

  it("refuses credentials sent two ways, or two client ids", async () => {
    const dev = await devServer();
    const client = await register(dev, CONFIDENTIAL);
    const header = {
      Authorization: basic(client.client_id, client.client_secret!),
    };
    await assertOAuthError(
      await token(dev, {
        grant_type: "client_credentials",
        client_secret: client.client_secret!,
      }, header),
      400,
      "invalid_request",
    );
    await assertOAuthError(
      await token(dev, {
        grant_type: "client_credentials",
        client_id: "someone-else",
      }, header),
      400,
      "invalid_request",
    );
  });

  it("refuses a secret from a public client, and a malformed header", async () => {
    const dev = await devServer();
    const client = await register(dev);
    await assertOAuthError(
      await token(dev, {
        grant_type: "authorization_code",
        client_id: client.client_id,
        client_secret: "anything",
      }),
      401,
      "invalid_client",
    );
    const response = await token(dev, { grant_type: "client_credentials" }, {
      Authorization: "Bearer abc",
    });
    assert.match(response.headers.get("www-authenticate")!, /^Basic realm=/);
    await assertOAuthError(response, 401, "invalid_client");
  });

  it("decodes Basic credentials form-encoded (RFC 6749 §2.3.1)", () => {
    assert.deepEqual(parseBasic(basic("id:1 é", "s+:/")), {
      id: "id:1 é",
      secret: "s+:/",
    });
    assert.deepEqual(parseBasic(`Basic ${btoa("a+b:c+d")}`), {
      id: "a b",
      secret: "c d",
    });
    for (
      const header of [
        "Bearer x",
        "Basic",
        `Basic ${btoa("no-colon")}`,
        `Basic ${btoa(":secret")}`,
        `Basic ${btoa("%zz:x")}`,
        "Basic !!!",
        `Basic ${btoa("\xff:x")}`,
      ]
    ) {
      assert.equal(parseBasic(header), undefined, header);
    }
  });
});
