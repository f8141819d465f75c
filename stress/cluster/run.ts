// Multi-instance stress run: two or more server processes (server.ts,
// spawned with Deno.execPath()) behind one redis-server this script starts,
// an introspection endpoint it serves, and concurrent clients sending valid
// DPoP proofs, proofs replayed to another instance, and concurrent
// duplicates of one proof, while Redis is killed and restarted mid-run.
// Prints one table and exits non-zero when an invariant is broken.
//
// Run: deno task stress:cluster [--duration=ms] [--instances=N] [--concurrency=N]
//                               [--sabotage]
// --sabotage gives each instance its own in-memory replay store (what every
// instance had before shared stores), to show that the run catches it.
// Everything listens on 127.0.0.1; the run is bounded in time. It needs
// redis-server (Debian: apt-get install -y redis-server; REDIS_SERVER names
// another binary). Redis runs with an append-only file fsynced on every
// write: a Redis that forgets what it held when it restarts forgets the
// proofs it has seen (README, "Sharing state across instances").
//
// The parts: config.ts (flags), processes.ts (children, ports), redis.ts
// (the Redis process), instances.ts (server.ts processes),
// authorization_server.ts (introspection), identity.ts (tokens, proofs),
// client.ts (sending, counting), mix.ts (what each step sends), load.ts
// (the clients), faults.ts (the outage and the replays after it),
// context.ts (the state they share), report.ts (table and invariants).
// This file only composes them: the run's state lives in the objects
// main() creates and passes on, none at module level.
//
// Exit codes: 0 every invariant held, 1 one broke (or the run failed, or
// redis-server is missing), 2 a bad argument or the hard time limit.
import {
  Introspections,
  startAuthorizationServer,
} from "./authorization_server.ts";
import { type ClusterConfig, parseClusterArgs } from "./config.ts";
import { emptyCounts, Outage, type RunContext } from "./context.ts";
import { runFaults } from "./faults.ts";
import { instanceEnv, instanceStats, startInstances } from "./instances.ts";
import { runLoad } from "./load.ts";
import { ProcessGroup } from "./processes.ts";
import { findRedisServer, redisMissing, RedisProcess } from "./redis.ts";
import { report } from "./report.ts";

/** One cluster run: the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let config: ClusterConfig;
  try {
    config = parseClusterArgs(args);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const group = new ProcessGroup();
  // A hard stop, whatever hangs: the run is bounded in time.
  const hardLimitMs = config.durationMs + 60_000;
  Deno.unrefTimer(setTimeout(() => {
    console.error(
      `stress:cluster: still running after ${hardLimitMs} ms, giving up`,
    );
    group.close().finally(() => Deno.exit(2));
  }, hardLimitMs));

  const binary = await findRedisServer();
  if (binary === undefined) {
    console.error(redisMissing(Deno.env.get("REDIS_SERVER") ?? "redis-server"));
    return 1;
  }
  const introspections = new Introspections();
  const outage = new Outage();
  const authorization = startAuthorizationServer(
    introspections,
    () => outage.phase,
  );
  try {
    const redis = await RedisProcess.start(group, binary);
    const origins = await startInstances(
      group,
      config.instances,
      instanceEnv({
        redisUrl: redis.url,
        introspectionUrl: authorization.introspectionUrl,
        sabotage: config.sabotage,
      }),
    );
    const ctx: RunContext = {
      config,
      origins,
      counts: emptyCounts(),
      latencies: [],
      outage,
      kept: [],
      register: (token, jkt) => introspections.register(token, jkt),
      startedAt: Date.now(),
    };
    await Promise.all([runFaults(ctx, redis), runLoad(ctx)]);
    const { lines, broken } = report({
      config,
      counts: ctx.counts,
      latencies: ctx.latencies,
      introspections: introspections.calls,
      issued: introspections,
      stats: await instanceStats(origins),
    });
    for (const line of lines) console.log(line);
    return broken === 0 ? 0 : 1;
  } catch (error) {
    console.error("stress:cluster failed:", error);
    return 1;
  } finally {
    await authorization.shutdown();
    await group.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
