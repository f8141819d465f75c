/**
 * Time bounds for what cannot be aborted (a store command, a promise of a
 * user's store): a deadline raced against the operation, and a pause.
 * Internal.
 *
 * @module
 */

/**
 * Runs `operation` and settles with it, unless `timeoutMs` passes first:
 * then rejects with what `onTimeout` makes. The operation keeps running
 * (it cannot be cancelled); its late result is ignored. A synchronous throw
 * of `operation` is a rejection.
 */
export async function withDeadline<T>(
  operation: () => Promise<T>,
  timeoutMs: number,
  onTimeout: () => unknown,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([(async () => await operation())(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
