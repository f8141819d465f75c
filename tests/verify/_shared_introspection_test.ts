// IntrospectionVerifier's sharedCache over the in-memory CacheStore, with
// an injected fetch and clock: who asks the authorization server, how long
// an answer is reused, and what happens when the store or the server fail.
// The same behaviour over real Redis: tests/stores/redis_test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type CacheStore,
  IntrospectionVerifier,
  type IntrospectionVerifierOptions,
  InvalidTokenError,
  MemoryCacheStore,
  type SharedCacheOptions,
  VerifierUnavailableError,
} from "../../mod.ts";

const AUDIENCE = "https://mcp.example.com/mcp";
// The answers carry no iss; one would be compared with this (RFC 7662 §2.2).
const ISSUER = "https://auth.example.com/";
const ENDPOINT = "https://auth.example.com/introspect";
const T0 = 1_900_000_000_000;

interface Server {
  fetch: typeof fetch;
  calls(token?: string): number;
}

/** The authorization server: `answer(token, call)`, after `delayMs`. */
function authorizationServer(
  answer: (token: string, call: number) => Record<string, unknown> | Response,
  delayMs = 0,
): Server {
  const counts = new Map<string, number>();
  return {
    async fetch(_input, init) {
      const token = new URLSearchParams(String(init?.body)).get("token") ?? "";
      const call = (counts.get(token) ?? 0) + 1;
      counts.set(token, call);
      if (delayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      const answered = answer(token, call);
      return answered instanceof Response ? answered : Response.json(answered);
    },
    calls: (token) =>
      token === undefined
        ? [...counts.values()].reduce((sum, n) => sum + n, 0)
        : counts.get(token) ?? 0,
  };
}

function active(exp = T0 / 1000 + 3_600): Record<string, unknown> {
  return { active: true, client_id: "app", scope: "mcp", aud: AUDIENCE, exp };
}

const SECRET = new Uint8Array(32).fill(7);

function verifier(
  server: Server,
  store: CacheStore,
  options: Partial<IntrospectionVerifierOptions> = {},
): IntrospectionVerifier {
  return new IntrospectionVerifier({
    endpoint: ENDPOINT,
    clientId: "mcp-server",
    clientSecret: "s3cret",
    issuer: ISSUER,
    audience: AUDIENCE,
    fetch: server.fetch,
    sharedCache: { store, secret: SECRET },
    ...options,
  });
}

describe("IntrospectionVerifier sharedCache option", () => {
  it("refuses what it cannot use, saying what to write", () => {
    const store = new MemoryCacheStore();
    const cases: [unknown, RegExp][] = [
      [
        store,
        /^IntrospectionVerifier option "sharedCache" "store" must be a CacheStore \(get, set, add and delete\), got undefined/,
      ],
      [
        { store, secret: SECRET, ttl: 5 },
        /^Unknown IntrospectionVerifier sharedCache option "ttl", expected one of "store", "secret", "onError"/,
      ],
      [
        { store, secret: SECRET, onerror: () => {} },
        /option "onerror" \(did you mean "onError"\?\)/,
      ],
      [
        { store: {}, secret: SECRET },
        /"sharedCache" "store" must be a CacheStore \(get, set, add and delete\), got an object/,
      ],
      [{ store, secret: new Uint8Array(31) }, /"secret" .* got 31 bytes/],
      [
        { store, secret: "a".repeat(40) },
        /"secret" must be a Uint8Array of at least 32 random bytes, got "a+"/,
      ],
      [
        { store, secret: SECRET, onError: "log" },
        /IntrospectionVerifier sharedCache option "onError" must be a function/,
      ],
      [
        "redis",
        /^IntrospectionVerifier option "sharedCache" must be \{ store, secret \}: a CacheStore .*, got "redis"/,
      ],
    ];
    for (const [sharedCache, message] of cases) {
      assert.throws(
        () =>
          verifier(authorizationServer(() => active()), store, {
            sharedCache: sharedCache as SharedCacheOptions,
          }),
        { name: "TypeError", message },
      );
    }
    assert.throws(
      () =>
        verifier(authorizationServer(() => active()), store, { cache: false }),
      {
        name: "TypeError",
        message:
          /option "sharedCache" needs the cache: remove "cache: false" \(cache: \{ maxEntries: 0 \} keeps no local copy\)/,
      },
    );
  });
});

describe("IntrospectionVerifier sharedCache", () => {
  it("verifiers sharing a store ask once per token, however many ask at once", async () => {
    const server = authorizationServer(() => active(), 20);
    const store = new MemoryCacheStore();
    const verifiers = [
      verifier(server, store),
      verifier(server, store),
      verifier(server, store),
    ];
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => verifiers[i % 3]!.verifyToken("t1")),
    );
    assert.ok(
      results.every((token) =>
        token.clientId === "app" && token.token === "t1"
      ),
    );
    assert.equal(server.calls("t1"), 1);
  });

  it("a verifier that wins the lease after the answer was shared uses the answer", async () => {
    // Found by stress:cluster: B misses the answer, A shares it and releases
    // the lease, then B takes the lease. B must look again, not ask again.
    const server = authorizationServer(() => active());
    const store = new MemoryCacheStore();
    await verifier(server, store).verifyToken("t");
    let reads = 0;
    const late: CacheStore = {
      get: (key) => reads++ === 0 ? Promise.resolve(undefined) : store.get(key),
      set: (key, value, expiresAt) => store.set(key, value, expiresAt),
      add: (key, value, expiresAt) => store.add(key, value, expiresAt),
      delete: (key) => store.delete(key),
    };
    assert.equal(
      (await verifier(server, late).verifyToken("t")).clientId,
      "app",
    );
    assert.equal(server.calls("t"), 1);
  });

  it("each verifier applies its own checks to a shared answer", async () => {
    const server = authorizationServer(() => active());
    const store = new MemoryCacheStore();
    await verifier(server, store).verifyToken("t");
    await assert.rejects(
      verifier(server, store, { audience: "https://other.example.com/mcp" })
        .verifyToken("t"),
      { name: "InvalidTokenError", message: "Token audience mismatch" },
    );
    await assert.rejects(
      verifier(server, store, { requiredScopes: ["admin"] }).verifyToken("t"),
      { name: "InsufficientScopeError" },
    );
    assert.equal(server.calls("t"), 1);
  });

  it("verifiers of another endpoint or client, or with another secret, share nothing", async () => {
    const server = authorizationServer(() => active());
    const store = new MemoryCacheStore();
    await verifier(server, store).verifyToken("t");
    await verifier(server, store, {
      endpoint: "https://auth2.example.com/introspect",
    })
      .verifyToken("t");
    await verifier(server, store, { clientId: "another-server" }).verifyToken(
      "t",
    );
    await verifier(server, store, {
      sharedCache: { store, secret: new Uint8Array(32).fill(8) },
    }).verifyToken("t");
    assert.equal(server.calls("t"), 4);
  });

  it("an answer is reused until the max age after it was asked, never longer, by any instance", async () => {
    let now = T0;
    const clock = () => now;
    const server = authorizationServer(() => active());
    // The store's own clock stays behind: only the entry's seal bounds it.
    const store = new MemoryCacheStore();
    const options = { now: clock, cache: { maxAgeMs: 60_000 } };
    const asker = verifier(server, store, options);
    const reader = verifier(server, store, options);
    await asker.verifyToken("t");
    now = T0 + 50_000;
    await reader.verifyToken("t"); // from the store; kept locally until T0 + 60 s
    assert.equal(server.calls("t"), 1);
    now = T0 + 59_999;
    await reader.verifyToken("t");
    assert.equal(server.calls("t"), 1);
    now = T0 + 60_000;
    await reader.verifyToken("t");
    assert.equal(server.calls("t"), 2, "asked again at the max age");
  });

  it("an answer is never reused past the token's exp", async () => {
    let now = T0;
    const server = authorizationServer(() => active(T0 / 1000 + 10));
    const store = new MemoryCacheStore();
    const options = { now: () => now, cache: { maxEntries: 0 } };
    await verifier(server, store, options).verifyToken("t");
    now = T0 + 9_999;
    await verifier(server, store, options).verifyToken("t");
    assert.equal(server.calls("t"), 1);
    now = T0 + 10_000;
    await assert.rejects(
      verifier(server, store, options).verifyToken("t"),
      { name: "InvalidTokenError", message: "Token expired" },
    );
    assert.equal(server.calls("t"), 2);
  });

  it("a rejection is shared for negativeTtlMs, and not at all with 0", async () => {
    let now = T0;
    const server = authorizationServer(() => ({ active: false }));
    const store = new MemoryCacheStore();
    const options = {
      now: () => now,
      cache: { maxEntries: 0, negativeTtlMs: 5_000 },
    };
    for (let i = 0; i < 3; i++) {
      await assert.rejects(
        verifier(server, store, options).verifyToken("bad"),
        InvalidTokenError,
      );
    }
    assert.equal(server.calls("bad"), 1);
    now = T0 + 5_000;
    await assert.rejects(
      verifier(server, store, options).verifyToken("bad"),
      InvalidTokenError,
    );
    assert.equal(server.calls("bad"), 2);

    const off = { now: () => now, cache: { maxEntries: 0, negativeTtlMs: 0 } };
    await assert.rejects(
      verifier(server, store, off).verifyToken("worse"),
      InvalidTokenError,
    );
    await assert.rejects(
      verifier(server, store, off).verifyToken("worse"),
      InvalidTokenError,
    );
    assert.equal(server.calls("worse"), 2);
  });

  it("unavailability is never shared: when the asker fails, a waiter asks", async () => {
    const server = authorizationServer(
      (_token, call) =>
        call === 1 ? new Response("down", { status: 503 }) : active(),
      20,
    );
    const store = new MemoryCacheStore();
    const results = await Promise.allSettled([
      verifier(server, store).verifyToken("t"),
      verifier(server, store).verifyToken("t"),
    ]);
    const failed = results.filter((result) => result.status === "rejected");
    assert.equal(failed.length, 1);
    assert.ok(
      (failed[0] as PromiseRejectedResult).reason instanceof
        VerifierUnavailableError,
    );
    assert.equal(server.calls("t"), 2);
    await verifier(server, store).verifyToken("t");
    assert.equal(server.calls("t"), 2, "the waiter's answer was shared");
  });

  it("a store that fails is bypassed: the server is asked", async () => {
    const server = authorizationServer(() => active());
    const broken: CacheStore = {
      get: () => Promise.reject(new Error("down")),
      set: () => Promise.reject(new Error("down")),
      add: () => Promise.reject(new Error("down")),
      delete: () => Promise.reject(new Error("down")),
    };
    const half: CacheStore = {
      get: () => Promise.resolve(undefined),
      set: () => Promise.reject(new Error("down")),
      add: () => Promise.resolve(true),
      delete: () => Promise.reject(new Error("down")),
    };
    const nonsense: CacheStore = {
      get: () => Promise.resolve(42 as unknown as string),
      set: () => Promise.resolve(),
      add: () => Promise.resolve(true),
      delete: () => Promise.resolve(),
    };
    for (const store of [broken, half, nonsense]) {
      const token = await verifier(server, store, { cache: { maxEntries: 0 } })
        .verifyToken("t");
      assert.equal(token.clientId, "app");
    }
    assert.equal(server.calls("t"), 3);
  });

  it("a bypassed store is reported to onError, which cannot break the request", async () => {
    const server = authorizationServer(() => active());
    const failure = new Error("store down");
    const broken: CacheStore = {
      get: () => Promise.reject(failure),
      set: () => Promise.reject(failure),
      add: () => Promise.reject(failure),
      delete: () => Promise.reject(failure),
    };
    const reported: unknown[] = [];
    const token = await verifier(server, broken, {
      cache: { maxEntries: 0 },
      sharedCache: {
        store: broken,
        secret: SECRET,
        onError(error) {
          reported.push(error);
          throw new Error("the logger fails too");
        },
      },
    }).verifyToken("t");
    assert.equal(token.clientId, "app");
    assert.deepEqual(reported, [failure]);
    // A lost write (the answer could not be shared) is reported too.
    const store = new MemoryCacheStore();
    const lossy: CacheStore = {
      get: (key) => store.get(key),
      set: () => Promise.reject(failure),
      add: (key, value, expiresAt) => store.add(key, value, expiresAt),
      delete: (key) => store.delete(key),
    };
    const lost: unknown[] = [];
    await verifier(server, lossy, {
      sharedCache: {
        store: lossy,
        secret: SECRET,
        onError: (error) => void lost.push(error),
      },
    }).verifyToken("t2");
    assert.deepEqual(lost, [failure]);
  });

  it("a store method that needs its receiver is called on the store", async () => {
    const server = authorizationServer(() => active());
    class OwnStore extends MemoryCacheStore {
      readonly #calls: string[] = [];
      override get(key: string) {
        this.#calls.push("get");
        return super.get(key);
      }
      get calls(): readonly string[] {
        return this.#calls;
      }
    }
    const store = new OwnStore();
    await verifier(server, store).verifyToken("t");
    await verifier(server, store).verifyToken("t");
    assert.ok(store.calls.length >= 2);
    assert.equal(server.calls("t"), 1);
  });

  it("a store that never answers delays a request by its bound, not for ever", async () => {
    const server = authorizationServer(() => active());
    const hung: CacheStore = {
      get: () => new Promise(() => {}),
      set: () => new Promise(() => {}),
      add: () => new Promise(() => {}),
      delete: () => new Promise(() => {}),
    };
    const token = await verifier(server, hung).verifyToken("t");
    assert.equal(token.clientId, "app");
    assert.equal(server.calls("t"), 1);
  });

  it("a lease that is never released is waited for at most twice its length", async () => {
    const server = authorizationServer(() => active());
    // Someone holds every lease and never shares an answer.
    const held: CacheStore = {
      get: () => Promise.resolve(undefined),
      set: () => Promise.resolve(),
      add: () => Promise.resolve(false),
      delete: () => Promise.resolve(),
    };
    // timeoutMs 50: the lease is 1.05 s, the wait at most 2.1 s.
    const token = await verifier(server, held, { timeoutMs: 50 }).verifyToken(
      "t",
    );
    assert.equal(token.clientId, "app");
    assert.equal(server.calls("t"), 1);
  });

  it("the store holds neither the token nor the answer's claims", async () => {
    const entries = new Map<string, string>();
    const store = new MemoryCacheStore();
    const spy: CacheStore = {
      get: (key) => store.get(key),
      set: (key, value, expiresAt) => {
        entries.set(key, value);
        return store.set(key, value, expiresAt);
      },
      add: (key, value, expiresAt) => {
        entries.set(key, value);
        return store.add(key, value, expiresAt);
      },
      delete: (key) => store.delete(key),
    };
    const server = authorizationServer(() => ({
      ...active(),
      username: "alice-SECRET",
    }));
    await verifier(server, spy).verifyToken("token-SECRET");
    const held = [...entries].flat().join("\n");
    assert.ok(entries.size >= 2, "an answer and a lease were written");
    assert.doesNotMatch(held, /SECRET|alice|token-/);
  });
});
