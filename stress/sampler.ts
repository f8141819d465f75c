/**
 * Samples, every 50 ms, the process memory and the sizes of the two bounded
 * stores (the DPoP replay store, the verified-token cache), keeping peaks.
 *
 * @module
 */
import type { JwtVerifier, MemoryReplayStore } from "../mod.ts";
// Internal, to show that the verified-token cache stays bounded.
import { cacheOf } from "../src/verify/token_cache.ts";

/** Resident set and used heap, in bytes. */
export interface Memory {
  rss: number;
  heapUsed: number;
}

/** The process's memory now. */
export function memory(): Memory {
  const { rss, heapUsed } = Deno.memoryUsage();
  return { rss, heapUsed };
}

/** The peaks seen while sampling. */
export interface Peaks {
  readonly memory: Memory;
  readonly replayStore: number;
  readonly tokenCache: number;
}

/** Samples until `stop()`; `stop()` returns the peaks. */
export function startSampler(
  from: Memory,
  replayStore: MemoryReplayStore,
  verifier: JwtVerifier,
  everyMs = 50,
): { stop(): Peaks } {
  const peak = { ...from };
  let replayPeak = 0;
  let tokenCachePeak = 0;
  const timer = setInterval(() => {
    const now = memory();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
    replayPeak = Math.max(replayPeak, replayStore.size);
    tokenCachePeak = Math.max(
      tokenCachePeak,
      cacheOf(verifier)?.keys().length ?? 0,
    );
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return {
        memory: { ...peak },
        replayStore: replayPeak,
        tokenCache: tokenCachePeak,
      };
    },
  };
}
