import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  keepsForReplay,
  KEPT_MAX,
  RESTART_AT,
  STOP_AT,
} from "../../../stress/cluster/faults.ts";

describe("the fault schedule", () => {
  it("kills Redis and restarts it inside the run, in that order", () => {
    assert.ok(0 < STOP_AT && STOP_AT < RESTART_AT && RESTART_AT < 1);
  });

  it("keepsForReplay() keeps proofs admitted well before the kill, up to a bound", () => {
    assert.equal(keepsForReplay(0.1, 0), false);
    assert.equal(keepsForReplay(0.2, 0), true);
    assert.equal(keepsForReplay(0.2, KEPT_MAX - 1), true);
    assert.equal(keepsForReplay(0.2, KEPT_MAX), false);
    // Never one admitted just before the kill: it could still be in flight.
    assert.equal(keepsForReplay(STOP_AT - 0.01, 0), false);
    assert.equal(keepsForReplay(STOP_AT, 0), false);
    assert.equal(keepsForReplay(RESTART_AT, 0), false);
  });
});
