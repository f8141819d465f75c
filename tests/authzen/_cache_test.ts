// The decision cache of authzenCheck (src/authzen/_cache.ts): decisions
// kept ttlMs on an injected clock, at most maxEntries (least recently used
// out first), no huge keys, and a clock reading NaN expiring everything.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DecisionCache, MAX_KEY_LENGTH } from "../../src/authzen/_cache.ts";

/** A cache on a clock the test moves. */
function cacheOf(ttlMs: number, maxEntries: number) {
  const clock = { now: 1000 };
  return {
    clock,
    cache: new DecisionCache(ttlMs, maxEntries, () => clock.now),
  };
}

describe("DecisionCache.get() and set()", () => {
  it("returns what was set, deny as well as allow", () => {
    const { cache } = cacheOf(100, 10);
    cache.set("a", true);
    cache.set("b", false);
    assert.equal(cache.get("a"), true);
    assert.equal(cache.get("b"), false);
    assert.equal(cache.get("c"), undefined);
    assert.equal(cache.size, 2);
  });

  it("expires a decision ttlMs after it was set, not one millisecond later", () => {
    const { clock, cache } = cacheOf(100, 10);
    cache.set("a", true);
    clock.now += 99;
    assert.equal(cache.get("a"), true);
    clock.now += 1;
    assert.equal(cache.get("a"), undefined);
    // An expired entry is dropped once touched.
    assert.equal(cache.size, 0);
  });

  it("does not extend the lifetime of a decision that is read", () => {
    const { clock, cache } = cacheOf(100, 10);
    cache.set("a", true);
    clock.now += 60;
    assert.equal(cache.get("a"), true);
    clock.now += 60;
    assert.equal(cache.get("a"), undefined);
  });

  it("restarts the lifetime, and replaces the decision, when set again", () => {
    const { clock, cache } = cacheOf(100, 10);
    cache.set("a", true);
    clock.now += 60;
    cache.set("a", false);
    clock.now += 60;
    assert.equal(cache.get("a"), false);
    assert.equal(cache.size, 1);
  });

  it("expires everything under a clock reading NaN (asks the PDP again)", () => {
    const { clock, cache } = cacheOf(100, 10);
    cache.set("a", true);
    clock.now = Number.NaN;
    assert.equal(cache.get("a"), undefined);
    cache.set("b", true);
    assert.equal(cache.get("b"), undefined);
  });

  it("evicts the least recently used beyond maxEntries", () => {
    const { cache } = cacheOf(1000, 2);
    cache.set("a", true);
    cache.set("b", true);
    assert.equal(cache.get("a"), true); // b is now the oldest
    cache.set("c", true);
    assert.equal(cache.size, 2);
    assert.equal(cache.get("b"), undefined);
    assert.equal(cache.get("a"), true);
    assert.equal(cache.get("c"), true);
  });

  it("does not keep a key longer than MAX_KEY_LENGTH", () => {
    const { cache } = cacheOf(1000, 10);
    const longest = "k".repeat(MAX_KEY_LENGTH);
    cache.set(longest, true);
    cache.set(`${longest}k`, true);
    assert.equal(cache.get(longest), true);
    assert.equal(cache.get(`${longest}k`), undefined);
    assert.equal(cache.size, 1);
  });
});
