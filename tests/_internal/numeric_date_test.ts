import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  isNumericDate,
  MAX_NUMERIC_DATE,
} from "../../src/_internal/numeric_date.ts";

describe("isNumericDate (RFC 7519 §2)", () => {
  it("accepts finite seconds within the range of a Date", () => {
    for (const value of [0, 1_900_000_000, 1.5, -1, MAX_NUMERIC_DATE]) {
      assert.ok(isNumericDate(value), String(value));
      assert.ok(!Number.isNaN(new Date(value * 1000).getTime()));
    }
  });

  it("refuses what names no instant: Infinity (JSON 1e400), NaN, past the Date range, non-numbers", () => {
    const infinite = JSON.parse("1e400");
    for (
      const value of [
        infinite,
        -infinite,
        NaN,
        1e300,
        MAX_NUMERIC_DATE + 1,
        -MAX_NUMERIC_DATE - 1,
        "1",
        null,
        undefined,
        1n,
      ]
    ) {
      assert.ok(!isNumericDate(value), String(value));
    }
    assert.ok(Number.isNaN(new Date((MAX_NUMERIC_DATE + 1) * 1000).getTime()));
  });
});
