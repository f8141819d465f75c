import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ErrorCode, McpAuthzError } from "../../src/errors/base.ts";
import * as errors from "../../src/errors.ts";

/** The smallest concrete subclass, as the library's own are written. */
class TestError extends McpAuthzError {
  readonly code: ErrorCode = "ERR_INVALID_REQUEST";
}

describe("McpAuthzError", () => {
  it("is an Error carrying the message it is given", () => {
    const error = new TestError("went wrong");
    assert.ok(error instanceof Error);
    assert.ok(error instanceof McpAuthzError);
    assert.equal(error.message, "went wrong");
    assert.equal(error.code, "ERR_INVALID_REQUEST");
    assert.match(String(error.stack), /went wrong/);
  });

  it("keeps a cause, for logs", () => {
    const cause = new Error("socket closed");
    assert.equal(new TestError("x", { cause }).cause, cause);
    // Any thrown value may be a cause, a falsy one included.
    assert.equal(new TestError("x", { cause: "a string" }).cause, "a string");
    assert.equal(new TestError("x", { cause: 0 }).cause, 0);
    assert.equal(new TestError("x", { cause: null }).cause, null);
  });

  it("has no cause property at all when none is given", () => {
    for (
      const error of [
        new TestError("x"),
        new TestError("x", {}),
        new TestError("x", { cause: undefined }),
      ]
    ) {
      assert.equal(Object.hasOwn(error, "cause"), false);
      assert.equal(error.cause, undefined);
    }
  });

  it("is the one root of every error class the library exports", () => {
    const classes = Object.values(errors).filter((value) =>
      typeof value === "function" && /^[A-Z]/.test(value.name)
    ) as (abstract new (...args: never[]) => unknown)[];
    assert.ok(classes.length >= 9, classes.map((c) => c.name).join());
    for (const errorClass of classes) {
      assert.ok(
        errorClass === McpAuthzError ||
          errorClass.prototype instanceof McpAuthzError,
        errorClass.name,
      );
    }
  });
});
