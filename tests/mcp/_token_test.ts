// The token a guarded request carries (src/mcp/_token.ts): an AccessToken
// from bearerAuth as it is, the SDK's own AuthInfo given empty claims, and
// anything malformed as no token at all (fail closed).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { accessTokenOf } from "../../src/mcp/_token.ts";

describe("accessTokenOf()", () => {
  it("keeps an AccessToken as it is", () => {
    const token = {
      token: "t",
      clientId: "app",
      scopes: ["read"],
      claims: { sub: "u" },
    };
    assert.equal(accessTokenOf(token), token);
  });

  it("gives the SDK's AuthInfo, which has no claims, empty ones", () => {
    const info = { token: "t", clientId: "app", scopes: ["read"], extra: 1 };
    const token = accessTokenOf(info);
    assert.deepEqual(token, { ...info, claims: {} });
    assert.notEqual(token, info);
    assert.deepEqual(accessTokenOf({ ...info, claims: null })?.claims, {});
  });

  it("reads anything malformed as no token", () => {
    for (
      const authInfo of [
        undefined,
        null,
        "Bearer t",
        { clientId: "app", scopes: [] },
        { token: "t", scopes: [] },
        { token: "t", clientId: "app" },
        { token: "t", clientId: "app", scopes: "read" },
        { token: "t", clientId: "app", scopes: ["read", 7] },
        { token: 7, clientId: "app", scopes: [] },
      ]
    ) {
      assert.equal(accessTokenOf(authInfo), undefined);
    }
  });
});
