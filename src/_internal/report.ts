/**
 * Calling a user's reporter (`onError`, a logger): it observes, it never
 * decides. Internal.
 *
 * @module
 */

/**
 * Calls `reporter` with `args`; whatever it throws is swallowed, so a failing
 * logger can neither turn a denial into a crash nor a 503 into a 500. So is
 * the rejection of an async reporter (any thenable it returns): unhandled,
 * it would end a Node process.
 */
export function reportSafely<A extends unknown[]>(
  reporter: (...args: A) => unknown,
  ...args: A
): void {
  try {
    swallow(reporter(...args));
  } catch {
    // A failing reporter changes nothing.
  }
}

/**
 * Handles the rejection of `value` when it is a promise or a thenable, so
 * that it never goes unhandled: a promise of another realm (`node:vm`) or
 * of a subclass whose `catch` throws included. Never throws.
 */
export function swallow(value: unknown): void {
  try {
    if (
      (typeof value === "object" && value !== null ||
        typeof value === "function") &&
      typeof (value as { then?: unknown }).then === "function"
    ) {
      void settled(value as PromiseLike<unknown>);
    }
  } catch {
    // A hostile `then` getter: nothing to wait for.
  }
}

/** Waits for `value` (through the engine's own `await`), whatever it settles to. */
async function settled(value: PromiseLike<unknown>): Promise<void> {
  try {
    await value;
  } catch {
    // Observed, and dropped.
  }
}
