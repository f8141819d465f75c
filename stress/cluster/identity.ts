/**
 * A client's identity: an ES256 DPoP key pair and the access token bound to
 * it (registered with the authorization server by its key's thumbprint),
 * the nonce the instances last asked for, and the proofs it signs.
 *
 * @module
 */
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from "jose";
import { accessTokenHash } from "../../mod.ts";
import { RESOURCE } from "./config.ts";

/** One token and its DPoP key; `nonce` follows the instances' challenges. */
export interface Identity {
  readonly token: string;
  readonly jwk: JWK;
  readonly privateKey: CryptoKey;
  /** The proofs' `ath` (RFC 9449 §4.2). */
  readonly ath: string;
  /** The last nonce an instance sent (RFC 9449 §8). */
  nonce?: string;
  /** The instance that sent it. */
  nonceFrom?: number;
}

/** A fresh key pair and token, `register`ed as bound to the key (`cnf.jkt`). */
export async function newIdentity(
  register: (token: string, jkt: string) => void,
): Promise<Identity> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = await exportJWK(publicKey);
  const token = `tok-${crypto.randomUUID()}`;
  register(token, await calculateJwkThumbprint(jwk));
  return { token, jwk, privateKey, ath: await accessTokenHash(token) };
}

/** A new proof (fresh `jti`, now as `iat`) for a POST to the resource. */
export function proof(identity: Identity): Promise<string> {
  return new SignJWT({
    htm: "POST",
    htu: RESOURCE,
    ath: identity.ath,
    ...(identity.nonce === undefined ? {} : { nonce: identity.nonce }),
  })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: identity.jwk })
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .sign(identity.privateKey);
}
