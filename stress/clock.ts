/**
 * The run's clock and its deterministic random numbers.
 *
 * @module
 */

/** Time since the run started. */
export interface Clock {
  /** Milliseconds since the run started. */
  elapsed(): number;
  /** The elapsed time as the event log prints it: `1.5 s`. */
  stamp(): string;
}

/** A clock that starts now. */
export function startClock(now: () => number = () => performance.now()): Clock {
  const started = now();
  const elapsed = () => now() - started;
  return {
    elapsed,
    stamp: () => `${(elapsed() / 1_000).toFixed(1)} s`,
  };
}

/** Deterministic numbers in [0, 1) for the request mix (mulberry32). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
