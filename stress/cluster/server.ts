// One server instance of the cluster stress run (started by instances.ts,
// with Deno.execPath()): withBearerAuth with `dpop` (required, server nonces
// from a secret every instance shares, replay store in Redis) in front of
// an IntrospectionVerifier whose answers are shared through the same Redis.
//
// Environment: REDIS_URL, INTROSPECTION_URL, RESOURCE, NONCE_SECRET and
// CACHE_SECRET (hex, 32 bytes), INSTANCE (a name), SABOTAGE (optional). Prints {"port": N} once
// listening on 127.0.0.1. `GET /stats` answers what the instance counted.

import { createClient } from "redis";
import {
  type CacheStore,
  createDpopNoncePolicy,
  dpopScheme,
  IntrospectionVerifier,
  MemoryReplayStore,
  type ReplayStore,
  withBearerAuth,
} from "../../mod.ts";
import { RedisStore } from "../../src/stores/mod_redis.ts";

/** What the instance counted, served at `GET /stats`. */
interface Stats {
  readonly instance: string;
  requests: number;
  storeCalls: number;
  storeFailures: number;
  unavailable: number;
}

function env(name: string): string {
  const value = Deno.env.get(name);
  if (value === undefined || value === "") {
    console.error(`cluster server: ${name} is not set (run.ts sets it)`);
    Deno.exit(2);
  }
  return value;
}

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (byte) => parseInt(byte, 16));
}

/** The Redis store, counting each call: one call is one Redis command. */
function counted(store: RedisStore, stats: Stats): ReplayStore & CacheStore {
  const count = <T>(call: () => Promise<T>): Promise<T> => {
    stats.storeCalls++;
    return call().catch((error) => {
      stats.storeFailures++;
      throw error;
    });
  };
  return {
    checkAndStore: (key, expiresAt) =>
      count(() => store.checkAndStore(key, expiresAt)),
    get: (key) => count(() => store.get(key)),
    set: (key, value, expiresAt) =>
      count(() => store.set(key, value, expiresAt)),
    add: (key, value, expiresAt) =>
      count(() => store.add(key, value, expiresAt)),
    delete: (key) => count(() => store.delete(key)),
  };
}

async function main(): Promise<void> {
  const resource = env("RESOURCE");
  const instanceName = env("INSTANCE");

  const client = createClient({
    url: env("REDIS_URL"),
    // While Redis is away, fail at once (a 503) rather than queue commands
    // that would run after their request was answered.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1_000,
      reconnectStrategy: (retries: number) => Math.min(25 * 2 ** retries, 250),
    },
  });
  client.on("error", () => {}); // counted through the 503s
  await client.connect();

  const stats: Stats = {
    instance: instanceName,
    requests: 0,
    storeCalls: 0,
    storeFailures: 0,
    unavailable: 0,
  };
  const store = counted(
    new RedisStore({ client, prefix: "stress-cluster" }),
    stats,
  );

  const handler = withBearerAuth(
    () => Response.json({ ok: true, instance: instanceName }),
    {
      verifier: new IntrospectionVerifier({
        endpoint: env("INTROSPECTION_URL"),
        clientId: "mcp-cluster",
        clientSecret: "cluster-client-secret",
        issuer: false, // the stand-in authorization server sends no iss
        audience: resource,
        sharedCache: { store, secret: hex(env("CACHE_SECRET")) },
      }),
      requiredScopes: ["mcp"],
      dpop: dpopScheme({
        required: true,
        // SABOTAGE=1: each instance remembers proofs alone, as before shared
        // stores; the run must then report replays admitted.
        replayStore: Deno.env.get("SABOTAGE") === "1"
          ? new MemoryReplayStore()
          : store,
        nonces: createDpopNoncePolicy({ secret: hex(env("NONCE_SECRET")) }),
        // Behind a load balancer every instance serves the same public URL.
        requestUrl: () => resource,
      }),
      onError: () => {
        stats.unavailable++;
      },
    },
  );

  Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen({ port }) {
      console.log(JSON.stringify({ port }));
    },
  }, (request) => {
    if (new URL(request.url).pathname === "/stats") {
      return Response.json(stats);
    }
    stats.requests++;
    return handler(request);
  });
}

if (import.meta.main) await main();
