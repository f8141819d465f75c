// src/dev/_crypto.ts: random values and secret comparison.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomValue, timingSafeEqual } from "../../src/dev/_crypto.ts";

describe("dev server random values and comparison", () => {
  it("makes URL-safe values of the entropy asked for, never twice the same", () => {
    const values = new Set(Array.from({ length: 100 }, () => randomValue(32)));
    assert.equal(values.size, 100);
    for (const value of values) assert.match(value, /^[A-Za-z0-9_-]{43}$/);
    assert.match(randomValue(12), /^[A-Za-z0-9_-]{16}$/);
  });

  it("compares strings whatever their lengths", () => {
    assert.equal(timingSafeEqual("secret", "secret"), true);
    assert.equal(timingSafeEqual("secret", "secreT"), false);
    assert.equal(timingSafeEqual("secret", "secret2"), false);
    assert.equal(timingSafeEqual("secretsecret", "secret"), false);
    assert.equal(timingSafeEqual("", ""), true);
    assert.equal(timingSafeEqual("", "a"), false);
    assert.equal(timingSafeEqual("é", "e\u0301"), false);
  });
});
