import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidTokenError } from "../../mod.ts";
import {
  cacheOf,
  registerCache,
  TokenCache,
} from "../../src/verify/token_cache.ts";
import { frozenClock } from "../_jwt_fixtures.ts";

function cache(
  options: Record<string, unknown> = {},
  clock = frozenClock(),
): { cache: TokenCache<string>; clock: { ms: number } } {
  return {
    cache: new TokenCache<string>("V", options, 60_000, clock.now),
    clock,
  };
}

const rejection = new InvalidTokenError("Token signature invalid");

describe("TokenCache", () => {
  it("answers an accepted key with its value until the token's expiry", () => {
    const { cache: c, clock } = cache();
    c.accept("k", "value", clock.ms + 1000);
    assert.deepEqual(c.get("k"), { ok: true, value: "value" });
    clock.ms += 999;
    assert.deepEqual(c.get("k"), { ok: true, value: "value" });
    clock.ms += 1;
    assert.equal(c.get("k"), undefined);
    assert.deepEqual(c.keys(), []);
  });

  it("never keeps an accepted key beyond maxAgeMs, even without an expiry", () => {
    const { cache: c, clock } = cache({ maxAgeMs: 500 });
    c.accept("k", "value", undefined);
    c.accept("late", "value", clock.ms + 10_000);
    clock.ms += 500;
    assert.equal(c.get("k"), undefined);
    assert.equal(c.get("late"), undefined);
  });

  it("uses the owner's default maximum age when none is given", () => {
    const { cache: c, clock } = cache();
    c.accept("k", "value", undefined);
    clock.ms += 59_999;
    assert.ok(c.get("k")?.ok);
    clock.ms += 1;
    assert.equal(c.get("k"), undefined);
  });

  it("does not store a token that has already expired", () => {
    const { cache: c, clock } = cache();
    c.accept("k", "value", clock.ms);
    assert.deepEqual(c.keys(), []);
  });

  it("remembers a rejection for negativeTtlMs (5 s by default)", () => {
    const { cache: c, clock } = cache();
    c.reject("bad", rejection);
    assert.deepEqual(c.get("bad"), { ok: false, error: rejection });
    clock.ms += 4999;
    assert.equal(c.get("bad")?.ok, false);
    clock.ms += 1;
    assert.equal(c.get("bad"), undefined);
  });

  it("remembers no rejection with negativeTtlMs 0, and nothing with maxEntries 0", () => {
    const { cache: noNegative } = cache({ negativeTtlMs: 0 });
    noNegative.reject("bad", rejection);
    assert.equal(noNegative.get("bad"), undefined);
    const { cache: none, clock } = cache({ maxEntries: 0 });
    none.accept("k", "value", clock.ms + 1000);
    none.reject("bad", rejection);
    assert.deepEqual(none.keys(), []);
  });

  it("forgets a rejection once the same key is accepted", () => {
    const { cache: c, clock } = cache();
    c.reject("k", rejection);
    c.accept("k", "value", clock.ms + 1000);
    assert.deepEqual(c.get("k"), { ok: true, value: "value" });
    assert.deepEqual(c.keys(), ["k"]);
  });

  it("evicts the least recently used key beyond maxEntries", () => {
    const { cache: c, clock } = cache({ maxEntries: 2 });
    const until = clock.ms + 1000;
    c.accept("a", "A", until);
    c.accept("b", "B", until);
    c.get("a"); // a is now the most recent
    c.accept("c", "C", until);
    assert.deepEqual(c.keys(), ["a", "c"]);
    assert.deepEqual(c.values(), ["A", "C"]);
  });

  it("keeps rejections apart: a flood of bad tokens never evicts a good one", () => {
    const { cache: c, clock } = cache({ maxEntries: 2 });
    c.accept("good", "G", clock.ms + 1000);
    for (let i = 0; i < 100; i++) c.reject(`bad-${i}`, rejection);
    assert.deepEqual(c.get("good"), { ok: true, value: "G" });
    assert.deepEqual(c.keys(), ["good", "bad-98", "bad-99"]);
  });

  const wrong: [string, Record<string, unknown>, RegExp][] = [
    [
      "an unknown option",
      { maxEntires: 5 },
      /^Unknown V cache option "maxEntires" \(did you mean "maxEntries"\?\), expected one of "maxEntries", "maxAgeMs", "negativeTtlMs"$/,
    ],
    [
      "a negative maxEntries",
      { maxEntries: -1 },
      /^V cache option "maxEntries" must be an integer of at least 0, got "-1"$/,
    ],
    [
      "a fractional maxEntries",
      { maxEntries: 1.5 },
      /^V cache option "maxEntries" must be an integer/,
    ],
    [
      "a maxAgeMs that is not a number",
      { maxAgeMs: "1m" },
      /^V cache option "maxAgeMs" must be a finite number of at least 0, got "1m"$/,
    ],
    [
      "an infinite negativeTtlMs",
      { negativeTtlMs: Infinity },
      /^V cache option "negativeTtlMs" must be a finite number/,
    ],
  ];
  for (const [what, options, message] of wrong) {
    it(`throws a TypeError for ${what}`, () => {
      assert.throws(
        () => cache(options),
        (error: unknown) =>
          error instanceof TypeError && message.test(error.message),
      );
    });
  }
});

describe("registerCache() and cacheOf()", () => {
  it("find the cache registered for an owner, and nothing for another", () => {
    const owner = {};
    const { cache: c } = cache();
    registerCache(owner, c as TokenCache<unknown>);
    assert.equal(cacheOf(owner), c);
    assert.equal(cacheOf({}), undefined);
  });
});
