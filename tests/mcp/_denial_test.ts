// What a client learns from a denial (src/mcp/_denial.ts): the scopes to ask
// for on a shortfall, and the not-found error for everything else, whatever
// the thrown value said.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AuthorizationError, InsufficientScopeError } from "../../mod.ts";
import {
  denialOf,
  INVALID_PARAMS,
  notFound,
  scopeChallengeOf,
} from "../../src/mcp/_denial.ts";

describe("denialOf()", () => {
  it("names the missing scopes of a shortfall, and nothing of its message", () => {
    const error = new InsufficientScopeError(["files:write", "admin"], {
      message: "internal: policy v7 wants admin",
    });
    assert.deepEqual(denialOf(error, "Tool"), {
      code: INVALID_PARAMS,
      message: "Insufficient scope",
      data: { requiredScopes: ["admin", "files:write"] },
    });
  });

  it("answers any other denial, or anything thrown, as not found", () => {
    for (
      const thrown of [
        new AuthorizationError("you are not on the list"),
        new Error("db.internal:5432 refused"),
        "a string",
        undefined,
        { requiredScopes: ["admin"] },
      ]
    ) {
      assert.deepEqual(denialOf(thrown, "Resource"), notFound("Resource"));
    }
    assert.deepEqual(notFound("Prompt"), {
      code: -32602,
      message: "Prompt not found or not authorized",
    });
  });
});

describe("scopeChallengeOf()", () => {
  it("challenges a shortfall with its scopes (RFC 6750 §3.1)", () => {
    assert.deepEqual(
      scopeChallengeOf(new InsufficientScopeError(["a", "b"])),
      { scopes: ["a", "b"], errorDescription: "Insufficient scope" },
    );
  });

  it("challenges nothing else", () => {
    for (
      const thrown of [
        new AuthorizationError(),
        new Error("x"),
        { scopes: ["a"] },
        null,
      ]
    ) {
      assert.equal(scopeChallengeOf(thrown), undefined);
    }
  });
});
