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
  switch (typeof value) {
    case "string":
      return quoted(value);
    case "number":
    case "bigint":
    case "boolean":
      return JSON.stringify(String(value));
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
  }
  try {
    if (value instanceof URL) return quoted(withoutCredentials(value));
    return Array.isArray(value) ? "an array" : "an object";
  } catch {
    // A Proxy whose traps throw: still a message, never a crash.
    return "an object";
  }
}

/** A string quoted as JSON, cut to a readable length. */
function quoted(value: string): string {
  return JSON.stringify(
    value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}...` : value,
  );
}

/**
 * A URL's text with its user info masked: an option holding
 * `https://user:secret@host/` must not put the secret in a message.
 */
export function withoutCredentials(url: URL): string {
  if (url.username === "" && url.password === "") return url.href;
  const masked = new URL(url.href);
  masked.username = "***";
  masked.password = "";
  return masked.href;
}

/**
 * Characters that can end a log line, drive a terminal or reorder what it
 * shows: C0 and C1 controls, DEL, the Unicode line and paragraph
 * separators, and the bidirectional controls.
 */
const UNPRINTABLE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Whether `text` holds none of the characters {@linkcode printable} escapes. */
export function isPrintable(text: string): boolean {
  UNPRINTABLE.lastIndex = 0;
  return !UNPRINTABLE.test(text);
}

/**
 * `text` with each control, line separator and bidirectional control
 * written as a `\uXXXX` escape: it prints as one line, as it reads.
 */
export function printable(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
