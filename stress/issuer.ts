/**
 * Fixture: the authorization server's side: access tokens signed with the
 * current key (which the fault schedule rotates), DPoP proofs, an unsigned
 * `alg: none` token, and a small pool of reused tokens.
 *
 * @module
 */
import { SignJWT } from "jose";
import { accessTokenHash } from "../mod.ts";
import { publicJwk, type SigningKey } from "./keys.ts";

/** The `iss` of every token of the run. */
export const ISSUER = "https://issuer.stress.test/";

/** What to change in a minted access token. */
export interface TokenOptions {
  /** Signs with this key instead of the current one. */
  key?: SigningKey;
  /** The `kid` header, when it must lie about the key. */
  kid?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token. Default 300. */
  expiresIn?: number;
  scope?: string;
  /** Binds the token to a DPoP key (RFC 9449 §6). */
  cnf?: { jkt: string };
}

/** How many reused tokens the pool holds per signing key. */
const POOL_SIZE = 8;

/** Mints the run's tokens; owns the current signing key and the pool. */
export class Issuer {
  #signing: SigningKey;
  #audience: string;
  #random: () => number;
  #serial = 0;
  #pool: { kid: string; tokens: string[] } = { kid: "", tokens: [] };

  /**
   * @param audience The default `aud` (the Bearer endpoint).
   * @param signing The first signing key.
   * @param random Picks a pooled token.
   */
  constructor(audience: string, signing: SigningKey, random: () => number) {
    this.#audience = audience;
    this.#signing = signing;
    this.#random = random;
  }

  /** The key new tokens are signed with. */
  get signing(): SigningKey {
    return this.#signing;
  }

  /** Rotates: from now on, sign with `key`. */
  signWith(key: SigningKey): void {
    this.#signing = key;
  }

  /** A signed `at+jwt` access token (RFC 9068), `mcp:tools` by default. */
  async accessToken(options: TokenOptions = {}): Promise<string> {
    const key = options.key ?? this.#signing;
    const now = Math.floor(Date.now() / 1_000);
    return await new SignJWT({
      scope: options.scope ?? "mcp:tools",
      client_id: "stress-client",
      ...(options.cnf === undefined ? {} : { cnf: options.cnf }),
    })
      .setProtectedHeader({
        alg: "ES256",
        kid: options.kid ?? key.kid,
        typ: "at+jwt",
      })
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? this.#audience)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresIn ?? 300))
      .setJti(`t${++this.#serial}`)
      .sign(key.privateKey);
  }

  /**
   * One of a small pool of reused valid tokens, as real clients reuse theirs
   * (this exercises the verified-token cache); rebuilt on each rotation.
   */
  async pooled(): Promise<{ kid: string; token: string }> {
    let current = this.#pool;
    if (current.kid !== this.#signing.kid) {
      const key = this.#signing;
      const tokens = await Promise.all(
        Array.from({ length: POOL_SIZE }, () => this.accessToken({ key })),
      );
      current = this.#pool = { kid: key.kid, tokens };
    }
    const index = Math.floor(this.#random() * current.tokens.length);
    return { kid: current.kid, token: current.tokens[index]! };
  }

  /** An `alg: none` token claiming every scope: must never pass. */
  unsigned(): string {
    const encode = (value: unknown) =>
      btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-")
        .replaceAll("/", "_");
    const now = Math.floor(Date.now() / 1_000);
    return `${encode({ alg: "none", typ: "at+jwt" })}.${
      encode({
        iss: ISSUER,
        aud: this.#audience,
        exp: now + 300,
        scope: "mcp:tools admin",
      })
    }.`;
  }
}

/** A DPoP proof (RFC 9449 §4.2) for a POST to `url`, bound to `token`. */
export async function dpopProof(
  token: string,
  key: SigningKey,
  url: string,
): Promise<string> {
  return await new SignJWT({
    htm: "POST",
    htu: url,
    ath: await accessTokenHash(token),
  })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: publicJwk(key) })
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .sign(key.privateKey);
}
