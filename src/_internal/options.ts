/**
 * The one option-validation kit every factory and constructor uses: a value
 * printer for messages, the options object itself (unknown keys refused),
 * and labelled readers for each kind of option. Each reader throws a
 * `TypeError` that names the owner and the option and says what to write.
 * Internal.
 *
 * @module
 */

import { show } from "./show.ts";
import { type EndpointUrlRules, parseEndpointUrl } from "./url.ts";

export { show };

/** Whether `value` is a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The allowed name closest to a misspelt one, when one is close enough. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  // At most two edits, or a third of the key's length, away; and never as
  // many edits as the key has letters ("zz" is not a typo of "a").
  let bestDistance = Math.min(
    Math.max(2, Math.floor(key.length / 3)) + 1,
    key.length,
  );
  for (const name of allowed) {
    const distance = editDistance(lower, name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Whether `value` is a plain object: an object literal, `Object.create(null)`
 * or an object of another realm's `Object`, never a class instance, a `Map`
 * or an object inheriting options (`Object.create({ layers })`): those
 * have no own option keys, so read as options they would silently be `{}`.
 * A Proxy whose `getPrototypeOf` trap throws is not one.
 */
export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  try {
    const prototype: unknown = Object.getPrototypeOf(value);
    return prototype === null ||
      Object.getPrototypeOf(prototype as object) === null;
  } catch {
    return false;
  }
}

/**
 * Checks that `value` is a plain options object whose keys are all in
 * `allowed`: a misspelt option must fail at construction, never be ignored
 * (a typo in a security option is a hole). Returns a frozen copy of its own
 * options, each read once: a getter cannot answer one value to the checks
 * and another later.
 *
 * @param owner Who takes the options, for messages (`"JwtVerifier"`).
 * @param value The options given.
 * @param allowed Every option name `owner` understands.
 * @param hint What to pass, when `value` is not an object at all.
 * @throws {TypeError} When `value` is not a plain object, has an unknown
 * key, or cannot be read (a getter or a Proxy trap throws).
 */
export function optionsObject<T extends object>(
  owner: string,
  value: T | null | undefined,
  allowed: readonly (keyof T & string)[],
  hint = "an options object",
): T {
  if (!isRecord(value)) {
    throw new TypeError(`${owner} expects ${hint}, got ${show(value)}`);
  }
  let keys: string[];
  let refused: string | undefined;
  try {
    if (!isPlainObject(value)) refused = kindOf(value);
    keys = Object.getOwnPropertyNames(value);
  } catch {
    throw new TypeError(
      `${owner} could not read its options (a Proxy trap threw): pass ${hint}`,
    );
  }
  if (refused !== undefined) {
    throw new TypeError(
      `${owner} expects ${hint} (a plain object), got ${refused}`,
    );
  }
  refuseUnknownNames(owner, keys, allowed);
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    let option: unknown;
    try {
      option = (value as Record<string, unknown>)[key];
    } catch {
      // What it threw is the caller's: not repeated (it may quote a secret).
      throw new TypeError(
        `${label(owner, key)} could not be read: its getter threw`,
      );
    }
    copy[key] = option;
  }
  return Object.freeze(copy) as unknown as T;
}

/** What a non-plain options object is, for messages. */
function kindOf(value: object): string {
  const name: unknown = (value as { constructor?: { name?: unknown } })
    .constructor?.name;
  if (name === "Object") {
    return "an object inheriting its options (write them as its own keys)";
  }
  return `${
    typeof name === "string" && /^[A-Z][\w$]{0,40}$/.test(name)
      ? `an instance of ${name}`
      : "an instance of a class"
  } (write the options as an object literal)`;
}

/**
 * Throws when `value` has an own key that is not in `allowed`.
 *
 * @throws {TypeError} Naming the unknown key, the closest allowed one, and
 * every allowed name.
 */
export function refuseUnknownKeys(
  owner: string,
  value: object,
  allowed: readonly string[],
): void {
  refuseUnknownNames(owner, Object.keys(value), allowed);
}

function refuseUnknownNames(
  owner: string,
  keys: readonly string[],
  allowed: readonly string[],
): void {
  for (const key of keys) {
    if (allowed.includes(key)) continue;
    const near = closest(key, allowed);
    throw new TypeError(
      `Unknown ${owner} option ${JSON.stringify(key)}${
        near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`
      }, expected one of ${
        allowed.map((name) => JSON.stringify(name)).join(", ")
      }`,
    );
  }
}

/** `owner option "name"`, the label every reader starts its message with. */
export function label(owner: string, name: string): string {
  return `${owner} option ${JSON.stringify(name)}`;
}

/**
 * Reads a boolean option.
 *
 * @throws {TypeError} When it is set to anything but `true` or `false`.
 */
export function booleanOption(
  owner: string,
  name: string,
  value: unknown,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new TypeError(
      `${label(owner, name)} must be true or false, got ${show(value)}`,
    );
  }
  return value;
}

/** Bounds of a number option. */
export interface NumberRules {
  /** The smallest value accepted (default 0). */
  min?: number;
  /** The largest value accepted (default: no limit). */
  max?: number;
  /** Whether only integers are accepted (default false). */
  integer?: boolean;
  /** What the number counts, for the message (`"seconds"`). */
  unit?: string;
}

/**
 * Reads a number option: finite, at least `min` (at most `max` when given),
 * an integer if asked.
 *
 * @throws {TypeError} When it is set to anything else.
 */
export function numberOption(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  { min = 0, max, integer = false, unit }: NumberRules = {},
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || !Number.isFinite(value) || value < min ||
    (max !== undefined && value > max) || (integer && !Number.isInteger(value))
  ) {
    const kind = integer ? "an integer" : "a finite number";
    const range = max === undefined
      ? `of at least ${min}`
      : `from ${min} to ${max}`;
    throw new TypeError(
      `${label(owner, name)} must be ${kind}${
        unit === undefined ? "" : ` of ${unit}`
      } ${range}, got ${show(value)}`,
    );
  }
  return value;
}

/**
 * Reads a non-empty string option.
 *
 * @throws {TypeError} When it is set to anything else.
 */
export function stringOption(
  owner: string,
  name: string,
  value: unknown,
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new TypeError(
      `${label(owner, name)} must be a non-empty string, got ${show(value)}`,
    );
  }
  return value;
}

/**
 * Reads an option that is one non-empty string or a non-empty list of them.
 *
 * @throws {TypeError} When it is anything else.
 */
export function stringListOption(
  owner: string,
  name: string,
  value: unknown,
): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (
    !Array.isArray(list) || list.length === 0 ||
    !list.every((item) => typeof item === "string" && item.length > 0)
  ) {
    throw new TypeError(
      `${
        label(owner, name)
      } must be a non-empty string or a non-empty list of them, got ${
        show(value)
      }`,
    );
  }
  return [...list];
}

/**
 * Calls `fn` without a receiver: host functions such as workerd's `fetch`
 * throw "Illegal invocation" when called as a method of another object (the
 * options, a config). `performance.now` is branded on Deno, Node and
 * browsers (it throws without `performance` as its receiver), so it alone is
 * called on `performance`.
 */
export function detached<A extends unknown[], R>(
  fn: (...args: A) => R,
): (...args: A) => R {
  const performance = globalThis.performance;
  if (performance !== undefined && fn === (performance.now as unknown)) {
    return () => performance.now() as R;
  }
  return (...args) => fn(...args);
}

/**
 * Reads a function option (`fetch`, `now`, `onError` ...) and returns it
 * wrapped so that it is called without a receiver.
 *
 * @throws {TypeError} When it is set to anything but a function.
 */
export function functionOption<F extends (...args: never[]) => unknown>(
  owner: string,
  name: string,
  value: unknown,
  fallback: F,
): F {
  if (value === undefined) return fallback;
  if (typeof value !== "function") {
    throw new TypeError(
      `${label(owner, name)} must be a function, got ${show(value)}`,
    );
  }
  return detached(value as (...args: unknown[]) => unknown) as unknown as F;
}

/**
 * Reads a URL option naming an endpoint or a resource: absolute, https (http
 * only on a loopback host), no credentials, no fragment.
 *
 * @throws {TypeError} When it breaks one of those rules.
 */
export function urlOption(
  owner: string,
  name: string,
  value: unknown,
  rules?: EndpointUrlRules,
): URL {
  return parseEndpointUrl(value, label(owner, name), rules);
}

/**
 * Reads an option that is one of a few strings (`stepUp: "always"`).
 *
 * @throws {TypeError} When it is set to anything else, listing the choices.
 */
export function oneOfOption<T extends string>(
  owner: string,
  name: string,
  value: unknown,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (
    typeof value !== "string" || !(choices as readonly string[]).includes(value)
  ) {
    throw new TypeError(
      `${label(owner, name)} must be one of ${
        choices.map((choice) => JSON.stringify(choice)).join(", ")
      }, got ${show(value)}`,
    );
  }
  return value as T;
}
