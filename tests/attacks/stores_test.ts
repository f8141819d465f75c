// Attacks on shared state: the cache IntrospectionVerifier shares through a
// store (`sharedCache`), the local token caches of JwtVerifier and
// IntrospectionVerifier, the in-memory stores, and the store adapters
// (RedisStore over hostile clients, DenoKvStore on real Deno KV,
// DurableObjectStore on real workerd through Miniflare). Each case is a
// planted or corrupted entry, a hostile or broken store, or a race; each
// asserts that nobody gets more than the authorization server said, that a
// broken store is a 503 (never a 2xx, a 500 or a hang), and that no token
// reaches a key, a value, a response or a log. Cases touching the shared
// redis-server live in tests/stores/redis_test.ts ("attacks" describe),
// where the tests that pause that server run one after another.
//
// A regression suite: the cases that passed stay.
import { after, describe, it } from "node:test";
import type { Miniflare } from "miniflare";
import assert from "node:assert/strict";
import process from "node:process";
import { base64url, SignJWT } from "jose";
import {
  type AccessToken,
  type CacheStore,
  dpopScheme,
  InsufficientScopeError,
  IntrospectionVerifier,
  type IntrospectionVerifierOptions,
  InvalidTokenError,
  JwtVerifier,
  MemoryCacheStore,
  MemoryReplayStore,
  type ReplayStore,
  StaticTokenVerifier,
  VerifierUnavailableError,
  withBearerAuth,
} from "../../mod.ts";
import { RedisStore } from "../../src/stores/mod_redis.ts";
import { DenoKvStore } from "../../src/stores/mod_deno_kv.ts";
import {
  BOUND_TOKEN,
  type DpopClient,
  dpopClient,
  dpopRequest,
  instance,
  RESOURCE,
  send,
} from "../stores/_support.ts";

const AS = "https://auth.example.com/oauth/introspect";
const ISSUER = "https://auth.example.com/";
const AUDIENCE = "https://mcp.example.com/mcp";
const OTHER_AUDIENCE = "https://other.example.com/mcp";
const SECRET = crypto.getRandomValues(new Uint8Array(32));
const T0 = 1_900_000_000_000;
// The token text every case uses: it must never be found in a key or value.
const TOKEN = "opaque-SECRET-token-0123456789";

// ------------------------------------------------------------- helpers

/** A stand-in authorization server: `answer(token)`, counting its calls. */
interface Server {
  readonly fetch: typeof fetch;
  calls(token?: string): number;
  answer: (token: string) => Record<string, unknown> | Response;
}

function authorizationServer(
  answer: (token: string) => Record<string, unknown> | Response,
): Server {
  const counts = new Map<string, number>();
  const server: Server = {
    answer,
    fetch: (_input, init) => {
      const token = new URLSearchParams(String(init?.body)).get("token") ?? "";
      counts.set(token, (counts.get(token) ?? 0) + 1);
      const said = server.answer(token);
      return Promise.resolve(
        said instanceof Response ? said : Response.json(said),
      );
    },
    calls: (token) =>
      token === undefined
        ? [...counts.values()].reduce((sum, n) => sum + n, 0)
        : counts.get(token) ?? 0,
  };
  return server;
}

function active(
  now: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    active: true,
    client_id: "app",
    scope: "files:read",
    aud: AUDIENCE,
    iss: ISSUER,
    exp: Math.floor(now / 1000) + 3600,
    ...extra,
  };
}

/** A clock the test moves. */
function clock(start = T0): { now: () => number; ms: number } {
  const state = { ms: start, now: () => state.ms };
  return state;
}

function verifier(
  server: Server,
  store: CacheStore,
  options: Partial<IntrospectionVerifierOptions> = {},
): IntrospectionVerifier {
  return new IntrospectionVerifier({
    endpoint: AS,
    clientId: "mcp-server",
    clientSecret: "client-secret",
    issuer: ISSUER,
    audience: AUDIENCE,
    fetch: server.fetch,
    sharedCache: { store, secret: SECRET, onError: () => {} },
    ...options,
  });
}

/** A store that records every key and value it is given. */
interface Recording extends CacheStore {
  readonly keys: Set<string>;
  readonly values: Map<string, string>;
  readonly inner: MemoryCacheStore;
}

function recording(inner = new MemoryCacheStore()): Recording {
  const keys = new Set<string>();
  const values = new Map<string, string>();
  return {
    keys,
    values,
    inner,
    get: (key) => (keys.add(key), inner.get(key)),
    set: (key, value, expiresAt) => {
      keys.add(key);
      values.set(key, value);
      return inner.set(key, value, expiresAt);
    },
    add: (key, value, expiresAt) => {
      keys.add(key);
      values.set(key, value);
      return inner.add(key, value, expiresAt);
    },
    delete: (key) => (keys.add(key), inner.delete(key)),
  };
}

/** The key of the one answer a recording store holds (not a lease). */
function answerKey(store: Recording): string {
  const keys = [...store.values.keys()].filter((key) =>
    !key.endsWith(".lease")
  );
  assert.equal(keys.length, 1, `one answer held: ${keys.join(", ")}`);
  return keys[0]!;
}

/** What an application behind `withBearerAuth` over `verifier` answers. */
async function through(
  tokenVerifier: IntrospectionVerifier | JwtVerifier,
  token: string,
  errors: unknown[] = [],
): Promise<{ status: number; body: string; headers: Headers }> {
  const handle = withBearerAuth(
    () => Response.json({ ok: true }),
    {
      verifier: tokenVerifier,
      resourceMetadataUrl:
        "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
      onError: (error) => void errors.push(error),
    },
  );
  const response = await handle(
    new Request(AUDIENCE, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    }),
  );
  return {
    status: response.status,
    body: await response.text(),
    headers: response.headers,
  };
}

async function sha256(text: string, encode: "b64" | "b64url" | "hex") {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  if (encode === "b64url") return base64url.encode(digest);
  if (encode === "hex") {
    return [...digest].map((byte) => byte.toString(16).padStart(2, "0"))
      .join("");
  }
  return btoa(String.fromCharCode(...digest));
}

// ------------------------------------------------- poisoned shared entries

describe("sharedCache: planted and corrupted entries grant nothing", () => {
  it("a plain JSON answer with widened scopes at the real key is ignored", async () => {
    const time = clock();
    const server = authorizationServer(() => active(time.ms));
    const store = recording();
    await verifier(server, store, { now: time.now }).verifyToken(TOKEN);
    const key = answerKey(store);
    for (
      const planted of [
        JSON.stringify({
          u: T0 + 3_600_000,
          r: active(T0, { scope: "admin" }),
        }),
        base64url.encode(JSON.stringify({ active: true, scope: "admin" })),
        JSON.stringify(active(T0, { scope: "admin" })),
      ]
    ) {
      await store.inner.set(key, planted, T0 + 3_600_000);
      const reader = verifier(server, store, {
        now: time.now,
        cache: { maxEntries: 0 },
      });
      const calls = server.calls(TOKEN);
      const token = await reader.verifyToken(TOKEN);
      assert.deepEqual(token.scopes, ["files:read"]);
      assert.equal(server.calls(TOKEN), calls + 1, "the server is asked");
    }
  });

  it("a truncated, bit-flipped, empty or huge sealed value is ignored", async () => {
    const time = clock();
    const server = authorizationServer((token) =>
      token === TOKEN ? active(time.ms) : { active: false }
    );
    const store = recording();
    await verifier(server, store, { now: time.now }).verifyToken(TOKEN);
    const key = answerKey(store);
    const sealed = store.values.get(key)!;
    const bytes = base64url.decode(sealed);
    const flipped = bytes.slice();
    flipped[20] = flipped[20]! ^ 1;
    const tampered = [
      sealed.slice(0, -10),
      sealed.slice(0, 20),
      base64url.encode(flipped),
      "",
      "!!!not-base64url!!!",
      "A".repeat(1 << 20),
      sealed + sealed,
    ];
    for (const value of tampered) {
      await store.inner.set(key, value, T0 + 3_600_000);
      server.answer = () => ({ active: false }); // revoked since
      const reader = verifier(server, store, {
        now: time.now,
        cache: { maxEntries: 0 },
      });
      await assert.rejects(reader.verifyToken(TOKEN), InvalidTokenError);
    }
  });

  it("another token's sealed entry moved to this token's key does not open", async () => {
    const time = clock();
    const server = authorizationServer((token) =>
      token === "admin-token"
        ? active(time.ms, { scope: "admin" })
        : { active: false }
    );
    const store = recording();
    await verifier(server, store, { now: time.now }).verifyToken("admin-token");
    const adminKey = answerKey(store);
    const adminValue = store.values.get(adminKey)!;
    // A store answering the admin's entry for every key (a colliding key).
    const colliding: CacheStore = {
      get: () => Promise.resolve(adminValue),
      set: () => Promise.resolve(),
      add: (key, value, expiresAt) => store.add(key, value, expiresAt),
      delete: (key) => store.delete(key),
    };
    const reader = verifier(server, colliding, {
      now: time.now,
      cache: { maxEntries: 0 },
    });
    await assert.rejects(reader.verifyToken(TOKEN), InvalidTokenError);
    assert.equal(server.calls(TOKEN), 1);
    const response = await through(reader, TOKEN);
    assert.equal(response.status, 401);
  });

  it("an entry sealed under another tenant's secret (same store, same prefix) is ignored", async () => {
    const time = clock();
    const store = recording();
    const lying = authorizationServer(() =>
      active(time.ms, { scope: "admin" })
    );
    await new IntrospectionVerifier({
      endpoint: AS,
      clientId: "mcp-server",
      clientSecret: "client-secret",
      issuer: ISSUER,
      audience: AUDIENCE,
      fetch: lying.fetch,
      now: time.now,
      sharedCache: {
        store,
        secret: crypto.getRandomValues(new Uint8Array(32)),
      },
    }).verifyToken(TOKEN);
    const [forgedKey] = [...store.values.keys()].filter((key) =>
      !key.endsWith(".lease")
    );
    const honest = authorizationServer(() => ({ active: false }));
    const ours = verifier(honest, store, { now: time.now });
    await assert.rejects(ours.verifyToken(TOKEN), InvalidTokenError);
    assert.equal(honest.calls(TOKEN), 1);
    // Even copied to our key, the forged entry does not open.
    const ourKey = [...store.values.keys()].find((key) =>
      key !== forgedKey && !key.endsWith(".lease")
    );
    await store.inner.set(ourKey!, store.values.get(forgedKey!)!, T0 + 60_000);
    const reader = verifier(honest, store, {
      now: time.now,
      cache: { maxEntries: 0 },
    });
    await assert.rejects(reader.verifyToken(TOKEN), InvalidTokenError);
    assert.equal(honest.calls(TOKEN), 2);
  });

  it("a non-string value (number, object, array, bytes, true) is a miss", async () => {
    const time = clock();
    const server = authorizationServer(() => active(time.ms));
    for (
      const value of [42, { u: T0 + 1e6, r: { active: true } }, ["x"], true, {
        toString: () => "x",
      }, new Uint8Array(64)]
    ) {
      const odd: CacheStore = {
        get: () => Promise.resolve(value as unknown as string),
        set: () => Promise.resolve(),
        add: () => Promise.resolve(true),
        delete: () => Promise.resolve(),
      };
      const calls = server.calls();
      const token = await verifier(server, odd, {
        now: time.now,
        cache: { maxEntries: 0 },
      }).verifyToken(TOKEN);
      assert.deepEqual(token.scopes, ["files:read"]);
      assert.equal(server.calls(), calls + 1);
    }
  });
});

// ---------------------------------------- answers bound to each verifier

describe("sharedCache: verifiers sharing a store cannot serve each other's answers", () => {
  it("a verifier for another audience refuses a token cached by the first (401)", async () => {
    const time = clock();
    const server = authorizationServer(() => active(time.ms));
    const store = new MemoryCacheStore({ now: time.now });
    const ours = verifier(server, store, { now: time.now });
    assert.equal((await through(ours, TOKEN)).status, 200);
    const theirs = verifier(server, store, {
      now: time.now,
      audience: OTHER_AUDIENCE,
    });
    const response = await through(theirs, TOKEN);
    assert.equal(response.status, 401);
    assert.match(
      response.headers.get("www-authenticate") ?? "",
      /error="invalid_token"/,
    );
    assert.doesNotMatch(response.body, /SECRET|files:read/);
    assert.equal(server.calls(TOKEN), 1, "the shared answer was read");
  });

  it("the first verifier still accepts after the other refused (no negative poisoning)", async () => {
    const time = clock();
    const server = authorizationServer(() => active(time.ms));
    const store = new MemoryCacheStore({ now: time.now });
    const theirs = verifier(server, store, {
      now: time.now,
      audience: OTHER_AUDIENCE,
    });
    await assert.rejects(theirs.verifyToken(TOKEN), InvalidTokenError);
    const ours = verifier(server, store, { now: time.now });
    assert.deepEqual((await ours.verifyToken(TOKEN)).scopes, ["files:read"]);
  });

  it("a verifier accepting another issuer refuses the answer of the first's", async () => {
    const time = clock();
    const server = authorizationServer(() => active(time.ms));
    const store = new MemoryCacheStore({ now: time.now });
    await verifier(server, store, { now: time.now }).verifyToken(TOKEN);
    const strict = verifier(server, store, {
      now: time.now,
      issuer: "https://other-issuer.example.com/",
    });
    await assert.rejects(strict.verifyToken(TOKEN), {
      name: "InvalidTokenError",
      message: "Token issuer mismatch",
    });
  });

  it("requiredScopes are each verifier's own: a shared answer never widens them", async () => {
    const time = clock();
    const server = authorizationServer(() => active(time.ms));
    const store = new MemoryCacheStore({ now: time.now });
    await verifier(server, store, { now: time.now }).verifyToken(TOKEN);
    const admin = verifier(server, store, {
      now: time.now,
      requiredScopes: ["admin"],
    });
    await assert.rejects(admin.verifyToken(TOKEN), InsufficientScopeError);
    assert.equal((await through(admin, TOKEN)).status, 403);
  });

  it("another authorization server (same secret, same store) is asked itself", async () => {
    const time = clock();
    const first = authorizationServer(() => active(time.ms));
    const second = authorizationServer(() => ({ active: false }));
    const store = new MemoryCacheStore({ now: time.now });
    await verifier(first, store, { now: time.now }).verifyToken(TOKEN);
    const other = verifier(second, store, {
      now: time.now,
      endpoint: "https://other-as.example.com/introspect",
    });
    await assert.rejects(other.verifyToken(TOKEN), InvalidTokenError);
    assert.equal(second.calls(TOKEN), 1);
  });

  it("another client of the same server is asked itself (answers may differ per client)", async () => {
    const time = clock();
    const server = authorizationServer(() => active(time.ms));
    const store = recording(new MemoryCacheStore({ now: time.now }));
    await verifier(server, store, { now: time.now }).verifyToken(TOKEN);
    const keys = new Set(store.keys);
    await verifier(server, store, { now: time.now, clientId: "other-client" })
      .verifyToken(TOKEN);
    assert.equal(server.calls(TOKEN), 2);
    assert.ok([...store.keys].some((key) => !keys.has(key)));
  });
});

// --------------------------------------------------- TTL and revocation

describe("sharedCache: how long an answer is believed", () => {
  it("an old sealed entry planted back after it expired is not believed", async () => {
    const time = clock();
    let revoked = false;
    const server = authorizationServer(() =>
      revoked ? { active: false } : active(time.ms)
    );
    const store = recording(new MemoryCacheStore({ now: time.now }));
    await verifier(server, store, { now: time.now, cache: { maxAgeMs: 1_000 } })
      .verifyToken(TOKEN);
    const key = answerKey(store);
    const old = store.values.get(key)!;
    revoked = true;
    time.ms += 1_001;
    await store.inner.set(key, old, time.ms + 3_600_000); // a far expiry
    const reader = verifier(server, store, {
      now: time.now,
      cache: { maxEntries: 0, maxAgeMs: 1_000 },
    });
    await assert.rejects(reader.verifyToken(TOKEN), InvalidTokenError);
    assert.equal(server.calls(TOKEN), 2);
  });

  it("a store that never expires anything still bounds revocation by cache.maxAgeMs", async () => {
    const time = clock();
    let revoked = false;
    const server = authorizationServer(() =>
      revoked ? { active: false } : active(time.ms)
    );
    const forever = new MemoryCacheStore({ now: () => T0 });
    const options = {
      now: time.now,
      cache: { maxEntries: 0, maxAgeMs: 10_000 },
    };
    await verifier(server, forever, options).verifyToken(TOKEN);
    revoked = true;
    time.ms += 9_999;
    await verifier(server, forever, options).verifyToken(TOKEN); // within
    time.ms += 2;
    await assert.rejects(
      verifier(server, forever, options).verifyToken(TOKEN),
      InvalidTokenError,
    );
  });

  it("a reader never trusts an answer longer than its own cache.maxAgeMs", async () => {
    const time = clock();
    let revoked = false;
    const server = authorizationServer(() =>
      revoked ? { active: false } : active(time.ms)
    );
    const store = new MemoryCacheStore({ now: time.now });
    // One instance trusts answers for an hour; this one for 5 s.
    await verifier(server, store, {
      now: time.now,
      cache: { maxAgeMs: 3_600_000 },
    }).verifyToken(TOKEN);
    revoked = true;
    time.ms += 5_001;
    const careful = verifier(server, store, {
      now: time.now,
      cache: { maxAgeMs: 5_000 },
    });
    await assert.rejects(careful.verifyToken(TOKEN), InvalidTokenError);
    assert.equal(server.calls(TOKEN), 2);
  });

  it("an answer is never shared past the token's exp", async () => {
    const time = clock();
    const exp = Math.floor(T0 / 1000) + 2;
    const server = authorizationServer(() => active(time.ms, { exp }));
    const store = recording(new MemoryCacheStore({ now: time.now }));
    await verifier(server, store, { now: time.now }).verifyToken(TOKEN);
    time.ms = exp * 1000;
    await assert.rejects(
      verifier(server, store, { now: time.now, cache: { maxEntries: 0 } })
        .verifyToken(TOKEN),
      { name: "InvalidTokenError", message: "Token expired" },
    );
  });

  it("an inactive answer is shared as a rejection, never as an acceptance", async () => {
    const time = clock();
    let activeNow = false;
    const server = authorizationServer(() =>
      activeNow ? active(time.ms) : { active: false }
    );
    const store = new MemoryCacheStore({ now: time.now });
    const verifiers = [0, 1].map(() =>
      verifier(server, store, { now: time.now })
    );
    const results = await Promise.allSettled(
      Array.from(
        { length: 10 },
        (_, i) => verifiers[i % 2]!.verifyToken(TOKEN),
      ),
    );
    for (const result of results) {
      assert.equal(result.status, "rejected");
      assert.ok(result.reason instanceof InvalidTokenError);
    }
    assert.equal(server.calls(TOKEN), 1);
    // Once negativeTtlMs (5 s) passed, a third instance asks again.
    activeNow = true;
    time.ms += 5_001;
    const later = verifier(server, store, { now: time.now });
    assert.deepEqual((await later.verifyToken(TOKEN)).scopes, ["files:read"]);
  });

  it("an answer already expired, or with an exp far past the Date range, is not shared", async () => {
    const time = clock();
    for (
      const exp of [Math.floor(T0 / 1000) - 1, 1e20, -1, "9999999999", 1.5e10]
    ) {
      const server = authorizationServer(() => active(time.ms, { exp }));
      const store = recording(new MemoryCacheStore({ now: time.now }));
      const first = verifier(server, store, { now: time.now });
      const outcome = await first.verifyToken(TOKEN).then(
        () => "accepted",
        (error) => error.name,
      );
      if (exp === 1.5e10) {
        // A float far future exp: accepted, shared until cache.maxAgeMs.
        assert.equal(outcome, "accepted");
        time.ms += 60_001;
        server.answer = () => ({ active: false });
        await assert.rejects(
          verifier(server, store, { now: time.now }).verifyToken(TOKEN),
          InvalidTokenError,
        );
        continue;
      }
      assert.equal(outcome, "InvalidTokenError", String(exp));
      server.answer = () => active(time.ms);
      // Shared as a rejection at most: never an acceptance of that answer.
      await assert.rejects(
        verifier(server, store, { now: time.now }).verifyToken(TOKEN),
        InvalidTokenError,
      );
    }
  });

  it("a server failure is never shared: the next instance asks itself", async () => {
    const time = clock();
    const server = authorizationServer(() =>
      new Response("boom", { status: 500 })
    );
    const store = recording(new MemoryCacheStore({ now: time.now }));
    const first = verifier(server, store, { now: time.now });
    const down = await through(first, TOKEN);
    assert.equal(down.status, 503);
    assert.match(down.headers.get("retry-after") ?? "", /^[1-9][0-9]*$/);
    assert.doesNotMatch(down.body, /boom|SECRET/);
    assert.deepEqual(
      [...store.values.keys()].filter((key) => !key.endsWith(".lease")),
      [],
    );
    server.answer = () => active(time.ms);
    const second = verifier(server, store, { now: time.now });
    assert.equal((await through(second, TOKEN)).status, 200);
  });
});

// ------------------------------------------------ broken shared stores

const THROWN: [string, () => unknown][] = [
  ["an Error", () => new Error(`store failed for ${TOKEN}`)],
  ["null", () => null],
  ["undefined", () => undefined],
  ["a string", () => `store failed for ${TOKEN}`],
  ["a VerifierUnavailableError", () => new VerifierUnavailableError(TOKEN)],
  ["an InvalidTokenError", () => new InvalidTokenError("Token inactive")],
  [
    "an object whose getters throw",
    () =>
      new Proxy({}, {
        get() {
          throw new Error("trap");
        },
        getPrototypeOf() {
          throw new Error("trap");
        },
      }),
  ],
];

describe("sharedCache: a broken store is bypassed, never believed", () => {
  for (const [name, thrown] of THROWN) {
    for (const method of ["get", "add", "set", "delete"] as const) {
      it(`${method} throwing ${name}: the server is asked, the answer is its own`, async () => {
        const time = clock();
        const server = authorizationServer(() => active(time.ms));
        const inner = new MemoryCacheStore({ now: time.now });
        const broken: CacheStore = {
          get: (key) => inner.get(key),
          set: (key, value, at) => inner.set(key, value, at),
          add: (key, value, at) => inner.add(key, value, at),
          delete: (key) => inner.delete(key),
        };
        broken[method] = () => {
          throw thrown();
        };
        const reported: unknown[] = [];
        const errors: unknown[] = [];
        const response = await through(
          verifier(server, broken, {
            now: time.now,
            sharedCache: {
              store: broken,
              secret: SECRET,
              onError: (error) => {
                reported.push(error);
                throw new Error("a listener that throws too");
              },
            },
          }),
          TOKEN,
          errors,
        );
        assert.equal(response.status, 200);
        assert.equal(server.calls(TOKEN), 1);
        assert.ok(reported.length >= 1, "onError was told");
        assert.doesNotMatch(response.body, /SECRET/);
      });
    }
  }

  for (
    const [name, answer] of [
      ['"OK"', "OK"],
      ["1", 1],
      ["undefined", undefined],
      ["a thenable of true", { then: (f: (v: unknown) => void) => f("yes") }],
    ] as const
  ) {
    it(`add answering ${name} is a broken store: the server is asked once`, async () => {
      const time = clock();
      const server = authorizationServer(() => ({ active: false }));
      const odd: CacheStore = {
        get: () => Promise.resolve(undefined),
        set: () => Promise.resolve(),
        add: () => Promise.resolve(answer as unknown as boolean),
        delete: () => Promise.resolve(),
      };
      await assert.rejects(
        verifier(server, odd, { now: time.now }).verifyToken(TOKEN),
        InvalidTokenError,
      );
      assert.equal(server.calls(TOKEN), 1);
    });
  }

  it("a store that never answers is bypassed: the request gets the server's answer", async () => {
    const server = authorizationServer(() => active(Date.now()));
    const hung: CacheStore = {
      get: () => new Promise(() => {}),
      set: () => new Promise(() => {}),
      add: () => new Promise(() => {}),
      delete: () => new Promise(() => {}),
    };
    const response = await through(verifier(server, hung), TOKEN);
    assert.equal(response.status, 200);
    assert.equal(server.calls(TOKEN), 1);
  });

  it("a slow store whose lease never frees stops being polled once the lease could have expired", async () => {
    // Every call takes 150 ms and the lease is always held: the instance
    // waits at most 2 x (timeoutMs + 1 s) in all, then asks itself. Counting
    // only its pauses, it would poll some 25 times (each poll two calls).
    const server = authorizationServer(() => active(Date.now()));
    let adds = 0;
    const slow = (value: unknown) =>
      new Promise<never>((resolve) =>
        setTimeout(() => resolve(value as never), 150)
      );
    const held: CacheStore = {
      get: () => slow(undefined),
      set: () => slow(undefined),
      add: () => (adds++, slow(false)),
      delete: () => slow(undefined),
    };
    const token = await verifier(server, held, { timeoutMs: 1 }).verifyToken(
      TOKEN,
    );
    assert.deepEqual(token.scopes, ["files:read"]);
    assert.equal(server.calls(TOKEN), 1);
    // 2002 ms of real time at 300 ms or more per poll.
    assert.ok(adds <= 8, `polled ${adds} times`);
  });

  it("neither keys nor values hold the token, its plain hash, or the claims", async () => {
    const time = clock();
    const server = authorizationServer((token) =>
      token === TOKEN
        ? active(time.ms, { scope: "scope-SECRET", sub: "user-SECRET" })
        : { active: false }
    );
    const store = recording(new MemoryCacheStore({ now: time.now }));
    await verifier(server, store, { now: time.now }).verifyToken(TOKEN);
    await assert.rejects(
      verifier(server, store, { now: time.now }).verifyToken(`${TOKEN}-bad`),
    );
    const hashes = await Promise.all(
      (["b64", "b64url", "hex"] as const).map((encoding) =>
        sha256(TOKEN, encoding)
      ),
    );
    const held = [...store.keys, ...store.values.values()].join("\n");
    assert.ok(held.length > 0);
    assert.doesNotMatch(held, /SECRET|opaque|files/);
    for (const hash of hashes) assert.ok(!held.includes(hash), hash);
    for (const key of store.keys) {
      assert.match(key, /^[A-Za-z0-9_-]{43}(\.lease)?$/);
    }
  });
});

// ------------------------------------------------------ local caches

describe("local token caches", () => {
  it("IntrospectionVerifier: what a caller does to a returned token never reaches the cache", async () => {
    const time = clock();
    const server = authorizationServer(() => active(time.ms));
    const plain = new IntrospectionVerifier({
      endpoint: AS,
      clientId: "mcp-server",
      clientSecret: "client-secret",
      issuer: ISSUER,
      audience: AUDIENCE,
      fetch: server.fetch,
      now: time.now,
    });
    for (const target of [plain, verifier(server, new MemoryCacheStore())]) {
      const first = await target.verifyToken(TOKEN);
      (first.scopes as string[]).push("admin");
      assert.throws(() => {
        (first.claims as Record<string, unknown>).scope = "admin";
      }, TypeError);
      (first as { clientId: string }).clientId = "someone-else";
      const again = await target.verifyToken(TOKEN);
      assert.deepEqual(again.scopes, ["files:read"]);
      assert.equal(again.clientId, "app");
      assert.equal(again.claims.scope, "files:read");
    }
  });

  it("JwtVerifier: what a caller does to a returned token never reaches the cache", async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const jwt = await new SignJWT({ scope: "files:read", client_id: "app" })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .setIssuer(ISSUER).setAudience(AUDIENCE).setSubject("u")
      .setIssuedAt().setExpirationTime("1h").setJti("j")
      .sign(secret);
    const jwtVerifier = new JwtVerifier({
      secret,
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const first = await jwtVerifier.verifyToken(jwt);
    (first.scopes as string[]).push("admin");
    assert.throws(() => {
      (first.claims as Record<string, unknown>).scope = "admin";
    }, TypeError);
    const again = await jwtVerifier.verifyToken(jwt);
    assert.deepEqual(again.scopes, ["files:read"]);
    // A forged copy (same claims, another signature) is refused, and its
    // rejection does not reach the genuine token.
    const forged = `${jwt.slice(0, jwt.lastIndexOf(".") + 1)}${
      base64url.encode(new Uint8Array(32))
    }`;
    assert.equal((await through(jwtVerifier, forged)).status, 401);
    assert.equal((await through(jwtVerifier, jwt)).status, 200);
  });

  it("IntrospectionVerifier: an inactive answer is remembered as a rejection only, briefly", async () => {
    const time = clock();
    let activeNow = false;
    const server = authorizationServer(() =>
      activeNow ? active(time.ms) : { active: false }
    );
    const target = new IntrospectionVerifier({
      endpoint: AS,
      clientId: "mcp-server",
      clientSecret: "client-secret",
      issuer: ISSUER,
      audience: AUDIENCE,
      fetch: server.fetch,
      now: time.now,
    });
    await assert.rejects(target.verifyToken(TOKEN), InvalidTokenError);
    activeNow = true;
    await assert.rejects(target.verifyToken(TOKEN), InvalidTokenError);
    assert.equal(server.calls(TOKEN), 1);
    time.ms += 5_001;
    assert.deepEqual((await target.verifyToken(TOKEN)).scopes, ["files:read"]);
  });

  it("IntrospectionVerifier: a server failure is never cached", async () => {
    const time = clock();
    let failing = true;
    const server = authorizationServer(() =>
      failing ? new Response("{}", { status: 503 }) : active(time.ms)
    );
    const target = new IntrospectionVerifier({
      endpoint: AS,
      clientId: "mcp-server",
      clientSecret: "client-secret",
      issuer: ISSUER,
      audience: AUDIENCE,
      fetch: server.fetch,
      now: time.now,
    });
    await assert.rejects(target.verifyToken(TOKEN), VerifierUnavailableError);
    failing = false;
    assert.deepEqual((await target.verifyToken(TOKEN)).scopes, ["files:read"]);
  });

  it("IntrospectionVerifier: revocation is bounded by cache.maxAgeMs, however far exp is", async () => {
    const time = clock();
    let revoked = false;
    const server = authorizationServer(() =>
      revoked
        ? { active: false }
        : active(time.ms, { exp: Math.floor(T0 / 1000) + 10 ** 9 })
    );
    const target = new IntrospectionVerifier({
      endpoint: AS,
      clientId: "mcp-server",
      clientSecret: "client-secret",
      issuer: ISSUER,
      audience: AUDIENCE,
      fetch: server.fetch,
      now: time.now,
      cache: { maxAgeMs: 2_000 },
    });
    await target.verifyToken(TOKEN);
    revoked = true;
    time.ms += 1_999;
    await target.verifyToken(TOKEN);
    time.ms += 2;
    await assert.rejects(target.verifyToken(TOKEN), InvalidTokenError);
  });

  it("a flood of rejected tokens does not evict an accepted one", async () => {
    const time = clock();
    const server = authorizationServer((token) =>
      token === TOKEN ? active(time.ms) : { active: false }
    );
    const target = new IntrospectionVerifier({
      endpoint: AS,
      clientId: "mcp-server",
      clientSecret: "client-secret",
      issuer: ISSUER,
      audience: AUDIENCE,
      fetch: server.fetch,
      now: time.now,
      cache: { maxEntries: 4 },
    });
    await target.verifyToken(TOKEN);
    for (let i = 0; i < 50; i++) {
      await assert.rejects(target.verifyToken(`bad-${i}`), InvalidTokenError);
    }
    await target.verifyToken(TOKEN);
    assert.equal(server.calls(TOKEN), 1);
  });

  it("JwtVerifier: a cached token is refused once its exp passes", async () => {
    const time = clock();
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const exp = Math.floor(T0 / 1000) + 5;
    const jwt = await new SignJWT({ scope: "files:read" })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .setIssuer(ISSUER).setAudience(AUDIENCE).setSubject("u")
      .setIssuedAt(Math.floor(T0 / 1000)).setExpirationTime(exp)
      .sign(secret);
    const target = new JwtVerifier({
      secret,
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
      now: time.now,
    });
    await target.verifyToken(jwt);
    time.ms = exp * 1000;
    await assert.rejects(target.verifyToken(jwt), InvalidTokenError);
  });
});

// ------------------------------------------------ in-memory stores: input

describe("in-memory stores: expiries", () => {
  for (
    const [name, expiresAt] of [
      ["NaN", Number.NaN],
      ["Infinity", Number.POSITIVE_INFINITY],
      ["-Infinity", Number.NEGATIVE_INFINITY],
      ["a string", "9999999999999"],
      ["a bigint", 10n ** 15n],
      ["undefined", undefined],
    ] as const
  ) {
    it(`MemoryReplayStore refuses an expiry of ${name} and records nothing`, async () => {
      const store = new MemoryReplayStore({ now: () => T0 });
      await assert.rejects(
        store.checkAndStore("k", expiresAt as unknown as number),
        TypeError,
      );
      assert.equal(store.size, 0);
      assert.equal(await store.checkAndStore("k", T0 + 1), true);
      assert.equal(await store.checkAndStore("k", T0 + 1), false);
    });

    it(`MemoryCacheStore refuses an expiry of ${name} and holds nothing`, async () => {
      const store = new MemoryCacheStore({ now: () => T0 });
      await assert.rejects(
        store.set("k", "v", expiresAt as unknown as number),
        TypeError,
      );
      await assert.rejects(
        store.add("k", "v", expiresAt as unknown as number),
        TypeError,
      );
      assert.equal(await store.get("k"), undefined);
      assert.equal(store.size, 0);
    });
  }

  it("an expiry in the past holds nothing; a float one holds until it", async () => {
    let now = T0;
    const cache = new MemoryCacheStore({ now: () => now });
    await cache.set("past", "v", T0 - 1);
    assert.equal(await cache.add("past2", "v", T0), true);
    assert.equal(await cache.get("past"), undefined);
    assert.equal(await cache.get("past2"), undefined);
    await cache.set("float", "v", T0 + 0.5);
    assert.equal(await cache.get("float"), "v");
    now = T0 + 0.5;
    assert.equal(await cache.get("float"), undefined);
    // A replay key with an expiry already past still answers "seen" for
    // the same instant? No: it is forgotten, as the proof is too old anyway.
    const replay = new MemoryReplayStore({ now: () => now });
    assert.equal(await replay.checkAndStore("k", now + 1e12), true);
    assert.equal(await replay.checkAndStore("k", now + 1e12), false);
  });
});

// ------------------------------------------------- replay across instances

/** Many copies of one proof sent at once to two instances. */
async function race(
  client: DpopClient,
  stores: [ReplayStore, ReplayStore],
  copies = 32,
): Promise<number[]> {
  const targets = stores.map((store) => instance(client, store));
  const proof = await client.proof();
  const seen = await Promise.all(
    Array.from({ length: copies }, (_, i) => send(targets[i % 2]!, proof)),
  );
  return seen.map((answer) => answer.status);
}

function countOf(statuses: number[], status: number): number {
  return statuses.filter((seen) => seen === status).length;
}

describe("DPoP replay: many copies of one proof at once, two instances", () => {
  it("one MemoryReplayStore shared by two instances admits exactly one", async () => {
    const client = await dpopClient();
    const store = new MemoryReplayStore();
    for (let round = 0; round < 3; round++) {
      const statuses = await race(client, [store, store]);
      assert.equal(countOf(statuses, 200), 1);
      assert.equal(countOf(statuses, 401), 31);
    }
  });

  it("two MemoryReplayStores are two processes: each admits one (why a shared store)", async () => {
    const client = await dpopClient();
    const statuses = await race(client, [
      new MemoryReplayStore(),
      new MemoryReplayStore(),
    ]);
    assert.equal(countOf(statuses, 200), 2);
  });
});

// ---------------------------------------- RedisStore over hostile clients

describe("RedisStore over a hostile or broken client (no server)", () => {
  function client(reply: (args: string[]) => unknown) {
    const sent: string[][] = [];
    return {
      sent,
      client: {
        sendCommand: (args: string[]) => {
          sent.push(args);
          return reply(args) as Promise<unknown>;
        },
      },
    };
  }

  for (const [name, thrown] of THROWN) {
    it(`a client throwing ${name}: DPoP answers 503 with Retry-After, never 2xx or 500`, async () => {
      const dpop = await dpopClient();
      for (const sync of [true, false]) {
        const { client: redis } = client(() => {
          if (sync) throw thrown();
          return Promise.reject(thrown());
        });
        const target = instance(dpop, new RedisStore({ client: redis }));
        const seen = await send(target, await dpop.proof());
        assert.equal(seen.status, 503);
        // The store's own hint (2 s): whatever was thrown, it is the store's
        // VerifierUnavailableError that answers (the client's own passes).
        assert.equal(
          seen.retryAfter,
          name === "a VerifierUnavailableError" ? "5" : "2",
        );
        assert.doesNotMatch(seen.body, /SECRET|bound-token|trap/);
        assert.equal(target.admitted, 0);
        assert.ok(
          target.errors.every((error) =>
            error instanceof VerifierUnavailableError
          ),
        );
      }
    });
  }

  for (
    const reply of [1, 0, "1", "QUEUED", true, [], {}, undefined, "ok", "OK "]
  ) {
    it(`SET NX answered ${JSON.stringify(reply) ?? "undefined"}: 503, never admitted`, async () => {
      const dpop = await dpopClient();
      const { client: redis } = client(() => Promise.resolve(reply));
      const target = instance(dpop, new RedisStore({ client: redis }));
      const seen = await send(target, await dpop.proof());
      assert.equal(seen.status, 503);
      assert.equal(target.admitted, 0);
    });
  }

  it("a client that never answers: 503 within timeoutMs", async () => {
    const dpop = await dpopClient();
    const { client: redis } = client(() => new Promise(() => {}));
    const target = instance(
      dpop,
      new RedisStore({ client: redis, timeoutMs: 20 }),
    );
    const seen = await send(target, await dpop.proof());
    assert.equal(seen.status, 503);
    assert.match(seen.retryAfter ?? "", /^[1-9][0-9]*$/);
  });

  it("a wrong-typed GET reply is a failure, which sharedCache bypasses", async () => {
    const server = authorizationServer(() => active(Date.now()));
    for (const reply of [1, ["x"], { v: "x" }, true]) {
      const { client: redis } = client(([command]) =>
        Promise.resolve(
          command === "GET" ? reply : command === "DEL" ? 1 : "OK",
        )
      );
      const store = new RedisStore({ client: redis });
      await assert.rejects(store.get("k"), VerifierUnavailableError);
      const token = await verifier(server, store).verifyToken(TOKEN);
      assert.deepEqual(token.scopes, ["files:read"]);
    }
  });

  it("prefixes with ':' or '*' stay inside their namespace; none collides", async () => {
    const { client: redis, sent } = client((args) =>
      Promise.resolve(args[0] === "DEL" ? 1 : "OK")
    );
    const prefixes = ["a", "a:cache", "a:replay", "*", "a*", "a:", ":a", "{a}"];
    const expiresAt = Date.now() + 60_000;
    for (const prefix of prefixes) {
      const store = new RedisStore({ client: redis, prefix });
      await store.checkAndStore("k", expiresAt);
      await store.set("k", "v", expiresAt);
      await store.set("cache:k", "v", expiresAt);
    }
    const names = sent.map((args) => args[1]!);
    assert.equal(new Set(names).size, names.length, names.join("\n"));
    for (const [index, name] of names.entries()) {
      const prefix = prefixes[Math.floor(index / 3)]!;
      assert.ok(name.startsWith(`${prefix}:`), name);
      assert.match(
        name.slice(prefix.length),
        /^:(replay|cache):[A-Za-z0-9_-]{43}$/,
      );
    }
  });

  for (
    const prefix of ["", "has space", "x".repeat(65), "é", "a\nb", "a\rb", 5]
  ) {
    it(`refuses the prefix ${JSON.stringify(prefix)}, saying what to write`, () => {
      assert.throws(
        () =>
          new RedisStore({
            client: { sendCommand: () => Promise.resolve("OK") },
            prefix: prefix as string,
          }),
        {
          name: "TypeError",
          message: /^RedisStore option "prefix" must be /,
        },
      );
    });
  }

  it("a 1 MB prefix is refused before any key is built", () => {
    assert.throws(
      () =>
        new RedisStore({
          client: { sendCommand: () => Promise.resolve("OK") },
          prefix: "p".repeat(1 << 20),
        }),
      /1 to 64 printable ASCII characters/,
    );
  });

  it("TTLs: a past expiry deletes, a float one rounds up, a NaN one sends nothing", async () => {
    const now = T0;
    const { client: redis, sent } = client((args) =>
      Promise.resolve(args[0] === "DEL" ? 0 : "OK")
    );
    const store = new RedisStore({ client: redis, now: () => now });
    await store.set("past", "v", now - 1);
    await store.set("now", "v", now);
    await store.set("float", "v", now + 0.25);
    await store.set("far", "v", 8.64e15);
    assert.equal(await store.checkAndStore("past", now - 10), true);
    await assert.rejects(store.set("nan", "v", Number.NaN), TypeError);
    await assert.rejects(store.checkAndStore("nan", Number.NaN), TypeError);
    await assert.rejects(
      store.set("v", 5 as unknown as string, now + 1),
      TypeError,
    );
    assert.deepEqual(sent.map((args) => [args[0], ...args.slice(3)]), [
      ["DEL"],
      ["DEL"],
      ["SET", "PX", "1"],
      ["SET", "PX", String(8.64e15 - now)],
      ["SET", "NX", "PX", "1"],
    ]);
    for (const args of sent) {
      for (const part of args) assert.doesNotMatch(part, /^(past|now|float)$/);
    }
  });

  it("keys are hashed: a token used as a key never reaches the client", async () => {
    const { client: redis, sent } = client((args) =>
      Promise.resolve(args[0] === "DEL" ? 1 : args[0] === "GET" ? null : "OK")
    );
    const store = new RedisStore({ client: redis });
    await store.checkAndStore(TOKEN, Date.now() + 1_000);
    await store.set(TOKEN, "v", Date.now() + 1_000);
    await store.get(TOKEN);
    await store.delete(TOKEN);
    const text = JSON.stringify(sent);
    assert.doesNotMatch(text, /SECRET|opaque/);
  });
});

// ------------------------------------------------ DenoKvStore on Deno KV

const hasKv = typeof Deno !== "undefined" &&
  typeof (Deno as { openKv?: unknown }).openKv === "function";
const kvSkip: false | string = hasKv ||
    (typeof Deno !== "undefined" &&
      process.env.MCP_AUTHZ_REQUIRE_SERVICES === "1")
  ? false
  : "needs Deno.openKv (Deno with --unstable-kv)";

let kvDirectory: string | undefined;
const kvHandles: Deno.Kv[] = [];
after(async () => {
  for (const kv of kvHandles) {
    try {
      kv.close();
    } catch {
      // closed already
    }
  }
  if (kvDirectory !== undefined) {
    await Deno.remove(kvDirectory, { recursive: true });
  }
});

async function openKv(): Promise<Deno.Kv> {
  kvDirectory ??= await Deno.makeTempDir({ prefix: "mcp-authz-attack-kv-" });
  const kv = await Deno.openKv(`${kvDirectory}/kv.sqlite3`);
  kvHandles.push(kv);
  return kv;
}

describe("DenoKvStore on real Deno KV under attack", () => {
  it(
    "32 copies of one proof at once through two handles: exactly one admitted",
    { skip: kvSkip },
    async () => {
      const client = await dpopClient();
      const prefix = `race-${crypto.randomUUID()}`;
      const stores = [await openKv(), await openKv()].map((kv) =>
        new DenoKvStore({ kv, prefix })
      ) as [DenoKvStore, DenoKvStore];
      for (let round = 0; round < 3; round++) {
        const statuses = await race(client, stores);
        assert.equal(countOf(statuses, 200), 1, statuses.join(","));
        assert.equal(countOf(statuses, 401) + countOf(statuses, 503), 31);
      }
    },
  );

  it(
    "hostile values planted at the hashed keys: 503 or a miss, never a grant",
    { skip: kvSkip },
    async () => {
      const kv = await openKv();
      const prefix = `planted-${crypto.randomUUID()}`;
      const store = new DenoKvStore({ kv, prefix });
      const hashed = await sha256("k", "b64url");
      const server = authorizationServer(() => ({ active: false }));
      for (
        const value of [
          "a string",
          42,
          { e: "soon" },
          { e: Date.now() + 60_000, v: 5 },
          { e: Date.now() + 60_000 },
          [1, 2],
        ]
      ) {
        await kv.set([prefix, "cache", hashed], value);
        await assert.rejects(store.get("k"), VerifierUnavailableError);
      }
      // A NaN or past expiry reads as absent, a far one as held.
      await kv.set([prefix, "cache", hashed], { e: Number.NaN, v: "x" });
      assert.equal(await store.get("k"), undefined);
      await kv.set([prefix, "cache", hashed], { e: 1e300, v: "x" });
      assert.equal(await store.get("k"), "x");
      // Through the verifier: whatever is planted, the server is believed.
      await kv.set([prefix, "cache", hashed], "a string");
      const reader = verifier(server, store);
      await assert.rejects(reader.verifyToken(TOKEN), InvalidTokenError);
      // A replay entry of another shape is a 503 for the proof.
      const client = await dpopClient();
      const proof = await client.proof();
      const payload = JSON.parse(
        new TextDecoder().decode(base64url.decode(proof.split(".")[1]!)),
      ) as { jti: string };
      await kv.set(
        [
          prefix,
          "replay",
          await sha256(`${client.jkt}.${payload.jti}`, "b64url"),
        ],
        "garbage",
      );
      const seen = await send(instance(client, store), proof);
      assert.equal(seen.status, 503);
      assert.match(seen.retryAfter ?? "", /^[1-9][0-9]*$/);
    },
  );

  it(
    "a database that throws a non-Error, or was closed: 503, never 2xx",
    { skip: kvSkip },
    async () => {
      const client = await dpopClient();
      for (const thrown of [null, undefined, "down", { message: TOKEN }]) {
        const kv = {
          get: () => Promise.reject(thrown),
          set: () => Promise.reject(thrown),
          delete: () => Promise.reject(thrown),
          atomic: () => {
            throw thrown;
          },
        };
        const seen = await send(
          instance(client, new DenoKvStore({ kv: kv as never })),
          await client.proof(),
        );
        assert.equal(seen.status, 503);
        assert.doesNotMatch(seen.body, /SECRET|down/);
      }
      const closed = await openKv();
      closed.close();
      const seen = await send(
        instance(client, new DenoKvStore({ kv: closed })),
        await client.proof(),
      );
      assert.equal(seen.status, 503);
    },
  );

  it(
    "the database holds neither a token, a jti, nor the claims",
    { skip: kvSkip },
    async () => {
      const kv = await openKv();
      const prefix = `leak-${crypto.randomUUID()}`;
      const store = new DenoKvStore({ kv, prefix });
      const time = Date.now();
      const server = authorizationServer(() =>
        active(time, { scope: "scope-SECRET" })
      );
      await verifier(server, store).verifyToken(TOKEN);
      const client = await dpopClient();
      const proof = await client.proof();
      assert.equal((await send(instance(client, store), proof)).status, 200);
      const held: string[] = [];
      for await (const entry of kv.list({ prefix: [prefix] })) {
        held.push(JSON.stringify(entry.key), JSON.stringify(entry.value));
      }
      const text = held.join("\n");
      assert.ok(text.length > 0);
      const jti = (JSON.parse(
        new TextDecoder().decode(base64url.decode(proof.split(".")[1]!)),
      ) as { jti: string }).jti;
      for (const secret of [TOKEN, "SECRET", jti, client.jkt, BOUND_TOKEN]) {
        assert.ok(!text.includes(secret), secret);
      }
    },
  );
});

// ----------------------------------------------- end to end through HTTP

describe("DPoP through withBearerAuth: what the caller sees of a broken store", () => {
  it("a store error carrying the token never reaches the response", async () => {
    const client = await dpopClient();
    const store: ReplayStore = {
      checkAndStore: () =>
        Promise.reject(new Error(`redis said no to ${BOUND_TOKEN} ${TOKEN}`)),
    };
    const target = instance(client, store);
    const response = await target.handle(dpopRequest(await client.proof()));
    assert.equal(response.status, 503);
    const text = await response.text() +
      JSON.stringify([...response.headers]);
    assert.doesNotMatch(text, /redis said|bound-token|SECRET/);
    assert.equal(target.admitted, 0);
  });

  for (
    const hint of [Number.NaN, -1, 1e300, 1.5, Number.POSITIVE_INFINITY, "60"]
  ) {
    it(`a store's unavailability with a retryAfter of ${String(hint)} gives a sane Retry-After`, async () => {
      const client = await dpopClient();
      const store: ReplayStore = {
        checkAndStore: () =>
          Promise.reject(
            new VerifierUnavailableError("down", {
              retryAfter: hint as number,
            }),
          ),
      };
      const seen = await send(instance(client, store), await client.proof());
      assert.equal(seen.status, 503);
      const seconds = Number(seen.retryAfter);
      assert.match(seen.retryAfter ?? "", /^[0-9]+$/);
      assert.ok(seconds >= 0 && seconds <= 3600, seen.retryAfter ?? "");
    });
  }

  it("the sharedCache secret is copied: changing the caller's bytes later changes nothing", async () => {
    const time = clock();
    const server = authorizationServer(() => active(time.ms));
    const store = new MemoryCacheStore({ now: time.now });
    const secret = SECRET.slice();
    const first = new IntrospectionVerifier({
      endpoint: AS,
      clientId: "mcp-server",
      clientSecret: "client-secret",
      issuer: ISSUER,
      audience: AUDIENCE,
      fetch: server.fetch,
      now: time.now,
      sharedCache: { store, secret },
    });
    secret.fill(0);
    await first.verifyToken(TOKEN);
    // A verifier with the original secret reads what the first shared.
    await verifier(server, store, { now: time.now }).verifyToken(TOKEN);
    assert.equal(server.calls(TOKEN), 1);
  });

  it("an AccessToken of a verifier over a broken shared store is the server's, whole", async () => {
    const server = authorizationServer(() => active(Date.now()));
    const broken: CacheStore = {
      get: () => Promise.reject(null),
      set: () => Promise.reject(null),
      add: () => Promise.reject(null),
      delete: () => Promise.reject(null),
    };
    const token: AccessToken = await verifier(server, broken).verifyToken(
      TOKEN,
    );
    assert.equal(token.clientId, "app");
    assert.equal(token.token, TOKEN);
    assert.equal(String(token.resource), AUDIENCE);
  });

  it("dpopScheme with a resource's own replay store: the DPoP-bound token is refused without a proof", async () => {
    const client = await dpopClient();
    const handle = withBearerAuth(() => Response.json({ ok: true }), {
      verifier: new StaticTokenVerifier({
        tokens: {
          [BOUND_TOKEN]: {
            clientId: "app",
            scopes: ["mcp"],
            claims: { cnf: { jkt: client.jkt } },
          },
        },
      }),
      dpop: dpopScheme({ replayStore: new MemoryReplayStore() }),
      onError: () => {},
    });
    const response = await handle(
      new Request(RESOURCE, {
        method: "POST",
        headers: { authorization: `Bearer ${BOUND_TOKEN}` },
      }),
    );
    assert.equal(response.status, 401);
  });
});

// ------------------------------------ DurableObjectStore on real workerd

// Bundling the Worker needs Deno (`deno bundle`), so these run on Deno only.
const doSkip: false | string = typeof Deno === "undefined" &&
  "needs Deno to bundle the Worker (deno bundle)";

let workerd: Promise<Miniflare> | undefined;
after(async () => {
  if (workerd !== undefined) await (await workerd).dispose();
});

/** tests/stores/_do_worker.ts in Miniflare: the real StoreObject and client. */
function worker(): Promise<Miniflare> {
  workerd ??= (async () => {
    const entry = decodeURIComponent(
      new URL("../stores/_do_worker.ts", import.meta.url).pathname,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", "browser", entry],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(
        `deno bundle failed: ${new TextDecoder().decode(stderr)}`,
      );
    }
    const { Miniflare } = await import("miniflare");
    const object = (className: string) => ({ className, useSQLite: true });
    const mf = new Miniflare({
      modules: true,
      script: new TextDecoder().decode(stdout),
      compatibilityDate: "2026-07-01",
      durableObjects: {
        STORE: object("InspectableStore"),
        HANGING: object("HangingObject"),
        GARBAGE: object("GarbageObject"),
        FAILING: object("FailingObject"),
        SWITCHED: object("SwitchedStore"),
      },
      bindings: { JKT: "unused", TOKEN: "unused" },
    });
    await mf.ready;
    return mf;
  })();
  return workerd;
}

/** A store whose every call is a new DurableObjectStore inside the Worker. */
function objectStore(
  prefix: string,
  options: { shards?: number; binding?: string } = {},
): ReplayStore & CacheStore {
  const call = async (method: string, args: unknown[]) => {
    const mf = await worker();
    const response = await mf.dispatchFetch("https://worker.test/op", {
      method: "POST",
      body: JSON.stringify({
        binding: options.binding ?? "STORE",
        prefix,
        shards: options.shards,
        method,
        args,
      }),
    });
    const answer = await response.json() as { result?: unknown; code?: string };
    if (answer.code !== undefined) {
      throw new VerifierUnavailableError(`${answer.code} in the Worker`);
    }
    return answer.result;
  };
  return {
    checkAndStore: (key, at) => call("checkAndStore", [key, at]) as never,
    get: async (key) => ((await call("get", [key])) ?? undefined) as never,
    set: async (key, value, at) => void await call("set", [key, value, at]),
    add: (key, value, at) => call("add", [key, value, at]) as never,
    delete: async (key) => void await call("delete", [key]),
  };
}

describe("DurableObjectStore in workerd under attack", () => {
  it(
    "32 concurrent checkAndStore of one proof key, each from its own client: exactly one true",
    { skip: doSkip },
    async () => {
      const prefix = `race-${crypto.randomUUID()}`;
      for (const shards of [1, 4]) {
        const stores = [0, 1].map(() => objectStore(prefix, { shards }));
        const expiresAt = Date.now() + 60_000;
        const key = `jkt.jti-${shards}`;
        const answers = await Promise.all(
          Array.from(
            { length: 32 },
            (_, i) => stores[i % 2]!.checkAndStore(key, expiresAt),
          ),
        );
        assert.equal(answers.filter((answer) => answer === true).length, 1);
        assert.equal(answers.filter((answer) => answer === false).length, 31);
      }
    },
  );

  it(
    "prefixes with '/', ':' or '*' name their own objects: none shares another's",
    { skip: doSkip },
    async () => {
      const base = `p${crypto.randomUUID().slice(0, 8)}`;
      const prefixes = [
        base,
        `${base}/0`,
        `${base}/0/0`,
        `${base}:`,
        `${base}*`,
      ];
      const expiresAt = Date.now() + 60_000;
      for (const prefix of prefixes) {
        assert.equal(
          await objectStore(prefix).checkAndStore("k", expiresAt),
          true,
          prefix,
        );
      }
      for (const prefix of prefixes) {
        assert.equal(
          await objectStore(prefix).checkAndStore("k", expiresAt),
          false,
          prefix,
        );
      }
    },
  );

  it(
    "sharedCache over real Durable Objects: another audience refuses, planted values grant nothing",
    { skip: doSkip },
    async () => {
      const server = authorizationServer((token) =>
        token === TOKEN ? active(Date.now()) : { active: false }
      );
      const prefix = `shared-${crypto.randomUUID()}`;
      const recorded = recording();
      const remote = objectStore(prefix);
      const spy: CacheStore = {
        get: (key) => (recorded.keys.add(key), remote.get(key)),
        set: (
          key,
          value,
          at,
        ) => (recorded.keys.add(key), remote.set(key, value, at)),
        add: (
          key,
          value,
          at,
        ) => (recorded.keys.add(key), remote.add(key, value, at)),
        delete: (key) => (recorded.keys.add(key), remote.delete(key)),
      };
      assert.equal((await through(verifier(server, spy), TOKEN)).status, 200);
      const other = verifier(server, remote, { audience: OTHER_AUDIENCE });
      assert.equal((await through(other, TOKEN)).status, 401);
      assert.equal(server.calls(TOKEN), 1);
      // Whatever is written at the answer's key, the server is asked again.
      const [key] = [...recorded.keys].filter((k) => !k.endsWith(".lease"));
      server.answer = () => ({ active: false });
      for (
        const planted of [
          JSON.stringify({ u: Date.now() + 60_000, r: active(Date.now()) }),
          "x".repeat(100_000),
          "",
        ]
      ) {
        await remote.set(key!, planted, Date.now() + 60_000);
        await assert.rejects(
          verifier(server, remote, { cache: { maxEntries: 0 } }).verifyToken(
            TOKEN,
          ),
          InvalidTokenError,
        );
      }
    },
  );

  for (const binding of ["HANGING", "GARBAGE", "FAILING"]) {
    it(
      `sharedCache over an object that is ${binding.toLowerCase()}: bypassed, the server's answer`,
      { skip: doSkip },
      async () => {
        const server = authorizationServer(() => active(Date.now()));
        const broken = objectStore(`broken-${crypto.randomUUID()}`, {
          binding,
        });
        const response = await through(verifier(server, broken), TOKEN);
        assert.equal(response.status, 200);
        assert.equal(server.calls(TOKEN), 1);
      },
    );
  }
});
