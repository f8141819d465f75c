import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_CLUSTER_CONFIG } from "../../../stress/cluster/config.ts";
import { type Counts, emptyCounts } from "../../../stress/cluster/context.ts";
import {
  type ClusterResult,
  percentile,
  report,
  rows,
} from "../../../stress/cluster/report.ts";

/** A clean run: every invariant holds. */
function result(
  counts: Partial<Counts> = {},
  extra: Partial<ClusterResult> = {},
): ClusterResult {
  return {
    config: DEFAULT_CLUSTER_CONFIG,
    counts: {
      ...emptyCounts(),
      requests: 100,
      admitted: 60,
      refused: 30,
      unavailable: 10,
      replaysSent: 12,
      preOutageReplaysSent: 5,
      duplicateRounds: 7,
      admittedAfterRestart: 20,
      crossInstanceNonces: 9,
      ...counts,
    },
    latencies: [4, 1, 3, 2],
    introspections: new Map([
      ["a", { up: 1, down: 0 }],
      ["b", { up: 1, down: 0 }],
      ["c", { up: 1, down: 2 }],
    ]),
    issued: new Set(["a", "b", "c"]),
    stats: [
      { requests: 60, storeCalls: 70 },
      { requests: 40, storeCalls: 37 },
    ],
    ...extra,
  };
}

const row = (r: ClusterResult, metric: string) => {
  const found = rows(r).find((row) => row.metric.startsWith(metric));
  assert.ok(found, metric);
  return found;
};

describe("report()", () => {
  it("prints the table of a clean run and says every invariant held", () => {
    const { lines, broken } = report(result());
    assert.equal(broken, 0);
    assert.match(lines[0]!, /^\| metric +\| value +\| must be \|$/);
    assert.match(lines[1]!, /^\|-+\|-+\|-+\|$/);
    const widths = lines.slice(0, -1).map((line) => line.length);
    assert.ok(widths.every((w) => w === widths[0]), "columns are padded");
    assert.equal(lines.length, 2 + rows(result()).length + 1);
    assert.ok(lines.some((l) => /^\| requests +\| 100 +\| +\|$/.test(l)));
    assert.ok(
      lines.some((l) =>
        /^\| replays admitted \(proof sent again to another instance\) +\| 0 of 12 +\| 0 +\|$/
          .test(l)
      ),
    );
    assert.ok(!lines.some((l) => l.includes("BROKEN")));
    assert.equal(
      lines.at(-1),
      "stress:cluster: every invariant held (10000 ms, 12 clients)",
    );
  });

  const mustBeZero: [keyof Counts, string][] = [
    ["validRefused", "valid proofs refused with 401"],
    ["replaysAdmitted", "replays admitted"],
    ["preOutageReplaysAdmitted", "pre-outage proofs admitted again"],
    ["duplicatesAdmitted", "concurrent duplicates admitted"],
    ["admittedWhileStopped", "admitted while Redis was stopped"],
    ["unavailableWithoutRetryAfter", "503 without Retry-After"],
    ["otherServerErrors", "5xx other than 503"],
    ["transportErrors", "transport errors"],
  ];
  for (const [count, metric] of mustBeZero) {
    it(`is broken when "${metric}" is not 0`, () => {
      const r = result({ [count]: 1 });
      assert.deepEqual(
        [row(r, metric).must, row(r, metric).ok],
        ["0", false],
      );
      const { lines, broken } = report(r);
      assert.equal(broken, 1);
      assert.equal(lines.filter((l) => l.endsWith("  <- BROKEN")).length, 1);
      assert.ok(lines.find((l) => l.startsWith(`| ${metric}`))!.endsWith(
        "  <- BROKEN",
      ));
      assert.equal(lines.at(-1), "stress:cluster: 1 invariant(s) broken");
    });
  }

  it("is broken when nothing was admitted after the restart, or no nonce crossed instances", () => {
    const r = result({ admittedAfterRestart: 0, crossInstanceNonces: 0 });
    assert.equal(row(r, "admitted after Redis restarted").ok, false);
    assert.equal(
      row(r, "nonces from one instance accepted by another").ok,
      false,
    );
    assert.equal(report(r).broken, 2);
    assert.equal(
      report(r).lines.at(-1),
      "stress:cluster: 2 invariant(s) broken",
    );
  });

  it("names the duplicate rounds and the copies per round", () => {
    assert.equal(
      row(result(), "concurrent duplicates").metric,
      "concurrent duplicates admitted (6 copies x 7)",
    );
  });
});

describe("rows(): introspection calls per token", () => {
  const UP = "introspection calls per distinct token, Redis up";
  const AROUND = "introspection calls per distinct token, around the outage";

  it("counts tokens met only while Redis was up apart from those around the outage", () => {
    const r = result();
    assert.equal(row(r, UP).value, "1.00 (max 1, 2 tokens)");
    assert.equal(row(r, UP).ok, true);
    assert.equal(row(r, AROUND).value, "3.00 (1 tokens)");
    assert.equal(row(r, AROUND).must, "");
  });

  it("is broken when an instance asked twice for a token while Redis was up", () => {
    const r = result({}, {
      introspections: new Map([
        ["a", { up: 1, down: 0 }],
        ["b", { up: 2, down: 0 }],
      ]),
      issued: new Set(["a", "b"]),
    });
    assert.equal(row(r, UP).value, "1.50 (max 2, 2 tokens)");
    assert.equal(row(r, UP).ok, false);
  });

  it("is broken when no token was introspected while Redis was up", () => {
    const r = result({}, { introspections: new Map(), issued: new Set() });
    assert.equal(row(r, UP).value, "0.00 (max 0, 0 tokens)");
    assert.equal(row(r, UP).ok, false);
  });

  it("leaves tokens never issued out of the Redis-up figure", () => {
    const r = result({}, {
      introspections: new Map([
        ["a", { up: 1, down: 0 }],
        ["stranger", { up: 3, down: 0 }],
      ]),
      issued: new Set(["a"]),
    });
    assert.equal(row(r, UP).value, "1.00 (max 1, 1 tokens)");
    assert.equal(row(r, UP).ok, true);
  });
});

describe("rows(): figures", () => {
  it("gives the latency percentiles and the store round trips per request", () => {
    const r = result();
    assert.equal(
      row(r, "latency of admitted requests").value,
      "3.0 / 4.0 ms",
    );
    assert.equal(row(r, "store round trips per request").value, "1.07");
    assert.equal(row(r, "instances behind one Redis").value, "2");
  });

  it("prints NaN latencies and no division by zero for an empty run", () => {
    const r = result({}, { latencies: [], stats: [] });
    assert.equal(row(r, "latency of admitted requests").value, "NaN / NaN ms");
    assert.equal(row(r, "store round trips per request").value, "0.00");
  });

  it("percentile() picks from ascending values, NaN when empty", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 50), 51);
    assert.equal(percentile(sorted, 99), 100);
    assert.equal(percentile(sorted, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});
