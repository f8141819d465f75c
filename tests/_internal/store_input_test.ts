import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  expiryArgument,
  valueArgument,
} from "../../src/_internal/store_input.ts";

describe("expiryArgument()", () => {
  it("returns a finite number as it is", () => {
    assert.equal(expiryArgument("RedisStore", 1_700_000_000_000), 1.7e12);
    assert.equal(expiryArgument("RedisStore", 0), 0);
    assert.equal(expiryArgument("RedisStore", -1), -1);
    assert.equal(expiryArgument("RedisStore", 1.5), 1.5);
  });

  it("refuses NaN and the infinities: an entry holding one would never expire or never count", () => {
    for (const value of [Number.NaN, Infinity, -Infinity]) {
      assert.throws(() => expiryArgument("RedisStore", value), {
        name: "TypeError",
        message:
          `RedisStore expiresAt must be a finite number of milliseconds since the epoch, got "${value}"`,
      });
    }
  });

  it("refuses what is not a number, naming the owner and the kind of value", () => {
    const cases: [unknown, string][] = [
      ["1700000000000", '"1700000000000"'],
      [undefined, "undefined"],
      [null, "null"],
      [10n, '"10"'],
      [new Date(0), "an object"],
      [[1], "an array"],
    ];
    for (const [value, shown] of cases) {
      assert.throws(() => expiryArgument("DenoKvStore", value), {
        name: "TypeError",
        message:
          `DenoKvStore expiresAt must be a finite number of milliseconds since the epoch, got ${shown}`,
      });
    }
  });
});

describe("valueArgument()", () => {
  it("returns a string as it is, the empty one included", () => {
    assert.equal(valueArgument("RedisStore", "cached"), "cached");
    assert.equal(valueArgument("RedisStore", ""), "");
  });

  it("refuses anything else, naming the owner and the kind of value", () => {
    const cases: [unknown, string][] = [
      [1, '"1"'],
      [undefined, "undefined"],
      [null, "null"],
      [{ v: "x" }, "an object"],
      [new String("boxed"), "an object"],
      [() => "x", "a function"],
    ];
    for (const [value, shown] of cases) {
      assert.throws(() => valueArgument("RedisStore", value), {
        name: "TypeError",
        message: `RedisStore values must be strings, got ${shown}`,
      });
    }
  });
});
