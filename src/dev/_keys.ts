/**
 * The development authorization server's signing key and its tokens: an
 * ES256 key generated at creation (never persisted), its public JWKS, and
 * RFC 9068 `at+jwt` access tokens signed with it. Internal.
 *
 * @module
 */

import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { JsonWebKeySet, PublicJwk } from "../verify/keys.ts";
import { randomValue } from "./_crypto.ts";

/** The claims and lifetime of a token to sign. */
export interface MintInput {
  readonly subject: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** Lifetime in seconds. */
  readonly ttl: number;
}

/** Signs access tokens for one issuer with a key of its own. */
export class TokenSigner {
  /** The public key, as the JWKS endpoint serves it. */
  readonly jwks: JsonWebKeySet;
  readonly #issuer: string;
  readonly #now: () => number;
  readonly #privateKey: CryptoKey;
  readonly #kid: string;

  private constructor(
    issuer: string,
    now: () => number,
    privateKey: CryptoKey,
    jwk: PublicJwk,
  ) {
    this.#issuer = issuer;
    this.#now = now;
    this.#privateKey = privateKey;
    this.#kid = jwk.kid!;
    this.jwks = Object.freeze({ keys: Object.freeze([Object.freeze(jwk)]) });
  }

  /**
   * Generates a new key pair.
   *
   * @param issuer The `iss` of every token.
   * @param now The clock, epoch milliseconds.
   */
  static async create(issuer: string, now: () => number): Promise<TokenSigner> {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const jwk: PublicJwk = {
      ...await exportJWK(publicKey),
      kid: randomValue(12),
      alg: "ES256",
      use: "sig",
    };
    return new TokenSigner(issuer, now, privateKey, jwk);
  }

  /** Signs an RFC 9068 access token (`typ` `at+jwt`, `aud` the resource). */
  async sign(input: MintInput): Promise<string> {
    const now = Math.floor(this.#now() / 1000);
    const payload: Record<string, unknown> = { client_id: input.clientId };
    if (input.scopes.length > 0) payload.scope = input.scopes.join(" ");
    return await new SignJWT(payload)
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: this.#kid })
      .setIssuer(this.#issuer)
      .setAudience(input.resource)
      .setSubject(input.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + input.ttl)
      .setJti(randomValue(16))
      .sign(this.#privateKey);
  }
}
