import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dpopScheme } from "../../mod.ts";
import { isAuthScheme } from "../../src/http/scheme.ts";

describe("isAuthScheme", () => {
  it("recognises what dpopScheme makes", () => {
    assert.equal(isAuthScheme(dpopScheme()), true);
  });

  it("refuses options objects and partial schemes", () => {
    for (
      const value of [
        undefined,
        null,
        true,
        { required: true },
        { name: "DPoP", required: false, challengeParams: {} },
        {
          name: "DPoP",
          required: "no",
          challengeParams: {},
          readToken() {},
          confirm() {},
        },
      ]
    ) {
      assert.equal(isAuthScheme(value), false);
    }
  });
});
