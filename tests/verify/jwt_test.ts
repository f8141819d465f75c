import { afterEach, describe, it, mock } from "node:test";
import fc from "fast-check";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  InsufficientScopeError,
  InvalidTokenError,
  JwtVerifier,
  type JwtVerifierOptions,
  VerifierUnavailableError,
} from "../../mod.ts";
import {
  AUDIENCE,
  b64url,
  claims,
  frozenClock,
  ISSUER,
  NOW,
  NOW_MS,
  sign,
  signRaw,
  testKey,
} from "../_jwt_fixtures.ts";

const es256 = await testKey("ES256", "k1");
const other = await testKey("ES256", "k1"); // same kid, different key
const rsa = await testKey("RS256", "r1");
const ed = await testKey("EdDSA", "e1");
const SECRET = "a-secret-of-at-least-thirty-two-bytes!!";

function verifier(options: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  const hasKey = ["jwksUri", "jwks", "publicKey", "secret"].some((k) =>
    k in options
  );
  return new JwtVerifier({
    ...(hasKey ? {} : { jwks: { keys: [es256.jwk] } }),
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => NOW_MS,
    cache: false,
    ...options,
  } as JwtVerifierOptions);
}

async function rejectsWith(
  promise: Promise<unknown>,
  message: string,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(
      error instanceof InvalidTokenError,
      `expected InvalidTokenError, got ${error}`,
    );
    assert.equal(error.message, message);
    return true;
  });
}

afterEach(() => mock.restoreAll());

describe("JwtVerifier construction", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      "no key source",
      { audience: AUDIENCE },
      /needs a key source: set one of "jwksUri"/,
    ],
    [
      "two key sources",
      { audience: AUDIENCE, secret: SECRET, jwks: { keys: [] } },
      /exactly one key source, got "jwks" and "secret"/,
    ],
    [
      "no audience",
      { secret: SECRET },
      /"audience" is required: .*or to false/,
    ],
    [
      "an empty audience",
      { secret: SECRET, audience: "" },
      /"audience" must be a non-empty/,
    ],
    [
      "a secret with RS256",
      { secret: SECRET, audience: AUDIENCE, algorithms: ["RS256"] },
      /has "RS256", which a "secret" cannot verify/,
    ],
    [
      "alg none",
      { jwks: { keys: [es256.jwk] }, audience: AUDIENCE, algorithms: ["none"] },
      /never accepts unsigned tokens: remove "none"/,
    ],
    [
      "HS256 with a public key",
      { publicKey: rsa.pem, audience: AUDIENCE, algorithms: ["HS256"] },
      /has "HS256", which needs a "secret"/,
    ],
    [
      "an algorithm the public key cannot verify",
      { publicKey: es256.pem, audience: AUDIENCE, algorithms: ["RS256"] },
      /has "RS256", which this "publicKey" cannot verify: use one of "ES256"/,
    ],
    [
      "an unknown algorithm",
      { jwks: { keys: [es256.jwk] }, audience: AUDIENCE, algorithms: ["XX1"] },
      /unsupported "XX1"/,
    ],
    [
      "a short secret",
      { secret: "short", audience: AUDIENCE },
      /at least 32 bytes/,
    ],
    [
      "HS512 with a 32-byte secret",
      { secret: "x".repeat(32), audience: AUDIENCE, algorithms: ["HS512"] },
      /"HS512", which needs a secret of at least 64 bytes/,
    ],
    [
      "a private PEM",
      {
        publicKey:
          "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        audience: AUDIENCE,
      },
      /got a private key: pass its public key/,
    ],
    [
      "garbage PEM",
      { publicKey: "not a key", audience: AUDIENCE },
      /not an SPKI PEM/,
    ],
    [
      "a private CryptoKey",
      { publicKey: es256.privateKey, audience: AUDIENCE },
      /got a private key: pass its public key/,
    ],
    [
      "a private JWK",
      { publicKey: { ...es256.jwk, d: "AAAA" }, audience: AUDIENCE },
      /got a private JWK/,
    ],
    [
      "a symmetric JWK",
      { publicKey: { kty: "oct", k: "AAAA" }, audience: AUDIENCE },
      /symmetric JWK: pass its bytes as "secret"/,
    ],
    [
      "a JWKS without usable keys",
      { jwks: { keys: [{ kty: "oct", k: "AAAA" }] }, audience: AUDIENCE },
      /"jwks" has no usable public signing key/,
    ],
    [
      "a jwks that is not a key set",
      { jwks: [], audience: AUDIENCE },
      /must be a JSON Web Key Set/,
    ],
    [
      "a plain-http JWKS URI",
      { jwksUri: "http://auth.example.com/jwks", audience: AUDIENCE },
      /"jwksUri" must use https \(http only on localhost\), got "http:\/\/auth.example.com\/jwks"/,
    ],
    [
      "a relative JWKS URI",
      { jwksUri: "/jwks", audience: AUDIENCE },
      /"jwksUri" must be an absolute URL/,
    ],
    [
      "a negative clockTolerance",
      { secret: SECRET, audience: AUDIENCE, clockTolerance: -1 },
      /"clockTolerance" must be a finite number of at least 0, got "-1"/,
    ],
    [
      "a zero maxTokenLength",
      { secret: SECRET, audience: AUDIENCE, maxTokenLength: 0 },
      /"maxTokenLength" must be an integer of at least 1/,
    ],
    [
      "a negative timeoutMs",
      { jwksUri: "https://a.example/jwks", audience: AUDIENCE, timeoutMs: -5 },
      /"timeoutMs" must be a finite number of at least 1, got "-5"/,
    ],
    [
      "a jwksMaxStaleMs below jwksMaxAgeMs",
      {
        jwksUri: "https://a.example/jwks",
        audience: AUDIENCE,
        jwksMaxAgeMs: 60_000,
        jwksMaxStaleMs: 59_999,
      },
      /"jwksMaxStaleMs" must be at least "jwksMaxAgeMs" \("60000"\), got "59999": raise it or lower "jwksMaxAgeMs"/,
    ],
    [
      "a jwksMaxStaleMs below the default jwksMaxAgeMs",
      {
        jwksUri: "https://a.example/jwks",
        audience: AUDIENCE,
        jwksMaxStaleMs: 1000,
      },
      /"jwksMaxStaleMs" must be at least "jwksMaxAgeMs" \("600000"\), got "1000"/,
    ],
    [
      "a jwksMaxStaleMs that is not a number",
      {
        jwksUri: "https://a.example/jwks",
        audience: AUDIENCE,
        jwksMaxStaleMs: "1d",
      },
      /"jwksMaxStaleMs" must be a finite number of at least 1, got "1d"/,
    ],
    [
      "a bad requiredScopes",
      { secret: SECRET, audience: AUDIENCE, requiredScopes: ["a b"] },
      /requiredScopes/,
    ],
    [
      "a negative cache size",
      { secret: SECRET, audience: AUDIENCE, cache: { maxEntries: -1 } },
      /^JwtVerifier cache option "maxEntries" must be an integer of at least 0, got "-1"$/,
    ],
    [
      "an empty typ",
      { secret: SECRET, audience: AUDIENCE, typ: "" },
      /"typ" must be a "typ" header value such as "at\+jwt", a non-empty list of them, or false to accept any type, got ""/,
    ],
    [
      "typ: true",
      { secret: SECRET, audience: AUDIENCE, typ: true },
      /"typ" must be .*or false to accept any type, got "true"/,
    ],
    [
      "no issuer (RFC 9068 §4), naming the opt-out",
      { secret: SECRET, audience: AUDIENCE, issuer: undefined },
      /^JwtVerifier option "issuer" is required: set it to the authorization server's issuer identifier, exactly as its tokens' "iss" \(RFC 9068 §4\), or to false to skip the issuer check$/,
    ],
    [
      "an empty issuer list",
      { secret: SECRET, audience: AUDIENCE, issuer: [] },
      /"issuer" must be a non-empty string or a non-empty list of them/,
    ],
    [
      "offline_access in requiredScopes",
      {
        secret: SECRET,
        audience: AUDIENCE,
        requiredScopes: ["offline_access"],
      },
      /"requiredScopes" must not contain "offline_access"/,
    ],
    [
      "a scopeHierarchy that is not a map of scopes",
      { secret: SECRET, audience: AUDIENCE, scopeHierarchy: { a: "b" } },
      /scopeHierarchy\["a"\] must be an array of scope strings/,
    ],
  ];
  for (const [what, options, message] of cases) {
    it(`throws a TypeError for ${what}`, () => {
      assert.throws(
        () =>
          new JwtVerifier(
            { issuer: ISSUER, ...options } as unknown as JwtVerifierOptions,
          ),
        (error: unknown) =>
          error instanceof TypeError && message.test(error.message),
      );
    });
  }

  it("accepts audience: false as an explicit opt-out", async () => {
    const v = verifier({ audience: false });
    const token = await v.verifyToken(
      await sign(es256, claims({ aud: "anything" })),
    );
    assert.equal(token.resource, undefined);
  });

  it("does not keep a reference to the caller's secret bytes", async () => {
    const secret = new TextEncoder().encode(SECRET);
    const v = verifier({ secret });
    secret.fill(0);
    const hs = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(SECRET),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const token = await signRaw(
      { alg: "HS256", typ: "at+jwt" },
      claims(),
      hs,
      "HS256",
    );
    assert.equal((await v.verifyToken(token)).clientId, "user-1");
  });
});

describe("JwtVerifier options", () => {
  // A typo in an optional security option must fail, never be ignored: each
  // of these, ignored, would accept tokens the option was meant to refuse.
  const typos: [string, Record<string, unknown>, string][] = [
    ["requiredScope", { requiredScope: ["admin"] }, "requiredScopes"],
    ["requireEXP", { requireEXP: true }, "requireExp"],
    ["type", { type: "at+jwt" }, "typ"],
    ["isuser", { isuser: ISSUER }, "issuer"],
    ["algorithm", { algorithm: ["ES256"] }, "algorithms"],
    ["maxTokenLenght", { maxTokenLenght: 100 }, "maxTokenLength"],
  ];
  for (const [typo, extra, meant] of typos) {
    it(`refuses the unknown option "${typo}", naming "${meant}"`, () => {
      assert.throws(
        () =>
          new JwtVerifier({
            jwks: { keys: [es256.jwk] },
            audience: AUDIENCE,
            ...extra,
          } as unknown as JwtVerifierOptions),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message.startsWith(
            `Unknown JwtVerifier option "${typo}" (did you mean "${meant}"?), expected one of "jwksUri", "jwks", "publicKey", "secret", "issuer", "audience",`,
          ),
      );
    });
  }

  it('refuses "audince", naming "audience", before saying audience is missing', () => {
    assert.throws(
      () =>
        new JwtVerifier({
          jwksUri: "https://auth.example.com/jwks",
          audince: AUDIENCE,
        } as unknown as JwtVerifierOptions),
      /^TypeError: Unknown JwtVerifier option "audince" \(did you mean "audience"\?\)/,
    );
  });

  it("refuses an unknown cache option", () => {
    assert.throws(
      () => verifier({ cache: { maxEntires: 10 } as never }),
      /^TypeError: Unknown JwtVerifier cache option "maxEntires" \(did you mean "maxEntries"\?\), expected one of "maxEntries", "maxAgeMs", "negativeTtlMs"$/,
    );
  });

  it("refuses options that are not an object, saying what to pass", () => {
    for (const options of [undefined, null, "https://auth.example.com/jwks"]) {
      assert.throws(
        () => new JwtVerifier(options as unknown as JwtVerifierOptions),
        /^TypeError: JwtVerifier expects an options object with a key source, "issuer" and "audience", got /,
      );
    }
  });

  it("refuses now: performance.now, which is no epoch clock, saying what to write", () => {
    assert.throws(
      () => verifier({ now: performance.now }),
      /^TypeError: JwtVerifier option "now" must count milliseconds since the epoch, like Date\.now; .*use \(\) => performance\.timeOrigin \+ performance\.now\(\)$/,
    );
  });

  it("accepts the clock that message suggests", async () => {
    const v = verifier({
      now: () => performance.timeOrigin + performance.now(),
    });
    const jwt = await sign(es256, claims({ exp: Date.now() / 1000 + 60 }));
    assert.equal((await v.verifyToken(jwt)).clientId, "user-1");
    const stale = await sign(es256, claims({ exp: Date.now() / 1000 - 60 }));
    await rejectsWith(v.verifyToken(stale), "Token expired");
  });

  it("answers unavailable, never accepts, when the injected clock reads NaN", async () => {
    for (const cache of [false, {}] as const) {
      const v = verifier({ now: () => NaN, cache });
      const expired = await sign(es256, claims({ exp: NOW - 3600 }));
      await assert.rejects(v.verifyToken(expired), VerifierUnavailableError);
    }
  });
});

describe("JwtVerifier accepts", () => {
  it("an ES256 token from a local JWKS and maps its claims", async () => {
    const jwt = await sign(es256, claims({ client_id: "app", azp: "other" }));
    const token = await verifier().verifyToken(jwt);
    assert.equal(token.token, jwt);
    assert.equal(token.clientId, "app");
    assert.deepEqual(token.scopes, ["files:read"]);
    assert.equal(token.expiresAt, NOW + 300);
    assert.equal(token.resource?.href, AUDIENCE);
    assert.equal(token.claims.sub, "user-1");
  });

  it("RS256 and EdDSA tokens from SPKI PEM, JWK and CryptoKey public keys", async () => {
    for (const key of [rsa, ed]) {
      for (const publicKey of [key.pem, key.jwk, key.publicKey]) {
        const token = await verifier({ publicKey }).verifyToken(
          await sign(key),
        );
        assert.equal(token.clientId, "user-1");
      }
    }
  });

  it("an HS256 token with a secret", async () => {
    const hs = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(SECRET),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const jwt = await signRaw(
      { alg: "HS256", typ: "at+jwt" },
      claims(),
      hs,
      "HS256",
    );
    assert.equal(
      (await verifier({ secret: SECRET }).verifyToken(jwt)).clientId,
      "user-1",
    );
  });

  it("takes clientId from client_id, then azp, then sub, else unknown", async () => {
    const v = verifier();
    const cases: [Record<string, unknown>, string][] = [
      [{ client_id: "c", azp: "a", sub: "s" }, "c"],
      [{ azp: "a", sub: "s" }, "a"],
      [{ sub: "s" }, "s"],
      [{ sub: undefined }, "unknown"],
      [{ client_id: 42, sub: "s" }, "s"],
    ];
    for (const [extra, clientId] of cases) {
      const token = await v.verifyToken(await sign(es256, claims(extra)));
      assert.equal(token.clientId, clientId);
    }
  });

  it("reads scopes from scope, or from scp as an array or a string", async () => {
    const v = verifier();
    const cases: [Record<string, unknown>, string[]][] = [
      [{ scope: "a  b c" }, ["a", "b", "c"]],
      [{ scope: undefined, scp: ["x", "y"] }, ["x", "y"]],
      [{ scope: undefined, scp: "x y" }, ["x", "y"]],
      [{ scope: "a", scp: ["x"] }, ["a"]],
      [{ scope: undefined }, []],
    ];
    for (const [extra, scopes] of cases) {
      const token = await v.verifyToken(await sign(es256, claims(extra)));
      assert.deepEqual(token.scopes, scopes);
    }
  });

  it("rejects a scope claim that is neither a string nor a string list", async () => {
    const v = verifier();
    await rejectsWith(
      v.verifyToken(await sign(es256, claims({ scope: 7 }))),
      "Token scope claim malformed",
    );
    await rejectsWith(
      v.verifyToken(await sign(es256, claims({ scope: undefined, scp: [1] }))),
      "Token scope claim malformed",
    );
  });

  it("sets resource from the audience the token names, only when it is a URL", async () => {
    const v = verifier({ audience: ["my-api", AUDIENCE] });
    const both = await v.verifyToken(
      await sign(es256, claims({ aud: ["x", AUDIENCE] })),
    );
    assert.equal(both.resource?.href, AUDIENCE);
    const plain = await v.verifyToken(
      await sign(es256, claims({ aud: "my-api" })),
    );
    assert.equal(plain.resource, undefined);
  });

  it("accepts any of several issuers", async () => {
    const v = verifier({ issuer: ["https://a.example/", ISSUER] });
    assert.equal((await v.verifyToken(await sign(es256))).clientId, "user-1");
  });

  it("accepts typ at+jwt case-insensitively and with the application/ prefix", async () => {
    const v = verifier({ typ: "at+jwt" });
    for (const typ of ["at+jwt", "AT+JWT", "application/at+jwt"]) {
      assert.equal(
        (await v.verifyToken(await sign(es256, claims(), { typ }))).clientId,
        "user-1",
      );
    }
  });

  it("accepts a token without exp only when requireExp is false", async () => {
    const jwt = await sign(es256, claims({ exp: undefined }));
    await rejectsWith(
      verifier().verifyToken(jwt),
      "Token expiry missing or invalid",
    );
    const token = await verifier({ requireExp: false }).verifyToken(jwt);
    assert.equal(token.expiresAt, undefined);
  });

  it("throws InsufficientScopeError naming only the missing required scopes", async () => {
    const v = verifier({ requiredScopes: ["files:read", "files:write"] });
    await assert.rejects(v.verifyToken(await sign(es256)), (error: unknown) => {
      assert.ok(error instanceof InsufficientScopeError);
      assert.deepEqual(error.requiredScopes, ["files:write"]);
      return true;
    });
  });
});

describe("JwtVerifier rejects (security)", () => {
  it("alg none, signed or not", async () => {
    const header = b64url(JSON.stringify({ alg: "none", kid: "k1" }));
    const payload = b64url(JSON.stringify(claims()));
    await rejectsWith(
      verifier().verifyToken(`${header}.${payload}.c2ln`),
      "Token algorithm not allowed",
    );
    await rejectsWith(
      verifier().verifyToken(`${header}.${payload}.`),
      "Token malformed",
    );
  });

  it("HS256 signed with the public key bytes (algorithm confusion)", async () => {
    for (
      const [source, bytes] of [["pem", rsa.pem], [
        "jwk",
        JSON.stringify(rsa.jwk),
      ]] as const
    ) {
      const hmac = await crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(bytes),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      const forged = await signRaw(
        { alg: "HS256", kid: rsa.kid },
        claims(),
        hmac,
        "HS256",
      );
      const v = source === "pem"
        ? verifier({ publicKey: rsa.pem })
        : verifier({ jwks: { keys: [rsa.jwk] } });
      await rejectsWith(v.verifyToken(forged), "Token algorithm not allowed");
    }
  });

  it("a token whose kid is not in the key set", async () => {
    await rejectsWith(
      verifier().verifyToken(await sign({ ...es256, kid: "nope" })),
      "Token signing key not found",
    );
  });

  it("a token signed by another key under a known kid", async () => {
    await rejectsWith(
      verifier().verifyToken(await sign(other)),
      "Token signature invalid",
    );
  });

  it("a tampered payload and a tampered signature", async () => {
    const [h, , s] = (await sign(es256)).split(".");
    const forgedPayload = b64url(JSON.stringify(claims({ scope: "admin" })));
    await rejectsWith(
      verifier().verifyToken(`${h}.${forgedPayload}.${s}`),
      "Token signature invalid",
    );
    const [h2, p2, s2] = (await sign(es256)).split(".");
    const flipped = s2![5] === "A" ? "B" : "A";
    const badSignature = s2!.slice(0, 5) + flipped + s2!.slice(6);
    await rejectsWith(
      verifier().verifyToken(`${h2}.${p2}.${badSignature}`),
      "Token signature invalid",
    );
  });

  it("a wrong or missing issuer", async () => {
    await rejectsWith(
      verifier().verifyToken(
        await sign(es256, claims({ iss: "https://evil.example/" })),
      ),
      "Token issuer mismatch",
    );
    await rejectsWith(
      verifier().verifyToken(await sign(es256, claims({ iss: undefined }))),
      "Token issuer mismatch",
    );
  });

  it("a wrong or missing audience", async () => {
    await rejectsWith(
      verifier().verifyToken(
        await sign(es256, claims({ aud: "https://other.example/" })),
      ),
      "Token audience mismatch",
    );
    await rejectsWith(
      verifier().verifyToken(await sign(es256, claims({ aud: undefined }))),
      "Token audience mismatch",
    );
  });

  it("an expired token beyond the clock tolerance, with a frozen clock", async () => {
    const jwt = await sign(es256, claims({ exp: NOW - 30 }));
    await rejectsWith(verifier().verifyToken(jwt), "Token expired");
    await rejectsWith(
      verifier({ clockTolerance: 29 }).verifyToken(jwt),
      "Token expired",
    );
    assert.equal(
      (await verifier({ clockTolerance: 31 }).verifyToken(jwt)).clientId,
      "user-1",
    );
  });

  it("a not-yet-valid token beyond the clock tolerance", async () => {
    const jwt = await sign(es256, claims({ nbf: NOW + 30 }));
    await rejectsWith(verifier().verifyToken(jwt), "Token not yet valid");
    assert.equal(
      (await verifier({ clockTolerance: 30 }).verifyToken(jwt)).clientId,
      "user-1",
    );
  });

  it("a crit header naming an unknown extension", async () => {
    const jwt = await signRaw(
      {
        alg: "ES256",
        kid: "k1",
        crit: ["urn:example:ext"],
        "urn:example:ext": true,
      },
      claims(),
      es256.privateKey,
      "ES256",
    );
    await rejectsWith(
      verifier().verifyToken(jwt),
      "Token uses an unsupported feature",
    );
  });

  it("a 1 MB token before any parsing or key fetch", async () => {
    const fetchSpy = mock.fn(() => Promise.reject(new Error("must not fetch")));
    const v = verifier({
      jwksUri: "https://auth.example.com/jwks-1mb",
      fetch: fetchSpy,
    });
    const jwt = await sign(es256, claims({ pad: "x".repeat(1024 * 1024) }));
    const parse = mock.method(JSON, "parse");
    await rejectsWith(v.verifyToken(jwt), "Token too long or not a string");
    assert.equal(parse.mock.callCount(), 0);
    assert.equal(fetchSpy.mock.callCount(), 0);
  });

  it("a token longer than a custom maxTokenLength", async () => {
    const jwt = await sign(es256);
    await rejectsWith(
      verifier({ maxTokenLength: jwt.length - 1 }).verifyToken(jwt),
      "Token too long or not a string",
    );
    assert.equal(
      (await verifier({ maxTokenLength: jwt.length }).verifyToken(jwt))
        .clientId,
      "user-1",
    );
  });

  it("a wrong segment count before parsing", async () => {
    const [h, p, s] = (await sign(es256)).split(".");
    const parse = mock.method(JSON, "parse");
    for (
      const bad of [
        `${h}.${p}`,
        `${h}.${p}.${s}.${s}`,
        `${h}..${s}`,
        `.${p}.${s}`,
        "",
        "...",
      ]
    ) {
      await rejectsWith(verifier().verifyToken(bad), "Token malformed");
    }
    assert.equal(parse.mock.callCount(), 0);
  });

  it("a header or payload that is not JSON", async () => {
    const badHeader = await signRaw(
      "not json",
      claims(),
      es256.privateKey,
      "ES256",
    );
    await rejectsWith(verifier().verifyToken(badHeader), "Token malformed");
    const badPayload = await signRaw(
      { alg: "ES256", kid: "k1" },
      "not json",
      es256.privateKey,
      "ES256",
    );
    await rejectsWith(verifier().verifyToken(badPayload), "Token malformed");
    const arrayPayload = await signRaw(
      { alg: "ES256", kid: "k1" },
      "[1]",
      es256.privateKey,
      "ES256",
    );
    await rejectsWith(verifier().verifyToken(arrayPayload), "Token malformed");
  });

  it("a typ that does not match", async () => {
    const v = verifier({ typ: "at+jwt" });
    await rejectsWith(
      v.verifyToken(await sign(es256, claims(), { typ: "JWT" })),
      "Token type mismatch",
    );
    await rejectsWith(
      v.verifyToken(await sign(es256, claims(), { typ: undefined })),
      "Token type mismatch",
    );
  });

  it("an algorithm outside a user-given allow-list", async () => {
    const v = verifier({
      jwks: { keys: [es256.jwk, ed.jwk] },
      algorithms: ["EdDSA"],
    });
    await rejectsWith(
      v.verifyToken(await sign(es256)),
      "Token algorithm not allowed",
    );
    assert.equal((await v.verifyToken(await sign(ed))).clientId, "user-1");
  });

  it("never puts token text or claim values in its error messages", async () => {
    const marker = "SECRET-MARKER";
    const tokens = [
      await sign(es256, claims({ iss: marker })),
      await sign(es256, claims({ aud: marker })),
      await sign(es256, claims({ exp: NOW - 1, sub: marker })),
      await sign(es256, claims(), { typ: marker }),
      await sign({ ...es256, kid: marker }),
    ];
    for (const jwt of tokens) {
      await assert.rejects(
        verifier(
          { typ: tokens.indexOf(jwt) === 3 ? "at+jwt" : undefined } as Partial<
            JwtVerifierOptions
          >,
        ).verifyToken(jwt),
        (error: unknown) => {
          assert.ok(error instanceof InvalidTokenError);
          assert.ok(!error.message.includes(marker), error.message);
          assert.ok(!error.message.includes(jwt.slice(0, 20)));
          return true;
        },
      );
    }
  });
});

describe("JwtVerifier cache", () => {
  it("skips the signature check for a repeated token", async () => {
    const v = verifier({ cache: {} });
    const jwt = await sign(es256);
    const verify = mock.method(crypto.subtle, "verify");
    await v.verifyToken(jwt);
    await v.verifyToken(jwt);
    assert.equal(verify.mock.callCount(), 1);
  });

  it("checks the signature every time with cache: false", async () => {
    const v = verifier({ cache: false });
    const jwt = await sign(es256);
    const verify = mock.method(crypto.subtle, "verify");
    await v.verifyToken(jwt);
    await v.verifyToken(jwt);
    assert.equal(verify.mock.callCount(), 2);
  });

  it("drops an entry at the token's exp", async () => {
    const clock = frozenClock();
    const v = verifier({ cache: {}, now: clock.now });
    const jwt = await sign(es256, claims({ exp: NOW + 60 }));
    await v.verifyToken(jwt);
    clock.ms = NOW_MS + 60_000;
    await rejectsWith(v.verifyToken(jwt), "Token expired");
  });

  it("never keeps an entry beyond maxAgeMs", async () => {
    const clock = frozenClock();
    const v = verifier({ cache: { maxAgeMs: 1000 }, now: clock.now });
    const jwt = await sign(es256);
    const verify = mock.method(crypto.subtle, "verify");
    await v.verifyToken(jwt);
    clock.ms += 999;
    await v.verifyToken(jwt);
    clock.ms += 1;
    await v.verifyToken(jwt);
    assert.equal(verify.mock.callCount(), 2);
  });

  it("remembers a rejection for negativeTtlMs only", async () => {
    const clock = frozenClock();
    const v = verifier({ cache: { negativeTtlMs: 5000 }, now: clock.now });
    const jwt = await sign(other);
    const verify = mock.method(crypto.subtle, "verify");
    await rejectsWith(v.verifyToken(jwt), "Token signature invalid");
    await rejectsWith(v.verifyToken(jwt), "Token signature invalid");
    assert.equal(verify.mock.callCount(), 1);
    clock.ms += 5000;
    await rejectsWith(v.verifyToken(jwt), "Token signature invalid");
    assert.equal(verify.mock.callCount(), 2);
  });

  it("evicts the least recently used token beyond maxEntries", async () => {
    const v = verifier({ cache: { maxEntries: 2 } });
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map((n) => sign(es256, claims({ n }))),
    );
    const verify = mock.method(crypto.subtle, "verify");
    await v.verifyToken(a!);
    await v.verifyToken(b!);
    await v.verifyToken(a!); // a is now the most recent
    await v.verifyToken(c!); // evicts b
    await v.verifyToken(a!);
    assert.equal(verify.mock.callCount(), 3);
    await v.verifyToken(b!);
    assert.equal(verify.mock.callCount(), 4);
  });

  it("hands out copies: changing one result does not change the next", async () => {
    const v = verifier({ cache: {} });
    const jwt = await sign(es256);
    const first = await v.verifyToken(jwt);
    first.scopes.push("admin");
    first.resource!.pathname = "/evil";
    assert.throws(() => {
      (first.claims as Record<string, unknown>).scope = "admin";
    }, TypeError);
    const second = await v.verifyToken(jwt);
    assert.deepEqual(second.scopes, ["files:read"]);
    assert.equal(second.resource?.href, AUDIENCE);
  });

  it("checks requiredScopes on a cache hit too", async () => {
    const v = verifier({ cache: {}, requiredScopes: ["files:write"] });
    const jwt = await sign(es256);
    await assert.rejects(v.verifyToken(jwt), InsufficientScopeError);
    await assert.rejects(v.verifyToken(jwt), InsufficientScopeError);
  });
});

describe("JwtVerifier on arbitrary input", () => {
  it("only ever rejects with InvalidTokenError for arbitrary strings", async () => {
    const v = verifier();
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
        await assert.rejects(v.verifyToken(text), InvalidTokenError);
      }),
      { numRuns: 300 },
    );
  });

  it("only ever rejects with InvalidTokenError for three segments of arbitrary JSON", async () => {
    const v = verifier();
    const segment = fc.jsonValue().map((value) =>
      b64url(JSON.stringify(value) ?? "null")
    );
    const header = fc.record({
      alg: fc.constantFrom(
        "ES256",
        "HS256",
        "none",
        "RS256",
        "EdDSA",
        "",
        "es256",
      ),
      kid: fc.oneof(fc.constant("k1"), fc.string(), fc.integer()),
      crit: fc.option(fc.array(fc.string()), { nil: undefined }),
      typ: fc.option(fc.string(), { nil: undefined }),
    }).map((h) => b64url(JSON.stringify(h)));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(header, segment),
        segment,
        fc.base64String(),
        async (h, p, s) => {
          await assert.rejects(
            v.verifyToken(`${h}.${p}.${s.replace(/=+$/, "")}`),
            InvalidTokenError,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a token without kid when several keys could verify it", async () => {
    const second = await testKey("ES256", "k2");
    const v = verifier({ jwks: { keys: [es256.jwk, second.jwk] } });
    const jwt = await signRaw(
      { alg: "ES256", typ: "at+jwt" },
      claims(),
      es256.privateKey,
      "ES256",
    );
    await rejectsWith(v.verifyToken(jwt), "Token signing key not found");
    const single = verifier({ jwks: { keys: [es256.jwk] } });
    assert.equal((await single.verifyToken(jwt)).clientId, "user-1");
  });
});

/** The modules `path` loads, following value imports (not `import type`). */
function loadedModules(path: URL, seen = new Set<string>()): Set<string> {
  if (seen.has(path.href)) return seen;
  seen.add(path.href);
  const code = readFileSync(path, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const pattern =
    /^\s*(?:import|export)\s+(?!type\s)(?:[\w*{}\s,$]+?\s+from\s+)?["'](\.{1,2}\/[^"']+)["']/gm;
  for (const [, specifier] of code.matchAll(pattern)) {
    loadedModules(new URL(specifier!, path), seen);
  }
  return seen;
}

describe("JwtVerifier's module graph", () => {
  it("loads no introspection, DPoP, HTTP or MCP module, so none is bundled with it", () => {
    const src = new URL("../../src/", import.meta.url);
    const loaded = [...loadedModules(new URL("verify/jwt.ts", src))]
      .map((href) => href.slice(src.href.length));
    assert.ok(loaded.includes("verify/_key_source.ts"), loaded.join(", "));
    assert.deepEqual(
      loaded.filter((path) =>
        /introspection|^dpop\/|^http\/|^mcp\//.test(path)
      ),
      [],
    );
  });
});
