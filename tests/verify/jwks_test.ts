import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidTokenError,
  JwtVerifier,
  type JwtVerifierOptions,
  VerifierUnavailableError,
} from "../../mod.ts";
import {
  AUDIENCE,
  claims,
  frozenClock,
  ISSUER,
  json,
  serve,
  sign,
  testKey,
  type TestServer,
} from "../_jwt_fixtures.ts";
import { jwksStore } from "../../src/verify/jwks.ts";

const k1 = await testKey("ES256", "k1");
const k2 = await testKey("ES256", "k2");

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function remote(
  url: string,
  options: Partial<JwtVerifierOptions> = {},
): JwtVerifier {
  return new JwtVerifier({
    jwksUri: url,
    issuer: ISSUER,
    audience: AUDIENCE,
    cache: false,
    now: frozenClock().now,
    ...options,
  } as JwtVerifierOptions);
}

/** Waits for the shared store's background refresh to finish. */
async function settled(s: TestServer, count: number): Promise<void> {
  await jwksStore(new URL(s.url)).idle();
  assert.equal(s.requests, count);
}

async function unavailable(
  promise: Promise<unknown>,
): Promise<VerifierUnavailableError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return error instanceof VerifierUnavailableError;
  });
  const error = caught as VerifierUnavailableError;
  assert.ok(typeof error.retryAfter === "number" && error.retryAfter >= 1);
  return error;
}

/**
 * A 32 MiB streamed JSON body, counting the bytes pulled from it (with
 * `lazy`, nothing is pulled before the first read).
 */
function hugeBody(
  counter: { bytes: number },
  headers: HeadersInit = {},
  lazy = false,
): Response {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let left = 512;
  return new Response(
    new ReadableStream({
      pull(controller) {
        if (left-- === 0) return controller.close();
        counter.bytes += chunk.length;
        controller.enqueue(chunk);
      },
    }, lazy ? { highWaterMark: 0 } : undefined),
    { headers: { "content-type": "application/json", ...headers } },
  );
}

describe("JWKS fetching", () => {
  it("fetches the key set once and verifies with it", async () => {
    server = await serve((_req, res) => json(res, { keys: [k1.jwk] }));
    const v = remote(server.url);
    assert.equal((await v.verifyToken(await sign(k1))).clientId, "user-1");
    assert.equal((await v.verifyToken(await sign(k1))).clientId, "user-1");
    assert.equal(server.requests, 1);
  });

  it("makes exactly one fetch for 1,000 concurrent cold verifications", async () => {
    server = await serve((_req, res) => json(res, { keys: [k1.jwk] }));
    const v = remote(server.url);
    const jwt = await sign(k1);
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => v.verifyToken(jwt)),
    );
    assert.equal(results.length, 1000);
    assert.ok(results.every((token) => token.clientId === "user-1"));
    assert.equal(server.requests, 1);
  });

  it("shares one key store between verifiers of the same URI", async () => {
    server = await serve((_req, res) => json(res, { keys: [k1.jwk] }));
    const jwt = await sign(k1);
    await remote(server.url).verifyToken(jwt);
    await remote(server.url).verifyToken(jwt);
    assert.equal(server.requests, 1);
  });

  it("does not trust keys that another verifier's fetch loaded for the same URI", async () => {
    const uri = `https://issuer.example.com/jwks-${crypto.randomUUID()}`;
    const rogue = await testKey("ES256", "k1");
    const devVerifier = remote(uri, {
      fetch: () => Promise.resolve(Response.json({ keys: [rogue.jwk] })),
    });
    const jwt = await sign(rogue);
    await devVerifier.verifyToken(jwt); // loads the rogue key
    let asked = 0;
    const prodVerifier = remote(uri, {
      fetch: () => {
        asked++;
        return Promise.reject(new TypeError("the issuer is unreachable"));
      },
    });
    await unavailable(prodVerifier.verifyToken(jwt));
    assert.equal(asked, 1);
  });

  it("shares one key store between verifiers given the same fetch", async () => {
    let asked = 0;
    const fetchStub = () => {
      asked++;
      return Promise.resolve(Response.json({ keys: [k1.jwk] }));
    };
    const uri = `https://issuer.example.com/jwks-${crypto.randomUUID()}`;
    const jwt = await sign(k1);
    await remote(uri, { fetch: fetchStub }).verifyToken(jwt);
    await remote(uri, { fetch: fetchStub }).verifyToken(jwt);
    assert.equal(asked, 1);
  });

  it("answers unavailable with retryAfter when the endpoint returns 500", async () => {
    server = await serve((_req, res) => json(res, { error: "boom" }, 500));
    await unavailable(remote(server.url).verifyToken(await sign(k1)));
  });

  it("answers unavailable for a body that is not JSON", async () => {
    server = await serve((_req, res) => json(res, "{not json"));
    await unavailable(remote(server.url).verifyToken(await sign(k1)));
  });

  it("stops reading a JWKS body past its 1 MiB limit", async () => {
    const counter = { bytes: 0 };
    const v = remote(`https://big.example.com/jwks-${crypto.randomUUID()}`, {
      fetch: () => Promise.resolve(hugeBody(counter)),
    });
    await unavailable(v.verifyToken(await sign(k1)));
    assert.ok(counter.bytes <= 2 * 1024 * 1024, `read ${counter.bytes} bytes`);
  });

  it("answers unavailable for a JWKS whose Content-Length is over 1 MiB, before reading it", async () => {
    const counter = { bytes: 0 };
    const v = remote(`https://big.example.com/jwks-${crypto.randomUUID()}`, {
      fetch: () =>
        Promise.resolve(
          hugeBody(
            counter,
            { "content-length": String(32 * 1024 * 1024) },
            true,
          ),
        ),
    });
    await unavailable(v.verifyToken(await sign(k1)));
    assert.equal(counter.bytes, 0);
  });

  it("answers unavailable for JSON that is not a key set", async () => {
    for (const body of [{ keys: "nope" }, [k1.jwk], { keys: [] }]) {
      const s = await serve((_req, res) => json(res, body));
      try {
        await unavailable(remote(s.url).verifyToken(await sign(k1)));
      } finally {
        await s.close();
      }
    }
  });

  it("answers unavailable when the endpoint hangs past timeoutMs", async () => {
    server = await serve(() => {/* never answers */});
    await unavailable(
      remote(server.url, { timeoutMs: 50 }).verifyToken(await sign(k1)),
    );
  });

  it("answers unavailable when nothing listens", async () => {
    const s = await serve((_req, res) => json(res, {}));
    const url = s.url;
    await s.close();
    await unavailable(remote(url).verifyToken(await sign(k1)));
  });

  it("does not refetch within the cooldown after a cold failure, and says how long to wait", async () => {
    server = await serve((_req, res) => json(res, {}, 503));
    const clock = frozenClock();
    const v = remote(server.url, { now: clock.now, jwksCooldownMs: 30_000 });
    const jwt = await sign(k1);
    await unavailable(v.verifyToken(jwt));
    clock.ms += 10_000;
    const error = await unavailable(v.verifyToken(jwt));
    assert.equal(error.retryAfter, 20);
    assert.equal(server.requests, 1);
    clock.ms += 20_000;
    await unavailable(v.verifyToken(jwt));
    assert.equal(server.requests, 2);
  });

  it("ignores keys whose use is not sig", async () => {
    server = await serve((_req, res) =>
      json(res, { keys: [{ ...k1.jwk, use: "enc" }, k2.jwk] })
    );
    const v = remote(server.url);
    assert.equal((await v.verifyToken(await sign(k2))).clientId, "user-1");
    await assert.rejects(v.verifyToken(await sign(k1)), InvalidTokenError);
  });

  it("ignores a key that carries private material", async () => {
    const privateJwk = { ...k1.jwk, d: "AAAA" };
    server = await serve((_req, res) =>
      json(res, { keys: [privateJwk, k2.jwk] })
    );
    const v = remote(server.url);
    assert.equal((await v.verifyToken(await sign(k2))).clientId, "user-1");
    await assert.rejects(v.verifyToken(await sign(k1)), InvalidTokenError);
  });
});

describe("JWKS redirects", () => {
  it("does not take keys from another origin the JWKS URI redirects to", async () => {
    const attacker = await testKey("ES256", "k1");
    const other = await serve((_req, res) =>
      json(res, { keys: [attacker.jwk] })
    );
    try {
      for (const status of [301, 302, 303, 307, 308]) {
        const issuer = await serve((_req, res) => {
          res.writeHead(status, { location: other.url });
          res.end();
        });
        try {
          await unavailable(
            remote(issuer.url, { timeoutMs: 2000 }).verifyToken(
              await sign(attacker),
            ),
          );
          assert.equal(issuer.requests, 1);
        } finally {
          await issuer.close();
        }
      }
      assert.equal(other.requests, 0);
    } finally {
      await other.close();
    }
  });

  it("refuses a key set that an injected fetch fetched through a redirect", async () => {
    const fetchStub = () => {
      const response = Response.json({ keys: [k1.jwk] });
      Object.defineProperty(response, "redirected", { value: true });
      return Promise.resolve(response);
    };
    const v = remote(`https://auth.example.com/jwks-${crypto.randomUUID()}`, {
      fetch: fetchStub as typeof fetch,
    });
    await unavailable(v.verifyToken(await sign(k1)));
  });

  it("asks fetch not to follow redirects", async () => {
    const seen: (RequestRedirect | undefined)[] = [];
    const fetchStub = (_input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(init?.redirect);
      return Promise.resolve(Response.json({ keys: [k1.jwk] }));
    };
    const v = remote(`https://auth.example.com/jwks-${crypto.randomUUID()}`, {
      fetch: fetchStub as typeof fetch,
    });
    await v.verifyToken(await sign(k1));
    assert.deepEqual(seen, ["manual"]);
  });
});

describe("JWKS refresh", () => {
  it("picks up a rotated key through one refetch", async () => {
    let keys = [k1.jwk];
    server = await serve((_req, res) => json(res, { keys }));
    const clock = frozenClock();
    const v = remote(server.url, { now: clock.now });
    await v.verifyToken(await sign(k1));
    keys = [k2.jwk];
    clock.ms += 30_000;
    assert.equal((await v.verifyToken(await sign(k2))).clientId, "user-1");
    assert.equal(server.requests, 2);
  });

  it("refetches for an unknown kid at most once per cooldown", async () => {
    server = await serve((_req, res) => json(res, { keys: [k1.jwk] }));
    const clock = frozenClock();
    const v = remote(server.url, { now: clock.now, jwksCooldownMs: 30_000 });
    await v.verifyToken(await sign(k1));
    const unknown = await sign({ ...k2, kid: "unknown" });
    clock.ms += 30_000;
    await Promise.all(
      Array.from(
        { length: 50 },
        () => assert.rejects(v.verifyToken(unknown), InvalidTokenError),
      ),
    );
    for (let i = 0; i < 5; i++) {
      clock.ms += 1000;
      await assert.rejects(v.verifyToken(unknown), InvalidTokenError);
    }
    assert.equal(server.requests, 2);
    clock.ms += 30_000;
    await assert.rejects(v.verifyToken(unknown), InvalidTokenError);
    assert.equal(server.requests, 3);
  });

  it("keeps serving held keys when a refresh fails (stale-if-error)", async () => {
    let fail = false;
    server = await serve((_req, res) =>
      fail ? json(res, {}, 500) : json(res, { keys: [k1.jwk] })
    );
    const clock = frozenClock();
    const v = remote(server.url, {
      now: clock.now,
      jwksMaxAgeMs: 60_000,
      jwksCooldownMs: 0,
    });
    const jwt = await sign(k1);
    await v.verifyToken(jwt);
    fail = true;
    clock.ms += 60_000; // stale: each call starts a refresh, and each fails
    for (let i = 0; i < 3; i++) {
      assert.equal((await v.verifyToken(jwt)).clientId, "user-1");
      await settled(server, i + 2);
    }
    assert.equal((await v.verifyToken(jwt)).clientId, "user-1");
  });

  it("stops trusting keys that could not be re-validated for 30 days", async () => {
    const clock = frozenClock();
    let up = true;
    const v = remote(`https://stale.example.com/jwks-${crypto.randomUUID()}`, {
      now: clock.now,
      fetch: () =>
        up
          ? Promise.resolve(Response.json({ keys: [k1.jwk] }))
          : Promise.reject(new TypeError("network down")),
    });
    await v.verifyToken(await sign(k1));
    up = false; // the issuer rotates k1 out; its JWKS cannot be reached
    clock.ms += 30 * 24 * 3600 * 1000;
    const later = await sign(k1, claims({ exp: clock.ms / 1000 + 300 }));
    await unavailable(v.verifyToken(later));
  });

  it("serves stale keys while a refresh fails until jwksMaxStaleMs, then answers unavailable", async () => {
    let fail = false;
    server = await serve((_req, res) =>
      fail ? json(res, {}, 500) : json(res, { keys: [k1.jwk] })
    );
    const clock = frozenClock();
    const v = remote(server.url, {
      now: clock.now,
      jwksMaxAgeMs: 60_000,
      jwksMaxStaleMs: 3_600_000,
      jwksCooldownMs: 30_000,
      requireExp: false,
    });
    const jwt = await sign(k1, claims({ exp: undefined }));
    await v.verifyToken(jwt);
    fail = true;
    clock.ms += 3_600_000 - 1; // one ms inside the bound
    assert.equal((await v.verifyToken(jwt)).clientId, "user-1");
    await settled(server, 2);
    clock.ms += 1; // at the bound: waits for a refresh, which is in cooldown
    const error = await unavailable(v.verifyToken(jwt));
    assert.equal(error.retryAfter, 30);
    assert.equal(server.requests, 2);
    clock.ms += 30_000; // cooldown over: tries again, fails again
    await unavailable(v.verifyToken(jwt));
    assert.equal(server.requests, 3);
    fail = false;
    clock.ms += 30_000; // the endpoint is back: trusted again
    assert.equal((await v.verifyToken(jwt)).clientId, "user-1");
    assert.equal(server.requests, 4);
  });

  it("refreshes keys past jwksMaxStaleMs before answering when the endpoint is up", async () => {
    let keys = [k1.jwk];
    server = await serve((_req, res) => json(res, { keys }));
    const clock = frozenClock();
    const v = remote(server.url, { now: clock.now, requireExp: false });
    const jwt1 = await sign(k1, claims({ exp: undefined }));
    await v.verifyToken(jwt1);
    keys = [k2.jwk];
    clock.ms += 24 * 3600 * 1000; // the default bound, 24 h
    // Not served from the old set, as stale-while-revalidate would.
    await assert.rejects(v.verifyToken(jwt1), InvalidTokenError);
    assert.equal(server.requests, 2);
    const jwt2 = await sign(k2, claims({ exp: undefined }));
    assert.equal((await v.verifyToken(jwt2)).clientId, "user-1");
  });

  it("refreshes the key set in the background once it is older than jwksMaxAgeMs", async () => {
    let keys = [k1.jwk];
    server = await serve((_req, res) => json(res, { keys }));
    const clock = frozenClock();
    const v = remote(server.url, {
      now: clock.now,
      jwksMaxAgeMs: 60_000,
      jwksCooldownMs: 0,
    });
    await v.verifyToken(await sign(k1));
    clock.ms += 59_999;
    await v.verifyToken(await sign(k1));
    assert.equal(server.requests, 1);
    keys = [k2.jwk];
    clock.ms += 1;
    // Served from the stale set while the refresh runs.
    assert.equal((await v.verifyToken(await sign(k1))).clientId, "user-1");
    await settled(server, 2);
    await assert.rejects(v.verifyToken(await sign(k1)), InvalidTokenError);
    assert.equal((await v.verifyToken(await sign(k2))).clientId, "user-1");
  });

  it("answers unavailable, not invalid, for an unknown kid while the endpoint is down", async () => {
    // The key may have been rotated in during the outage: a 401 would make
    // the client throw away a token that is probably good.
    let up = true;
    let rotated = false;
    server = await serve((_req, res) =>
      up
        ? json(res, { keys: [k1.jwk, ...(rotated ? [k2.jwk] : [])] })
        : json(res, {}, 500)
    );
    const clock = frozenClock();
    const v = remote(server.url, { now: clock.now });
    await v.verifyToken(await sign(k1));
    up = false;
    rotated = true;
    clock.ms += 30_000;
    await unavailable(v.verifyToken(await sign(k2)));
    assert.equal(server.requests, 2);
    // Keys already held keep working (stale-if-error).
    assert.equal((await v.verifyToken(await sign(k1))).clientId, "user-1");
    // Back up: the rotated key is fetched and the token accepted.
    up = true;
    clock.ms += 30_000;
    assert.equal((await v.verifyToken(await sign(k2))).clientId, "user-1");
  });

  it("rejects an unknown kid as invalid once a successful refetch does not bring it", async () => {
    server = await serve((_req, res) => json(res, { keys: [k1.jwk] }));
    const clock = frozenClock();
    const v = remote(server.url, { now: clock.now });
    await v.verifyToken(await sign(k1));
    clock.ms += 30_000;
    await assert.rejects(
      v.verifyToken(await sign(k2)),
      (error: unknown) =>
        error instanceof InvalidTokenError &&
        !(error instanceof VerifierUnavailableError),
    );
    assert.equal(server.requests, 2);
  });

  it("uses the injected fetch with an abort signal", async () => {
    const calls: { url: string; signal: AbortSignal | undefined }[] = [];
    const fetchStub = (input: RequestInfo | URL, init?: RequestInit) => {
      calls.push({ url: String(input), signal: init?.signal ?? undefined });
      return Promise.resolve(Response.json({ keys: [k1.jwk] }));
    };
    const v = remote(`https://auth.example.com/jwks-${crypto.randomUUID()}`, {
      fetch: fetchStub as typeof fetch,
    });
    await v.verifyToken(await sign(k1));
    assert.equal(calls.length, 1);
    assert.match(calls[0]!.url, /^https:\/\/auth\.example\.com\/jwks-/);
    assert.ok(calls[0]!.signal instanceof AbortSignal);
  });

  it("calls the injected fetch and clock without a receiver, as workerd's fetch requires", async () => {
    const receivers: unknown[] = [];
    const fetchStub = function (this: unknown) {
      receivers.push(this);
      return Promise.resolve(Response.json({ keys: [k1.jwk] }));
    };
    const clock = frozenClock();
    const now = function (this: unknown) {
      receivers.push(this);
      return clock.ms;
    };
    const v = remote(`https://auth.example.com/jwks-${crypto.randomUUID()}`, {
      fetch: fetchStub as unknown as typeof fetch,
      now,
    });
    await v.verifyToken(await sign(k1));
    assert.ok(receivers.length >= 2);
    assert.deepEqual(new Set(receivers), new Set([undefined]));
  });

  it("never caches unavailability in the token cache", async () => {
    let up = false;
    const fetchStub = () =>
      Promise.resolve(
        up
          ? Response.json({ keys: [k1.jwk] })
          : new Response("down", { status: 503 }),
      );
    const clock = frozenClock();
    const v = remote(`https://auth.example.com/jwks-${crypto.randomUUID()}`, {
      fetch: fetchStub as typeof fetch,
      now: clock.now,
      cache: {},
      jwksCooldownMs: 0,
    });
    const jwt = await sign(k1);
    await unavailable(v.verifyToken(jwt));
    up = true;
    assert.equal((await v.verifyToken(jwt)).clientId, "user-1");
  });

  it("accepts a token refused for its unknown kid once a refetch brings the key", async () => {
    let keys = [k1.jwk];
    const fetchStub = () => Promise.resolve(Response.json({ keys }));
    const clock = frozenClock();
    const v = remote(`https://auth.example.com/jwks-${crypto.randomUUID()}`, {
      fetch: fetchStub as typeof fetch,
      now: clock.now,
      cache: {}, // rejections remembered for 5 s by default
      jwksCooldownMs: 1_000,
    });
    await v.verifyToken(await sign(k1));
    const early = await sign(k2); // the issuer rotated; the JWKS lags
    clock.ms += 1_000;
    await assert.rejects(v.verifyToken(early), InvalidTokenError);
    keys = [k1.jwk, k2.jwk];
    clock.ms += 1_000;
    await v.verifyToken(await sign(k2)); // a refetch brings k2
    assert.equal((await v.verifyToken(early)).clientId, "user-1");
  });
});
