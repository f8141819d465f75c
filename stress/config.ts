/**
 * The command line of `deno task stress`, compiled once into a
 * {@linkcode StressConfig}: every number is capped so that a run stays
 * bounded in requests and in time.
 *
 * @module
 */

/** What one stress run does, from its command line. */
export interface StressConfig {
  /** Requests to send at most (`--requests`, at most 100,000). */
  readonly requests: number;
  /** How long to send them at most, in ms (`--duration`, at most 120 s). */
  readonly durationMs: number;
  /** Clients sending at the same time (`--concurrency`, 1 to 256). */
  readonly concurrency: number;
  /** The verifiers' JWKS re-fetch cooldown, in ms (`--cooldown`, >= 100). */
  readonly cooldownMs: number;
  /** Seed of the request mix (`--seed`). */
  readonly seed: number;
  /** Print the per-kind outcomes and the first violations (`--detail`). */
  readonly detail: boolean;
  /** Put a verifier that admits every refused token on /mcp (`--sabotage`). */
  readonly sabotage: boolean;
}

/** The defaults: 20,000 requests or 10 s, 16 clients, 1 s cooldown. */
export const DEFAULT_STRESS_CONFIG: StressConfig = Object.freeze({
  requests: 20_000,
  durationMs: 10_000,
  concurrency: 16,
  cooldownMs: 1_000,
  seed: 1,
  detail: false,
  sabotage: false,
});

/** Parses `Deno.args`; an unknown argument throws a `TypeError` saying what to write. */
export function parseStressArgs(args: readonly string[]): StressConfig {
  const config = { ...DEFAULT_STRESS_CONFIG };
  for (const arg of args) {
    if (arg === "--detail" || arg === "--sabotage") {
      config[arg === "--detail" ? "detail" : "sabotage"] = true;
      continue;
    }
    const match = /^--(requests|duration|concurrency|cooldown|seed)=(\d+)$/
      .exec(arg);
    if (match === null) {
      throw new TypeError(
        `Unknown argument "${arg}": use --requests=N, --duration=ms, --concurrency=N, --cooldown=ms, --seed=N, --detail or --sabotage`,
      );
    }
    const value = Number(match[2]);
    if (match[1] === "requests") config.requests = Math.min(value, 100_000);
    if (match[1] === "duration") config.durationMs = Math.min(value, 120_000);
    if (match[1] === "concurrency") {
      config.concurrency = Math.max(1, Math.min(value, 256));
    }
    if (match[1] === "cooldown") config.cooldownMs = Math.max(100, value);
    if (match[1] === "seed") config.seed = value;
  }
  return Object.freeze(config);
}
