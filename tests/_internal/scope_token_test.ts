import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  assertScope,
  isScopeToken,
  normalizeScopes,
} from "../../src/_internal/scope_token.ts";

describe("isScopeToken()", () => {
  // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
  const valid = [
    "a",
    "files:read",
    "https://api.example/read",
    "!",
    "#[]~",
    "]",
  ];
  for (const value of valid) {
    it(`accepts ${JSON.stringify(value)}`, () => {
      assert.equal(isScopeToken(value), true);
    });
  }

  const invalid: [string, unknown][] = [
    ["the empty string", ""],
    ["a space", "a b"],
    ["a double quote", 'a"b'],
    ["a backslash", "a\\b"],
    ["a tab", "a\tb"],
    ["a line feed", "a\n"],
    ["DEL", "a\x7F"],
    ["a non-ASCII letter", "café"],
    ["a number", 7],
    ["null", null],
    ["a list", ["a"]],
  ];
  for (const [label, value] of invalid) {
    it(`refuses ${label}`, () => {
      assert.equal(isScopeToken(value), false);
    });
  }
});

describe("assertScope()", () => {
  it("returns for a valid scope", () => {
    assertScope("read", "where");
  });

  it("throws a TypeError naming where, the rule and the value", () => {
    assert.throws(
      () => assertScope("a b", "requireScopes()"),
      (error: unknown) =>
        error instanceof TypeError &&
        error.message ===
          'requireScopes() expects scopes to be non-empty strings without spaces, quotes or backslashes (RFC 6749 §3.3), got "a b"',
    );
  });
});

describe("normalizeScopes()", () => {
  it("returns a sorted, deduplicated copy, leaving the input alone", () => {
    const input = ["b", "a", "b"];
    const output = normalizeScopes(input, "x");
    assert.deepEqual(output, ["a", "b"]);
    assert.deepEqual(input, ["b", "a", "b"]);
    assert.notEqual(output, input);
  });

  it("accepts an empty list", () => {
    assert.deepEqual(normalizeScopes([], "x"), []);
  });

  it("refuses a value that is not an array", () => {
    assert.throws(
      () => normalizeScopes("read write", "Thing"),
      /^TypeError: Thing expects an array of scope strings, got "read write"$/,
    );
  });

  it("refuses a list holding an invalid scope", () => {
    assert.throws(
      () => normalizeScopes(["ok", ""], "Thing"),
      /^TypeError: Thing expects scopes/,
    );
    assert.throws(() => normalizeScopes(["ok", 3], "Thing"), /got "3"$/);
  });
});
