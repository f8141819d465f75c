/**
 * jose's failures as the two outcomes a `TokenVerifier` may report, with a
 * safe description: the error's kind, never a claim value or token text.
 * Read by `code` (jose's stable error codes), so no jose error class is
 * bundled for it. Internal.
 *
 * @module
 */

import { InvalidTokenError, VerifierUnavailableError } from "../errors.ts";

/** The description of a failed claim check, by jose's `claim`. */
function claimVerdict(claim: unknown): string {
  switch (claim) {
    case "aud":
      return "Token audience mismatch";
    case "iss":
      return "Token issuer mismatch";
    case "nbf":
      return "Token not yet valid";
    case "exp":
      return "Token expiry missing or invalid";
    case "typ":
      return "Token type mismatch";
    default:
      return "Token claims invalid";
  }
}

/**
 * The safe description of jose's verdict on a token, or `undefined` when
 * `error` is not one of the errors `jwtVerify` throws about the token itself
 * (malformed, forged, expired, not for us). Such a verdict stays true for
 * that token, so a verifier may remember it.
 */
export function joseVerdict(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, claim } = error as { code?: unknown; claim?: unknown };
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return "Token expired";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "Token signature invalid";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "Token algorithm not allowed";
    case "ERR_JOSE_NOT_SUPPORTED":
      return "Token uses an unsupported feature";
    case "ERR_JWS_INVALID":
    case "ERR_JWT_INVALID":
      return "Token malformed";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return claimVerdict(claim);
    default:
      return undefined;
  }
}

/**
 * Any other failure of a verification as a `TokenVerifier` outcome: this
 * library's own `InvalidTokenError` or `VerifierUnavailableError` unchanged
 * (raised while choosing the key), anything else an `InvalidTokenError`
 * with a generic message, its cause kept for logs.
 */
export function verifierError(
  error: unknown,
): InvalidTokenError | VerifierUnavailableError {
  if (
    error instanceof InvalidTokenError ||
    error instanceof VerifierUnavailableError
  ) {
    return error;
  }
  return new InvalidTokenError(joseVerdict(error) ?? "Invalid token", {
    cause: error,
  });
}
