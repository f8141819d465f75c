import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AcceptedKids } from "../../stress/load.ts";

describe("AcceptedKids", () => {
  it("holds a kid from its first acceptance, and remembers when that was", () => {
    const kids = new AcceptedKids();
    assert.equal(kids.has("k1"), false);
    kids.accept("k1", 100);
    kids.accept("k1", 900);
    assert.equal(kids.has("k1"), true);
    assert.deepEqual([...kids.firstAccepted], [["k1", 100]]);
  });

  it("forgets a retired kid, but not when it was first accepted", () => {
    const kids = new AcceptedKids();
    kids.accept("k1", 100);
    kids.forget("k1");
    assert.equal(kids.has("k1"), false);
    assert.deepEqual([...kids.firstAccepted], [["k1", 100]]);
  });
});
