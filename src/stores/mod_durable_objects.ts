/**
 * DPoP replay protection and shared verification results in Cloudflare
 * Durable Objects: `StoreObject`, a small Durable Object class you export
 * from your Worker, and `DurableObjectStore`, the client the Worker's
 * verifiers use through its namespace binding.
 *
 * - A Durable Object runs one instance at a time, everywhere; this one runs
 *   its operations one after another and keeps entries in its transactional
 *   storage, so "add if absent" is atomic and survives the object being
 *   evicted or restarted.
 * - Entries carry their expiry (an expired one reads as absent); an alarm
 *   deletes them.
 * - The client hashes every key (SHA-256) before it leaves the Worker: the
 *   object never sees a token or a proof identifier.
 * - Every call has a deadline (`timeoutMs`, default 1000 ms). A timeout, an
 *   exception, or an answer of another shape rejects with
 *   `VerifierUnavailableError` (HTTP 503 with `Retry-After`).
 *
 * Workers KV must not back a replay store: it has no compare-and-set, and
 * is eventually consistent, so two concurrent uses of one proof can both be
 * accepted. This Durable Object is the atomic alternative.
 *
 * @example Usage
 * ```ts ignore
 * // worker.ts; wrangler.toml binds AUTHZ_STORE to the class StoreObject
 * // (with a migration: new_sqlite_classes = ["StoreObject"]).
 * import { dpopScheme, withBearerAuth } from "@mcp-authz/core";
 * import { DurableObjectStore } from "@mcp-authz/core/durable-objects";
 * export { StoreObject } from "@mcp-authz/core/durable-objects";
 *
 * export default {
 *   fetch(request: Request, env: { AUTHZ_STORE: DurableObjectNamespace }) {
 *     const replayStore = new DurableObjectStore({ namespace: env.AUTHZ_STORE });
 *     return withBearerAuth(app, {
 *       verifier,
 *       dpop: dpopScheme({ required: true, replayStore }),
 *     })(request);
 *   },
 * };
 * ```
 *
 * @module
 */

export type {
  DurableObjectNamespaceLike,
  DurableObjectStoreOptions,
} from "./durable_objects.ts";
export { DurableObjectStore } from "./durable_objects.ts";
export type {
  DurableObjectStateLike,
  DurableObjectStorageLike,
} from "./store_object.ts";
export { StoreObject } from "./store_object.ts";
