/**
 * DPoP replay protection and shared verification results in Deno KV
 * (`Deno.openKv()`: SQLite on a machine, the shared database on Deno
 * Deploy). Give it the `Deno.Kv` you opened; this module uses no Deno API
 * of its own, so it type-checks and bundles anywhere.
 *
 * - A proof is recorded by an atomic operation that checks the key is
 *   absent (`versionstamp: null`) and sets it with `expireIn`: of two
 *   instances seeing one proof, exactly one commit succeeds.
 * - Deno KV deletes expired entries eventually, not at the millisecond, so
 *   every entry also carries its expiry: an expired one reads as absent, and
 *   is replaced by an atomic check of its versionstamp.
 * - Keys are `[prefix, "replay" | "cache", SHA-256]`: never a token.
 * - Every operation has a deadline (`timeoutMs`, default 1000 ms). A
 *   timeout, a failed commit or a value of another shape rejects with
 *   `VerifierUnavailableError` (HTTP 503 with `Retry-After`).
 *
 * Deno KV needs `--unstable-kv` (or `"unstable": ["kv"]` in deno.json) on
 * Deno 2.9; Deno Deploy has it.
 *
 * @example Usage
 * ```ts
 * import { dpopScheme } from "@mcp-authz/core";
 * import { DenoKvStore } from "@mcp-authz/core/deno-kv";
 * import assert from "node:assert/strict";
 *
 * const kv = await Deno.openKv(":memory:"); // Deno.openKv() in production
 * const store = new DenoKvStore({ kv });
 * const dpop = dpopScheme({ required: true, replayStore: store });
 * assert.ok(dpop);
 * assert.equal(await store.checkAndStore("jkt.jti", Date.now() + 60_000), true);
 * assert.equal(await store.checkAndStore("jkt.jti", Date.now() + 60_000), false);
 * kv.close();
 * ```
 *
 * @module
 */

export type {
  DenoKv,
  DenoKvAtomic,
  DenoKvKey,
  DenoKvStoreOptions,
} from "./deno_kv.ts";
export { DenoKvStore } from "./deno_kv.ts";
