import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  comparisonTable,
  formatNs,
  parseBearerLoop,
  parseCompareArgs,
  parseDenoBenchJson,
  parseJwtPortable,
  type Recording,
  summarize,
} from "../../bench/compare.ts";

describe("parseDenoBenchJson()", () => {
  it("reads each case's mean and its ratio to its group's baseline", () => {
    const json = JSON.stringify({
      benches: [
        {
          group: "g",
          name: "base",
          baseline: true,
          results: [{ ok: { avg: 200 } }],
        },
        {
          group: "g",
          name: "ours",
          baseline: false,
          results: [{ ok: { avg: 50 } }],
        },
        {
          group: null,
          name: "alone",
          baseline: false,
          results: [{ ok: { avg: 7 } }],
        },
        {
          group: "g",
          name: "failed",
          baseline: false,
          results: [{ failed: "x" }],
        },
      ],
    });
    assert.deepEqual(parseDenoBenchJson(json), [
      { key: "g / base", ns: 200, rel: 1 },
      { key: "g / ours", ns: 50, rel: 0.25 },
      { key: "- / alone", ns: 7 },
    ]);
  });
});

describe("parseBearerLoop()", () => {
  it("reads the group headers and the ns/iter lines", () => {
    const text = [
      "",
      "valid token",
      "  hand-written extraction        116 ns/iter  1.00x baseline",
      "  bearerAuth                     295 ns/iter  2.55x baseline",
      "",
      "no token (401)",
      "  SDK requireBearerAuth         7466 ns/iter  17.48x baseline",
    ].join("\n");
    assert.deepEqual(parseBearerLoop(text), [
      { key: "valid token / hand-written extraction", ns: 116, rel: 1 },
      { key: "valid token / bearerAuth", ns: 295, rel: 2.55 },
      { key: "no token (401) / SDK requireBearerAuth", ns: 7466, rel: 17.48 },
    ]);
  });
});

describe("parseJwtPortable()", () => {
  it("reads a CPU and a wall figure per case", () => {
    const text = [
      "ES256 new token",
      "  raw crypto.subtle.verify ES256       wall   222.28 µs baseline   cpu   224.62 µs baseline",
      "  JwtVerifier.verifyToken ES256        wall   238.18 µs   1.072x   cpu   239.46 µs   1.066x",
    ].join("\n");
    const figures = parseJwtPortable(text);
    assert.equal(figures.length, 4);
    assert.deepEqual(figures[0], {
      key: "ES256 new token / raw crypto.subtle.verify ES256 (cpu)",
      ns: 224_620,
      rel: 1,
    });
    assert.equal(
      figures[3]!.key,
      "ES256 new token / JwtVerifier.verifyToken ES256 (wall)",
    );
    assert.equal(figures[3]!.rel, 1.072);
    assert.ok(Math.abs(figures[3]!.ns - 238_180) < 1e-6);
  });
});

describe("parseCompareArgs()", () => {
  it("defaults to 3 runs of every benchmark", () => {
    assert.deepEqual(parseCompareArgs([]), {
      runs: 3,
      only: ["core", "bearer", "jwt", "dpop", "mcp"],
    });
  });

  it("reads every option", () => {
    assert.deepEqual(
      parseCompareArgs([
        "--runs=5",
        "--only=core,mcp",
        "--before=1accb0c",
        "--save=a.json",
        "--root=../x",
      ]),
      {
        runs: 5,
        only: ["core", "mcp"],
        before: "1accb0c",
        save: "a.json",
        root: "../x",
      },
    );
  });

  it("refuses typos, unknown benchmarks, bad run counts and --before with --baseline", () => {
    assert.throws(
      () => parseCompareArgs(["--run=3"]),
      /^TypeError: Unknown argument "--run=3": use --runs=N/,
    );
    assert.throws(
      () => parseCompareArgs(["--only=core,jwks"]),
      /Unknown benchmark "jwks"/,
    );
    assert.throws(() => parseCompareArgs(["--runs=0"]), RangeError);
    assert.throws(
      () => parseCompareArgs(["--before=a", "--baseline=b"]),
      /not both/,
    );
  });
});

describe("summarize() and comparisonTable()", () => {
  const run = (ns: number, rel = 1) => [{ key: "g / ours", ns, rel }];

  it("takes the median, min and max over runs", () => {
    assert.deepEqual(
      summarize([run(300, 2), run(100, 1), run(200, 3)]).get("g / ours"),
      {
        runs: 3,
        median: 200,
        min: 100,
        max: 300,
        rel: 2,
      },
    );
  });

  const recording = (commit: string, ...runs: number[]): Recording => ({
    commit,
    runtime: "Deno",
    runs: { core: runs.map((ns) => run(ns)) },
  });

  it("calls overlapping ranges noise, and apart ones slower or faster", () => {
    const verdict = (before: Recording, after: Recording) =>
      comparisonTable(before, after).split("\n")[2]!.split("|")[7]!.trim();
    assert.equal(
      verdict(recording("a", 100, 110, 120), recording("b", 115, 125, 130)),
      "noise",
    );
    assert.equal(
      verdict(recording("a", 100, 110, 120), recording("b", 121, 125, 130)),
      "slower",
    );
    assert.equal(
      verdict(recording("a", 100, 110, 120), recording("b", 80, 90, 99)),
      "faster",
    );
  });

  it("prints the ratio of medians and marks a case the before run lacks", () => {
    const before = recording("a", 100);
    const after: Recording = {
      commit: "b",
      runtime: "Deno",
      runs: { core: [[...run(150), { key: "g / new", ns: 5, rel: 1 }]] },
    };
    const lines = comparisonTable(before, after).split("\n");
    assert.match(lines[0]!, /before \(a\) .*after \(b\)/);
    assert.match(
      lines[2]!,
      /\| 100 ns +\| 150 ns +\| 1\.50x +\| 1\.00x → 1\.00x/,
    );
    assert.match(lines[2]!, /\| one run +\|$/);
    assert.match(lines[3]!, /g \/ new .*new case/);
  });

  it("formats times in ns, µs and ms", () => {
    assert.equal(formatNs(999), "999 ns");
    assert.equal(formatNs(1_500), "1.50 µs");
    assert.equal(formatNs(2_345_000), "2.35 ms");
  });
});
