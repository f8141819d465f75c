import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { numberOption } from "../../src/_internal/options.ts";

describe("numberOption()", () => {
  it("takes a value in range, or the fallback when unset", () => {
    assert.equal(numberOption("X", "n", undefined, 5), 5);
    assert.equal(numberOption("X", "n", 7, 5, { min: 1, max: 7 }), 7);
    assert.equal(numberOption("X", "n", 0.5, 5), 0.5);
  });

  it("names the range it refuses, with a maximum when there is one", () => {
    assert.throws(
      () => numberOption("X", "n", -1, 5, { integer: true, unit: "seconds" }),
      {
        name: "TypeError",
        message:
          'X option "n" must be an integer of seconds of at least 0, got "-1"',
      },
    );
    assert.throws(
      () => numberOption("X", "n", 61, 5, { min: 1, max: 60, integer: true }),
      {
        name: "TypeError",
        message: 'X option "n" must be an integer from 1 to 60, got "61"',
      },
    );
    for (const value of [Number.NaN, Infinity, "1", 1.5]) {
      assert.throws(
        () => numberOption("X", "n", value, 5, { integer: true, max: 10 }),
        TypeError,
      );
    }
  });
});
