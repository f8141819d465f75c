/**
 * `deno task bench:compare`: the benchmarks of `bench/`, each run a few
 * times, as one markdown table of medians; with `--before=<git rev>`, the
 * same benchmarks of that commit too, in the same session and interleaved
 * (before, after, before, after ...), so both see the same machine load.
 *
 *   deno task bench:compare                      # this checkout, 3 runs each
 *   deno task bench:compare --before=1accb0c     # that commit against this one
 *   deno task bench:compare --save=figures.json  # keep the raw figures
 *   deno task bench:compare --baseline=figures.json  # against kept figures
 *   deno task bench:compare --root=../other --only=core,bearer --runs=5
 *
 * `--before` checks the commit out in a temporary git worktree outside the
 * repository, installs its dependencies there and removes it at the end.
 * A case counts as "noise" when the ranges (min to max over the runs) of
 * before and after overlap (a single run has no range: "one run");
 * "vs baseline" is each case over the baseline of its own group in the same
 * run (the ratio the benchmark itself prints), which moves less than
 * absolute times on a shared machine.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** One measured case of one benchmark run. */
export interface Figure {
  /** `group / case`, stable across runs and commits. */
  key: string;
  /** Time per iteration, in nanoseconds. */
  ns: number;
  /** Over the baseline of its group in the same run, when it has one. */
  rel?: number;
}

/** A benchmark: how to run it and how to read what it prints. */
interface Bench {
  id: string;
  file: string;
  args: string[];
  parse: (stdout: string) => Figure[];
}

/** Reads `deno bench --json` output: the mean of each case. */
export function parseDenoBenchJson(stdout: string): Figure[] {
  const report = JSON.parse(stdout) as {
    benches: Array<{
      group: string | null;
      name: string;
      baseline: boolean;
      results: Array<{ ok?: { avg: number } }>;
    }>;
  };
  const ok = report.benches.filter((b) => b.results[0]?.ok !== undefined);
  const baselines = new Map<string, number>();
  for (const bench of ok) {
    if (bench.baseline && bench.group !== null) {
      baselines.set(bench.group, bench.results[0]!.ok!.avg);
    }
  }
  return ok.map((bench) => {
    const ns = bench.results[0]!.ok!.avg;
    const base = bench.group === null ? undefined : baselines.get(bench.group);
    return {
      key: `${bench.group ?? "-"} / ${bench.name}`,
      ns,
      ...(base === undefined ? {} : { rel: ns / base }),
    };
  });
}

/** Reads the group headers and case lines of a hand-timed loop. */
function parseLines(
  stdout: string,
  caseLine: RegExp,
  toFigures: (group: string, match: RegExpExecArray) => Figure[],
): Figure[] {
  const figures: Figure[] = [];
  let group = "-";
  for (const line of stdout.split("\n")) {
    if (/^\S/.test(line)) group = line.trim();
    const match = caseLine.exec(line);
    if (match !== null) figures.push(...toFigures(group, match));
  }
  return figures;
}

/** Reads `bench/bearer_bench.ts --loop`: `name  N ns/iter  R.RRx baseline`. */
export function parseBearerLoop(stdout: string): Figure[] {
  return parseLines(
    stdout,
    /^ {2}(.+?)\s+(\d+(?:\.\d+)?) ns\/iter\s+(\d+(?:\.\d+)?)x baseline\s*$/,
    (group, [, name, ns, rel]) => [{
      key: `${group} / ${name}`,
      ns: Number(ns),
      rel: Number(rel),
    }],
  );
}

/**
 * Reads `bench/jwt_bench_portable.ts`: a wall and a CPU figure per case,
 * `name  wall X µs  R.RRRx  cpu Y µs  R.RRRx` (`baseline` for the baseline).
 */
export function parseJwtPortable(stdout: string): Figure[] {
  const ratio = (text: string) => text === "baseline" ? 1 : parseFloat(text);
  return parseLines(
    stdout,
    /^ {2}(.+?)\s+wall\s+([\d.]+) µs\s+(baseline|[\d.]+x)\s+cpu\s+([\d.]+) µs\s+(baseline|[\d.]+x)\s*$/,
    (group, [, name, wall, wallRel, cpu, cpuRel]) => [
      {
        key: `${group} / ${name} (cpu)`,
        ns: Number(cpu) * 1e3,
        rel: ratio(cpuRel!),
      },
      {
        key: `${group} / ${name} (wall)`,
        ns: Number(wall) * 1e3,
        rel: ratio(wallRel!),
      },
    ],
  );
}

/** The benchmarks compared, by id, with the commands of their own docs. */
export const BENCHES: readonly Bench[] = [
  {
    id: "core",
    file: "bench/core_bench.ts",
    args: ["bench", "-A", "--json", "bench/core_bench.ts"],
    parse: parseDenoBenchJson,
  },
  {
    id: "bearer",
    file: "bench/bearer_bench.ts",
    args: ["run", "-A", "bench/bearer_bench.ts", "--loop"],
    parse: parseBearerLoop,
  },
  {
    id: "jwt",
    file: "bench/jwt_bench_portable.ts",
    args: ["run", "-A", "bench/jwt_bench_portable.ts"],
    parse: parseJwtPortable,
  },
  {
    id: "dpop",
    file: "bench/dpop_bench.ts",
    args: ["bench", "-A", "--json", "bench/dpop_bench.ts"],
    parse: parseDenoBenchJson,
  },
  {
    id: "mcp",
    file: "bench/mcp_bench.ts",
    args: ["bench", "-A", "--json", "bench/mcp_bench.ts"],
    parse: parseDenoBenchJson,
  },
];

/** The parsed command line, compiled once. */
export interface CompareConfig {
  runs: number;
  only: readonly string[];
  before?: string;
  baseline?: string;
  save?: string;
  root?: string;
}

const USAGE =
  "use --runs=N, --only=core,bearer,jwt,dpop,mcp, --before=<git rev>, --baseline=<file.json>, --save=<file.json> or --root=<dir>";

/** Parses the command line; a typo is an error that says what to write. */
export function parseCompareArgs(args: readonly string[]): CompareConfig {
  let config: CompareConfig = { runs: 3, only: BENCHES.map((b) => b.id) };
  for (const arg of args) {
    const match = /^--(runs|only|before|baseline|save|root)=(.+)$/.exec(arg);
    if (match === null) {
      throw new TypeError(`Unknown argument "${arg}": ${USAGE}`);
    }
    const [, name, value] = match as unknown as [string, string, string];
    if (name === "runs") {
      const runs = Number(value);
      if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
        throw new RangeError(
          `--runs must be an integer from 1 to 20, got "${value}"`,
        );
      }
      config = { ...config, runs };
    } else if (name === "only") {
      const only = value.split(",");
      const unknown = only.filter((id) => !BENCHES.some((b) => b.id === id));
      if (unknown.length > 0) {
        throw new TypeError(`Unknown benchmark "${unknown[0]}": ${USAGE}`);
      }
      config = { ...config, only };
    } else {
      config = { ...config, [name]: value };
    }
  }
  if (config.before !== undefined && config.baseline !== undefined) {
    throw new TypeError("Use --before or --baseline, not both");
  }
  return config;
}

/** Every run's figures of every benchmark, as `--save` writes them. */
export interface Recording {
  commit: string;
  runtime: string;
  runs: Record<string, Figure[][]>;
}

/** Median, min and max of a case over runs. */
interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
  rel?: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Summaries of one benchmark's runs, by case key, in first-seen order. */
export function summarize(runs: readonly Figure[][]): Map<string, Summary> {
  const byKey = new Map<string, Figure[]>();
  for (const run of runs) {
    for (const figure of run) {
      byKey.set(figure.key, [...(byKey.get(figure.key) ?? []), figure]);
    }
  }
  const summaries = new Map<string, Summary>();
  for (const [key, figures] of byKey) {
    const ns = figures.map((f) => f.ns);
    const rels = figures.flatMap((f) => f.rel === undefined ? [] : [f.rel]);
    summaries.set(key, {
      runs: ns.length,
      median: median(ns),
      min: Math.min(...ns),
      max: Math.max(...ns),
      ...(rels.length === 0 ? {} : { rel: median(rels) }),
    });
  }
  return summaries;
}

/** A time in the unit that keeps three significant digits readable. */
export function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

const relText = (rel: number | undefined) =>
  rel === undefined ? "-" : `${rel.toFixed(2)}x`;

/** Renders rows as a markdown table with padded columns. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => row[i]!.length))
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ].join("\n");
}

/** The table of one recording: median, range and ratio per case. */
export function figuresTable(recording: Recording): string {
  const rows: string[][] = [];
  for (const [id, runs] of Object.entries(recording.runs)) {
    for (const [key, s] of summarize(runs)) {
      rows.push([
        id,
        key,
        formatNs(s.median),
        `${formatNs(s.min)} – ${formatNs(s.max)}`,
        relText(s.rel),
      ]);
    }
  }
  return markdownTable(
    ["bench", "case", "median", "range", "vs baseline"],
    rows,
  );
}

/** The before/after table: medians, their ratio, and whether it is noise. */
export function comparisonTable(before: Recording, after: Recording): string {
  const rows: string[][] = [];
  for (const [id, afterRuns] of Object.entries(after.runs)) {
    const was = summarize(before.runs[id] ?? []);
    for (const [key, now] of summarize(afterRuns)) {
      const then = was.get(key);
      if (then === undefined) {
        rows.push([id, key, "-", formatNs(now.median), "-", "-", "new case"]);
        continue;
      }
      const verdict = Math.min(now.runs, then.runs) < 2
        ? "one run"
        : now.min > then.max
        ? "slower"
        : now.max < then.min
        ? "faster"
        : "noise";
      rows.push([
        id,
        key,
        formatNs(then.median),
        formatNs(now.median),
        `${(now.median / then.median).toFixed(2)}x`,
        `${relText(then.rel)} → ${relText(now.rel)}`,
        verdict,
      ]);
    }
  }
  return markdownTable(
    [
      "bench",
      "case",
      `before (${before.commit})`,
      `after (${after.commit})`,
      "after / before",
      "vs baseline",
      "verdict",
    ],
    rows,
  );
}

async function output(
  args: string[],
  cwd: string,
  command: string = Deno.execPath(),
): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0) {
    throw new Error(
      `${command === Deno.execPath() ? "deno" : command} ${
        args.join(" ")
      } (in ${cwd}) exited ${code}:\n${new TextDecoder().decode(stderr)}`,
    );
  }
  return text;
}

async function commitOf(root: string): Promise<string> {
  try {
    return (await output(["rev-parse", "--short", "HEAD"], root, "git")).trim();
  } catch {
    return root;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs one benchmark once in `root` and reads its figures. */
async function runOnce(bench: Bench, root: string): Promise<Figure[]> {
  const figures = bench.parse(await output(bench.args, root));
  if (figures.length === 0) {
    throw new Error(`${bench.file} (in ${root}) printed no figure I can read`);
  }
  return figures;
}

/** Runs the chosen benchmarks in each root, interleaved, `runs` times. */
async function record(
  roots: readonly string[],
  config: CompareConfig,
): Promise<Recording[]> {
  const recordings: Recording[] = [];
  for (const root of roots) {
    recordings.push({
      commit: await commitOf(root),
      runtime: `Deno ${Deno.version.deno}`,
      runs: {},
    });
  }
  const benches = BENCHES.filter((b) => config.only.includes(b.id));
  for (let run = 1; run <= config.runs; run++) {
    for (const bench of benches) {
      for (const [i, root] of roots.entries()) {
        if (!await exists(`${root}/${bench.file}`)) continue;
        console.error(
          `bench:compare: run ${run}/${config.runs} ${bench.id} at ${
            recordings[i]!.commit
          }`,
        );
        const runs = recordings[i]!.runs;
        runs[bench.id] = [
          ...(runs[bench.id] ?? []),
          await runOnce(bench, root),
        ];
      }
    }
  }
  return recordings;
}

/** A temporary worktree of `rev`, dependencies installed; removed by `done`. */
async function worktreeOf(
  repo: string,
  rev: string,
): Promise<{ path: string; done: () => Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "mcp-authz-before-" });
  const path = `${dir}/tree`;
  await output(["worktree", "add", "--detach", path, rev], repo, "git");
  const done = async () => {
    await output(["worktree", "remove", "--force", path], repo, "git")
      .catch((error) => console.error(`bench:compare: ${error}`));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await output(["install", "--quiet"], path);
  } catch (error) {
    await done();
    throw error;
  }
  return { path, done };
}

async function main(args: readonly string[]): Promise<void> {
  const config = parseCompareArgs(args);
  const here = fileURLToPath(new URL("../", import.meta.url)).replace(
    /\/$/,
    "",
  );
  const root = config.root ?? here;
  if (config.before !== undefined) {
    const tree = await worktreeOf(here, config.before);
    try {
      const [before, after] = await record([tree.path, root], config);
      if (config.save !== undefined) {
        await Deno.writeTextFile(config.save, JSON.stringify(after, null, 2));
      }
      console.log(comparisonTable(before!, after!));
    } finally {
      await tree.done();
    }
    return;
  }
  const [now] = await record([root], config);
  if (config.save !== undefined) {
    await Deno.writeTextFile(config.save, JSON.stringify(now, null, 2));
  }
  if (config.baseline !== undefined) {
    const before = JSON.parse(
      await Deno.readTextFile(config.baseline),
    ) as Recording;
    console.log(comparisonTable(before, now!));
  } else {
    console.log(figuresTable(now!));
  }
}

if (import.meta.main) await main(Deno.args);
