/**
 * Asking the replay store and the nonce policy, which may be the user's
 * own and behind a network: within a deadline, and reading only `true` or
 * `false` as an answer. A backend that does not answer in time, or answers
 * anything else, is unavailable (503). Internal.
 *
 * @module
 */

import { withDeadline } from "../_internal/deadline.ts";
import { VerifierUnavailableError } from "../errors.ts";
import type { DpopNoncePolicy } from "./nonce.ts";

/** How long a replay store or nonce policy may take to answer. */
export const BACKEND_TIMEOUT_MS = 2_000;
const RETRY_AFTER_SECONDS = 5;

/**
 * What a replay store or nonce policy answers, within the deadline: `true`
 * or `false` only. Anything else (`"OK"`, `1`, `undefined` ...) is a broken
 * backend, answered 503, never read as a yes: a truthy non-boolean from a
 * store would let every replay through.
 *
 * @throws {VerifierUnavailableError} On a timeout or a non-boolean answer.
 */
export async function answer(
  what: string,
  ask: () => boolean | Promise<boolean>,
): Promise<boolean> {
  const said: unknown = await withDeadline(
    async () => await ask(),
    BACKEND_TIMEOUT_MS,
    () => unavailable(`${what} did not answer within ${BACKEND_TIMEOUT_MS} ms`),
  );
  if (typeof said !== "boolean") {
    throw unavailable(`${what} answered neither true nor false`);
  }
  return said;
}

/** A nonce from the policy, within the deadline. */
export function issueNonce(nonces: DpopNoncePolicy): Promise<string> {
  return withDeadline(
    async () => await nonces.issue(),
    BACKEND_TIMEOUT_MS,
    () =>
      unavailable(
        `DPoP nonce policy did not answer within ${BACKEND_TIMEOUT_MS} ms`,
      ),
  );
}

function unavailable(message: string): VerifierUnavailableError {
  return new VerifierUnavailableError(message, {
    retryAfter: RETRY_AFTER_SECONDS,
  });
}
