/**
 * The one printer for values in error messages. Internal.
 *
 * @module
 */

const MAX_SHOWN = 80;

/**
 * A value as error messages show it: primitives quoted (`"a b"`, `"-1"`),
 * long strings cut, everything else by kind (`an object`, `an array`,
 * `null`). Never used for secrets: callers describe those by kind only.
 */
export function show(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (value instanceof URL) return JSON.stringify(value.href);
  switch (typeof value) {
    case "string": {
      const cut = value.length > MAX_SHOWN
        ? `${value.slice(0, MAX_SHOWN)}...`
        : value;
      return JSON.stringify(cut);
    }
    case "number":
    case "bigint":
    case "boolean":
      return JSON.stringify(String(value));
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
  }
  return Array.isArray(value) ? "an array" : "an object";
}
