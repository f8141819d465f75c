import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_CLUSTER_CONFIG,
  parseClusterArgs,
} from "../../../stress/cluster/config.ts";

describe("parseClusterArgs()", () => {
  it("gives the defaults for no argument, frozen", () => {
    const config = parseClusterArgs([]);
    assert.deepEqual(config, {
      durationMs: 10_000,
      instances: 2,
      concurrency: 12,
      sabotage: false,
    });
    assert.deepEqual(config, DEFAULT_CLUSTER_CONFIG);
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(DEFAULT_CLUSTER_CONFIG));
  });

  it("reads every flag", () => {
    assert.deepEqual(
      parseClusterArgs([
        "--duration=5000",
        "--instances=3",
        "--concurrency=8",
        "--sabotage",
      ]),
      { durationMs: 5_000, instances: 3, concurrency: 8, sabotage: true },
    );
  });

  it("clamps every number so a run stays bounded and its faults fit", () => {
    assert.deepEqual(
      parseClusterArgs([
        "--duration=9999999",
        "--instances=99",
        "--concurrency=9999",
      ]),
      { durationMs: 60_000, instances: 4, concurrency: 64, sabotage: false },
    );
    assert.deepEqual(
      parseClusterArgs(["--duration=3000", "--instances=1", "--concurrency=0"]),
      { durationMs: 4_000, instances: 2, concurrency: 2, sabotage: false },
    );
  });

  it("takes the last of a repeated flag", () => {
    assert.equal(
      parseClusterArgs(["--instances=3", "--instances=4"]).instances,
      4,
    );
  });

  for (
    const arg of [
      "--requests=5",
      "--duration=-1",
      "--duration=",
      "--duration=1.5",
      "sabotage",
      "--sabotage=1",
    ]
  ) {
    it(`refuses ${JSON.stringify(arg)}, saying what to write`, () => {
      assert.throws(() => parseClusterArgs([arg]), {
        name: "TypeError",
        message:
          `Unknown argument "${arg}": use --duration=ms, --instances=N, --concurrency=N or --sabotage`,
      });
    });
  }
});
