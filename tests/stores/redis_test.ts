// RedisStore against a real redis-server (MCP_AUTHZ_REDIS_URL, started by
// .ci/run), through node-redis and ioredis: the shared conformance suite,
// replays across instances, what a request meets when Redis is cut off,
// paused, out of memory or answering nonsense, and introspection answers
// shared through Redis.
//
// Every test touching the shared redis-server lives in this file: some
// pause it or limit its memory for a moment, and the tests of one file run
// one after another.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { Redis } from "ioredis";
import { base64url } from "jose";
import {
  IntrospectionVerifier,
  type IntrospectionVerifierOptions,
  InvalidTokenError,
  VerifierUnavailableError,
} from "../../mod.ts";
import {
  type IoRedisClient,
  type NodeRedisClient,
  RedisStore,
  type RedisStoreOptions,
} from "../../src/stores/mod_redis.ts";
import { needs, requireService } from "../_services.ts";
import { storeConformance, uniquePrefix } from "../_store_conformance.ts";
import {
  dpopClient,
  fakeRedis,
  instance,
  introspectionEndpoint,
  proxy,
  send,
  sleep,
} from "./_support.ts";

const skip = needs("redis");
const KINDS = ["node-redis", "ioredis"] as const;
type Kind = (typeof KINDS)[number];

interface Connected {
  readonly client: NodeRedisClient | IoRedisClient;
  close(): Promise<void>;
}

/** A client of `kind` for `url`, failing fast while disconnected. */
async function connect(kind: Kind, url: string): Promise<Connected> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${kind} did not connect to ${url} within 5 s`)),
      5_000,
    );
  });
  try {
    return await Promise.race([connectClient(kind, url), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function connectClient(kind: Kind, url: string): Promise<Connected> {
  if (kind === "node-redis") {
    const client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 1_000,
        reconnectStrategy: (retries: number) =>
          Math.min(20 * 2 ** retries, 200),
      },
    });
    client.on("error", () => {}); // reported through the store's 503s
    await client.connect();
    return { client, close: () => Promise.resolve(client.destroy()) };
  }
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    retryStrategy: (times: number) => Math.min(20 * 2 ** times, 200),
  });
  client.on("error", () => {});
  await client.connect();
  return { client, close: () => Promise.resolve(client.disconnect()) };
}

/** Raw commands on the real server, for setting up and looking inside. */
async function admin(): Promise<{
  send(args: string[]): Promise<unknown>;
  dump(prefix: string): Promise<string>;
  keys(pattern: string): Promise<string[]>;
  close(): Promise<void>;
}> {
  const client = createClient({ url: requireService("redis") });
  client.on("error", () => {});
  await client.connect();
  const keys = async (pattern: string) => {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await client.sendCommand([
        "SCAN",
        cursor,
        "MATCH",
        pattern,
        "COUNT",
        "1000",
      ]) as [string, string[]];
      cursor = next;
      found.push(...batch);
    } while (cursor !== "0");
    return found;
  };
  return {
    send: (args) => client.sendCommand(args),
    keys,
    async dump(prefix) {
      const held: string[] = [];
      for (const key of await keys(`${prefix}:*`)) {
        held.push(key, String(await client.sendCommand(["GET", key])));
      }
      return held.join("\n");
    },
    close: () => Promise.resolve(client.destroy()),
  };
}

/** A store over a fresh client; `close` closes both. */
async function openStore(
  kind: Kind,
  options: Omit<RedisStoreOptions, "client"> & { url?: string } = {},
): Promise<{ store: RedisStore; close(): Promise<void> }> {
  const { url = requireService("redis"), ...rest } = options;
  const connected = await connect(kind, url);
  return {
    store: new RedisStore({ client: connected.client, ...rest }),
    close: connected.close,
  };
}

for (const kind of KINDS) {
  storeConformance(`RedisStore (${kind})`, async (prefix) => {
    const { store, close } = await openStore(kind, { prefix });
    const inspector = await admin();
    return {
      replay: store,
      cache: store,
      dump: () => inspector.dump(prefix),
      async close() {
        await close();
        await inspector.close();
      },
    };
  }, { skip, validatesInput: true });
}

describe("RedisStore options", () => {
  it("refuses a client that is neither node-redis nor ioredis", () => {
    for (const client of [undefined, null, {}, { get() {} }, "redis://x"]) {
      assert.throws(
        () => new RedisStore({ client } as unknown as RedisStoreOptions),
        {
          name: "TypeError",
          message:
            /^RedisStore option "client" must be a connected node-redis client .* or an ioredis client .*, got /,
        },
      );
    }
  });

  it("refuses unknown and malformed options, saying what to write", () => {
    const client = { sendCommand: () => Promise.resolve("OK") };
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { ttl: 5 },
        /^Unknown RedisStore option "ttl", expected one of "client", "prefix", "timeoutMs", "now"/,
      ],
      [{ timeoutMS: 5 }, /\(did you mean "timeoutMs"\?\)/],
      [{ prefix: "" }, /option "prefix" must be a non-empty string, got ""/],
      [
        { prefix: "has space" },
        /option "prefix" must be 1 to 64 printable ASCII characters without spaces, got "has space"/,
      ],
      [{ prefix: "x".repeat(65) }, /option "prefix" must be 1 to 64/],
      [
        { timeoutMs: 0 },
        /option "timeoutMs" must be a finite number of milliseconds of at least 1, got "0"/,
      ],
      [{ timeoutMs: Number.NaN }, /option "timeoutMs"/],
      [{ now: 5 }, /option "now" must be a function/],
      [
        { now: performance.now },
        /option "now" must count milliseconds since the epoch/,
      ],
    ];
    for (const [extra, message] of cases) {
      assert.throws(
        () => new RedisStore({ client, ...extra } as RedisStoreOptions),
        { name: "TypeError", message },
      );
    }
  });

  it("a clock reading NaN is a 503, never a TTL of NaN", async () => {
    const sent: string[][] = [];
    const store = new RedisStore({
      client: {
        sendCommand: (args: string[]) => {
          sent.push(args);
          return Promise.resolve("OK");
        },
      },
      now: () => Number.NaN,
    });
    await assert.rejects(
      store.checkAndStore("k", Date.now() + 1_000),
      VerifierUnavailableError,
    );
    assert.deepEqual(sent, []);
  });

  it("reads byte replies of a client configured for buffers", async () => {
    const bytes = new TextEncoder().encode("OK");
    const store = new RedisStore({
      client: { call: () => Promise.resolve(bytes) },
    });
    assert.equal(await store.checkAndStore("k", Date.now() + 1_000), true);
  });
});

describe("RedisStore on a real Redis", () => {
  it(
    "names keys <prefix>:<space>:<SHA-256> and never sets a TTL past the expiry",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const { store, close } = await openStore("node-redis", { prefix });
      const inspector = await admin();
      try {
        const expiresAt = Date.now() + 1_500;
        await store.checkAndStore("jkt.jti", expiresAt);
        await store.set("entry", "v", expiresAt);
        for (
          const [space, key] of [["replay", "jkt.jti"], ["cache", "entry"]]
        ) {
          const digest = new Uint8Array(
            await crypto.subtle.digest(
              "SHA-256",
              new TextEncoder().encode(key),
            ),
          );
          const name = `${prefix}:${space}:${base64url.encode(digest)}`;
          const ttl = Number(await inspector.send(["PTTL", name]));
          assert.ok(ttl > 0 && ttl <= 1_500, `${name} expires in ${ttl} ms`);
        }
      } finally {
        await close();
        await inspector.close();
      }
    },
  );

  it(
    "a key of another type is a failure (503), not a miss",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const { store, close } = await openStore("ioredis", { prefix });
      const inspector = await admin();
      try {
        const digest = new Uint8Array(
          await crypto.subtle.digest("SHA-256", new TextEncoder().encode("k")),
        );
        await inspector.send([
          "HSET",
          `${prefix}:cache:${base64url.encode(digest)}`,
          "f",
          "v",
        ]);
        await assert.rejects(store.get("k"), VerifierUnavailableError);
      } finally {
        await close();
        await inspector.close();
      }
    },
  );
});

describe("DPoP replay protection across instances behind one Redis", () => {
  it(
    "a proof one instance accepted is refused by the other",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const client = await dpopClient();
      const first = await openStore("node-redis", { prefix });
      const second = await openStore("ioredis", { prefix });
      try {
        const a = instance(client, first.store);
        const b = instance(client, second.store);
        const proof = await client.proof();
        assert.equal((await send(a, proof)).status, 200);
        const replayed = await send(b, proof);
        assert.equal(replayed.status, 401);
        assert.match(replayed.challenge ?? "", /error="invalid_dpop_proof"/);
        assert.equal(b.admitted, 0);
        // And the other way round.
        const other = await client.proof();
        assert.equal((await send(b, other)).status, 200);
        assert.equal((await send(a, other)).status, 401);
      } finally {
        await first.close();
        await second.close();
      }
    },
  );

  it(
    "of 32 concurrent copies of one proof sent to two instances, exactly one is admitted",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const client = await dpopClient();
      const first = await openStore("node-redis", { prefix });
      const second = await openStore("ioredis", { prefix });
      try {
        const targets = [
          instance(client, first.store),
          instance(client, second.store),
        ];
        for (let round = 0; round < 5; round++) {
          const proof = await client.proof();
          const seen = await Promise.all(
            Array.from({ length: 32 }, (_, i) => send(targets[i % 2]!, proof)),
          );
          const statuses = seen.map((answer) => answer.status);
          assert.equal(statuses.filter((status) => status === 200).length, 1);
          assert.equal(statuses.filter((status) => status === 401).length, 31);
        }
        assert.equal(targets[0]!.admitted + targets[1]!.admitted, 5);
      } finally {
        await first.close();
        await second.close();
      }
    },
  );
});

/** Sends fresh proofs until one is admitted; every other answer must be a 503. */
async function untilAdmitted(
  target: ReturnType<typeof instance>,
  client: Awaited<ReturnType<typeof dpopClient>>,
): Promise<number> {
  const deadline = Date.now() + 15_000;
  for (let refused = 0;; refused++) {
    const seen = await send(target, await client.proof());
    if (seen.status === 200) return refused;
    assert.equal(
      seen.status,
      503,
      `while recovering: ${seen.status} ${seen.body}`,
    );
    assert.match(seen.retryAfter ?? "", /^[1-9][0-9]*$/);
    if (Date.now() > deadline) {
      assert.fail("service did not resume within 15 s");
    }
    await sleep(50);
  }
}

describe("DPoP when Redis fails", () => {
  for (const kind of KINDS) {
    it(
      `Redis cut off: 503 with Retry-After, then service resumes without restart (${kind})`,
      { skip },
      async () => {
        const target = new URL(requireService("redis"));
        const cable = await proxy({
          host: target.hostname,
          port: Number(target.port),
        });
        const { store, close } = await openStore(kind, {
          url: `redis://127.0.0.1:${cable.port}`,
          prefix: uniquePrefix(),
          timeoutMs: 200,
        });
        const client = await dpopClient();
        const server = instance(client, store);
        try {
          assert.equal((await send(server, await client.proof())).status, 200);
          await cable.cut();
          for (let i = 0; i < 5; i++) {
            const seen = await send(server, await client.proof());
            assert.equal(seen.status, 503);
            assert.match(seen.retryAfter ?? "", /^[1-9][0-9]*$/);
            assert.doesNotMatch(seen.body, /bound-token|Redis|ECONNREFUSED/);
          }
          assert.equal(server.admitted, 1);
          await cable.restore();
          await untilAdmitted(server, client);
          assert.equal(server.admitted, 2);
        } finally {
          await close();
          await cable.close();
        }
      },
    );

    it(
      `Redis paused (CLIENT PAUSE): 503 within timeoutMs, then service resumes (${kind})`,
      { skip },
      async () => {
        const { store, close } = await openStore(kind, {
          prefix: uniquePrefix(),
          timeoutMs: 100,
        });
        const inspector = await admin();
        const client = await dpopClient();
        const server = instance(client, store);
        try {
          assert.equal((await send(server, await client.proof())).status, 200);
          await inspector.send(["CLIENT", "PAUSE", "700", "WRITE"]);
          const seen = await send(server, await client.proof());
          assert.equal(seen.status, 503);
          assert.match(seen.retryAfter ?? "", /^[1-9][0-9]*$/);
          await untilAdmitted(server, client);
          assert.equal(server.admitted, 2);
        } finally {
          await inspector.send(["CLIENT", "UNPAUSE"]).catch(() => {});
          await close();
          await inspector.close();
        }
      },
    );
  }

  it("Redis out of memory (an error reply): 503, then service resumes", {
    skip,
  }, async () => {
    const inspector = await admin();
    const stores = await Promise.all(
      KINDS.map((kind) => openStore(kind, { prefix: uniquePrefix() })),
    );
    const client = await dpopClient();
    try {
      await inspector.send(["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
      await inspector.send(["CONFIG", "SET", "maxmemory", "1"]);
      for (const { store } of stores) {
        const seen = await send(instance(client, store), await client.proof());
        assert.equal(seen.status, 503);
        assert.match(seen.retryAfter ?? "", /^[1-9][0-9]*$/);
      }
      await inspector.send(["CONFIG", "SET", "maxmemory", "0"]);
      for (const { store } of stores) {
        assert.equal(
          (await send(instance(client, store), await client.proof())).status,
          200,
        );
      }
    } finally {
      await inspector.send(["CONFIG", "SET", "maxmemory", "0"]).catch(() => {});
      for (const { close } of stores) await close();
      await inspector.close();
    }
  });

  for (const kind of KINDS) {
    it(
      `a server answering nonsense: 503, never 2xx or 500 (${kind})`,
      { skip },
      async () => {
        // No healthy Redis answers SET with an integer: a fake one does.
        const replies = [":1\r\n", "+QUEUED\r\n", "*0\r\n", "$3\r\nyes\r\n"];
        for (const reply of replies) {
          const fake = await fakeRedis(() => reply);
          const { store, close } = await openStore(kind, {
            url: fake.url,
            timeoutMs: 200,
          });
          const client = await dpopClient();
          const server = instance(client, store);
          try {
            const seen = await send(server, await client.proof());
            assert.equal(seen.status, 503, JSON.stringify(reply));
            assert.match(seen.retryAfter ?? "", /^[1-9][0-9]*$/);
            assert.equal(server.admitted, 0);
            if (reply.startsWith(":") || reply.startsWith("*")) {
              // Not a string: no GET answers that.
              await assert.rejects(store.get("k"), VerifierUnavailableError);
            }
            if (!reply.startsWith(":")) {
              // Not an integer: no DEL answers that.
              await assert.rejects(store.delete("k"), VerifierUnavailableError);
            }
          } finally {
            await close();
            await fake.close();
          }
        }
      },
    );
  }
});

// ------------------------------------------------- shared introspection

const SECRET = crypto.getRandomValues(new Uint8Array(32));
const AUDIENCE = "https://mcp.example.com/mcp";
// The answers carry no iss; one would be compared with this (RFC 7662 §2.2).
const ISSUER = "https://auth.example.com/";

function activeAnswer(token: string): Record<string, unknown> {
  if (!token.startsWith("good-")) return { active: false };
  return {
    active: true,
    client_id: "client-SECRET-claim",
    scope: "mcp scope-SECRET",
    aud: AUDIENCE,
    exp: Math.floor(Date.now() / 1000) + 300,
  };
}

function sharedVerifier(
  endpoint: string,
  store: RedisStore,
  options: Partial<IntrospectionVerifierOptions> = {},
): IntrospectionVerifier {
  return new IntrospectionVerifier({
    endpoint,
    clientId: "mcp-server",
    clientSecret: "client-secret",
    issuer: ISSUER,
    audience: AUDIENCE,
    sharedCache: { store, secret: SECRET },
    ...options,
  });
}

describe("IntrospectionVerifier sharedCache over Redis", () => {
  const opened: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const store of opened) await store.close();
  });
  async function stores(prefix: string, count = 2): Promise<RedisStore[]> {
    const made = [];
    for (let i = 0; i < count; i++) {
      const store = await openStore(KINDS[i % 2]!, { prefix });
      opened.push(store);
      made.push(store.store);
    }
    return made;
  }

  it("instances behind one Redis ask the authorization server once per token", {
    skip,
  }, async () => {
    const endpoint = await introspectionEndpoint(activeAnswer, 50);
    try {
      const [a, b, c] = await stores(uniquePrefix(), 3);
      const verifiers = [a!, b!].map((store) =>
        sharedVerifier(endpoint.url, store)
      );
      for (const token of ["good-1", "good-2", "good-3"]) {
        const results = await Promise.all(
          Array.from(
            { length: 20 },
            (_, i) => verifiers[i % 2]!.verifyToken(token),
          ),
        );
        assert.ok(
          results.every((result) => result.clientId === "client-SECRET-claim"),
        );
        assert.equal(endpoint.calls(token), 1, token);
      }
      // A new instance finds the answers there.
      const late = sharedVerifier(endpoint.url, c!);
      assert.deepEqual((await late.verifyToken("good-2")).scopes, [
        "mcp",
        "scope-SECRET",
      ]);
      assert.equal(endpoint.calls("good-2"), 1);
    } finally {
      await endpoint.close();
    }
  });

  it("a rejection is shared too, for negativeTtlMs", { skip }, async () => {
    const endpoint = await introspectionEndpoint(activeAnswer, 50);
    try {
      const [a, b] = await stores(uniquePrefix());
      const verifiers = [a!, b!].map((store) =>
        sharedVerifier(endpoint.url, store)
      );
      const results = await Promise.allSettled(
        Array.from(
          { length: 20 },
          (_, i) => verifiers[i % 2]!.verifyToken("bad-1"),
        ),
      );
      for (const result of results) {
        assert.equal(result.status, "rejected");
        assert.ok(result.reason instanceof InvalidTokenError);
      }
      assert.equal(endpoint.calls("bad-1"), 1);
    } finally {
      await endpoint.close();
    }
  });

  it(
    "a shared answer lives no longer than cache.maxAgeMs nor the token's exp",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const exp = Math.floor(Date.now() / 1000) + 3;
      const endpoint = await introspectionEndpoint((token) =>
        token === "short-lived"
          ? { ...activeAnswer("good-x"), exp }
          : activeAnswer(token)
      );
      const inspector = await admin();
      try {
        const [a, b] = await stores(prefix);
        const options = { cache: { maxEntries: 0, maxAgeMs: 400 } };
        await sharedVerifier(endpoint.url, a!, options).verifyToken(
          "good-aged",
        );
        let [key] = await inspector.keys(`${prefix}:cache:*`);
        const ttl = Number(await inspector.send(["PTTL", key!]));
        assert.ok(ttl > 0 && ttl <= 400, `max age: PTTL ${ttl}`);
        // Once it expired, the next instance asks again.
        const reader = sharedVerifier(endpoint.url, b!, options);
        const deadline = Date.now() + 5_000;
        while (endpoint.calls("good-aged") < 2) {
          assert.ok(Date.now() < deadline, "the shared answer never expired");
          await reader.verifyToken("good-aged");
          await sleep(50);
        }

        await inspector.send([
          "DEL",
          ...(await inspector.keys(`${prefix}:cache:*`)),
        ]);
        await sharedVerifier(endpoint.url, a!).verifyToken("short-lived");
        [key] = await inspector.keys(`${prefix}:cache:*`);
        const left = Number(await inspector.send(["PTTL", key!]));
        assert.ok(
          left > 0 && left <= exp * 1000 - Date.now() + 50,
          `exp: PTTL ${left}`,
        );
      } finally {
        await inspector.close();
        await endpoint.close();
      }
    },
  );

  it(
    "the store holds neither the token nor what the server said",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const endpoint = await introspectionEndpoint(activeAnswer);
      const inspector = await admin();
      try {
        const [a] = await stores(prefix, 1);
        await sharedVerifier(endpoint.url, a!).verifyToken("good-SECRET-token");
        const held = await inspector.dump(prefix);
        assert.ok(held.length > 0);
        assert.doesNotMatch(held, /SECRET|good-/);
      } finally {
        await inspector.close();
        await endpoint.close();
      }
    },
  );

  it(
    "an entry written without the secret is ignored, never believed",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const inspector = await admin();
      // The real server says the token is inactive; a forger with write access
      // to Redis seals "active" with another secret.
      const real = await introspectionEndpoint(() => ({ active: false }));
      const lying = await introspectionEndpoint((token) =>
        activeAnswer(`good-${token}`)
      );
      try {
        const [a, b] = await stores(prefix);
        await assert.rejects(
          sharedVerifier(real.url, a!).verifyToken("victim"),
          InvalidTokenError,
        );
        const [genuine] = await inspector.keys(`${prefix}:cache:*`);
        const forger = new IntrospectionVerifier({
          endpoint: real.url, // the same endpoint and client: only the secret differs
          fetch: (_input, init) => fetch(lying.url, init),
          clientId: "mcp-server",
          clientSecret: "client-secret",
          issuer: ISSUER,
          audience: AUDIENCE,
          sharedCache: {
            store: b!,
            secret: crypto.getRandomValues(new Uint8Array(32)),
          },
        });
        await forger.verifyToken("victim");
        const forgedKey = (await inspector.keys(`${prefix}:cache:*`)).find((
          key,
        ) => key !== genuine);
        const forged = String(await inspector.send(["GET", forgedKey!]));
        for (const value of [forged, "garbage", ""]) {
          await inspector.send(["SET", genuine!, value, "PX", "60000"]);
          const calls = real.calls("victim");
          await assert.rejects(
            sharedVerifier(real.url, b!, { cache: { maxEntries: 0 } })
              .verifyToken("victim"),
            InvalidTokenError,
          );
          assert.equal(
            real.calls("victim"),
            calls + 1,
            "the server is asked again",
          );
        }
      } finally {
        await inspector.close();
        await real.close();
        await lying.close();
      }
    },
  );

  it("with Redis cut off, each instance asks the authorization server itself", {
    skip,
  }, async () => {
    const target = new URL(requireService("redis"));
    const cable = await proxy({
      host: target.hostname,
      port: Number(target.port),
    });
    const endpoint = await introspectionEndpoint(activeAnswer);
    const { store, close } = await openStore("node-redis", {
      url: `redis://127.0.0.1:${cable.port}`,
      prefix: uniquePrefix(),
      timeoutMs: 100,
    });
    try {
      await cable.cut();
      const verifier = sharedVerifier(endpoint.url, store, {
        cache: { maxEntries: 0 },
      });
      assert.equal(
        (await verifier.verifyToken("good-down")).clientId,
        "client-SECRET-claim",
      );
      assert.equal(endpoint.calls("good-down"), 1);
    } finally {
      await close();
      await cable.close();
      await endpoint.close();
    }
  });
});

// ------------------------------------------------------------ attacks
// The stores attack suite's cases on the real redis-server (the rest are in
// tests/attacks/stores_test.ts): values planted or corrupted by whoever can
// write to Redis, verifiers of different audiences sharing one prefix, a
// lease that never frees, what the keys hold.

/** A RedisStore that also tells the keys the verifier gave it. */
function keyRecorder(store: RedisStore): {
  store: RedisStore;
  keys: Set<string>;
} {
  const keys = new Set<string>();
  const spy = Object.create(store) as RedisStore;
  for (const method of ["get", "set", "add", "delete"] as const) {
    const original = store[method].bind(store) as (
      key: string,
      ...rest: unknown[]
    ) => Promise<unknown>;
    Object.defineProperty(spy, method, {
      value: (key: string, ...rest: unknown[]) => {
        keys.add(key);
        return original(key, ...rest);
      },
    });
  }
  return { store: spy, keys };
}

/** The Redis name of a key the verifier gave the store. */
async function redisName(prefix: string, key: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)),
  );
  return `${prefix}:cache:${base64url.encode(digest)}`;
}

describe("attacks: shared state in a real Redis", () => {
  const opened: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const store of opened) await store.close();
  });
  async function store(prefix: string, kind: Kind = "node-redis") {
    const made = await openStore(kind, { prefix });
    opened.push(made);
    return made.store;
  }

  it(
    "verifiers of two audiences behind one prefix and secret never serve each other's answers",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const endpoint = await introspectionEndpoint(activeAnswer, 30);
      try {
        const ours = sharedVerifier(endpoint.url, await store(prefix));
        const theirs = sharedVerifier(
          endpoint.url,
          await store(prefix, "ioredis"),
          { audience: "https://other.example.com/mcp" },
        );
        const results = await Promise.allSettled(
          Array.from(
            { length: 20 },
            (_, i) => (i % 2 === 0 ? ours : theirs).verifyToken("good-aud"),
          ),
        );
        for (const [i, result] of results.entries()) {
          if (i % 2 === 0) {
            assert.equal(result.status, "fulfilled");
          } else {
            assert.equal(result.status, "rejected");
            assert.ok(
              (result as PromiseRejectedResult).reason instanceof
                InvalidTokenError,
            );
          }
        }
        assert.equal(endpoint.calls("good-aud"), 1);
      } finally {
        await endpoint.close();
      }
    },
  );

  it(
    "a value planted at the answer's key (widened JSON, another token's entry, a list) is never believed",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const inspector = await admin();
      const revoked = new Set<string>();
      const endpoint = await introspectionEndpoint((token) =>
        revoked.has(token) ? { active: false } : activeAnswer(token)
      );
      try {
        const recorded = keyRecorder(await store(prefix));
        await sharedVerifier(endpoint.url, recorded.store).verifyToken(
          "good-admin",
        );
        const [adminKey] = [...recorded.keys].filter((key) =>
          !key.endsWith(".lease")
        );
        const adminValue = String(
          await inspector.send(["GET", await redisName(prefix, adminKey!)]),
        );
        recorded.keys.clear();
        revoked.add("good-victim");
        await assert.rejects(
          sharedVerifier(endpoint.url, recorded.store).verifyToken(
            "good-victim",
          ),
          InvalidTokenError,
        );
        const [victimKey] = [...recorded.keys].filter((key) =>
          !key.endsWith(".lease")
        );
        const name = await redisName(prefix, victimKey!);
        const planted: string[][] = [
          ["SET", name, adminValue, "PX", "60000"],
          [
            "SET",
            name,
            JSON.stringify({ u: Date.now() + 60_000, r: activeAnswer("good") }),
            "PX",
            "60000",
          ],
          ["SET", name, adminValue.slice(0, -4), "PX", "60000"],
        ];
        for (const command of planted) {
          await inspector.send(["DEL", name]);
          await inspector.send(command);
          const calls = endpoint.calls("good-victim");
          await assert.rejects(
            sharedVerifier(endpoint.url, await store(prefix, "ioredis"), {
              cache: { maxEntries: 0 },
            }).verifyToken("good-victim"),
            InvalidTokenError,
          );
          assert.equal(endpoint.calls("good-victim"), calls + 1);
        }
        // A key of another type: the store fails (WRONGTYPE), the verifier
        // asks the server itself.
        await inspector.send(["DEL", name]);
        await inspector.send(["RPUSH", name, adminValue]);
        await assert.rejects(
          sharedVerifier(endpoint.url, await store(prefix), {
            cache: { maxEntries: 0 },
          }).verifyToken("good-victim"),
          InvalidTokenError,
        );
      } finally {
        await inspector.close();
        await endpoint.close();
      }
    },
  );

  it(
    "a lease a hostile writer holds forever delays an instance, boundedly, then it asks itself",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const inspector = await admin();
      const endpoint = await introspectionEndpoint(activeAnswer);
      try {
        const recorded = keyRecorder(await store(prefix));
        const options = { timeoutMs: 50, cache: { maxEntries: 0 } };
        await sharedVerifier(endpoint.url, recorded.store, options)
          .verifyToken("good-lease");
        const [key] = [...recorded.keys].filter((k) => !k.endsWith(".lease"));
        await inspector.send(["DEL", await redisName(prefix, key!)]);
        await inspector.send([
          "SET",
          await redisName(prefix, `${key}.lease`),
          "1",
        ]);
        const token = await sharedVerifier(
          endpoint.url,
          await store(prefix, "ioredis"),
          options,
        ).verifyToken("good-lease");
        assert.equal(token.clientId, "client-SECRET-claim");
        assert.equal(endpoint.calls("good-lease"), 2);
      } finally {
        await inspector.close();
        await endpoint.close();
      }
    },
  );

  it(
    "an old sealed answer planted back with a long TTL after revocation is not believed past cache.maxAgeMs",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const inspector = await admin();
      let revoked = false;
      const endpoint = await introspectionEndpoint((token) =>
        revoked ? { active: false } : activeAnswer(token)
      );
      try {
        const options = { cache: { maxEntries: 0, maxAgeMs: 300 } };
        const recorded = keyRecorder(await store(prefix));
        await sharedVerifier(endpoint.url, recorded.store, options)
          .verifyToken("good-old");
        const [key] = [...recorded.keys].filter((k) => !k.endsWith(".lease"));
        const name = await redisName(prefix, key!);
        const old = String(await inspector.send(["GET", name]));
        revoked = true;
        await sleep(350);
        await inspector.send(["SET", name, old, "PX", "3600000"]);
        await assert.rejects(
          sharedVerifier(endpoint.url, await store(prefix, "ioredis"), options)
            .verifyToken("good-old"),
          InvalidTokenError,
        );
        assert.equal(endpoint.calls("good-old"), 2);
      } finally {
        await inspector.close();
        await endpoint.close();
      }
    },
  );

  it(
    "a replay key planted with another type refuses the proof, never a 200",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const inspector = await admin();
      try {
        const client = await dpopClient();
        const redis = await store(prefix);
        const proof = await client.proof();
        const { jti } = JSON.parse(
          new TextDecoder().decode(base64url.decode(proof.split(".")[1]!)),
        ) as { jti: string };
        const digest = new Uint8Array(
          await crypto.subtle.digest(
            "SHA-256",
            new TextEncoder().encode(`${client.jkt}.${jti}`),
          ),
        );
        await inspector.send([
          "HSET",
          `${prefix}:replay:${base64url.encode(digest)}`,
          "f",
          "v",
        ]);
        const seen = await send(instance(client, redis), proof);
        // SET NX on a key of another type answers nil: held, a replay.
        assert.equal(seen.status, 401, seen.body);
      } finally {
        await inspector.close();
      }
    },
  );

  it(
    "what Redis holds after DPoP and shared introspection: hashed keys, no token, jti, jkt or claim",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const inspector = await admin();
      const endpoint = await introspectionEndpoint(activeAnswer);
      try {
        const redis = await store(prefix);
        await sharedVerifier(endpoint.url, redis).verifyToken(
          "good-SECRET-held",
        );
        await assert.rejects(
          sharedVerifier(endpoint.url, redis).verifyToken("bad-SECRET-held"),
        );
        const client = await dpopClient();
        const proof = await client.proof();
        assert.equal((await send(instance(client, redis), proof)).status, 200);
        const { jti } = JSON.parse(
          new TextDecoder().decode(base64url.decode(proof.split(".")[1]!)),
        ) as { jti: string };
        const keys = await inspector.keys(`${prefix}:*`);
        assert.equal(keys.length, 3); // two answers, one proof
        for (const key of keys) {
          assert.match(
            key,
            new RegExp(`^${prefix}:(replay|cache):[A-Za-z0-9_-]{43}$`),
          );
        }
        const held = await inspector.dump(prefix);
        for (
          const secret of ["SECRET", "good-", "bad-", jti, client.jkt]
        ) {
          assert.ok(!held.includes(secret), secret);
        }
      } finally {
        await inspector.close();
        await endpoint.close();
      }
    },
  );
});
