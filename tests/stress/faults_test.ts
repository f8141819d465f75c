import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type Fault,
  type FaultContext,
  FAULTS,
  FaultSchedule,
} from "../../stress/faults.ts";

describe("FaultSchedule", () => {
  it("runs each fault once, when progress reaches it, in order", async () => {
    const ran: string[] = [];
    const faults: Fault[] = [
      [0.2, () => void ran.push("a")],
      [0.5, async () => {
        await Promise.resolve();
        ran.push("b");
      }],
      [0.5, () => void ran.push("c")],
      [0.9, () => void ran.push("d")],
    ];
    const schedule = new FaultSchedule({} as FaultContext, faults);
    await schedule.advance(0.1);
    assert.deepEqual(ran, []);
    await schedule.advance(0.2);
    assert.deepEqual(ran, ["a"]);
    await schedule.advance(0.6);
    await schedule.advance(0.6);
    assert.deepEqual(ran, ["a", "b", "c"]);
    await schedule.finish();
    await schedule.finish();
    assert.deepEqual(ran, ["a", "b", "c", "d"]);
  });

  it("passes its context to every fault", async () => {
    const ctx = { events: [] as string[] } as unknown as FaultContext;
    const seen: FaultContext[] = [];
    await new FaultSchedule(ctx, [[0, (c) => void seen.push(c)]]).finish();
    assert.deepEqual(seen, [ctx]);
  });

  it("the run's faults are in order, inside the run", () => {
    const points = FAULTS.map(([at]) => at);
    assert.deepEqual(points, [...points].sort((a, b) => a - b));
    assert.ok(points.every((at) => at > 0 && at < 1));
  });
});
