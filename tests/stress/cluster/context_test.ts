import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  emptyCounts,
  IN_FLIGHT_MS,
  Outage,
} from "../../../stress/cluster/context.ts";

describe("Outage", () => {
  it("is up, not stopped and not restarted before the fault", () => {
    const outage = new Outage();
    assert.equal(outage.phase, "up");
    assert.equal(outage.admittedWhileStopped(1_000_000), false);
    assert.equal(outage.restarted, false);
  });

  it("counts an admission as while stopped only past the in-flight margin, until the restart", () => {
    const outage = new Outage();
    outage.stop(10_000);
    assert.equal(outage.phase, "down");
    assert.equal(outage.admittedWhileStopped(10_000 + IN_FLIGHT_MS), false);
    assert.equal(outage.admittedWhileStopped(10_001 + IN_FLIGHT_MS), true);
    outage.restart(12_000);
    assert.equal(outage.admittedWhileStopped(12_001), false);
    assert.equal(outage.restarted, true);
    // Latencies and introspections stay filed as "down" during the grace.
    assert.equal(outage.phase, "down");
    outage.recover();
    assert.equal(outage.phase, "up");
    assert.equal(outage.restarted, true);
  });
});

describe("emptyCounts()", () => {
  it("starts every count at zero, a new object each time", () => {
    const counts = emptyCounts();
    assert.ok(Object.values(counts).every((n) => n === 0));
    assert.ok("preOutageReplaysAdmitted" in counts);
    counts.requests++;
    assert.equal(emptyCounts().requests, 0);
  });
});
