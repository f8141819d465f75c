/**
 * The signed part of a DPoP proof: its protected header and its signature
 * by the embedded key (RFC 9449 §4.2, §4.3). Internal.
 *
 * @module
 */

import {
  decodeProtectedHeader,
  EmbeddedJWK,
  type JWK,
  jwtVerify,
  type JWTVerifyResult,
} from "jose";
import { InvalidDpopProofError } from "../errors.ts";

// RFC 7517/7518 private and symmetric key members.
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"];
const PUBLIC_KTY: ReadonlySet<string> = new Set(["EC", "RSA", "OKP"]);

/**
 * The protected header of a proof (RFC 9449 §4.3 checks 4 to 6): `typ`
 * `dpop+jwt`, an accepted `alg`, and a public `jwk`.
 *
 * @throws {InvalidDpopProofError} When one of them is wrong.
 */
export function readHeader(
  proof: string,
  algorithms: readonly string[],
): { jwk: JWK; alg: string } {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(proof) as Record<string, unknown>;
  } catch (cause) {
    throw new InvalidDpopProofError("DPoP proof header is malformed", {
      cause,
    });
  }
  // §4.3 check 4: exactly this type, not "application/dpop+jwt".
  if (header.typ !== "dpop+jwt") {
    throw new InvalidDpopProofError('DPoP proof typ must be "dpop+jwt"');
  }
  const alg = header.alg;
  if (typeof alg !== "string" || !algorithms.includes(alg)) {
    throw new InvalidDpopProofError("DPoP proof alg is not accepted");
  }
  const jwk = header.jwk;
  if (jwk === null || typeof jwk !== "object" || Array.isArray(jwk)) {
    throw new InvalidDpopProofError("DPoP proof needs a jwk header");
  }
  const members = jwk as Record<string, unknown>;
  // §4.3 check 6: a private key in the header is refused, not stripped.
  if (PRIVATE_MEMBERS.some((name) => Object.hasOwn(members, name))) {
    throw new InvalidDpopProofError("DPoP proof jwk must be a public key");
  }
  if (typeof members.kty !== "string" || !PUBLIC_KTY.has(members.kty)) {
    throw new InvalidDpopProofError("DPoP proof jwk must be a public key");
  }
  return { jwk: members as JWK, alg };
}

/**
 * The proof's signature, by its embedded `jwk`, and its JWT claims (RFC 9449
 * §4.3 checks 3, 7).
 *
 * @throws {InvalidDpopProofError} When it does not verify.
 */
export async function verifySignature(
  proof: string,
  alg: string,
  now: number,
  clockTolerance: number,
): Promise<JWTVerifyResult> {
  try {
    return await jwtVerify(proof, EmbeddedJWK, {
      algorithms: [alg],
      currentDate: new Date(now),
      clockTolerance,
    });
  } catch (cause) {
    throw new InvalidDpopProofError("DPoP proof signature is invalid", {
      cause,
    });
  }
}
