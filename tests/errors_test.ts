import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  AuthorizationError,
  AuthorizationUnavailableError,
  InsufficientScopeError,
  InvalidTokenError,
  VerifierUnavailableError,
} from "../mod.ts";

describe("errors", () => {
  it("AuthorizationError has a stable name, code and default message", () => {
    const error = new AuthorizationError();
    assert.equal(error.name, "AuthorizationError");
    assert.equal(error.code, "ERR_AUTHORIZATION");
    assert.equal(error.message, "Not authorized");
    assert.ok(error instanceof Error);
  });

  it("InsufficientScopeError sorts and deduplicates the unmet scopes", () => {
    const error = new InsufficientScopeError(["b", "a", "b"]);
    assert.deepEqual(error.requiredScopes, ["a", "b"]);
    assert.equal(error.name, "InsufficientScopeError");
    assert.equal(error.code, "ERR_INSUFFICIENT_SCOPE");
    assert.ok(error instanceof AuthorizationError);
  });

  it("InsufficientScopeError's default message names the missing scopes, as FastMCP's does", () => {
    assert.equal(
      new InsufficientScopeError(["files:write", "admin"]).message,
      "Insufficient scope. Required: admin, files:write",
    );
    // Only the unmet ones, not the held ones the challenge adds.
    assert.equal(
      new InsufficientScopeError(["admin"], { challengeScopes: ["mcp"] })
        .message,
      "Insufficient scope. Required: admin",
    );
    assert.equal(new InsufficientScopeError([]).message, "Insufficient scope");
  });

  it("InsufficientScopeError copies the caller's list", () => {
    const scopes = ["a"];
    const error = new InsufficientScopeError(scopes);
    scopes.push("b");
    assert.deepEqual(error.requiredScopes, ["a"]);
  });

  it("InsufficientScopeError accepts a message and a cause", () => {
    const cause = new Error("why");
    const error = new InsufficientScopeError(["a"], {
      message: "Step up",
      cause,
    });
    assert.equal(error.message, "Step up");
    assert.equal(error.cause, cause);
  });

  it("InsufficientScopeError rejects scopes that could break a challenge header", () => {
    for (const scope of ['a"b', "a b", "a\r\nb", "", 5]) {
      assert.throws(
        () => new InsufficientScopeError([scope as string]),
        TypeError,
      );
    }
    assert.throws(
      () => new InsufficientScopeError("a" as never),
      /expects an array/,
    );
  });

  it("InvalidTokenError and VerifierUnavailableError have stable codes", () => {
    assert.equal(new InvalidTokenError().code, "ERR_INVALID_TOKEN");
    assert.equal(new InvalidTokenError().message, "Invalid token");
    const unavailable = new VerifierUnavailableError(undefined, {
      retryAfter: 5,
    });
    assert.equal(unavailable.code, "ERR_VERIFIER_UNAVAILABLE");
    assert.equal(unavailable.retryAfter, 5);
    assert.equal(new VerifierUnavailableError().retryAfter, undefined);
  });

  it("AuthorizationUnavailableError is a denial to code that does not know it, with a retry hint", () => {
    const cause = new Error("pdp down");
    const error = new AuthorizationUnavailableError("PDP timed out", {
      retryAfter: 5,
      cause,
    });
    assert.ok(error instanceof AuthorizationError);
    assert.equal(error.name, "AuthorizationUnavailableError");
    assert.equal(error.code, "ERR_AUTHORIZATION_UNAVAILABLE");
    assert.equal(error.message, "PDP timed out");
    assert.equal(error.retryAfter, 5);
    assert.equal(error.cause, cause);
    const plain = new AuthorizationUnavailableError();
    assert.equal(plain.message, "Authorization temporarily unavailable");
    assert.equal(plain.retryAfter, undefined);
    assert.equal(plain.cause, undefined);
  });
});
