// deno bench -A bench/jwt_bench.ts
import { jwtBenchCases } from "./jwt_cases.ts";

for (const { name, group, baseline, fn } of await jwtBenchCases()) {
  Deno.bench({
    name,
    group,
    baseline: baseline ?? false,
    fn: async () => {
      await fn();
    },
  });
}
