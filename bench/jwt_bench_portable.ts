// The cases of `jwt_bench.ts`, timed by hand so they also run where
// `Deno.bench` does not (Bun, Node):
//   deno run -A bench/jwt_bench_portable.ts
//   npx --yes bun@1.4.5 bench/jwt_bench_portable.ts
// Cases of a group run interleaved, in short rounds, and each reports the
// median over rounds: a ratio taken this way survives a busy machine better
// than one taken from two long runs minutes apart. Both wall time and process
// CPU time are reported; CPU time does not count the time other processes
// hold the CPU, so its ratios are the steadier on a shared machine.
import process from "node:process";
import { type BenchCase, jwtBenchCases } from "./jwt_cases.ts";

const ROUNDS = 40;
const ITERATIONS = 50;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Round {
  wall: number;
  cpu: number;
}

/** Per-iteration wall and CPU time of one round, in µs. */
async function timeRound(fn: BenchCase["fn"]): Promise<Round> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) await fn();
  const wall = (performance.now() - start) * 1000 / ITERATIONS;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / ITERATIONS };
}

const cases = await jwtBenchCases();
const groups = [...new Set(cases.map((c) => c.group))];
for (const group of groups) {
  const members = cases.filter((c) => c.group === group);
  const times = new Map<BenchCase, Round[]>(members.map((c) => [c, []]));
  for (const member of members) await timeRound(member.fn); // warm up
  for (let round = 0; round < ROUNDS; round++) {
    for (const member of members) {
      times.get(member)!.push(await timeRound(member.fn));
    }
  }
  const baseline = members.find((c) => c.baseline) ?? members[0]!;
  const wallOf = (c: BenchCase) => median(times.get(c)!.map((r) => r.wall));
  const cpuOf = (c: BenchCase) => median(times.get(c)!.map((r) => r.cpu));
  console.log(`\n${group}`);
  for (const member of members) {
    const ratio = (value: number, base: number) =>
      member === baseline ? "baseline" : `${(value / base).toFixed(3)}x`;
    console.log(
      `  ${member.name.padEnd(36)} wall ${
        wallOf(member).toFixed(2).padStart(8)
      } µs ${ratio(wallOf(member), wallOf(baseline)).padStart(8)}   cpu ${
        cpuOf(member).toFixed(2).padStart(8)
      } µs ${ratio(cpuOf(member), cpuOf(baseline)).padStart(8)}`,
    );
  }
}
