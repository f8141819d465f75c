// Load-and-fault suite: a real Deno.serve MCP endpoint (the MCP SDK v2
// server guarded by @mcp-authz/core/mcp) behind withBearerAuth +
// JwtVerifier + an Authorizer (and a DPoP-only endpoint, withBearerAuth's
// dpop option), against a local JWKS server, driven by concurrent clients
// mixing valid and hostile tokens while the issuer rotates its signing key
// and the JWKS server goes down and comes back. Prints one table and exits
// non-zero when an invariant is broken.
//
// Run: deno task stress [--requests=N] [--duration=ms] [--concurrency=N]
//                       [--cooldown=ms] [--seed=N] [--detail] [--sabotage]
// Everything listens on 127.0.0.1, port 0; the run is bounded in requests
// and in time. Not part of `deno task test` or `deno task ci`.
//
// The parts: config.ts (flags), fixtures.ts (keys.ts, issuer.ts,
// jwks_server.ts, endpoint.ts, mcp_app.ts), mix.ts + requests.ts (what the
// clients send), faults.ts (rotation, outage, recovery), load.ts (the
// clients), decisions.ts (what the server decided, from its decision
// events), sampler.ts (memory and store peaks), report.ts (table and
// invariants). This file only composes them: the run's state lives in the
// objects main() creates and passes on, none at module level.
//
// `deno task stress` passes --unstable-no-legacy-abort: the MCP SDK's
// handler listens on request.signal to tear its transport down when a
// client goes away, and Deno 2.9's Deno.serve warns on that read while its
// legacy behaviour (the signal also aborts after every successful response)
// is the default.
import { prng, startClock } from "./clock.ts";
import { parseStressArgs } from "./config.ts";
import { REPLAY_MAX, TOKEN_CACHE_MAX } from "./endpoint.ts";
import { FaultSchedule } from "./faults.ts";
import { startFixtures } from "./fixtures.ts";
import { AcceptedKids, type Outcome, runLoad } from "./load.ts";
import { report } from "./report.ts";
import { memory, startSampler } from "./sampler.ts";

/** One stress run: the exit code (1 when an invariant is broken). */
export async function main(args: readonly string[]): Promise<number> {
  const config = parseStressArgs(args);
  // A hard stop, whatever hangs: the run is bounded in time.
  const hardLimitMs = config.durationMs + 60_000;
  Deno.unrefTimer(setTimeout(() => {
    console.error(`stress: still running after ${hardLimitMs} ms, giving up`);
    Deno.exit(2);
  }, hardLimitMs));

  const random = prng(config.seed);
  const fixtures = await startFixtures(config, random);
  const { keys, issuer, jwks, coldJwks, endpoint } = fixtures;
  const clock = startClock();
  const accepted = new AcceptedKids();
  const events: string[] = [];
  const faults = new FaultSchedule({
    issuer,
    keys,
    jwks,
    coldJwks,
    accepted,
    clock,
    events,
  });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = memory();
  const sampler = startSampler(before, endpoint.replayStore, endpoint.verifier);
  const outcomes: Outcome[] = [];
  const violations: string[] = [];

  await runLoad({
    config,
    clock,
    mix: { base: endpoint.base, issuer, keys, random },
    faults,
    jwks,
    accepted,
    decisions: endpoint.decisions,
    outcomes,
    violations,
  });
  await faults.finish();
  const runMs = clock.elapsed();
  const peaks = sampler.stop();
  await fixtures.close();
  gc?.();

  const { lines, broken } = report({
    config,
    outcomes,
    runMs,
    events,
    firstAccepted: accepted.firstAccepted,
    violations,
    jwks: { attempts: endpoint.fetchAttempts.length, served: jwks.served },
    coldJwks: {
      attempts: endpoint.coldFetchAttempts.length,
      served: coldJwks.served,
    },
    replayPeak: peaks.replayStore,
    replayMax: REPLAY_MAX,
    tokenCachePeak: peaks.tokenCache,
    tokenCacheMax: TOKEN_CACHE_MAX,
    memory: { before, peak: peaks.memory, after: memory() },
    gc: gc !== undefined,
  });
  for (const line of lines) console.log(line);
  return broken ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
