// The cases of `jwt_bench.ts`, timed by hand so they also run where
// `Deno.bench` does not (Bun, Node):
//   deno run -A bench/jwt_bench_portable.ts
//   npx --yes bun@1.4.5 bench/jwt_bench_portable.ts
// Cases of a group run interleaved, in short rounds, and each reports the
// median over rounds: a ratio taken this way survives a busy machine better
// than one taken from two long runs minutes apart.
import { type BenchCase, jwtBenchCases } from "./jwt_cases.ts";

const ROUNDS = 40;
const ITERATIONS = 50;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeRound(fn: BenchCase["fn"]): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) await fn();
  return (performance.now() - start) / ITERATIONS;
}

const cases = await jwtBenchCases();
const groups = [...new Set(cases.map((c) => c.group))];
for (const group of groups) {
  const members = cases.filter((c) => c.group === group);
  const times = new Map<BenchCase, number[]>(members.map((c) => [c, []]));
  for (const member of members) await timeRound(member.fn); // warm up
  for (let round = 0; round < ROUNDS; round++) {
    for (const member of members) {
      times.get(member)!.push(await timeRound(member.fn));
    }
  }
  const baseline = members.find((c) => c.baseline) ?? members[0]!;
  const base = median(times.get(baseline)!);
  console.log(`\n${group}`);
  for (const member of members) {
    const ms = median(times.get(member)!);
    const ratio = member === baseline
      ? "baseline"
      : `${(ms / base).toFixed(3)}x baseline`;
    console.log(
      `  ${member.name.padEnd(36)} ${
        (ms * 1000).toFixed(2).padStart(10)
      } µs/iter  ${ratio}`,
    );
  }
}
