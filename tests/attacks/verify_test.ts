// Attacks on the verify area: JwtVerifier (local keys, and a JWKS served by
// a real 127.0.0.1 server that misbehaves), IntrospectionVerifier (a real
// 127.0.0.1 endpoint that misbehaves), StaticTokenVerifier, and DPoP
// (dpopScheme, DpopVerifier, replay stores, nonces, RedisStore on a real
// redis-server). Each case is a hostile or careless caller, token, key set,
// endpoint or store; each asserts the exact refusal, and that no token
// reaches a response. A regression suite: the cases that passed stay.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import { createClient } from "redis";
import {
  type AccessToken,
  accessTokenHash,
  bearerAuth,
  type BearerAuthOptions,
  createDpopNoncePolicy,
  type DpopAuthOptions,
  dpopScheme,
  DpopVerifier,
  InsufficientScopeError,
  IntrospectionVerifier,
  type IntrospectionVerifierOptions,
  InvalidDpopProofError,
  InvalidTokenError,
  JwtVerifier,
  type JwtVerifierOptions,
  MemoryReplayStore,
  type ReplayStore,
  StaticTokenVerifier,
  VerifierUnavailableError,
} from "../../mod.ts";
import { RedisStore } from "../../src/stores/mod_redis.ts";
import {
  AUDIENCE,
  b64url,
  claims,
  ISSUER,
  json,
  NOW,
  NOW_MS,
  serve,
  sign,
  signRaw,
  type TestKey,
  testKey,
  type TestServer,
} from "../_jwt_fixtures.ts";

const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

let k1: TestKey; // the issuer's key, kid k1
let k2: TestKey; // the issuer's second key, kid k2
let attacker: TestKey; // a key the attacker holds, kid k1 too
let rsa: TestKey; // the issuer's RSA key, kid r1

const servers: TestServer[] = [];
async function server(
  handler: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<TestServer> {
  const started = await serve(handler);
  servers.push(started);
  return started;
}

before(async () => {
  k1 = await testKey("ES256", "k1");
  k2 = await testKey("ES256", "k2");
  attacker = await testKey("ES256", "k1");
  rsa = await testKey("RS256", "r1");
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function local(options: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  return new JwtVerifier({
    jwks: { keys: [k1.jwk, k2.jwk, rsa.jwk] },
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => NOW_MS,
    cache: false,
    ...options,
  } as JwtVerifierOptions);
}

/** A token with any header and payload, signed with ES256 by `key`. */
function forge(
  header: Record<string, unknown> | string,
  payload: Record<string, unknown> | string = claims(),
  key: TestKey = k1,
): Promise<string> {
  return signRaw(header, payload, key.privateKey, "ES256");
}

const HEADER = { alg: "ES256", kid: "k1", typ: "at+jwt" };

async function refused(
  verifier: { verifyToken(token: string): Promise<AccessToken> },
  token: string,
  message: string | RegExp,
): Promise<void> {
  await assert.rejects(verifier.verifyToken(token), (error: unknown) => {
    assert.ok(error instanceof InvalidTokenError, String(error));
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

async function unavailable(
  verifier: { verifyToken(token: string): Promise<AccessToken> },
  token: string,
  retryAfter = true,
): Promise<VerifierUnavailableError> {
  let caught: unknown;
  await assert.rejects(verifier.verifyToken(token), (error: unknown) => {
    caught = error;
    return error instanceof VerifierUnavailableError;
  });
  const error = caught as VerifierUnavailableError;
  if (retryAfter) {
    assert.ok(error.retryAfter !== undefined && error.retryAfter >= 1);
  }
  return error;
}

/** Asserts a Response carries no token text anywhere. */
async function leaksNothing(response: Response, ...secrets: string[]) {
  const text = await response.clone().text();
  const headers = [...response.headers].map(([n, v]) => `${n}: ${v}`).join(
    "\n",
  );
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), "token in the body");
    assert.ok(!headers.includes(secret), "token in a header");
  }
  assert.doesNotMatch(text, /at \S+:\d+:\d+|Error:/, "stack or error text");
}

function get(token: string, scheme = "Bearer"): Request {
  return new Request(AUDIENCE, {
    method: "POST",
    headers: { authorization: `${scheme} ${token}` },
  });
}

describe("JwtVerifier: algorithm attacks", () => {
  it("refuses alg none with an empty signature as malformed", async () => {
    const h = b64url(JSON.stringify({ alg: "none", typ: "at+jwt" }));
    const p = b64url(JSON.stringify(claims()));
    await refused(local(), `${h}.${p}.`, "Token malformed");
  });

  it("refuses alg none with a junk signature as an algorithm not allowed", async () => {
    const h = b64url(JSON.stringify({ alg: "none", typ: "at+jwt" }));
    const p = b64url(JSON.stringify(claims()));
    await refused(local(), `${h}.${p}.AAAA`, "Token algorithm not allowed");
  });

  it("refuses HS256 signed with the SPKI PEM bytes of the public key", async () => {
    const hmac = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(k1.pem),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const token = await signRaw(
      { alg: "HS256", typ: "at+jwt" },
      claims(),
      hmac,
      "HS256",
    );
    const verifier = new JwtVerifier({
      publicKey: k1.pem,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW_MS,
    });
    await refused(verifier, token, "Token algorithm not allowed");
  });

  it("refuses HS256 signed with the JWK JSON of a key of the set", async () => {
    const hmac = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(JSON.stringify(k1.jwk)),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const token = await signRaw(
      { alg: "HS256", kid: "k1", typ: "at+jwt" },
      claims(),
      hmac,
      "HS256",
    );
    await refused(local(), token, "Token algorithm not allowed");
  });

  it("refuses an algorithm the key set supports but the allow list leaves out", async () => {
    const verifier = local({ algorithms: ["ES256"] });
    const token = await sign(rsa);
    await refused(verifier, token, "Token algorithm not allowed");
    assert.equal((await local().verifyToken(token)).clientId, "user-1");
  });

  it("refuses alg none, HS256 with a public key, and RS256 with an EC key in the options", () => {
    assert.throws(() => local({ algorithms: ["none"] }), {
      name: "TypeError",
      message: /never accepts unsigned tokens: remove "none"/,
    });
    assert.throws(() => local({ algorithms: ["HS256"] }), {
      name: "TypeError",
      message: /"HS256", which needs a "secret"/,
    });
    assert.throws(
      () =>
        new JwtVerifier({
          publicKey: k1.pem,
          algorithms: ["RS256"],
          issuer: ISSUER,
          audience: AUDIENCE,
        }),
      { name: "TypeError", message: /"RS256", which this "publicKey" cannot/ },
    );
  });
});

describe("JwtVerifier: key selection attacks", () => {
  it("refuses a token signed by another key under a trusted kid", async () => {
    await refused(local(), await sign(attacker), "Token signature invalid");
  });

  it("refuses an unknown kid", async () => {
    const token = await sign(attacker, claims(), { kid: "evil" });
    await refused(local(), token, "Token signing key not found");
  });

  it("refuses a kid naming an EC key on an RS256 token", async () => {
    const token = await sign(rsa, claims(), { kid: "k1" });
    await refused(local(), token, "Token signing key not found");
  });

  it("refuses a token without kid when two keys fit its alg", async () => {
    const token = await forge({ alg: "ES256", typ: "at+jwt" });
    await refused(local(), token, "Token signing key not found");
  });

  for (const kid of [1, null, ["k1"], { k: 1 }]) {
    it(`refuses a kid that is not a string (${JSON.stringify(kid)})`, async () => {
      const token = await forge({ ...HEADER, kid });
      await refused(
        local(),
        token,
        /^Token (malformed|signing key not found)$/,
      );
    });
  }

  it("never takes the key from a jwk header", async () => {
    const token = await sign(attacker, claims(), { jwk: attacker.jwk });
    await refused(local(), token, "Token signature invalid");
    const noKid = await forge(
      { alg: "ES256", typ: "at+jwt", jwk: attacker.jwk },
      claims(),
      attacker,
    );
    const single = new JwtVerifier({
      jwks: { keys: [k1.jwk] },
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW_MS,
    });
    await refused(single, noKid, "Token signature invalid");
  });

  it("never fetches a jku or x5u header, nor trusts an x5c", async () => {
    const evil = await server((_req, res) =>
      json(res, { keys: [attacker.jwk] })
    );
    for (
      const extra of [{ jku: evil.url }, { x5u: evil.url }, { x5c: ["MIIB"] }]
    ) {
      const token = await sign(attacker, claims(), extra);
      await refused(local(), token, "Token signature invalid");
    }
    // A legitimately signed token with a jku still verifies with the set,
    // and nothing is fetched.
    const legit = await sign(k1, claims(), { jku: evil.url });
    assert.equal((await local().verifyToken(legit)).scopes[0], "files:read");
    assert.equal(evil.requests, 0);
  });
});

describe("JwtVerifier: typ and crit", () => {
  it("refuses a token without typ by default (RFC 9068 §4)", async () => {
    const { typ: _typ, ...header } = HEADER;
    await refused(local(), await forge(header), "Token type mismatch");
  });

  for (
    const typ of ["JWT", "jwt", "application/jwt", "at+jwt ", "", "dpop+jwt"]
  ) {
    it(`refuses typ ${JSON.stringify(typ)} by default`, async () => {
      await refused(
        local(),
        await forge({ ...HEADER, typ }),
        "Token type mismatch",
      );
    });
  }

  for (const typ of [["at+jwt"], 1, null]) {
    it(`refuses a typ that is not a string (${JSON.stringify(typ)})`, async () => {
      await refused(
        local(),
        await forge({ ...HEADER, typ }),
        /^Token (type mismatch|malformed)$/,
      );
    });
  }

  it("accepts at+jwt in any case and with application/", async () => {
    for (const typ of ["AT+JWT", "application/at+jwt", "Application/At+Jwt"]) {
      assert.equal(
        (await local().verifyToken(await forge({ ...HEADER, typ }))).clientId,
        "user-1",
      );
    }
  });

  // crit ["b64"] with b64: true is RFC 7797's extension, which jose
  // understands: a plain JWS, not refused.
  for (
    const crit of [["exp"], ["x-custom"], [], "b64", ["x-custom", "x-custom"]]
  ) {
    it(`refuses crit ${JSON.stringify(crit)}`, async () => {
      const header = { ...HEADER, crit, "x-custom": 1, b64: true };
      await refused(
        local(),
        await forge(header),
        /^Token (malformed|uses an unsupported feature)$/,
      );
    });
  }

  it("refuses an unencoded payload (b64: false)", async () => {
    const token = await forge({ ...HEADER, crit: ["b64"], b64: false });
    await refused(local(), token, /^Token (malformed|signature invalid)$/);
  });
});

describe("JwtVerifier: iss and aud", () => {
  it("compares iss exactly: a trailing slash added or removed is another issuer", async () => {
    await refused(
      local(),
      await sign(k1, claims({ iss: "https://auth.example.com" })),
      "Token issuer mismatch",
    );
    const noSlash = local({ issuer: "https://auth.example.com" });
    await refused(noSlash, await sign(k1), "Token issuer mismatch");
  });

  for (
    const iss of [
      undefined,
      ["https://auth.example.com/"],
      "HTTPS://AUTH.EXAMPLE.COM/",
      1,
    ]
  ) {
    it(`refuses iss ${JSON.stringify(iss)}`, async () => {
      await refused(
        local(),
        await sign(k1, claims({ iss })),
        /^Token (issuer mismatch|claims invalid)$/,
      );
    });
  }

  it("accepts an aud array naming this resource among others, and takes the resource from it", async () => {
    const token = await sign(
      k1,
      claims({ aud: ["https://other.example/", AUDIENCE] }),
    );
    const verified = await local().verifyToken(token);
    assert.equal(verified.resource?.href, AUDIENCE);
  });

  for (
    const aud of [
      undefined,
      [],
      "",
      [1, {}, null],
      { 0: AUDIENCE },
      "https://mcp.example.com/mcp/",
      "https://mcp.example.com/MCP",
      "https://mcp.example.com/mcp?x=1",
      "https://mcp.example.com",
      "https://mcp.example.com.evil/mcp",
      "https://mcp.example.com:8443/mcp",
      ["https://other.example/"],
    ]
  ) {
    it(`refuses aud ${JSON.stringify(aud)}`, async () => {
      await refused(
        local(),
        await sign(k1, claims({ aud })),
        /^Token (audience mismatch|claims invalid)$/,
      );
    });
  }

  it("accepts aud with another host case and the default port written", async () => {
    const token = await sign(
      k1,
      claims({ aud: "HTTPS://MCP.EXAMPLE.COM:443/mcp" }),
    );
    assert.equal((await local().verifyToken(token)).resource?.href, AUDIENCE);
  });
});

describe("JwtVerifier: time claims", () => {
  for (
    const [name, payload] of [
      ["exp as a string", { exp: String(NOW + 300) }],
      ["exp null", { exp: null }],
      ["exp missing", { exp: undefined }],
      ["exp true", { exp: true }],
      ["exp past the Date range", { exp: 1e300 }],
      ["exp 9e15", { exp: 9e15 }],
      ["exp negative", { exp: -1 }],
      ["exp zero", { exp: 0 }],
      ["exp now exactly", { exp: NOW }],
      ["exp an array", { exp: [NOW + 300] }],
      ["nbf as a string", { nbf: String(NOW - 10) }],
      ["nbf in the future", { nbf: NOW + 60 }],
      ["nbf past the Date range", { nbf: -1e300 }],
      ["iat as a string", { iat: String(NOW) }],
      ["iat past the Date range", { iat: 1e20 }],
      ["iat an object", { iat: {} }],
    ] as const
  ) {
    it(`refuses ${name}`, async () => {
      await refused(
        local(),
        await sign(k1, claims(payload)),
        /^Token (expired|expiry missing or invalid|claims invalid|not yet valid)$/,
      );
    });
  }

  for (const literal of ["1e400", "-1e400", "NaN", "Infinity", "1e999"]) {
    it(`refuses exp written ${literal} in the JSON`, async () => {
      const payload = JSON.stringify(claims()).replace(
        /"exp":\d+/,
        `"exp":${literal}`,
      );
      await refused(
        local(),
        await forge(HEADER, payload),
        /^Token (malformed|expired|expiry missing or invalid)$/,
      );
    });
  }

  it("accepts fractional NumericDates (RFC 7519 §2)", async () => {
    const token = await sign(
      k1,
      claims({ exp: NOW + 0.5, nbf: NOW - 0.5, iat: NOW - 1.5 }),
    );
    assert.equal((await local().verifyToken(token)).expiresAt, NOW + 0.5);
  });

  it("refuses a clock that reads NaN as unavailable, never as a pass", async () => {
    const verifier = local({ now: () => NaN });
    await unavailable(verifier, await sign(k1, claims({ exp: 1 })), false);
  });
});

describe("JwtVerifier: scope and client claims", () => {
  const reader = () => local({ requiredScopes: ["files:read"] });

  it("splits scope on spaces only, dropping empty items", async () => {
    const token = await sign(
      k1,
      claims({ scope: "  files:read   files:write " }),
    );
    assert.deepEqual((await local().verifyToken(token)).scopes, [
      "files:read",
      "files:write",
    ]);
  });

  it("keeps duplicates harmless", async () => {
    const token = await sign(k1, claims({ scope: "files:read files:read" }));
    assert.deepEqual((await reader().verifyToken(token)).scopes, [
      "files:read",
      "files:read",
    ]);
  });

  for (const sep of ["\t", "\n", "\u00a0", "\u3000", "\u2003", ",", "+"]) {
    it(`does not split on ${JSON.stringify(sep)}: no scope is granted by another delimiter`, async () => {
      const token = await sign(k1, claims({ scope: `files:read${sep}admin` }));
      await assert.rejects(reader().verifyToken(token), InsufficientScopeError);
    });
  }

  it("accepts scope as an array of strings (scp style)", async () => {
    const token = await sign(k1, claims({ scope: ["files:read", ""] }));
    assert.deepEqual((await reader().verifyToken(token)).scopes, [
      "files:read",
    ]);
  });

  for (
    const scope of [1, true, { "files:read": true }, ["files:read", 1], [[
      "files:read",
    ]]]
  ) {
    it(`refuses scope ${JSON.stringify(scope)} as malformed, never as a grant`, async () => {
      await refused(
        local(),
        await sign(k1, claims({ scope })),
        "Token scope claim malformed",
      );
    });
  }

  it("does not fall back to scp when scope is an empty string", async () => {
    const token = await sign(k1, claims({ scope: "", scp: ["files:read"] }));
    await assert.rejects(reader().verifyToken(token), InsufficientScopeError);
  });

  it("prefers client_id to azp and sub, and ignores a client_id that is not a string", async () => {
    const both = await sign(k1, claims({ client_id: "app", azp: "other" }));
    assert.equal((await local().verifyToken(both)).clientId, "app");
    const azp = await sign(k1, claims({ azp: "other" }));
    assert.equal((await local().verifyToken(azp)).clientId, "other");
    const odd = await sign(k1, claims({ client_id: 7, azp: "other" }));
    assert.equal((await local().verifyToken(odd)).clientId, "other");
  });

  it("hands out claims a caller cannot change for the next request", async () => {
    const verifier = local({ cache: {} });
    const token = await sign(k1);
    const first = await verifier.verifyToken(token);
    assert.throws(() => {
      (first.claims as Record<string, unknown>).scope = "admin";
    }, TypeError);
    first.scopes.push("admin");
    assert.deepEqual((await verifier.verifyToken(token)).scopes, [
      "files:read",
    ]);
  });
});

describe("JwtVerifier: token text", () => {
  it("refuses padding, whitespace and a fourth segment", async () => {
    const token = await sign(k1);
    for (
      const spelled of [
        `${token}=`,
        ` ${token}`,
        `${token}.x`,
        token.replace(".", ". "),
      ]
    ) {
      await refused(local(), spelled, "Token malformed");
    }
  });

  it("refuses spare bits set in the signature's last character", async () => {
    const token = await sign(k1);
    const last = token.at(-1)!;
    const alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const flipped = alphabet[alphabet.indexOf(last) ^ 1]!;
    await refused(
      local(),
      token.slice(0, -1) + flipped,
      /^Token (malformed|signature invalid)$/,
    );
  });

  it("refuses a token over maxTokenLength before decoding it, and non-strings", async () => {
    await refused(
      local({ maxTokenLength: 100 }),
      await sign(k1),
      "Token too long or not a string",
    );
    await refused(
      local(),
      42 as unknown as string,
      "Token too long or not a string",
    );
  });
});

describe("JwtVerifier: a JWKS server that misbehaves", () => {
  const remote = (url: string, extra: Partial<JwtVerifierOptions> = {}) =>
    new JwtVerifier({
      jwksUri: url,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW_MS,
      timeoutMs: 300,
      cache: false,
      ...extra,
    } as JwtVerifierOptions);

  it("verifies with the served key set (control)", async () => {
    const good = await server((_req, res) => json(res, { keys: [k1.jwk] }));
    assert.equal(
      (await remote(good.url).verifyToken(await sign(k1))).clientId,
      "user-1",
    );
  });

  it("answers unavailable when nothing listens", async () => {
    const gone = await serve(() => {});
    await gone.close();
    await unavailable(remote(gone.url), await sign(k1));
  });

  it("answers unavailable when the server never answers within timeoutMs", async () => {
    const slow = await server(() => {});
    await unavailable(remote(slow.url), await sign(k1));
  });

  it("answers unavailable when headers come but the body never ends", async () => {
    const trickle = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"keys":[');
    });
    await unavailable(remote(trickle.url), await sign(k1));
  });

  for (const status of [301, 302, 307, 308]) {
    it(`does not follow a ${status} to a key set the attacker serves`, async () => {
      const evil = await server((_req, res) =>
        json(res, { keys: [attacker.jwk] })
      );
      const redirecting = await server((_req, res) => {
        res.writeHead(status, { location: evil.url });
        res.end();
      });
      await unavailable(remote(redirecting.url), await sign(attacker));
      assert.equal(evil.requests, 0);
    });
  }

  it("answers unavailable for a key set over 1 MiB", async () => {
    const huge = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        `{"keys":[${JSON.stringify(k1.jwk)}],"pad":"${"x".repeat(1_100_000)}"}`,
      );
    });
    await unavailable(remote(huge.url), await sign(k1));
  });

  for (
    const body of [
      "<html>keys</html>",
      "",
      "null",
      "[]",
      '{"keys":{}}',
      '{"keys":"k1"}',
      '{"keys":[]}',
    ]
  ) {
    it(`answers unavailable for ${JSON.stringify(body)}`, async () => {
      const odd = await server((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(body);
      });
      await unavailable(remote(odd.url), await sign(k1));
    });
  }

  for (const status of [500, 503, 404, 204]) {
    it(`answers unavailable for a ${status}`, async () => {
      const failing = await server((_req, res) =>
        json(res, { keys: [k1.jwk] }, status)
      );
      await unavailable(remote(failing.url), await sign(k1));
    });
  }

  it("refuses a token whose kid two served keys share, either signer", async () => {
    const dup = await server((_req, res) =>
      json(res, { keys: [k1.jwk, attacker.jwk] })
    );
    const verifier = remote(dup.url, { jwksCooldownMs: 60_000 });
    await refused(
      verifier,
      await sign(attacker),
      "Token signing key not found",
    );
    await refused(verifier, await sign(k1), "Token signing key not found");
  });

  it("never uses an HMAC key the JWKS serves", async () => {
    const secret = new Uint8Array(32).fill(7);
    const oct = { kty: "oct", k: b64url(secret), kid: "h1", alg: "HS256" };
    const octOnly = await server((_req, res) => json(res, { keys: [oct] }));
    const hmac = await crypto.subtle.importKey(
      "raw",
      secret,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const token = await signRaw(
      { alg: "HS256", kid: "h1", typ: "at+jwt" },
      claims(),
      hmac,
      "HS256",
    );
    await refused(remote(octOnly.url), token, "Token algorithm not allowed");
    await unavailable(remote(octOnly.url), await sign(k1));
    const mixed = await server((_req, res) =>
      json(res, { keys: [oct, k1.jwk] })
    );
    await refused(remote(mixed.url), token, "Token algorithm not allowed");
    assert.equal(
      (await remote(mixed.url).verifyToken(await sign(k1))).clientId,
      "user-1",
    );
  });

  it("never uses a served key that carries private material or use enc", async () => {
    const privateJwk = { ...(await exportJWK(attacker.privateKey)), kid: "p1" };
    const enc = { ...k2.jwk, use: "enc", kid: "e1" };
    const bad = await server((_req, res) =>
      json(res, { keys: [privateJwk, enc] })
    );
    await unavailable(
      remote(bad.url),
      await sign(attacker, claims(), { kid: "p1" }),
    );
  });
});

describe("IntrospectionVerifier: an endpoint that misbehaves", () => {
  const TOKEN = "opaque-token-value-123";
  const good = {
    active: true,
    scope: "files:read",
    client_id: "app",
    aud: AUDIENCE,
    iss: ISSUER,
    exp: NOW + 300,
  };

  function introspect(
    url: string,
    extra: Partial<IntrospectionVerifierOptions> = {},
  ): IntrospectionVerifier {
    return new IntrospectionVerifier({
      endpoint: url,
      clientId: "rs",
      clientSecret: "rs-secret",
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW_MS,
      timeoutMs: 300,
      cache: false,
      ...extra,
    } as IntrospectionVerifierOptions);
  }

  async function answering(body: unknown, status = 200): Promise<TestServer> {
    return await server((req, res) => {
      req.resume();
      req.on("end", () => json(res, body, status));
    });
  }

  it("accepts a good answer (control), posting the token in the body only", async () => {
    let seen = "";
    let path = "";
    const endpoint = await server((req, res) => {
      path = req.url ?? "";
      let body = "";
      req.on("data", (chunk) => body += chunk);
      req.on("end", () => {
        seen = body;
        json(res, good);
      });
    });
    const verified = await introspect(endpoint.url).verifyToken(TOKEN);
    assert.deepEqual(verified.scopes, ["files:read"]);
    assert.equal(new URLSearchParams(seen).get("token"), TOKEN);
    assert.ok(!path.includes(TOKEN));
  });

  for (
    const [name, answer] of [
      ['active "true" (a string)', { ...good, active: "true" }],
      ["active 1", { ...good, active: 1 }],
      ["active missing", { ...good, active: undefined }],
      ["active false", { ...good, active: false }],
      ["active [true]", { ...good, active: [true] }],
      ["exp as a string", { ...good, exp: String(NOW + 300) }],
      ["exp past", { ...good, exp: NOW - 1 }],
      ["exp past the Date range", { ...good, exp: 1e300 }],
      ["nbf in the future", { ...good, nbf: NOW + 100 }],
      ["scope a number", { ...good, scope: 42 }],
      ["scope an object", { ...good, scope: { "files:read": true } }],
      ["scope an array with a number", { ...good, scope: ["files:read", 1] }],
      ["token_type DPoP without cnf", { ...good, token_type: "DPoP" }],
      ["token_type DPoP with an empty jkt", {
        ...good,
        token_type: "DPoP",
        cnf: { jkt: "" },
      }],
      ["token_type refresh_token", { ...good, token_type: "refresh_token" }],
      ["token_type N_A", { ...good, token_type: "N_A" }],
      ["token_type a number", { ...good, token_type: 1 }],
      ["iss with a trailing slash removed", {
        ...good,
        iss: "https://auth.example.com",
      }],
      ["iss not a string", { ...good, iss: [ISSUER] }],
      ["aud missing", { ...good, aud: undefined }],
      ["aud another resource", { ...good, aud: "https://other.example/mcp" }],
    ] as const
  ) {
    it(`refuses an answer with ${name}`, async () => {
      await refused(
        introspect((await answering(answer)).url),
        TOKEN,
        /^Token /,
      );
    });
  }

  for (const status of [301, 302, 303, 307, 308]) {
    it(`answers unavailable for a ${status}, never following it with the token`, async () => {
      const target = await answering(good);
      const redirecting = await server((req, res) => {
        req.resume();
        res.writeHead(status, { location: target.url });
        res.end();
      });
      await unavailable(introspect(redirecting.url), TOKEN);
      assert.equal(target.requests, 0);
    });
  }

  for (const status of [500, 502, 503, 201, 204, 401]) {
    it(`answers unavailable for a ${status}`, async () => {
      await unavailable(introspect((await answering(good, status)).url), TOKEN);
    });
  }

  for (const body of ["not json", "[]", "null", '"active"', "true"]) {
    it(`answers unavailable for the body ${JSON.stringify(body)}`, async () => {
      await unavailable(introspect((await answering(body)).url), TOKEN);
    });
  }

  it("answers unavailable for a body over 64 KiB", async () => {
    const huge = await answering({ ...good, pad: "x".repeat(70_000) });
    await unavailable(introspect(huge.url), TOKEN);
  });

  it("answers unavailable when the endpoint hangs, or is down", async () => {
    const slow = await server(() => {});
    await unavailable(introspect(slow.url), TOKEN);
    const gone = await serve(() => {});
    await gone.close();
    await unavailable(introspect(gone.url), TOKEN);
  });

  it("answers 503 through bearerAuth, with Retry-After, and no token or detail in the body", async () => {
    const failing = await answering({ error: TOKEN }, 500);
    const auth = bearerAuth({
      verifier: introspect(failing.url),
      onError: () => {},
    });
    const response = await auth(get(TOKEN));
    assert.ok(response instanceof Response);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "5");
    await leaksNothing(response, TOKEN);
  });

  it("refuses a DPoP-bound answer on a Bearer request (never downgraded)", async () => {
    const bound = await answering({
      ...good,
      token_type: "DPoP",
      cnf: { jkt: "abc" },
    });
    for (const dpop of [undefined, dpopScheme({})]) {
      const auth = bearerAuth({
        verifier: introspect(bound.url),
        ...(dpop === undefined ? {} : { dpop }),
      });
      const response = await auth(get(TOKEN));
      assert.ok(response instanceof Response);
      assert.equal(response.status, 401);
      assert.match(
        response.headers.get("www-authenticate") ?? "",
        /^Bearer error="invalid_token"/,
      );
      await leaksNothing(response, TOKEN);
    }
  });
});

describe("StaticTokenVerifier", () => {
  const table = () =>
    new StaticTokenVerifier({
      tokens: {
        "dev-token": { clientId: "dev", scopes: ["mcp"], expiresAt: NOW + 10 },
      },
      now: () => NOW_MS,
    });

  for (
    const token of [
      "__proto__",
      "constructor",
      "toString",
      "hasOwnProperty",
      "dev-token ",
      "DEV-TOKEN",
      "",
    ]
  ) {
    it(`refuses ${JSON.stringify(token)} as an unknown token`, async () => {
      await refused(table(), token, "Invalid token");
    });
  }

  it("refuses a token at its expiresAt exactly", async () => {
    const verifier = new StaticTokenVerifier({
      tokens: { t: { clientId: "c", scopes: [], expiresAt: NOW } },
      now: () => NOW_MS,
    });
    await refused(verifier, "t", "Token expired");
  });

  it("answers a clock that reads NaN as unavailable (503), as documented", async () => {
    const verifier = new StaticTokenVerifier({
      tokens: { t: { clientId: "c", scopes: [], expiresAt: NOW + 10 } },
      now: () => NaN,
    });
    await assert.rejects(verifier.verifyToken("t"), VerifierUnavailableError);
  });

  it("ignores changes to the table after construction", async () => {
    const tokens: Record<string, { clientId: string; scopes: string[] }> = {
      t: { clientId: "c", scopes: ["read"] },
    };
    const verifier = new StaticTokenVerifier({ tokens });
    tokens.t!.scopes.push("admin");
    tokens.evil = { clientId: "evil", scopes: ["admin"] };
    assert.deepEqual((await verifier.verifyToken("t")).scopes, ["read"]);
    await refused(verifier, "evil", "Invalid token");
  });

  it("refuses an inheriting table, and reads a null-prototype one by its own keys", async () => {
    const inherited = Object.create({
      "proto-token": { clientId: "p", scopes: [] },
    });
    assert.throws(
      () => new StaticTokenVerifier({ tokens: inherited }),
      TypeError,
    );
    const bare = Object.assign(Object.create(null), {
      t: { clientId: "c", scopes: [] },
    });
    const verifier = new StaticTokenVerifier({ tokens: bare });
    assert.equal((await verifier.verifyToken("t")).clientId, "c");
    await refused(verifier, "toString", "Invalid token");
  });

  for (
    const [name, options] of [
      ["an unknown option", { tokens: {}, clock: Date.now }],
      ["tokens as a Map", {
        tokens: new Map([["t", { clientId: "c", scopes: [] }]]),
      }],
      ["a class instance entry", {
        tokens: {
          t: new (class {
            clientId = "c";
            scopes = [];
          })(),
        },
      }],
      ["an unknown entry key", {
        tokens: { t: { clientId: "c", scopes: [], scope: "admin" } },
      }],
      ["a scope with a space", {
        tokens: { t: { clientId: "c", scopes: ["a b"] } },
      }],
      ["a token with a space", {
        tokens: { "a b": { clientId: "c", scopes: [] } },
      }],
      ["expiresAt as a string", {
        tokens: { t: { clientId: "c", scopes: [], expiresAt: "1" } },
      }],
      ["expiresAt NaN", {
        tokens: { t: { clientId: "c", scopes: [], expiresAt: NaN } },
      }],
      ["now as performance.now", { tokens: {}, now: performance.now }],
    ] as const
  ) {
    it(`refuses ${name} with a TypeError`, () => {
      assert.throws(() => new StaticTokenVerifier(options as never), TypeError);
    });
  }
});

describe("bearerAuth over JwtVerifier: cnf on a Bearer request", () => {
  it("refuses a JWT with cnf.jkt sent as Bearer, with and without the dpop option", async () => {
    const token = await sign(k1, claims({ cnf: { jkt: "abc" } }));
    for (const dpop of [undefined, dpopScheme({})]) {
      const auth = bearerAuth({
        verifier: local(),
        ...(dpop === undefined ? {} : { dpop }),
      });
      const response = await auth(get(token));
      assert.ok(response instanceof Response);
      assert.equal(response.status, 401);
      assert.match(
        response.headers.get("www-authenticate") ?? "",
        /^Bearer error="invalid_token"/,
      );
      await leaksNothing(response, token);
    }
  });

  for (const cnf of [{ "x5t#S256": "abc" }, "abc", null, [], { jkt: null }]) {
    it(`refuses cnf ${JSON.stringify(cnf)} on a Bearer request`, async () => {
      const token = await sign(k1, claims({ cnf }));
      const response = await bearerAuth({ verifier: local() })(get(token));
      assert.ok(response instanceof Response);
      assert.equal(response.status, 401);
    });
  }

  it("answers a JWKS outage 503 with Retry-After and nothing of the token", async () => {
    const gone = await serve(() => {});
    await gone.close();
    const verifier = new JwtVerifier({
      jwksUri: gone.url,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW_MS,
    });
    const token = await sign(k1);
    const response = await bearerAuth({ verifier, onError: () => {} })(
      get(token),
    );
    assert.ok(response instanceof Response);
    assert.equal(response.status, 503);
    assert.ok(Number(response.headers.get("retry-after")) >= 1);
    await leaksNothing(response, token);
  });
});

// ---------------------------------------------------------------- DPoP

interface Holder {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function holder(): Promise<Holder> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", {
    extractable: true,
  });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

const DPOP_NOW = NOW_MS;
const BOUND = "bound-token";
let client: Holder;
let thief: Holder;
let tokens: StaticTokenVerifier;
let jti = 0;

before(async () => {
  client = await holder();
  thief = await holder();
  tokens = new StaticTokenVerifier({
    tokens: {
      [BOUND]: {
        clientId: "app",
        scopes: ["mcp"],
        claims: { cnf: { jkt: client.jkt } },
      },
    },
  });
});

async function proof(
  options: {
    key?: Holder;
    claims?: JWTPayload;
    header?: Record<string, unknown>;
    token?: string;
  } = {},
): Promise<string> {
  const signer = options.key ?? client;
  return await new SignJWT({
    jti: `attack-${++jti}-${crypto.randomUUID()}`,
    htm: "POST",
    htu: AUDIENCE,
    iat: DPOP_NOW / 1000,
    ath: await accessTokenHash(options.token ?? BOUND),
    ...options.claims,
  })
    .setProtectedHeader({
      typ: "dpop+jwt",
      alg: "ES256",
      jwk: signer.jwk,
      ...options.header,
    })
    .sign(signer.privateKey);
}

function dpopAuth(
  dpop: DpopAuthOptions = {},
  extra: Partial<BearerAuthOptions> = {},
) {
  return bearerAuth({
    verifier: tokens,
    resourceMetadataUrl: METADATA,
    onError: () => {},
    dpop: dpopScheme({ now: () => DPOP_NOW, ...dpop }),
    ...extra,
  });
}

function dpopRequest(
  proofs: string | string[] | undefined,
  url: string = AUDIENCE,
  method = "POST",
  authorization = `DPoP ${BOUND}`,
): Request {
  const headers = new Headers({ authorization });
  for (const p of typeof proofs === "string" ? [proofs] : proofs ?? []) {
    headers.append("dpop", p);
  }
  return new Request(url, { method, headers });
}

async function dpopRefusal(
  result: AccessToken | Response | undefined,
  status: number,
  error: string | undefined,
): Promise<Response> {
  assert.ok(result instanceof Response, "expected a refusal");
  assert.equal(result.status, status);
  const challenge = result.headers.get("www-authenticate") ?? "";
  if (error !== undefined) {
    assert.match(challenge, new RegExp(`DPoP error="${error}"`));
  }
  await leaksNothing(result, BOUND);
  return result;
}

describe("DPoP: proofs", () => {
  it("accepts a good proof (control), confirming the key", async () => {
    const result = await dpopAuth()(dpopRequest(await proof()));
    assert.ok(!(result instanceof Response) && result !== undefined);
    assert.equal(result.extra?.dpopJkt, client.jkt);
  });

  it("refuses a replayed proof", async () => {
    const auth = dpopAuth();
    const p = await proof();
    assert.ok(!((await auth(dpopRequest(p))) instanceof Response));
    await dpopRefusal(await auth(dpopRequest(p)), 401, "invalid_dpop_proof");
  });

  it("refuses a new proof reusing a jti", async () => {
    const auth = dpopAuth();
    assert.ok(
      !((await auth(
        dpopRequest(await proof({ claims: { jti: "same" } })),
      )) instanceof Response),
    );
    await dpopRefusal(
      await auth(dpopRequest(await proof({ claims: { jti: "same" } }))),
      401,
      "invalid_dpop_proof",
    );
  });

  for (const htm of ["GET", "post", "PUT", "", "POST "]) {
    it(`refuses htm ${JSON.stringify(htm)} on a POST`, async () => {
      await dpopRefusal(
        await dpopAuth()(dpopRequest(await proof({ claims: { htm } }))),
        401,
        "invalid_dpop_proof",
      );
    });
  }

  for (
    const htu of [
      "https://mcp.example.com/MCP",
      "https://mcp.example.com/mcp/",
      "http://mcp.example.com/mcp",
      "https://mcp.example.com:8443/mcp",
      "https://evil.example/mcp",
      "https://user@mcp.example.com/mcp",
      "//mcp.example.com/mcp",
      "/mcp",
      "mcp.example.com/mcp",
    ]
  ) {
    it(`refuses htu ${htu}`, async () => {
      await dpopRefusal(
        await dpopAuth()(dpopRequest(await proof({ claims: { htu } }))),
        401,
        "invalid_dpop_proof",
      );
    });
  }

  for (
    const htu of [
      "https://mcp.example.com/mcp?x=1",
      "https://mcp.example.com/mcp#frag",
      "https://MCP.EXAMPLE.COM/mcp",
      "HTTPS://mcp.example.com:443/mcp",
    ]
  ) {
    it(`accepts htu ${htu} (query, fragment ignored; scheme, host, default port normalized: RFC 9449 §4.3)`, async () => {
      const result = await dpopAuth()(
        dpopRequest(await proof({ claims: { htu } })),
      );
      assert.ok(!(result instanceof Response));
    });
  }

  it("refuses htu that is not a string", async () => {
    await dpopRefusal(
      await dpopAuth()(
        dpopRequest(await proof({ claims: { htu: [AUDIENCE] } })),
      ),
      401,
      "invalid_dpop_proof",
    );
  });

  it("refuses an ath for another token, and a missing ath", async () => {
    await dpopRefusal(
      await dpopAuth()(dpopRequest(await proof({ token: "other" }))),
      401,
      "invalid_dpop_proof",
    );
    await dpopRefusal(
      await dpopAuth()(
        dpopRequest(await proof({ claims: { ath: undefined } })),
      ),
      401,
      "invalid_dpop_proof",
    );
  });

  for (
    const [name, iat] of [
      ["an hour old", DPOP_NOW / 1000 - 3600],
      ["an hour ahead", DPOP_NOW / 1000 + 3600],
      ["zero", 0],
      ["negative", -1],
      ["as a string", String(DPOP_NOW / 1000)],
      ["huge", 1e300],
    ] as const
  ) {
    it(`refuses iat ${name}`, async () => {
      await dpopRefusal(
        await dpopAuth()(
          dpopRequest(await proof({ claims: { iat } as JWTPayload })),
        ),
        401,
        "invalid_dpop_proof",
      );
    });
  }

  it("refuses a private key in the jwk header", async () => {
    const jwk = await exportJWK(client.privateKey);
    await dpopRefusal(
      await dpopAuth()(dpopRequest(await proof({ header: { jwk } }))),
      401,
      "invalid_dpop_proof",
    );
  });

  it("refuses a symmetric alg and an oct jwk", async () => {
    const secret = new Uint8Array(32).fill(1);
    const hmac = await crypto.subtle.importKey(
      "raw",
      secret,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const payload = {
      jti: crypto.randomUUID(),
      htm: "POST",
      htu: AUDIENCE,
      iat: DPOP_NOW / 1000,
      ath: await accessTokenHash(BOUND),
    };
    const hs = await signRaw(
      { typ: "dpop+jwt", alg: "HS256", jwk: { kty: "oct", k: b64url(secret) } },
      payload,
      hmac,
      "HS256",
    );
    await dpopRefusal(
      await dpopAuth()(dpopRequest(hs)),
      401,
      "invalid_dpop_proof",
    );
    const none = `${
      b64url(JSON.stringify({ typ: "dpop+jwt", alg: "none", jwk: client.jwk }))
    }.${b64url(JSON.stringify(payload))}.`;
    await dpopRefusal(
      await dpopAuth()(dpopRequest(none)),
      401,
      "invalid_dpop_proof",
    );
  });

  for (const typ of ["JWT", "application/dpop+jwt", "DPOP+JWT", undefined]) {
    it(`refuses typ ${JSON.stringify(typ)}`, async () => {
      await dpopRefusal(
        await dpopAuth()(dpopRequest(await proof({ header: { typ } }))),
        401,
        "invalid_dpop_proof",
      );
    });
  }

  it("refuses two DPoP headers, even both valid", async () => {
    await dpopRefusal(
      await dpopAuth()(dpopRequest([await proof(), await proof()])),
      401,
      "invalid_dpop_proof",
    );
  });

  it("refuses a missing DPoP header on the DPoP scheme", async () => {
    await dpopRefusal(
      await dpopAuth()(dpopRequest(undefined)),
      401,
      "invalid_dpop_proof",
    );
  });

  it("refuses a proof signed by a key other than cnf.jkt", async () => {
    await dpopRefusal(
      await dpopAuth()(dpopRequest(await proof({ key: thief }))),
      401,
      "invalid_token",
    );
  });

  it("refuses a proof whose header names the bound key but is signed by another", async () => {
    const forged = await proof({ key: thief, header: { jwk: client.jwk } });
    await dpopRefusal(
      await dpopAuth()(dpopRequest(forged)),
      401,
      "invalid_dpop_proof",
    );
  });

  it("refuses a bound token sent as Bearer with a valid proof (never downgraded)", async () => {
    const result = await dpopAuth()(
      dpopRequest(await proof(), AUDIENCE, "POST", `Bearer ${BOUND}`),
    );
    const response = await dpopRefusal(result, 401, undefined);
    assert.match(
      response.headers.get("www-authenticate") ?? "",
      /Bearer error="invalid_token"/,
    );
  });

  it("refuses two Authorization headers as a bad request", async () => {
    const request = dpopRequest(await proof());
    request.headers.append("authorization", `DPoP ${BOUND}`);
    await dpopRefusal(await dpopAuth()(request), 400, "invalid_request");
  });

  it("refuses an unbound token on the DPoP scheme", async () => {
    const plain = new StaticTokenVerifier({
      tokens: { plain: { clientId: "c", scopes: [] } },
    });
    const result = await dpopAuth({}, { verifier: plain })(
      dpopRequest(
        await proof({ token: "plain" }),
        AUDIENCE,
        "POST",
        "DPoP plain",
      ),
    );
    await dpopRefusal(result, 401, "invalid_token");
  });
});

describe("DPoP: nonces", () => {
  it("demands a nonce, then accepts one it issued, then refuses it once stale", async () => {
    let now = DPOP_NOW;
    const nonces = createDpopNoncePolicy({ lifetime: 30, now: () => now });
    const auth = dpopAuth({ nonces, now: () => now });
    const first = await dpopRefusal(
      await auth(dpopRequest(await proof())),
      401,
      "use_dpop_nonce",
    );
    const nonce = first.headers.get("dpop-nonce");
    assert.ok(nonce !== null && nonce !== "");
    const ok = await auth(dpopRequest(await proof({ claims: { nonce } })));
    assert.ok(!(ok instanceof Response));
    now += 31_000;
    await dpopRefusal(
      await auth(
        dpopRequest(await proof({ claims: { nonce, iat: now / 1000 } })),
      ),
      401,
      "use_dpop_nonce",
    );
  });

  for (const nonce of [1, "", "x".repeat(200), ["n"]]) {
    it(`refuses nonce ${JSON.stringify(nonce).slice(0, 20)}`, async () => {
      const nonces = createDpopNoncePolicy({ now: () => DPOP_NOW });
      await dpopRefusal(
        await dpopAuth({ nonces })(
          dpopRequest(await proof({ claims: { nonce } as JWTPayload })),
        ),
        401,
        "use_dpop_nonce",
      );
    });
  }

  it("answers 503 when the nonce policy throws", async () => {
    const nonces = {
      issue: () => "n",
      verify: () => {
        throw new Error(BOUND);
      },
    };
    await dpopRefusal(
      await dpopAuth({ nonces })(
        dpopRequest(await proof({ claims: { nonce: "n" } })),
      ),
      503,
      undefined,
    );
  });

  for (const answer of ["false", 1, {}, undefined, null]) {
    it(`does not accept a nonce on a verify() answer of ${JSON.stringify(answer)}`, async () => {
      const nonces = {
        issue: () => "n",
        verify: () => answer as unknown as boolean,
      };
      const result = await dpopAuth({ nonces })(
        dpopRequest(await proof({ claims: { nonce: "n" } })),
      );
      assert.ok(
        result instanceof Response,
        "a nonce accepted on a non-boolean answer",
      );
      assert.ok(result.status === 401 || result.status === 503);
    });
  }

  it("answers 503 when the nonce policy's clock reads NaN, never accepting an old nonce", async () => {
    let now = DPOP_NOW;
    const nonces = createDpopNoncePolicy({ lifetime: 30, now: () => now });
    const nonce = await nonces.issue();
    now = NaN;
    await assert.rejects(
      Promise.resolve().then(() => nonces.verify(nonce)),
      VerifierUnavailableError,
    );
  });
});

describe("DPoP: replay stores", () => {
  it("answers 503 when the store throws or rejects", async () => {
    for (
      const replayStore of [
        {
          checkAndStore: () => {
            throw new Error(BOUND);
          },
        },
        { checkAndStore: () => Promise.reject(new Error(BOUND)) },
        { checkAndStore: () => Promise.reject(undefined) },
      ]
    ) {
      await dpopRefusal(
        await dpopAuth({ replayStore })(dpopRequest(await proof())),
        503,
        undefined,
      );
    }
  });

  for (const answer of ["no", 1, "OK", {}, [], undefined, null, 0]) {
    it(`answers 503, never 2xx, for a store answering ${JSON.stringify(answer)}`, async () => {
      const replayStore: ReplayStore = {
        checkAndStore: () => Promise.resolve(answer as unknown as boolean),
      };
      await dpopRefusal(
        await dpopAuth({ replayStore })(dpopRequest(await proof())),
        503,
        undefined,
      );
    });
  }

  it("answers 401 when the store says it has seen the proof", async () => {
    const replayStore: ReplayStore = {
      checkAndStore: () => Promise.resolve(false),
    };
    await dpopRefusal(
      await dpopAuth({ replayStore })(dpopRequest(await proof())),
      401,
      "invalid_dpop_proof",
    );
  });

  it("answers 503 for a store that never answers, instead of hanging", async () => {
    const replayStore: ReplayStore = {
      checkAndStore: () => new Promise(() => {}),
    };
    await dpopRefusal(
      await dpopAuth({ replayStore })(dpopRequest(await proof())),
      503,
      undefined,
    );
  });

  it("answers 503 when a full MemoryReplayStore cannot take the proof", async () => {
    const replayStore = new MemoryReplayStore({
      maxEntries: 1,
      now: () => DPOP_NOW,
    });
    assert.ok(
      !((await dpopAuth({ replayStore })(dpopRequest(await proof()))) instanceof
        Response),
    );
    await dpopRefusal(
      await dpopAuth({ replayStore })(dpopRequest(await proof())),
      503,
      undefined,
    );
  });

  // A replay across two instances on the real redis-server is in
  // tests/stores/redis_test.ts, with every test that touches that server.
  it("answers 503 when the Redis client is down", async () => {
    // Never connected: node-redis refuses every command (ClientClosedError).
    const redis = createClient({ url: "redis://127.0.0.1:1" });
    redis.on("error", () => {});
    const replayStore = new RedisStore({ client: redis, timeoutMs: 500 });
    await dpopRefusal(
      await dpopAuth({ replayStore })(dpopRequest(await proof())),
      503,
      undefined,
    );
  });
});

describe("DpopVerifier: options and clock", () => {
  it("answers a clock that reads NaN as unavailable, never checking iat against it", async () => {
    const verifier = new DpopVerifier({ now: () => NaN });
    const old = await proof({ claims: { iat: 1000 } });
    await assert.rejects(
      verifier.verify({ method: "POST", url: AUDIENCE, proof: old }),
      VerifierUnavailableError,
    );
  });

  it("refuses performance.now, which is no epoch clock, saying what to write", () => {
    assert.throws(() => new DpopVerifier({ now: performance.now }), {
      name: "TypeError",
      message: /performance\.timeOrigin \+ performance\.now\(\)/,
    });
  });

  for (
    const [name, options] of [
      ["an unknown option", { maxage: 5 }],
      ["HS256", { algorithms: ["HS256"] }],
      ["none", { algorithms: ["none"] }],
      ["an empty algorithm list", { algorithms: [] }],
      ["a negative maxAge", { maxAge: -1 }],
      ["maxAge NaN", { maxAge: NaN }],
      ["maxAge Infinity", { maxAge: Infinity }],
      ["clockTolerance as a string", { clockTolerance: "5" }],
      ["a replay store without checkAndStore", { replayStore: {} }],
      ["a nonce policy without verify", { nonces: { issue: () => "n" } }],
      ["now as a number", { now: 5 }],
    ] as const
  ) {
    it(`refuses ${name} with a TypeError`, () => {
      assert.throws(() => new DpopVerifier(options as never), TypeError);
    });
  }

  it("refuses a verifier together with verifier options in dpopScheme", () => {
    assert.throws(
      () => dpopScheme({ verifier: new DpopVerifier(), maxAge: 5 }),
      { name: "TypeError", message: /either a verifier or its options/ },
    );
  });

  it("never echoes a proof or claim in an error message", async () => {
    const secret = "s3cr3t-claim-value";
    try {
      await new DpopVerifier({ now: () => DPOP_NOW }).verify({
        method: "POST",
        url: AUDIENCE,
        proof: await proof({ claims: { htm: secret } }),
      });
      assert.fail("accepted");
    } catch (error) {
      assert.ok(error instanceof InvalidDpopProofError);
      assert.ok(!error.message.includes(secret));
    }
  });
});
