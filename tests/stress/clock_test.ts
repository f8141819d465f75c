import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { prng, startClock } from "../../stress/clock.ts";

describe("prng()", () => {
  it("gives the same numbers for the same seed, in [0, 1)", () => {
    const a = prng(42);
    const b = prng(42);
    const first = Array.from({ length: 1_000 }, a);
    assert.deepEqual(Array.from({ length: 1_000 }, b), first);
    assert.ok(first.every((n) => n >= 0 && n < 1));
    assert.ok(new Set(first).size > 990, "numbers repeat too often");
  });

  it("gives other numbers for another seed", () => {
    const a = Array.from({ length: 10 }, prng(1));
    const b = Array.from({ length: 10 }, prng(2));
    assert.notDeepEqual(a, b);
  });
});

describe("startClock()", () => {
  it("measures from its start and stamps seconds with one decimal", () => {
    let now = 5_000;
    const clock = startClock(() => now);
    now = 6_540;
    assert.equal(clock.elapsed(), 1_540);
    assert.equal(clock.stamp(), "1.5 s");
  });
});
