/**
 * Sender-constrained tokens (DPoP, RFC 9449): the proof verifier, `htu`
 * normalisation, server nonces, the replay store, and the DPoP side of the
 * HTTP adapter.
 *
 * @module
 */

export type {
  DpopProof,
  DpopProofInput,
  DpopVerifierOptions,
} from "./verifier.ts";
export { accessTokenHash, DPOP_ALGORITHMS, DpopVerifier } from "./verifier.ts";
export { normalizeHtu } from "./htu.ts";
export type { MemoryReplayStoreOptions, ReplayStore } from "./replay.ts";
export { MemoryReplayStore } from "./replay.ts";
export type { DpopNoncePolicy, DpopNoncePolicyOptions } from "./nonce.ts";
export { createDpopNoncePolicy } from "./nonce.ts";
export type { DpopAuthOptions } from "./scheme.ts";
export { dpopKeyThumbprint, dpopScheme } from "./scheme.ts";
