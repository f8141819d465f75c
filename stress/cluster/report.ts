/**
 * The report: one table of what the run saw, each invariant's bound in the
 * "must be" column and a broken one marked, then one line saying whether
 * every invariant held. Pure: it reads a {@linkcode ClusterResult} and
 * returns lines.
 *
 * @module
 */
import type { ClusterConfig } from "./config.ts";
import type { Counts } from "./context.ts";
import type { IntrospectionCounts } from "./authorization_server.ts";
import type { InstanceStats } from "./instances.ts";
import { DUPLICATES } from "./mix.ts";

/** Everything the report reads. */
export interface ClusterResult {
  readonly config: ClusterConfig;
  readonly counts: Readonly<Counts>;
  /** Latencies of requests admitted while Redis was up, in ms. */
  readonly latencies: readonly number[];
  /** The introspection calls per token. */
  readonly introspections: ReadonlyMap<string, Readonly<IntrospectionCounts>>;
  /** Whether the authorization server issued a token. */
  readonly issued: { has(token: string): boolean };
  /** What each instance counted. */
  readonly stats: readonly InstanceStats[];
}

/** One row: metric, value, the bound (empty for a figure) and its verdict. */
export interface Row {
  readonly metric: string;
  readonly value: string;
  readonly must: string;
  /** `false` when the row's invariant is broken. */
  readonly ok: boolean;
}

const row = (
  metric: string,
  value: string | number,
  must = "",
  ok = true,
): Row => ({ metric, value: String(value), must, ok });

/** The `p`th percentile of ascending `sorted`; `NaN` when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ]!;
}

const perToken = (list: readonly Readonly<IntrospectionCounts>[]): number =>
  list.length === 0
    ? 0
    : list.reduce((sum, c) => sum + c.up + c.down, 0) / list.length;

/** The rows of the table, in order. */
export function rows(result: ClusterResult): Row[] {
  const { counts: c, config } = result;
  const calls = [...result.introspections];
  // Tokens introspected only while Redis was up: the shared answer must
  // mean one call each, however many instances met the token at once.
  const upTokens = calls.filter(([token, n]) =>
    result.issued.has(token) && n.down === 0
  ).map(([, n]) => n);
  const outageTokens = calls.map(([, n]) => n).filter((n) => n.down > 0);
  const upMax = Math.max(0, ...upTokens.map((n) => n.up));
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const serverRequests = result.stats.reduce((sum, s) => sum + s.requests, 0);
  const storeCalls = result.stats.reduce((sum, s) => sum + s.storeCalls, 0);
  const zero = (metric: string, value: string | number, n: number) =>
    row(metric, value, "0", n === 0);
  return [
    row("instances behind one Redis", config.instances),
    row("requests", c.requests),
    row("admitted (200)", c.admitted),
    row("refused (401: replays, duplicates, nonce challenges)", c.refused),
    row("503 (Redis stopped or reconnecting)", c.unavailable),
    zero("valid proofs refused with 401", c.validRefused, c.validRefused),
    zero(
      "replays admitted (proof sent again to another instance)",
      `${c.replaysAdmitted} of ${c.replaysSent}`,
      c.replaysAdmitted,
    ),
    zero(
      "pre-outage proofs admitted again after the restart",
      `${c.preOutageReplaysAdmitted} of ${c.preOutageReplaysSent}`,
      c.preOutageReplaysAdmitted,
    ),
    zero(
      `concurrent duplicates admitted (${DUPLICATES} copies x ${c.duplicateRounds})`,
      c.duplicatesAdmitted,
      c.duplicatesAdmitted,
    ),
    zero(
      "admitted while Redis was stopped",
      c.admittedWhileStopped,
      c.admittedWhileStopped,
    ),
    zero(
      "503 without Retry-After",
      c.unavailableWithoutRetryAfter,
      c.unavailableWithoutRetryAfter,
    ),
    zero("5xx other than 503", c.otherServerErrors, c.otherServerErrors),
    zero("transport errors", c.transportErrors, c.transportErrors),
    row(
      "admitted after Redis restarted",
      c.admittedAfterRestart,
      "> 0",
      c.admittedAfterRestart > 0,
    ),
    row(
      "introspection calls per distinct token, Redis up",
      `${
        perToken(upTokens).toFixed(2)
      } (max ${upMax}, ${upTokens.length} tokens)`,
      "1",
      upTokens.length > 0 && upMax === 1,
    ),
    row(
      "introspection calls per distinct token, around the outage",
      `${perToken(outageTokens).toFixed(2)} (${outageTokens.length} tokens)`,
    ),
    row(
      "nonces from one instance accepted by another",
      c.crossInstanceNonces,
      "> 0",
      c.crossInstanceNonces > 0,
    ),
    row(
      "latency of admitted requests, Redis up, p50 / p99",
      `${percentile(sorted, 50).toFixed(1)} / ${
        percentile(sorted, 99).toFixed(1)
      } ms`,
    ),
    row(
      "store round trips per request",
      (storeCalls / Math.max(1, serverRequests)).toFixed(2),
    ),
  ];
}

/** The table as markdown, columns padded, a broken row marked. */
export function table(of: readonly Row[]): string[] {
  const header = ["metric", "value", "must be"];
  const cells = of.map((r) => [r.metric, r.value, r.must]);
  const widths = header.map((title, i) =>
    Math.max(...cells.map((cell) => cell[i]!.length), title.length)
  );
  const line = (cell: readonly string[]) =>
    `| ${cell.map((text, i) => text.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...of.map((r, i) => line(cells[i]!) + (r.ok ? "" : "  <- BROKEN")),
  ];
}

/** The whole report, and how many invariants are broken (exit 1 if any). */
export function report(
  result: ClusterResult,
): { lines: string[]; broken: number } {
  const tableRows = rows(result);
  const broken = tableRows.filter((r) => !r.ok).length;
  const { durationMs, concurrency } = result.config;
  return {
    lines: [
      ...table(tableRows),
      broken === 0
        ? `stress:cluster: every invariant held (${durationMs} ms, ${concurrency} clients)`
        : `stress:cluster: ${broken} invariant(s) broken`,
    ],
    broken,
  };
}
