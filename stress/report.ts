/**
 * The report: one table of what the run saw, each invariant beside the
 * figure it bounds, and whether any is broken. Pure: it reads a
 * {@linkcode RunResult} and returns lines.
 *
 * @module
 */
import type { StressConfig } from "./config.ts";
import type { Outcome } from "./load.ts";
import type { Memory } from "./sampler.ts";

/** The heap may grow at most this much over the run (after a GC). */
export const HEAP_GROWTH_LIMIT = 64 * 1024 * 1024;

/** Everything the report reads. */
export interface RunResult {
  readonly config: StressConfig;
  readonly outcomes: readonly Outcome[];
  readonly runMs: number;
  readonly events: readonly string[];
  readonly firstAccepted: ReadonlyMap<string, number>;
  /** `--detail`: the first refusals of a valid request with a cached key. */
  readonly violations: readonly string[];
  readonly jwks: { readonly attempts: number; readonly served: number };
  readonly coldJwks: { readonly attempts: number; readonly served: number };
  readonly replayPeak: number;
  readonly replayMax: number;
  readonly tokenCachePeak: number;
  readonly tokenCacheMax: number;
  readonly memory: {
    readonly before: Memory;
    readonly peak: Memory;
    readonly after: Memory;
  };
  /** Whether the run could collect garbage (`--v8-flags=--expose-gc`). */
  readonly gc: boolean;
}

/** One row: metric, value, and the invariant (with its verdict) if any. */
export interface Row {
  readonly metric: string;
  readonly value: string;
  readonly invariant: string;
  /** `false` when the row's invariant is broken. */
  readonly ok: boolean;
}

const info = (metric: string, value: string): Row => ({
  metric,
  value,
  invariant: "",
  ok: true,
});
const bound = (
  metric: string,
  value: string,
  rule: string,
  ok: boolean,
): Row => ({
  metric,
  value,
  invariant: `${rule}: ${ok ? "ok" : "BROKEN"}`,
  ok,
});

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The rows of the table, in order. */
export function rows(result: RunResult): Row[] {
  const { outcomes, config } = result;
  const count = (predicate: (o: Outcome) => boolean) =>
    outcomes.filter(predicate).length;
  const statusCount = (status: number | "transport") =>
    count((o) => o.status === status);
  const is2xx = (o: Outcome) =>
    typeof o.status === "number" && o.status >= 200 && o.status < 300;
  const granted = (o: Outcome) => o.granted;
  const admitted = count((o) => o.expect === "deny" && granted(o));
  const fivehundreds = count((o) =>
    typeof o.status === "number" && o.status >= 500 && o.status !== 503
  );
  const refusedCached = count((o) =>
    o.expect === "allow" && o.cachedAtSend && !granted(o)
  );
  const transport = statusCount("transport");
  const wrongSchemes = count((o) => o.wrongScheme);
  const fetchBound = 1 + Math.ceil(result.runMs / config.cooldownMs);
  const { before, peak, after } = result.memory;
  const heapGrowth = after.heapUsed - before.heapUsed;
  const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const percentile = (p: number) =>
    latencies.length === 0 ? 0 : latencies[
      Math.min(latencies.length - 1, Math.floor(p * latencies.length))
    ]!;
  const other = count((o) =>
    typeof o.status === "number" &&
    ![200, 400, 401, 403, 500, 503].includes(o.status)
  );
  const allowedDown = (o: Outcome) => o.expect === "allow" && o.jwksDownAtSend;
  const undecided = count((o) => o.undecided);
  const decisions = (layer: "http" | "call", outcomes: readonly string[]) =>
    outcomes.map((outcome) => count((o) => o[layer] === outcome)).join(" / ");
  return [
    info("requests sent", String(outcomes.length)),
    info("  2xx, call ran", String(count(granted))),
    info(
      "  2xx, JSON-RPC error",
      String(count((o) => is2xx(o) && !granted(o))),
    ),
    ...[400, 401, 403, 503].map((status) =>
      info(`  ${status}`, String(statusCount(status)))
    ),
    info("  500", String(statusCount(500))),
    info("  other status", String(other)),
    info(
      "decided, http: allow / deny / step-up / unavailable",
      decisions("http", ["allow", "deny", "step-up", "unavailable"]),
    ),
    info(
      "decided, tools/call: allow / hidden / step-up",
      decisions("call", ["allow", "hidden", "step-up"]),
    ),
    bound(
      "responses without exactly one decision per layer",
      String(undecided),
      "= 0",
      undecided === 0,
    ),
    bound("  transport error", String(transport), "= 0", transport === 0),
    bound("invalid tokens admitted", String(admitted), "= 0", admitted === 0),
    bound(
      "500s (any 5xx but 503)",
      String(fivehundreds),
      "= 0",
      fivehundreds === 0,
    ),
    bound(
      "valid requests refused while key cached",
      String(refusedCached),
      "= 0",
      refusedCached === 0,
    ),
    bound(
      "DPoP endpoint 401/403 not in the DPoP scheme",
      String(wrongSchemes),
      "= 0",
      wrongSchemes === 0,
    ),
    info(
      "valid requests served while JWKS down",
      `${count((o) => allowedDown(o) && granted(o))} of ${count(allowedDown)}`,
    ),
    bound(
      "JWKS fetches, attempted / served",
      `${result.jwks.attempts} / ${result.jwks.served}`,
      `<= ${fetchBound} (1 + run / ${config.cooldownMs} ms cooldown)`,
      result.jwks.attempts <= fetchBound,
    ),
    bound(
      "  cold-start issuer",
      `${result.coldJwks.attempts} / ${result.coldJwks.served}`,
      `<= ${fetchBound}`,
      result.coldJwks.attempts <= fetchBound,
    ),
    bound(
      "DPoP replay store entries (peak)",
      String(result.replayPeak),
      `<= ${result.replayMax}`,
      result.replayPeak <= result.replayMax,
    ),
    bound(
      "JWT token cache entries (peak)",
      String(result.tokenCachePeak),
      `<= ${result.tokenCacheMax}`,
      result.tokenCachePeak <= result.tokenCacheMax,
    ),
    info(
      "RSS before / peak / after",
      `${mb(before.rss)} / ${mb(peak.rss)} / ${mb(after.rss)}`,
    ),
    bound(
      "heap before / peak / after",
      `${mb(before.heapUsed)} / ${mb(peak.heapUsed)} / ${mb(after.heapUsed)}`,
      `growth < ${mb(HEAP_GROWTH_LIMIT)}`,
      heapGrowth < HEAP_GROWTH_LIMIT,
    ),
    info(
      "latency p50 / p99",
      `${percentile(0.5).toFixed(1)} ms / ${percentile(0.99).toFixed(1)} ms`,
    ),
    info(
      "run time",
      `${(result.runMs / 1_000).toFixed(1)} s, ${config.concurrency} clients`,
    ),
  ];
}

/** The table as markdown, columns padded. */
export function table(of: readonly Row[]): string[] {
  const cells = of.map((row) => [row.metric, row.value, row.invariant]);
  const header = ["metric", "value", "invariant"];
  const widths = header.map((title, i) =>
    Math.max(...cells.map((row) => row[i]!.length), title.length)
  );
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.map(line),
  ];
}

/** `--detail`: the recorded violations and each kind's outcomes. */
function detail(result: RunResult): string[] {
  const lines = result.violations.map((v) => `violation: ${v}`);
  lines.push("\nper kind:");
  for (const kind of new Set(result.outcomes.map((o) => o.kind))) {
    const byStatus = new Map<string, number>();
    for (const o of result.outcomes.filter((o) => o.kind === kind)) {
      const key = o.granted
        ? "200 (ran)"
        : `${o.status}${o.call === undefined ? "" : ` (${o.call})`}`;
      byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    }
    lines.push(
      `  ${kind}: ${[...byStatus].map(([s, n]) => `${s}x${n}`).join(" ")}`,
    );
  }
  return lines;
}

/** The whole report, and whether an invariant is broken (exit 1). */
export function report(
  result: RunResult,
): { lines: string[]; broken: boolean } {
  const tableRows = rows(result);
  const lines = [`stress: ${result.events.join("; ")}`];
  for (const [kid, at] of result.firstAccepted) {
    lines.push(
      `stress: first token signed with ${kid} accepted at ${
        (at / 1_000).toFixed(1)
      } s`,
    );
  }
  lines.push(...table(tableRows));
  if (result.config.detail) lines.push(...detail(result));
  if (!result.gc) {
    lines.push(
      "stress: run with --v8-flags=--expose-gc (deno task stress does)",
    );
  }
  return {
    lines,
    broken: tableRows.some((row) => !row.ok) || !result.gc,
  };
}
