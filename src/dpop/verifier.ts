/**
 * DPoP proof verification on the resource-server side (RFC 9449 §4.3, §7):
 * the proof JWT in the `DPoP` header shows that the caller holds the key an
 * access token is bound to.
 *
 * @module
 */

import { base64url, calculateJwkThumbprint } from "jose";
import {
  label,
  numberOption,
  optionsObject,
  show,
} from "../_internal/options.ts";
import {
  InvalidDpopProofError,
  InvalidTokenError,
  UseDpopNonceError,
} from "../errors.ts";
import { clockOption, finiteClock } from "../verify/_options.ts";
import { type DpopNoncePolicy, noncePolicyOption } from "./nonce.ts";
import { type ReplayStore, replayStoreOption } from "./replay.ts";
import { sameHttpUri } from "./htu.ts";
import { answer, issueNonce } from "./_backend.ts";
import { readHeader, verifySignature } from "./_proof.ts";

/**
 * The asymmetric JWS algorithms a DPoP proof may use by default. Never
 * `none`, never an HMAC (RFC 9449 §4.2).
 *
 * @example Usage
 * ```ts
 * import { DPOP_ALGORITHMS } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * assert.ok(DPOP_ALGORITHMS.includes("ES256"));
 * assert.ok(!DPOP_ALGORITHMS.includes("HS256"));
 * ```
 */
export const DPOP_ALGORITHMS: readonly string[] = /* @__PURE__ */ Object.freeze(
  [
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "Ed25519",
    "PS256",
    "PS384",
    "PS512",
    "RS256",
    "RS384",
    "RS512",
  ],
);
const ASYMMETRIC: ReadonlySet<string> = /* @__PURE__ */ new Set(
  DPOP_ALGORITHMS,
);

/** Options of {@linkcode DpopVerifier}. */
export interface DpopVerifierOptions {
  /** Accepted proof algorithms, a subset of {@linkcode DPOP_ALGORITHMS}. */
  algorithms?: readonly string[];
  /** Seconds a proof is accepted after its `iat` (default 60). */
  maxAge?: number;
  /** Seconds of clock skew allowed both ways (default 5). */
  clockTolerance?: number;
  /** Longest `DPoP` header accepted, in characters (default 8192). */
  maxProofLength?: number;
  /**
   * Where seen proofs are remembered (default: a
   * {@linkcode MemoryReplayStore} owned by this verifier).
   */
  replayStore?: ReplayStore;
  /** When set, every proof must carry a nonce this policy accepts. */
  nonces?: DpopNoncePolicy;
  /**
   * The clock, in milliseconds since the epoch (default `Date.now`), called
   * without a receiver. Not `performance.now`, which counts from the start
   * of the process: write `() => performance.timeOrigin + performance.now()`.
   * A reading that is not a finite number fails the proof as unavailable.
   */
  now?: () => number;
}

/** What {@linkcode DpopVerifier.verify} checks a proof against. */
export interface DpopProofInput {
  /** The request method (`htm`). */
  method: string;
  /** The request URL as the client addressed it (`htu`). */
  url: string | URL;
  /** The raw `DPoP` header value; `null`/`undefined` when absent. */
  proof: string | null | undefined;
  /**
   * The access token sent with the proof. When given, the proof's `ath`
   * must be its hash (RFC 9449 §4.3 check 11).
   */
  accessToken?: string | undefined;
  /**
   * The key thumbprint the token is bound to (its `cnf.jkt`, RFC 9449
   * §6.1). When given, the proof key must have this thumbprint.
   */
  jkt?: string | undefined;
}

/** A verified DPoP proof. */
export interface DpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key, base64url. */
  jkt: string;
  /** The proof's algorithm. */
  alg: string;
  /** The proof's unique identifier. */
  jti: string;
  /** When the proof was made, in seconds since the epoch. */
  iat: number;
}

const DEFAULT_MAX_AGE = 60;
const DEFAULT_CLOCK_TOLERANCE = 5;
const DEFAULT_MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const OWNER = "DpopVerifier";
const OPTION_NAMES: readonly (keyof DpopVerifierOptions)[] = [
  "algorithms",
  "maxAge",
  "clockTolerance",
  "maxProofLength",
  "replayStore",
  "nonces",
  "now",
];

/** The options, compiled once. */
interface Config {
  readonly algorithms: readonly string[];
  readonly maxAge: number;
  readonly clockTolerance: number;
  readonly maxProofLength: number;
  readonly replayStore: ReplayStore;
  readonly nonces: DpopNoncePolicy | undefined;
  readonly now: () => number;
}

/**
 * Verifies DPoP proofs (RFC 9449 §4.3): the `DPoP` header holds one compact
 * JWT with `typ` `dpop+jwt`, an allowed asymmetric `alg` and a public `jwk`
 * header that verifies its signature; `htm` and `htu` name this request
 * (`htu` compared without query and fragment, after RFC 3986 §6.2.2 and
 * §6.2.3 normalization); `iat` is recent; `ath` hashes the access token;
 * `jti` was not seen before; the nonce is valid when nonces are on; and the
 * proof key is the one the token is bound to.
 *
 * Extra JOSE header parameters (`kid`, `x5c` ...) and extra claims are
 * accepted and ignored: RFC 9449 §4.2 lists what a proof must contain, not
 * all it may. The key always comes from `jwk`, never from `kid`, `jku` or
 * `x5c`; a `crit` header naming an extension is rejected (RFC 7515 §4.1.11).
 *
 * Verification is pure apart from the replay store, which records the
 * `jti` only once every other check has passed, so a proof that fails is
 * never remembered.
 *
 * Not checked: the request body and headers other than `DPoP` (a proof
 * does not cover them); `typ` spelled `application/dpop+jwt` (refused:
 * §4.3 asks for `dpop+jwt`); the nonce unless `nonces` is set.
 *
 * @example Usage
 * ```ts
 * import { DpopVerifier } from "@mcp-authz/core";
 * import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from "jose";
 * import assert from "node:assert/strict";
 *
 * const { privateKey, publicKey } = await generateKeyPair("ES256");
 * const jwk = await exportJWK(publicKey);
 * const proof = await new SignJWT({ htm: "POST", htu: "https://mcp.example.com/mcp" })
 *   .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk })
 *   .setJti(crypto.randomUUID())
 *   .setIssuedAt()
 *   .sign(privateKey);
 *
 * const verifier = new DpopVerifier();
 * const result = await verifier.verify({
 *   method: "POST",
 *   url: "https://mcp.example.com/mcp?session=1",
 *   proof,
 * });
 * assert.equal(result.jkt, await calculateJwkThumbprint(jwk));
 * ```
 */
export class DpopVerifier {
  #config: Config;

  /**
   * Validates the options once.
   *
   * @param options Algorithms, time window, proof size, replay store,
   * nonce policy and clock.
   * @throws {TypeError} When an option is malformed: an algorithm that is
   * not an asymmetric JWS algorithm, a negative window, a replay store
   * without `checkAndStore` ...
   */
  constructor(options: DpopVerifierOptions = {}) {
    const given = optionsObject(OWNER, options, OPTION_NAMES);
    const maxAge = positiveSeconds("maxAge", given.maxAge, DEFAULT_MAX_AGE);
    this.#config = Object.freeze({
      algorithms: checkAlgorithms(given.algorithms),
      maxAge,
      clockTolerance: numberOption(
        OWNER,
        "clockTolerance",
        given.clockTolerance,
        DEFAULT_CLOCK_TOLERANCE,
        { unit: "seconds" },
      ),
      maxProofLength: numberOption(
        OWNER,
        "maxProofLength",
        given.maxProofLength,
        DEFAULT_MAX_PROOF_LENGTH,
        { min: 1, integer: true, unit: "characters" },
      ),
      replayStore: replayStoreOption(OWNER, given.replayStore),
      nonces: noncePolicyOption(OWNER, given.nonces),
      // A NaN clock would pass every iat window check: unavailable instead.
      now: finiteClock(clockOption(OWNER, given.now)),
    });
  }

  /** The accepted algorithms, for the `algs` challenge parameter (§7.1). */
  get algorithms(): readonly string[] {
    return this.#config.algorithms;
  }

  /**
   * Issues a fresh nonce when a nonce policy is set, for a `DPoP-Nonce`
   * header on a challenge.
   *
   * @returns The nonce, or `undefined` without a nonce policy.
   */
  async issueNonce(): Promise<string | undefined> {
    const nonces = this.#config.nonces;
    return nonces === undefined ? undefined : await issueNonce(nonces);
  }

  /**
   * Verifies one proof against the request it came with.
   *
   * @param input The request method and URL, the raw `DPoP` header, and
   * the access token and its bound thumbprint when there is one.
   * @returns The proof key's thumbprint and the proof's identifiers.
   * @throws {InvalidDpopProofError} When the proof is absent or fails any
   * check.
   * @throws {UseDpopNonceError} When nonces are on and the proof carries no
   * valid one.
   * @throws {InvalidTokenError} When the proof key is not the key the token
   * is bound to (RFC 9449 §7.1 "Invalid DPoP key binding").
   * @throws {VerifierUnavailableError} When the clock reads anything but a
   * finite number, or the replay store or nonce policy answers anything but
   * `true` or `false`, or nothing within 2 s.
   * @throws {Error} Anything the replay store or nonce policy throws: the
   * check could not be done (answer 503, never access).
   */
  async verify(input: DpopProofInput): Promise<DpopProof> {
    const s = this.#config;
    const proof = input.proof;
    if (typeof proof !== "string" || proof === "") {
      throw new InvalidDpopProofError("DPoP proof is missing");
    }
    if (proof.length > s.maxProofLength) {
      throw new InvalidDpopProofError("DPoP proof is too long");
    }
    // Headers joins repeated fields with ", ": §4.3 check 1 and 2.
    if (!COMPACT_JWS.test(proof)) {
      throw new InvalidDpopProofError(
        "DPoP header must hold exactly one compact JWT",
      );
    }

    const { jwk, alg } = readHeader(proof, s.algorithms);
    const now = s.now();
    const verified = await verifySignature(proof, alg, now, s.clockTolerance);
    const claims = verified.payload;

    const jti = claims.jti;
    if (typeof jti !== "string" || jti === "" || jti.length > MAX_JTI_LENGTH) {
      throw new InvalidDpopProofError("DPoP proof needs a jti");
    }
    if (claims.htm !== input.method) {
      throw new InvalidDpopProofError("DPoP proof htm does not match");
    }
    if (!sameHttpUri(claims.htu, input.url)) {
      throw new InvalidDpopProofError("DPoP proof htu does not match");
    }
    const iat = claims.iat;
    if (typeof iat !== "number" || !Number.isFinite(iat)) {
      throw new InvalidDpopProofError("DPoP proof needs an iat");
    }
    const seconds = now / 1_000;
    if (iat > seconds + s.clockTolerance) {
      throw new InvalidDpopProofError("DPoP proof is issued in the future");
    }
    if (iat < seconds - s.maxAge - s.clockTolerance) {
      throw new InvalidDpopProofError("DPoP proof is too old");
    }
    if (input.accessToken !== undefined) {
      if (claims.ath !== await accessTokenHash(input.accessToken)) {
        throw new InvalidDpopProofError("DPoP proof ath does not match");
      }
    }

    const jkt = await calculateJwkThumbprint(jwk, "sha256");
    if (input.jkt !== undefined && input.jkt !== jkt) {
      throw new InvalidTokenError("Invalid DPoP key binding");
    }

    const nonces = s.nonces;
    if (nonces !== undefined) {
      const nonce = claims.nonce;
      if (
        typeof nonce !== "string" ||
        !(await answer("DPoP nonce policy", () => nonces.verify(nonce)))
      ) {
        throw new UseDpopNonceError(await issueNonce(nonces));
      }
    }

    // Last, so that only proofs that passed everything take up room.
    const expiresAt = (iat + s.maxAge + s.clockTolerance) * 1_000;
    const store = s.replayStore;
    const fresh = await answer(
      "DPoP replay store",
      () => store.checkAndStore(`${jkt}.${jti}`, expiresAt),
    );
    if (!fresh) {
      throw new InvalidDpopProofError("DPoP proof has been used before");
    }
    return { jkt, alg, jti, iat };
  }

  /**
   * Verifies the `DPoP` header of `request` against its method and URL.
   *
   * @param request The incoming request.
   * @param options The access token and its bound thumbprint, and the URL
   * the client addressed when it differs from `request.url` (behind a
   * proxy or an edge router that rewrites it).
   * @returns The verified proof.
   * @throws {InvalidDpopProofError} As {@linkcode DpopVerifier.verify}.
   * @throws {UseDpopNonceError} As {@linkcode DpopVerifier.verify}.
   * @throws {InvalidTokenError} As {@linkcode DpopVerifier.verify}.
   */
  verifyRequest(
    request: Request,
    options: {
      accessToken?: string | undefined;
      jkt?: string | undefined;
      url?: string | URL | undefined;
    } = {},
  ): Promise<DpopProof> {
    return this.verify({
      method: request.method,
      url: options.url ?? request.url,
      proof: request.headers.get("dpop"),
      accessToken: options.accessToken,
      jkt: options.jkt,
    });
  }
}

/**
 * The `ath` of a proof sent with `accessToken`: base64url(SHA-256(token)),
 * RFC 9449 §4.2.
 *
 * @param accessToken The access token.
 * @returns The hash, base64url without padding.
 *
 * @example Usage
 * ```ts
 * import { accessTokenHash } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * // The example of RFC 9449 §7.
 * assert.equal(
 *   await accessTokenHash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
 *   "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo",
 * );
 * ```
 */
export async function accessTokenHash(accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(accessToken),
  );
  return base64url.encode(new Uint8Array(digest));
}

function positiveSeconds(
  name: string,
  value: unknown,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new TypeError(
      `${label(OWNER, name)} must be a positive number of seconds, got ${
        show(value)
      }`,
    );
  }
  return value;
}

function checkAlgorithms(value: unknown): readonly string[] {
  if (value === undefined) return DPOP_ALGORITHMS;
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(
      `${
        label(OWNER, "algorithms")
      } must be a non-empty array of asymmetric JWS algorithms, got ${
        show(value)
      }`,
    );
  }
  for (const alg of value) {
    if (typeof alg !== "string" || !ASYMMETRIC.has(alg)) {
      throw new TypeError(
        `${label(OWNER, "algorithms")} must be asymmetric JWS algorithms, got ${
          show(alg)
        }: use ${DPOP_ALGORITHMS.map((a) => `"${a}"`).join(", ")}`,
      );
    }
  }
  return Object.freeze([...new Set<string>(value)]);
}
