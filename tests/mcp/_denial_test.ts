// What a client learns from a denial (src/mcp/_denial.ts): the scopes to ask
// for on a shortfall, and the not-found error for everything else, whatever
// the thrown value said or however it was built.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  AuthorizationError,
  AuthorizationUnavailableError,
  InsufficientScopeError,
} from "../../mod.ts";
import {
  denialOf,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  notFound,
  scopeChallengeOf,
  unavailable,
  unavailableRetryAfter,
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

describe("unavailableRetryAfter() and the retryable denial", () => {
  it("answers a decision that could not be made with -32603 and data.retryAfter, nothing of its message", () => {
    const error = new AuthorizationUnavailableError("pdp.internal:8443 down", {
      retryAfter: 2.5,
    });
    assert.equal(unavailableRetryAfter(error), 3);
    assert.deepEqual(denialOf(error, "Tool"), {
      code: INTERNAL_ERROR,
      message: "Authorization service unavailable",
      data: { retryAfter: 3 },
    });
    assert.deepEqual(unavailable(7), {
      code: -32603,
      message: "Authorization service unavailable",
      data: { retryAfter: 7 },
    });
  });

  it("bounds the hint: default 5 s for none or nonsense, at most an hour", () => {
    for (const retryAfter of [undefined, -1, Number.NaN, Infinity]) {
      assert.equal(
        unavailableRetryAfter(
          new AuthorizationUnavailableError(undefined, { retryAfter }),
        ),
        5,
      );
    }
    assert.equal(
      unavailableRetryAfter(
        new AuthorizationUnavailableError(undefined, { retryAfter: 1e9 }),
      ),
      3600,
    );
  });

  it("is undefined for anything else, hostile values included, and never throws", () => {
    const hostile = new Proxy({}, {
      getPrototypeOf() {
        throw new Error("trap");
      },
    });
    const lying = Object.create(AuthorizationUnavailableError.prototype, {
      retryAfter: {
        get() {
          throw new Error("getter");
        },
      },
    });
    for (
      const thrown of [
        new AuthorizationError(),
        new InsufficientScopeError(["a"]),
        new Error("x"),
        { retryAfter: 3 },
        hostile,
        undefined,
      ]
    ) {
      assert.equal(unavailableRetryAfter(thrown), undefined);
    }
    // An unavailability whose hint cannot be read: the default wait.
    assert.equal(unavailableRetryAfter(lying), 5);
  });
});
