import { afterEach, describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import {
  InsufficientScopeError,
  IntrospectionVerifier,
  type IntrospectionVerifierOptions,
  InvalidTokenError,
  VerifierUnavailableError,
} from "../../mod.ts";
import { cacheOf } from "../../src/verify/token_cache.ts";
import {
  AUDIENCE,
  frozenClock,
  ISSUER,
  json,
  NOW,
  serve,
  type TestServer,
} from "../_jwt_fixtures.ts";

const TOKEN = "opaque-token-ABC123";

interface Seen {
  authorization: string | undefined;
  body: URLSearchParams;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => resolve(body));
  });
}

/** An introspection endpoint answering `answer(token)` and recording requests. */
async function endpoint(
  answer: (token: string | null) => unknown,
  seen: Seen[] = [],
  status = 200,
): Promise<TestServer> {
  return await serve(async (req, res) => {
    const body = new URLSearchParams(await readBody(req));
    seen.push({ authorization: req.headers.authorization, body });
    json(res, answer(body.get("token")) as object, status);
  });
}

function active(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    active: true,
    scope: "files:read files:write",
    client_id: "app",
    iss: ISSUER,
    aud: AUDIENCE,
    exp: NOW + 300,
    ...extra,
  };
}

function verifier(
  url: string,
  options: Partial<IntrospectionVerifierOptions> = {},
): IntrospectionVerifier {
  return new IntrospectionVerifier({
    endpoint: url,
    clientId: "mcp-server",
    clientSecret: "s3cret",
    issuer: ISSUER,
    audience: AUDIENCE,
    now: frozenClock().now,
    ...options,
  });
}

async function rejectsWith(
  promise: Promise<unknown>,
  message: string,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InvalidTokenError, String(error));
    assert.equal(error.message, message);
    return true;
  });
}

async function unavailable(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof VerifierUnavailableError, String(error));
    assert.equal(error.retryAfter, 5);
    return true;
  });
}

/** A 32 MiB streamed JSON body, counting the bytes pulled from it. */
function hugeBody(counter: { bytes: number }): Response {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let left = 512;
  return new Response(
    new ReadableStream({
      pull(controller) {
        if (left-- === 0) return controller.close();
        counter.bytes += chunk.length;
        controller.enqueue(chunk);
      },
    }),
    { headers: { "content-type": "application/json" } },
  );
}

describe("IntrospectionVerifier construction", () => {
  const base = {
    endpoint: "https://auth.example.com/introspect",
    clientId: "c",
    clientSecret: "s",
    issuer: ISSUER,
    audience: AUDIENCE,
  };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["no audience", { ...base, audience: undefined }, /"audience" is required/],
    ["a plain-http endpoint", {
      ...base,
      endpoint: "http://auth.example.com/i",
    }, /"endpoint" must use https \(http only on localhost\)/],
    [
      "no client secret",
      { ...base, clientSecret: "" },
      /"clientSecret" must be a non-empty string/,
    ],
    [
      "an unknown auth method",
      { ...base, clientAuthMethod: "private_key_jwt" },
      /"clientAuthMethod" must be "client_secret_basic" or "client_secret_post", got "private_key_jwt"/,
    ],
    [
      "a negative timeout",
      { ...base, timeoutMs: -1 },
      /"timeoutMs" must be a finite number of at least 1/,
    ],
  ];
  for (const [what, options, message] of cases) {
    it(`throws a TypeError for ${what}`, () => {
      assert.throws(
        () =>
          new IntrospectionVerifier(
            options as unknown as IntrospectionVerifierOptions,
          ),
        (error: unknown) =>
          error instanceof TypeError && message.test(error.message),
      );
    });
  }
});

describe("IntrospectionVerifier options", () => {
  const base = {
    endpoint: "https://auth.example.com/introspect",
    clientId: "c",
    clientSecret: "s",
    issuer: ISSUER,
    audience: AUDIENCE,
  };
  const typos: [string, Record<string, unknown>, string][] = [
    ["requiredScope", { requiredScope: ["admin"] }, "requiredScopes"],
    ["requireEXP", { requireEXP: true }, "requireExp"],
    ["issuers", { issuers: [ISSUER] }, "issuer"],
    [
      "clientAuthMetod",
      { clientAuthMetod: "client_secret_post" },
      "clientAuthMethod",
    ],
  ];
  for (const [typo, extra, meant] of typos) {
    it(`refuses the unknown option "${typo}", naming "${meant}"`, () => {
      assert.throws(
        () =>
          new IntrospectionVerifier({
            ...base,
            ...extra,
          } as IntrospectionVerifierOptions),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message.startsWith(
            `Unknown IntrospectionVerifier option "${typo}" (did you mean "${meant}"?), expected one of "endpoint", "clientId", "clientSecret",`,
          ),
      );
    });
  }

  it("refuses an unknown cache option", () => {
    assert.throws(
      () =>
        new IntrospectionVerifier({
          ...base,
          cache: { negativeTTL: 0 } as never,
        }),
      /^TypeError: Unknown IntrospectionVerifier cache option "negativeTTL" \(did you mean "negativeTtlMs"\?\)/,
    );
  });

  it("refuses options that are not an object, saying what to pass", () => {
    assert.throws(
      () =>
        new IntrospectionVerifier(
          undefined as unknown as IntrospectionVerifierOptions,
        ),
      /^TypeError: IntrospectionVerifier expects an options object with "endpoint", "clientId", "clientSecret", "issuer" and "audience", got undefined$/,
    );
  });

  it("refuses now: performance.now, which is no epoch clock, saying what to write", () => {
    assert.throws(
      () => new IntrospectionVerifier({ ...base, now: performance.now }),
      /^TypeError: IntrospectionVerifier option "now" must count milliseconds since the epoch, like Date\.now; .*use \(\) => performance\.timeOrigin \+ performance\.now\(\)$/,
    );
  });

  it("answers unavailable, never accepts, when the injected clock reads NaN", async () => {
    const v = verifier("https://auth.example.com/introspect", {
      fetch: () => Promise.resolve(Response.json(active({ exp: NOW - 3600 }))),
      now: () => NaN,
    });
    await assert.rejects(v.verifyToken(TOKEN), VerifierUnavailableError);
  });
});

describe("IntrospectionVerifier", () => {
  it("accepts an active token and maps the response", async () => {
    server = await endpoint((token) =>
      token === TOKEN ? active() : { active: false }
    );
    const token = await verifier(server.url).verifyToken(TOKEN);
    assert.equal(token.token, TOKEN);
    assert.equal(token.clientId, "app");
    assert.deepEqual(token.scopes, ["files:read", "files:write"]);
    assert.equal(token.expiresAt, NOW + 300);
    assert.equal(token.resource?.href, AUDIENCE);
    assert.equal(token.claims.iss, ISSUER);
  });

  it("calls the injected fetch and clock without a receiver, as workerd's fetch requires", async () => {
    const receivers: unknown[] = [];
    const fetchStub = function (this: unknown) {
      receivers.push(this);
      return Promise.resolve(Response.json(active()));
    };
    const clock = frozenClock();
    const now = function (this: unknown) {
      receivers.push(this);
      return clock.ms;
    };
    const v = verifier("https://auth.example.com/introspect", {
      fetch: fetchStub as unknown as typeof fetch,
      now,
    });
    assert.equal((await v.verifyToken(TOKEN)).clientId, "app");
    assert.ok(receivers.length >= 2);
    assert.deepEqual(new Set(receivers), new Set([undefined]));
  });

  it("rejects an inactive token, and active values other than true", async () => {
    for (
      const answer of [
        { active: false },
        { active: "true" },
        {},
        active({ active: 1 }),
      ]
    ) {
      const s = await endpoint(() => answer);
      try {
        await rejectsWith(verifier(s.url).verifyToken(TOKEN), "Token inactive");
      } finally {
        await s.close();
      }
    }
  });

  it("rejects an expired token beyond the clock tolerance", async () => {
    server = await endpoint(() => active({ exp: NOW - 10 }));
    await rejectsWith(verifier(server.url).verifyToken(TOKEN), "Token expired");
    assert.equal(
      (await verifier(server.url, { clockTolerance: 11, cache: false })
        .verifyToken(TOKEN)).clientId,
      "app",
    );
  });

  it("rejects a not-yet-valid token and a malformed exp", async () => {
    server = await endpoint((token) =>
      token === "nbf" ? active({ nbf: NOW + 60 }) : active({ exp: "soon" })
    );
    await rejectsWith(
      verifier(server.url).verifyToken("nbf"),
      "Token not yet valid",
    );
    await rejectsWith(
      verifier(server.url).verifyToken("exp"),
      "Token expiry missing or invalid",
    );
  });

  it("rejects a token without exp only when requireExp is set", async () => {
    server = await endpoint(() => active({ exp: undefined }));
    assert.equal(
      (await verifier(server.url).verifyToken(TOKEN)).expiresAt,
      undefined,
    );
    await rejectsWith(
      verifier(server.url, { requireExp: true }).verifyToken(TOKEN),
      "Token expiry missing or invalid",
    );
  });

  it("rejects a wrong or missing audience unless audience is false", async () => {
    server = await endpoint((token) =>
      token === "none"
        ? active({ aud: undefined })
        : active({ aud: ["https://other.example/"] })
    );
    await rejectsWith(
      verifier(server.url).verifyToken("wrong"),
      "Token audience mismatch",
    );
    await rejectsWith(
      verifier(server.url).verifyToken("none"),
      "Token audience mismatch",
    );
    const token = await verifier(server.url, { audience: false }).verifyToken(
      "none",
    );
    assert.equal(token.resource, undefined);
  });

  it("rejects an oversized or empty token without calling the endpoint", async () => {
    server = await endpoint(() => active());
    const v = verifier(server.url);
    await rejectsWith(
      v.verifyToken("x".repeat(1024 * 1024)),
      "Token too long or not a string",
    );
    await rejectsWith(v.verifyToken(""), "Token too long or not a string");
    assert.equal(server.requests, 0);
  });

  it("rejects a wrong issuer", async () => {
    server = await endpoint(() => active({ iss: "https://evil.example/" }));
    await rejectsWith(
      verifier(server.url).verifyToken(TOKEN),
      "Token issuer mismatch",
    );
  });

  it("throws InsufficientScopeError for missing required scopes", async () => {
    server = await endpoint(() => active({ scope: "files:read" }));
    await assert.rejects(
      verifier(server.url, { requiredScopes: ["files:write"] }).verifyToken(
        TOKEN,
      ),
      (error: unknown) => {
        assert.ok(error instanceof InsufficientScopeError);
        assert.deepEqual(error.requiredScopes, ["files:write"]);
        return true;
      },
    );
  });
});

describe("IntrospectionVerifier token_type", () => {
  it("refuses an active token whose token_type says it is a refresh token", async () => {
    const v = new IntrospectionVerifier({
      endpoint: "https://auth.example.com/introspect",
      clientId: "rs",
      clientSecret: "secret",
      issuer: false,
      audience: AUDIENCE,
      fetch: () =>
        Promise.resolve(Response.json({
          active: true,
          token_type: "refresh_token",
          client_id: "app",
          scope: "files:read",
          aud: AUDIENCE,
        })),
    });
    await rejectsWith(
      v.verifyToken("opaque-refresh-token"),
      "Token is not an access token",
    );
  });

  it("refuses every token_type that does not name a Bearer access token", async () => {
    server = await endpoint((token) =>
      active({ token_type: JSON.parse(token!) })
    );
    const v = verifier(server.url);
    for (
      const type of [
        "refresh_token",
        "DPoP",
        "N_A",
        "mac",
        "id_token",
        "",
        1,
        null,
      ]
    ) {
      await rejectsWith(
        v.verifyToken(JSON.stringify(type)),
        "Token is not an access token",
      );
    }
  });

  it("accepts Bearer access token types in any case, and no token_type", async () => {
    server = await endpoint((token) =>
      token === "absent" ? active() : active({ token_type: token })
    );
    const v = verifier(server.url);
    for (
      const type of [
        "Bearer",
        "bearer",
        "BEARER",
        "access_token",
        "urn:ietf:params:oauth:token-type:access_token",
        "absent",
      ]
    ) {
      assert.equal((await v.verifyToken(type)).clientId, "app", type);
    }
  });
});

describe("IntrospectionVerifier client authentication", () => {
  it("client_secret_basic form-encodes id and secret before base64 (RFC 6749 §2.3.1)", async () => {
    const seen: Seen[] = [];
    server = await endpoint(() => active(), seen);
    await verifier(server.url, {
      clientId: "mcp server",
      clientSecret: "p@ss:wörd+/~",
    }).verifyToken(TOKEN);
    assert.equal(seen.length, 1);
    const expected = btoa("mcp+server:p%40ss%3Aw%C3%B6rd%2B%2F%7E");
    assert.equal(seen[0]!.authorization, `Basic ${expected}`);
    assert.equal(seen[0]!.body.get("token"), TOKEN);
    assert.equal(seen[0]!.body.get("token_type_hint"), "access_token");
    assert.equal(seen[0]!.body.get("client_secret"), null);
  });

  it("client_secret_post sends the credentials in the form, not a header", async () => {
    const seen: Seen[] = [];
    server = await endpoint(() => active(), seen);
    await verifier(server.url, { clientAuthMethod: "client_secret_post" })
      .verifyToken(TOKEN);
    assert.equal(seen[0]!.authorization, undefined);
    assert.equal(seen[0]!.body.get("client_id"), "mcp-server");
    assert.equal(seen[0]!.body.get("client_secret"), "s3cret");
    assert.equal(seen[0]!.body.get("token"), TOKEN);
  });
});

describe("IntrospectionVerifier cache", () => {
  it("answers a repeated token from the cache, keyed by its SHA-256 digest, never the raw token", async () => {
    server = await endpoint(() => active());
    const v = verifier(server.url);
    await v.verifyToken(TOKEN);
    const again = await v.verifyToken(TOKEN);
    assert.equal(again.token, TOKEN);
    assert.equal(server.requests, 1);
    const cache = cacheOf(v)!;
    const hash = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(TOKEN)),
    );
    assert.deepEqual(cache.keys(), [btoa(String.fromCharCode(...hash))]);
    assert.ok(!JSON.stringify(cache.values()).includes(TOKEN));
    assert.ok(!cache.keys().some((key) => key.includes(TOKEN)));
  });

  it("never serves a cached result past the token's exp", async () => {
    server = await endpoint(() => active({ exp: NOW + 60 }));
    const clock = frozenClock();
    const v = verifier(server.url, { now: clock.now });
    await v.verifyToken(TOKEN);
    clock.ms += 59_000;
    await v.verifyToken(TOKEN);
    assert.equal(server.requests, 1);
    clock.ms += 1_000;
    await rejectsWith(v.verifyToken(TOKEN), "Token expired");
    assert.equal(server.requests, 2);
  });

  it("remembers an inactive answer briefly", async () => {
    server = await endpoint(() => ({ active: false }));
    const clock = frozenClock();
    const v = verifier(server.url, {
      now: clock.now,
      cache: { negativeTtlMs: 5000 },
    });
    await rejectsWith(v.verifyToken(TOKEN), "Token inactive");
    await rejectsWith(v.verifyToken(TOKEN), "Token inactive");
    assert.equal(server.requests, 1);
    clock.ms += 5000;
    await rejectsWith(v.verifyToken(TOKEN), "Token inactive");
    assert.equal(server.requests, 2);
  });

  it("sends one request for concurrent checks of one token, however their digests interleave", async () => {
    server = await endpoint(() => active());
    const v = verifier(server.url, { cache: false });
    // The worst interleaving, made certain: every SHA-256 digest after the
    // first finishes only once the first check has had its answer.
    const subtle = crypto.subtle;
    const realDigest = subtle.digest.bind(subtle);
    let release!: () => void;
    const firstDone = new Promise<void>((resolve) => (release = resolve));
    let digests = 0;
    const digest = mock.method(
      subtle,
      "digest",
      async (...args: Parameters<SubtleCrypto["digest"]>) => {
        if (digests++ > 0) await firstDone;
        return await realDigest(...args);
      },
    );
    try {
      const first = v.verifyToken(TOKEN);
      const rest = Array.from({ length: 49 }, () => v.verifyToken(TOKEN));
      await first;
      release();
      const tokens = [await first, ...await Promise.all(rest)];
      assert.equal(tokens.length, 50);
      assert.ok(tokens.every((token) => token.clientId === "app"));
      assert.ok(tokens.every((token) => token.token === TOKEN));
      assert.equal(server.requests, 1);
    } finally {
      release();
      digest.mock.restore();
    }
  });

  it("asks again every time with cache: false", async () => {
    server = await endpoint(() => active());
    const v = verifier(server.url, { cache: false });
    await v.verifyToken(TOKEN);
    await v.verifyToken(TOKEN);
    assert.equal(server.requests, 2);
  });
});

describe("IntrospectionVerifier unavailability", () => {
  it("throws VerifierUnavailableError when the endpoint is down", async () => {
    const s = await endpoint(() => active());
    const url = s.url;
    await s.close();
    await unavailable(verifier(url).verifyToken(TOKEN));
  });

  it("throws VerifierUnavailableError for a 500, a non-JSON body or a non-object", async () => {
    for (
      const [answer, status] of [[active(), 500], ["{oops", 200], [
        [1, 2],
        200,
      ]] as const
    ) {
      const s = await endpoint(() => answer, [], status);
      try {
        await unavailable(verifier(s.url).verifyToken(TOKEN));
      } finally {
        await s.close();
      }
    }
  });

  it("stops reading an answer past its 64 KiB limit", async () => {
    const counter = { bytes: 0 };
    const v = verifier("https://as.example.com/introspect", {
      fetch: () => Promise.resolve(hugeBody(counter)),
    });
    await unavailable(v.verifyToken(TOKEN));
    assert.ok(counter.bytes <= 256 * 1024, `read ${counter.bytes} bytes`);
  });

  it("throws VerifierUnavailableError when the endpoint hangs past timeoutMs", async () => {
    server = await serve(() => {/* never answers */});
    await unavailable(
      verifier(server.url, { timeoutMs: 50 }).verifyToken(TOKEN),
    );
  });

  it("does not follow a redirect, so the token never reaches another origin", async () => {
    const seen: Seen[] = [];
    const other = await endpoint(() => active(), seen);
    try {
      for (const status of [302, 307, 308]) {
        const s = await serve((_req, res) => {
          res.writeHead(status, { location: other.url });
          res.end();
        });
        try {
          await unavailable(
            verifier(s.url, { cache: false }).verifyToken(TOKEN),
          );
          assert.equal(s.requests, 1);
        } finally {
          await s.close();
        }
      }
      assert.equal(other.requests, 0);
      assert.equal(seen.length, 0);
    } finally {
      await other.close();
    }
  });

  it("refuses an answer that an injected fetch fetched through a redirect", async () => {
    const fetchStub = () => {
      const response = Response.json(active());
      Object.defineProperty(response, "redirected", { value: true });
      return Promise.resolve(response);
    };
    await unavailable(
      verifier("https://auth.example.com/introspect", {
        fetch: fetchStub as typeof fetch,
      }).verifyToken(TOKEN),
    );
  });

  it("does not cache unavailability", async () => {
    let up = false;
    server = await serve((_req, res) =>
      up ? json(res, active()) : json(res, {}, 503)
    );
    const v = verifier(server.url);
    await unavailable(v.verifyToken(TOKEN));
    up = true;
    assert.equal((await v.verifyToken(TOKEN)).clientId, "app");
  });
});
