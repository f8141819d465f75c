/**
 * The arguments every store takes (`ReplayStore`, `CacheStore` and their
 * adapters), checked the same way everywhere. A malformed one is refused
 * before anything is recorded: a `NaN` expiry compares false with every
 * time, so an entry holding it would never count as held and its key could
 * be accepted again. Internal.
 *
 * @module
 */

import { show } from "./show.ts";

/**
 * An `expiresAt` given to a store: a finite number of milliseconds since
 * the epoch.
 *
 * @throws {TypeError} When it is anything else (`NaN`, `Infinity`, a string).
 */
export function expiryArgument(owner: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(
      `${owner} expiresAt must be a finite number of milliseconds since the epoch, got ${
        show(value)
      }`,
    );
  }
  return value;
}

/**
 * A value given to a cache store: a string.
 *
 * @throws {TypeError} When it is anything else.
 */
export function valueArgument(owner: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new TypeError(`${owner} values must be strings, got ${show(value)}`);
  }
  return value;
}
