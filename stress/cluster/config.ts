/**
 * The command line of `deno task stress:cluster`, compiled once into a
 * {@linkcode ClusterConfig}: every number is clamped so that a run stays
 * bounded in time and in processes.
 *
 * @module
 */

/** What one cluster run does, from its command line. */
export interface ClusterConfig {
  /** How long the clients send, in ms (`--duration`, 4 s to 60 s). */
  readonly durationMs: number;
  /** Server processes behind the one Redis (`--instances`, 2 to 4). */
  readonly instances: number;
  /** Clients sending at the same time (`--concurrency`, 2 to 64). */
  readonly concurrency: number;
  /** Give each instance its own in-memory replay store (`--sabotage`). */
  readonly sabotage: boolean;
}

/** The defaults: 10 s, 2 instances, 12 clients. */
export const DEFAULT_CLUSTER_CONFIG: ClusterConfig = Object.freeze({
  durationMs: 10_000,
  instances: 2,
  concurrency: 12,
  sabotage: false,
});

/**
 * The protected resource every instance serves: behind a load balancer
 * they share one public URL, the `aud` of every token and the `htu` of
 * every proof.
 */
export const RESOURCE = "https://mcp.cluster.test/mcp";

const clamp = (value: number, min: number, max: number): number =>
  Math.max(min, Math.min(value, max));

/** Parses `Deno.args`; an unknown argument throws a `TypeError` saying what to write. */
export function parseClusterArgs(args: readonly string[]): ClusterConfig {
  const config = { ...DEFAULT_CLUSTER_CONFIG };
  for (const arg of args) {
    if (arg === "--sabotage") {
      config.sabotage = true;
      continue;
    }
    const match = /^--(duration|instances|concurrency)=(\d+)$/.exec(arg);
    if (match === null) {
      throw new TypeError(
        `Unknown argument "${arg}": use --duration=ms, --instances=N, --concurrency=N or --sabotage`,
      );
    }
    const value = Number(match[2]);
    // The fault schedule needs room: below 4 s the outage and the recovery
    // grace would not fit in the run.
    if (match[1] === "duration") {
      config.durationMs = clamp(value, 4_000, 60_000);
    }
    if (match[1] === "instances") config.instances = clamp(value, 2, 4);
    if (match[1] === "concurrency") config.concurrency = clamp(value, 2, 64);
  }
  return Object.freeze(config);
}
