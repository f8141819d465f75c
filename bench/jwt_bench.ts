/**
 * JWT verification cost, every token new (no cache hit): `JwtVerifier`
 * alone and behind `bearerAuth`, against a raw `crypto.subtle.verify` of the
 * same tokens' signatures (targets: ES256 <= 1.15x, EdDSA <= 1.35x), with
 * jose's own `jwtVerify` as a reference; and a repeated ES256 token with the
 * cache on against off (target >= 50x). Tokens are signed before timing.
 *
 * Deno: `deno bench -A bench/jwt_bench.ts`
 * Bun, or Deno with interleaved rounds and medians (steadier on a busy
 * machine): `npx --yes bun@1.4.5 bench/jwt_bench_portable.ts`,
 * `deno run -A bench/jwt_bench_portable.ts`
 */
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
