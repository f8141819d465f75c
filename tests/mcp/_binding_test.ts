// The SDK-independent list of guarded methods (src/mcp/_binding.ts): every
// list, call, read, get and completion the guard must sit in front of.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GUARDED_METHODS, isGuardedMethod } from "../../src/mcp/_binding.ts";

describe("GUARDED_METHODS", () => {
  it("names every method that lists or uses a component, frozen", () => {
    assert.deepEqual([...GUARDED_METHODS].sort(), [
      "completion/complete",
      "prompts/get",
      "prompts/list",
      "resources/list",
      "resources/read",
      "resources/templates/list",
      "tools/call",
      "tools/list",
    ]);
    assert.ok(Object.isFrozen(GUARDED_METHODS));
  });
});

describe("isGuardedMethod()", () => {
  it("is true for each guarded method", () => {
    for (const method of GUARDED_METHODS) {
      assert.equal(isGuardedMethod(method), true);
    }
  });

  it("is false for other methods, near misses and non-strings", () => {
    for (
      const value of [
        "initialize",
        "ping",
        "notifications/tools/list_changed",
        "resources/subscribe",
        "logging/setLevel",
        "tools/call ",
        "Tools/call",
        "",
        undefined,
        null,
        ["tools/call"],
        { toString: () => "tools/call" },
      ]
    ) {
      assert.equal(isGuardedMethod(value), false, String(value));
    }
  });
});
