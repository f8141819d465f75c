import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_STRESS_CONFIG } from "../../stress/config.ts";
import type { Outcome } from "../../stress/load.ts";
import {
  HEAP_GROWTH_LIMIT,
  report,
  rows,
  type RunResult,
} from "../../stress/report.ts";

const MB = 1024 * 1024;

function outcome(extra: Partial<Outcome> = {}): Outcome {
  return {
    kind: "valid",
    expect: "allow",
    kid: "k1",
    status: 200,
    granted: true,
    http: "allow",
    call: "allow",
    undecided: false,
    ms: 5,
    cachedAtSend: true,
    jwksDownAtSend: false,
    wrongScheme: false,
    ...extra,
  };
}

/** A clean run: every figure within its bound. */
function result(extra: Partial<RunResult> = {}): RunResult {
  return {
    config: DEFAULT_STRESS_CONFIG,
    outcomes: [
      outcome(),
      outcome({
        kind: "expired",
        expect: "deny",
        status: 401,
        granted: false,
        http: "deny",
        call: undefined,
      }),
      outcome({
        kind: "cold",
        status: 503,
        granted: false,
        http: "unavailable",
        call: undefined,
        cachedAtSend: false,
      }),
    ],
    runMs: 10_000,
    events: ["1.5 s rotate"],
    firstAccepted: new Map([["k1", 120]]),
    violations: [],
    jwks: { attempts: 10, served: 8 },
    coldJwks: { attempts: 5, served: 1 },
    replayPeak: 900,
    replayMax: 10_000,
    tokenCachePeak: 2_000,
    tokenCacheMax: 2_000,
    memory: {
      before: { rss: 80 * MB, heapUsed: 12 * MB },
      peak: { rss: 240 * MB, heapUsed: 117 * MB },
      after: { rss: 240 * MB, heapUsed: 29 * MB },
    },
    gc: true,
    ...extra,
  };
}

const row = (r: RunResult, metric: string) =>
  rows(r).find((row) => row.metric === metric)!;

describe("report()", () => {
  it("prints the events, first acceptances and the table of a clean run", () => {
    const { lines, broken } = report(result());
    assert.equal(broken, false);
    assert.equal(lines[0], "stress: 1.5 s rotate");
    assert.equal(
      lines[1],
      "stress: first token signed with k1 accepted at 0.1 s",
    );
    assert.match(lines[2]!, /^\| metric +\| value +\| invariant +\|$/);
    assert.match(lines[3]!, /^\| -+ \| -+ \| -+ \|$/);
    const widths = lines.slice(2).map((line) => line.length);
    assert.ok(widths.every((w) => w === widths[0]), "columns are padded");
    assert.ok(lines.some((l) => /^\| requests sent +\| 3 +\| +\|$/.test(l)));
    assert.ok(lines.some((l) => /^\| {3}503 +\| 1 /.test(l)));
    assert.ok(!lines.some((l) => l.includes("BROKEN")));
  });

  it("is broken when a token that must be denied ran", () => {
    const r = result({
      outcomes: [outcome({ kind: "forged", expect: "deny", granted: true })],
    });
    assert.equal(row(r, "invalid tokens admitted").invariant, "= 0: BROKEN");
    assert.equal(report(r).broken, true);
  });

  it("counts each layer's decisions, from the server's events", () => {
    const r = result({
      outcomes: [
        outcome(),
        outcome({
          expect: "deny",
          status: 401,
          granted: false,
          http: "deny",
          call: undefined,
        }),
        outcome({
          expect: "deny",
          status: 403,
          granted: false,
          call: "step-up",
        }),
        outcome({
          expect: "deny",
          status: 200,
          granted: false,
          call: "hidden",
        }),
        outcome({
          status: 503,
          granted: false,
          http: "unavailable",
          call: undefined,
          cachedAtSend: false,
        }),
      ],
    });
    assert.equal(
      row(r, "decided, http: allow / deny / step-up / unavailable").value,
      "3 / 1 / 0 / 1",
    );
    assert.equal(
      row(r, "decided, tools/call: allow / hidden / step-up").value,
      "1 / 1 / 1",
    );
    assert.equal(report(r).broken, false);
  });

  it("is broken by a response decided other than once per layer", () => {
    const r = result({ outcomes: [outcome({ undecided: true })] });
    const undecided = row(
      r,
      "responses without exactly one decision per layer",
    );
    assert.equal(undecided.invariant, "= 0: BROKEN");
    assert.equal(report(r).broken, true);
  });

  it("does not judge an `any` request that ran", () => {
    const r = result({ outcomes: [outcome({ expect: "any", granted: true })] });
    assert.equal(report(r).broken, false);
  });

  it("counts a 5xx other than 503 as a 500, and a 503 not", () => {
    const five = (status: number) =>
      row(
        result({ outcomes: [outcome({ status, granted: false })] }),
        "500s (any 5xx but 503)",
      );
    assert.equal(five(502).value, "1");
    assert.equal(five(502).ok, false);
    assert.equal(five(503).value, "0");
  });

  it("is broken by a valid request refused while its key was cached", () => {
    const r = result({ outcomes: [outcome({ status: 401, granted: false })] });
    assert.equal(row(r, "valid requests refused while key cached").ok, false);
    const uncached = result({
      outcomes: [outcome({ status: 401, granted: false, cachedAtSend: false })],
    });
    assert.equal(report(uncached).broken, false);
  });

  it("is broken by a transport error or a non-DPoP challenge on the DPoP endpoint", () => {
    assert.equal(
      report(
        result({
          outcomes: [outcome({ status: "transport", granted: false })],
        }),
      )
        .broken,
      true,
    );
    assert.equal(
      report(result({ outcomes: [outcome({ wrongScheme: true })] })).broken,
      true,
    );
  });

  it("bounds JWKS fetches by 1 + run time / cooldown", () => {
    // 10 s at a 1 s cooldown: at most 11 fetches.
    const r = result({ jwks: { attempts: 12, served: 12 } });
    const fetches = row(r, "JWKS fetches, attempted / served");
    assert.equal(fetches.value, "12 / 12");
    assert.equal(
      fetches.invariant,
      "<= 11 (1 + run / 1000 ms cooldown): BROKEN",
    );
    assert.equal(
      report(result({ jwks: { attempts: 11, served: 3 } })).broken,
      false,
    );
    assert.equal(
      report(result({ coldJwks: { attempts: 12, served: 0 } })).broken,
      true,
    );
  });

  it("is broken by a store over its bound or a heap that grew too much", () => {
    assert.equal(report(result({ replayPeak: 10_001 })).broken, true);
    assert.equal(report(result({ tokenCachePeak: 2_001 })).broken, true);
    const grown = result({
      memory: {
        before: { rss: 0, heapUsed: 0 },
        peak: { rss: 0, heapUsed: HEAP_GROWTH_LIMIT },
        after: { rss: 0, heapUsed: HEAP_GROWTH_LIMIT },
      },
    });
    assert.equal(row(grown, "heap before / peak / after").ok, false);
    assert.equal(report(grown).broken, true);
  });

  it("is broken, and says how to run, without --expose-gc", () => {
    const { lines, broken } = report(result({ gc: false }));
    assert.equal(broken, true);
    assert.equal(
      lines.at(-1),
      "stress: run with --v8-flags=--expose-gc (deno task stress does)",
    );
  });

  it("--detail adds the violations and each kind's outcomes", () => {
    const plain = report(result({ violations: ["valid k1 401 at 2.0 s"] }));
    assert.ok(!plain.lines.some((l) => l.startsWith("violation:")));
    const { lines } = report(
      result({
        config: { ...DEFAULT_STRESS_CONFIG, detail: true },
        violations: ["valid k1 401 at 2.0 s"],
      }),
    );
    const at = lines.indexOf("violation: valid k1 401 at 2.0 s");
    assert.ok(at > 0);
    assert.deepEqual(lines.slice(at + 1), [
      "\nper kind:",
      "  valid: 200 (ran)x1",
      "  expired: 401x1",
      "  cold: 503x1",
    ]);
  });
});
