import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  afterOutageTarget,
  DUPLICATES,
  duplicateTargets,
  move,
  nonceTarget,
  replayTarget,
} from "../../../stress/cluster/mix.ts";

const INSTANCE_COUNTS = [2, 3, 4];

describe("move()", () => {
  it("sends, in every ten steps, six valid proofs, two replays and two duplicate rounds", () => {
    for (const start of [0, 1, 7, 123]) {
      const kinds = Array.from(
        { length: 10 },
        (_, i) => move(start + i, 0, 2).kind,
      );
      assert.deepEqual(
        [
          kinds.filter((k) => k === "valid").length,
          kinds.filter((k) => k === "replay").length,
          kinds.filter((k) => k === "duplicates").length,
        ],
        [6, 2, 2],
      );
    }
  });

  it("sends each client's valid proofs to every instance", () => {
    for (const instances of INSTANCE_COUNTS) {
      for (const client of [0, 1, 5, 11]) {
        const reached = new Set<number>();
        for (let step = client + 1; step < client + 200; step++) {
          const next = move(step, client, instances);
          if (next.kind !== "valid") continue;
          assert.ok(next.instance >= 0 && next.instance < instances);
          reached.add(next.instance);
        }
        assert.equal(reached.size, instances, `client ${client}`);
      }
    }
  });

  it("is the same for the same step and client", () => {
    assert.deepEqual(move(42, 3, 3), move(42, 3, 3));
  });
});

describe("the targets", () => {
  it("replayTarget() never sends a replay back to the instance that admitted it", () => {
    for (const instances of INSTANCE_COUNTS) {
      const seen = new Set<number>();
      for (let from = 0; from < instances; from++) {
        for (let step = 0; step < 50; step++) {
          const to = replayTarget(from, step, instances);
          assert.notEqual(to, from);
          assert.ok(to >= 0 && to < instances);
          seen.add(to);
        }
      }
      assert.equal(seen.size, instances);
    }
  });

  it("duplicateTargets() sends the copies to every instance", () => {
    for (const instances of INSTANCE_COUNTS) {
      const targets = duplicateTargets(instances);
      assert.equal(targets.length, DUPLICATES);
      assert.deepEqual(
        [...new Set(targets)].sort(),
        Array.from({ length: instances }, (_, i) => i),
      );
    }
  });

  it("afterOutageTarget() and nonceTarget() stay in range, the first never on the same instance", () => {
    for (const instances of INSTANCE_COUNTS) {
      for (let from = 0; from < instances; from++) {
        const to = afterOutageTarget(from, instances);
        assert.notEqual(to, from);
        assert.ok(to >= 0 && to < instances);
      }
      for (let step = 0; step < 20; step++) {
        const to = nonceTarget(step, instances);
        assert.ok(to >= 0 && to < instances);
      }
    }
  });
});
