import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_STRESS_CONFIG, parseStressArgs } from "../../stress/config.ts";

describe("parseStressArgs()", () => {
  it("gives the defaults for no argument, frozen", () => {
    const config = parseStressArgs([]);
    assert.deepEqual(config, {
      requests: 20_000,
      durationMs: 10_000,
      concurrency: 16,
      cooldownMs: 1_000,
      seed: 1,
      detail: false,
      sabotage: false,
    });
    assert.deepEqual(config, DEFAULT_STRESS_CONFIG);
    assert.ok(Object.isFrozen(config));
  });

  it("reads every flag", () => {
    assert.deepEqual(
      parseStressArgs([
        "--requests=500",
        "--duration=2000",
        "--concurrency=4",
        "--cooldown=250",
        "--seed=7",
        "--detail",
        "--sabotage",
      ]),
      {
        requests: 500,
        durationMs: 2_000,
        concurrency: 4,
        cooldownMs: 250,
        seed: 7,
        detail: true,
        sabotage: true,
      },
    );
  });

  it("caps every number so a run stays bounded", () => {
    const high = parseStressArgs([
      "--requests=9999999",
      "--duration=9999999",
      "--concurrency=9999",
    ]);
    assert.equal(high.requests, 100_000);
    assert.equal(high.durationMs, 120_000);
    assert.equal(high.concurrency, 256);
    const low = parseStressArgs(["--concurrency=0", "--cooldown=1"]);
    assert.equal(low.concurrency, 1);
    assert.equal(low.cooldownMs, 100);
  });

  for (const arg of ["--request=5", "--requests=-1", "--requests=", "detail"]) {
    it(`refuses ${JSON.stringify(arg)}, saying what to write`, () => {
      assert.throws(() => parseStressArgs([arg]), {
        name: "TypeError",
        message:
          `Unknown argument "${arg}": use --requests=N, --duration=ms, --concurrency=N, --cooldown=ms, --seed=N, --detail or --sabotage`,
      });
    });
  }
});
