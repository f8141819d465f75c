/**
 * The request mix, pure: what a client does at each step (six in ten a
 * valid proof, two a proof replayed to another instance, two a round of
 * concurrent duplicates), and which instance each request goes to. Every
 * choice follows from the step and the client's number, so each client
 * walks the instances in its own order.
 *
 * @module
 */

/** Copies of one proof sent at once, spread over the instances. */
export const DUPLICATES = 6;

/** Requests before a client takes a new token. */
export const TOKEN_USES = 40;

/** What a client does at one step. */
export type Move =
  /** A fresh proof to `instance`. */
  | { readonly kind: "valid"; readonly instance: number }
  /** The last admitted proof again, to another instance. */
  | { readonly kind: "replay" }
  /** {@linkcode DUPLICATES} copies of one new proof at once. */
  | { readonly kind: "duplicates" };

/** The move of `client` at `step`, with `instances` instances. */
export function move(step: number, client: number, instances: number): Move {
  const kind = step % 10;
  if (kind < 6) {
    return { kind: "valid", instance: (step * 7 + client) % instances };
  }
  if (kind < 8) return { kind: "replay" };
  return { kind: "duplicates" };
}

/** Where a replay of a proof admitted by `from` goes: never `from`. */
export function replayTarget(
  from: number,
  step: number,
  instances: number,
): number {
  return (from + 1 + (step % (instances - 1))) % instances;
}

/** The instance each duplicate goes to: every instance, in turn. */
export function duplicateTargets(instances: number): number[] {
  return Array.from({ length: DUPLICATES }, (_, i) => i % instances);
}

/**
 * Where a client without a nonce yet sends a valid proof instead of a
 * round of duplicates (a duplicate round needs the nonce, or every copy is
 * a challenge).
 */
export function nonceTarget(step: number, instances: number): number {
  return step % instances;
}

/** Where a proof admitted by `from` before the outage is sent after it. */
export function afterOutageTarget(from: number, instances: number): number {
  return (from + 1) % instances;
}
