/**
 * Fixture: the signing keys of the run: the issuer's three (rotated during
 * the run), an attacker's, a cold-start issuer's, and the DPoP client's and
 * a thief's proof keys.
 *
 * @module
 */
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
} from "jose";

/** An ES256 key pair with its public JWK (`kid`, `alg`, `use` set). */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

/** A new ES256 signing key named `kid`. */
export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  return {
    kid,
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" },
  };
}

/** The bare public key, as a DPoP proof embeds it (RFC 9449 §4.2). */
export function publicJwk(key: SigningKey): JWK {
  const { kty, crv, x, y } = key.jwk;
  return { kty, crv, x, y } as JWK;
}

/** Every key of the run. */
export interface StressKeys {
  /** The issuer's keys: k1 first, k2 and k3 as it rotates. */
  readonly k1: SigningKey;
  readonly k2: SigningKey;
  readonly k3: SigningKey;
  /** Signs forgeries. */
  readonly attacker: SigningKey;
  /** The cold-start issuer's only key. */
  readonly cold: SigningKey;
  /** The DPoP client's proof key and its thumbprint (`cnf.jkt`). */
  readonly dpopClient: SigningKey;
  readonly dpopJkt: string;
  /** Signs proofs for stolen tokens. */
  readonly dpopThief: SigningKey;
}

/** Generates every key of the run. */
export async function createKeys(): Promise<StressKeys> {
  const [k1, k2, k3, attacker, dpopClient, dpopThief, cold] = await Promise
    .all(
      ["k1", "k2", "k3", "evil", "dpop-client", "dpop-thief", "c1"].map(
        signingKey,
      ),
    ) as [
      SigningKey,
      SigningKey,
      SigningKey,
      SigningKey,
      SigningKey,
      SigningKey,
      SigningKey,
    ];
  const dpopJkt = await calculateJwkThumbprint(dpopClient.jwk);
  return { k1, k2, k3, attacker, cold, dpopClient, dpopJkt, dpopThief };
}
