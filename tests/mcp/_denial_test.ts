// What a client learns from a denial (src/mcp/_denial.ts): the scopes to ask
// for on a shortfall, and the not-found error for everything else, whatever
// the thrown value said or however it was built.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AuthorizationError, InsufficientScopeError } from "../../mod.ts";
import {
  denialOf,
  INVALID_PARAMS,
  notFound,
  scopeChallengeOf,
} from "../../src/mcp/_denial.ts";
import { hostileShortfalls, LEAK } from "./_hostile.ts";

describe("denialOf()", () => {
  it("names the missing scopes in its message and every scope to ask for in data, nothing of the thrown message", () => {
    const error = new InsufficientScopeError(["files:write", "admin"], {
      message: "internal: policy v7 wants admin",
      challengeScopes: ["mcp"],
    });
    assert.deepEqual(denialOf(error, "Tool"), {
      code: INVALID_PARAMS,
      message: "Insufficient scope. Required: admin, files:write",
      data: { requiredScopes: ["admin", "files:write", "mcp"] },
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

  for (const [label, thrown] of hostileShortfalls()) {
    it(`answers ${label} as not found, without a throw or its text`, () => {
      const denial = denialOf(thrown, "Tool");
      assert.deepEqual(denial, notFound("Tool"));
      assert.doesNotMatch(JSON.stringify(denial), LEAK);
    });
  }

  it("echoes the URI a refused resources/read sent as data.uri", () => {
    assert.deepEqual(notFound("Resource", "file:///x?y#z"), {
      code: INVALID_PARAMS,
      message: "Resource not found or not authorized",
      data: { uri: "file:///x?y#z" },
    });
    assert.deepEqual(
      denialOf(new Error("x"), "Resource", "file:///x"),
      notFound("Resource", "file:///x"),
    );
    assert.deepEqual(notFound("Resource", 7), notFound("Resource"));
  });
});

describe("scopeChallengeOf()", () => {
  it("challenges a shortfall with every scope to ask for (RFC 6750 §3.1)", () => {
    assert.deepEqual(
      scopeChallengeOf(new InsufficientScopeError(["a", "b"])),
      { scopes: ["a", "b"], errorDescription: "Insufficient scope" },
    );
    assert.deepEqual(
      scopeChallengeOf(
        new InsufficientScopeError(["admin"], { challengeScopes: ["mcp"] }),
      ),
      { scopes: ["admin", "mcp"], errorDescription: "Insufficient scope" },
    );
  });

  it("challenges nothing else", () => {
    for (
      const thrown of [
        new AuthorizationError(),
        new Error("x"),
        { scopes: ["a"] },
        null,
        new InsufficientScopeError([]),
      ]
    ) {
      assert.equal(scopeChallengeOf(thrown), undefined);
    }
  });

  for (const [label, thrown] of hostileShortfalls()) {
    it(`challenges nothing for ${label}, and never throws`, () => {
      assert.equal(scopeChallengeOf(thrown), undefined);
    });
  }
});
