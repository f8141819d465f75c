import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_RETRY_AFTER,
  retryAfterSeconds,
} from "../../src/_internal/retry_after.ts";

describe("retryAfterSeconds()", () => {
  it("defaults to 5 seconds", () => {
    assert.equal(DEFAULT_RETRY_AFTER, 5);
  });

  it("keeps a whole number of seconds, zero included", () => {
    assert.equal(retryAfterSeconds(0), 0);
    assert.equal(retryAfterSeconds(1), 1);
    assert.equal(retryAfterSeconds(30), 30);
  });

  it("rounds a fraction up, so a client never retries too early", () => {
    assert.equal(retryAfterSeconds(0.1), 1);
    assert.equal(retryAfterSeconds(1.5), 2);
    assert.equal(retryAfterSeconds(Number.MIN_VALUE), 1);
  });

  it("caps a hint at an hour", () => {
    assert.equal(retryAfterSeconds(3600), 3600);
    assert.equal(retryAfterSeconds(3600.5), 3600);
    assert.equal(retryAfterSeconds(1e9), 3600);
    assert.equal(retryAfterSeconds(Number.MAX_VALUE), 3600);
  });

  it("answers the default for a hint that is not a finite number of at least zero", () => {
    for (
      const hint of [
        undefined,
        null,
        -1,
        -0.5,
        Number.NaN,
        Infinity,
        -Infinity,
        "10",
        10n,
        true,
        {},
        [5],
        { valueOf: () => 10 },
      ]
    ) {
      assert.equal(retryAfterSeconds(hint), DEFAULT_RETRY_AFTER, String(hint));
    }
  });

  it("always answers a non-negative integer, what Retry-After's delay-seconds allows (RFC 9110 §10.2.3)", () => {
    for (const hint of [0, 0.001, 2.2, 59.9, 3599.1, 7200, -3, Number.NaN]) {
      const seconds = retryAfterSeconds(hint);
      assert.ok(Number.isInteger(seconds) && seconds >= 0, String(hint));
      assert.match(String(seconds), /^\d+$/);
    }
  });
});
