/**
 * DPoP replay protection and shared verification results in Redis, through
 * the client the application already has: `redis` (node-redis) or
 * `ioredis`. This module imports neither; it sends plain commands.
 *
 * - A proof is recorded with `SET key 1 NX PX ttl`: one round trip, atomic
 *   in Redis, so of two instances seeing one proof exactly one accepts it.
 * - A cache entry is `SET key value PX ttl`, its TTL never past what the
 *   caller asked (the token's `exp`, the maximum age).
 * - Keys are `<prefix>:replay:<SHA-256>` and `<prefix>:cache:<SHA-256>`:
 *   never a token or a proof identifier.
 * - Every command has a deadline (`timeoutMs`, default 250 ms). A timeout, a
 *   refused connection, an error reply or an unexpected answer rejects with
 *   `VerifierUnavailableError` (HTTP 503 with `Retry-After`), never a guess.
 *
 * Configure the client to fail fast while disconnected (node-redis
 * `disableOfflineQueue: true`, ioredis `enableOfflineQueue: false`), so a
 * command is not queued and sent later, after its request got its 503.
 *
 * @example Usage
 * ```ts
 * import { dpopScheme } from "@mcp-authz/core";
 * import { RedisStore } from "@mcp-authz/core/redis";
 * import assert from "node:assert/strict";
 *
 * // In production: `await createClient({ url, disableOfflineQueue: true }).connect()`
 * // of "redis", or `new Redis(url, { enableOfflineQueue: false })` of "ioredis".
 * // Here, a stand-in that answers SET ... NX as Redis does.
 * const held = new Set<string>();
 * const client = {
 *   sendCommand([, key]: string[]) {
 *     if (held.has(key!)) return Promise.resolve(null);
 *     held.add(key!);
 *     return Promise.resolve("OK");
 *   },
 * };
 * const store = new RedisStore({ client });
 * // withBearerAuth(app, { verifier, dpop }), and the same store as
 * // IntrospectionVerifier's sharedCache.store.
 * const dpop = dpopScheme({ required: true, replayStore: store });
 * assert.ok(dpop);
 * assert.equal(await store.checkAndStore("jkt.jti", Date.now() + 60_000), true);
 * assert.equal(await store.checkAndStore("jkt.jti", Date.now() + 60_000), false);
 * ```
 *
 * @module
 */

export type {
  IoRedisClient,
  NodeRedisClient,
  RedisStoreOptions,
} from "./redis.ts";
export { RedisStore } from "./redis.ts";
