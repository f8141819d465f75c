/**
 * Calling a user's reporter (`onError`, a logger): it observes, it never
 * decides. Internal.
 *
 * @module
 */

/**
 * Calls `reporter` with `args`; whatever it throws is swallowed, so a failing
 * logger can neither turn a denial into a crash nor a 503 into a 500. So is
 * the rejection of an async reporter: unhandled, it would end a Node process.
 */
export function reportSafely<A extends unknown[]>(
  reporter: (...args: A) => unknown,
  ...args: A
): void {
  try {
    const result = reporter(...args);
    if (result instanceof Promise) result.catch(ignore);
  } catch {
    // A failing reporter changes nothing.
  }
}

function ignore(): void {}
