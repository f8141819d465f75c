/**
 * Calling a user's reporter (`onError`, a logger): it observes, it never
 * decides. Internal.
 *
 * @module
 */

/**
 * Calls `reporter` with `args`; whatever it throws is swallowed, so a failing
 * logger can neither turn a denial into a crash nor a 503 into a 500.
 */
export function reportSafely<A extends unknown[]>(
  reporter: (...args: A) => unknown,
  ...args: A
): void {
  try {
    reporter(...args);
  } catch {
    // A failing reporter changes nothing.
  }
}
