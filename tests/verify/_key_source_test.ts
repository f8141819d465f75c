import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidTokenError, VerifierUnavailableError } from "../../mod.ts";
import { keySource } from "../../src/verify/_key_source.ts";
import { frozenClock, testKey } from "../_jwt_fixtures.ts";

const es256 = await testKey("ES256", "k1");
const second = await testKey("ES256", "k2");
const rsa = await testKey("RS256", "r1");
const ed = await testKey("EdDSA", "e1");
const SECRET = "s".repeat(48);
const clock = frozenClock();

const RSA = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
const ASYMMETRIC = [...RSA, "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

/** Rejects `call()` (a throw or a rejected promise) the way `check` says. */
async function fails(
  call: () => unknown,
  check: (error: unknown) => boolean,
): Promise<void> {
  await assert.rejects(async () => await call(), check);
}

describe("keySource() algorithms", () => {
  it("allows every algorithm the key source can verify by default", () => {
    assert.deepEqual(
      keySource({ jwksUri: "https://a.example/jwks" }, clock.now).algorithms,
      ASYMMETRIC,
    );
    assert.deepEqual(
      keySource({ jwks: { keys: [es256.jwk] } }, clock.now).algorithms,
      ASYMMETRIC,
    );
    assert.deepEqual(
      keySource({ publicKey: rsa.pem }, clock.now).algorithms,
      RSA,
    );
    assert.deepEqual(
      keySource({ publicKey: ed.publicKey }, clock.now).algorithms,
      ["EdDSA", "Ed25519"],
    );
  });

  it("allows the HS* algorithms a secret is long enough for (RFC 7518 §3.2)", () => {
    assert.deepEqual(keySource({ secret: SECRET }, clock.now).algorithms, [
      "HS256",
      "HS384",
    ]);
    assert.deepEqual(
      keySource({ secret: new Uint8Array(64) }, clock.now).algorithms,
      ["HS256", "HS384", "HS512"],
    );
  });

  it("narrows to the caller's algorithms, without duplicates", () => {
    assert.deepEqual(
      keySource(
        { publicKey: rsa.jwk, algorithms: ["PS256", "RS256", "PS256"] },
        clock.now,
      ).algorithms,
      ["PS256", "RS256"],
    );
  });

  it("refuses an empty or non-list algorithms", () => {
    for (const algorithms of [[], "ES256", [42]]) {
      assert.throws(
        () => keySource({ jwks: { keys: [es256.jwk] }, algorithms }, clock.now),
        /JwtVerifier option "algorithms" (must be a non-empty list|has unsupported "42")/,
      );
    }
  });

  it("refuses none in any case", () => {
    assert.throws(
      () => keySource({ secret: SECRET, algorithms: ["NoNe"] }, clock.now),
      /^TypeError: JwtVerifier never accepts unsigned tokens: remove "NoNe" from "algorithms"$/,
    );
  });
});

describe("keySource() local keys", () => {
  it("picks a JWKS key by kid, synchronously once it is imported", async () => {
    const source = keySource(
      { jwks: { keys: [es256.jwk, second.jwk] } },
      clock.now,
    );
    const key = await source.key({ alg: "ES256", kid: "k2" });
    assert.equal(key.type, "public");
    assert.equal(source.key({ alg: "ES256", kid: "k2" }), key);
  });

  it("refuses a JWKS kid it does not hold, and a JWS without kid when several keys fit", async () => {
    const source = keySource(
      { jwks: { keys: [es256.jwk, second.jwk] } },
      clock.now,
    );
    for (const header of [{ alg: "ES256", kid: "k3" }, { alg: "ES256" }]) {
      await fails(
        () => source.key(header),
        (error) =>
          error instanceof InvalidTokenError &&
          error.message === "Token signing key not found",
      );
    }
  });

  it("uses the one configured key whatever the kid says", async () => {
    const source = keySource({ publicKey: es256.publicKey }, clock.now);
    assert.equal(
      await source.key({ alg: "ES256", kid: "anything" }),
      es256.publicKey,
    );
  });

  it("refuses a kid that is not a string as malformed", async () => {
    const source = keySource({ jwks: { keys: [es256.jwk] } }, clock.now);
    await fails(
      () => source.key({ alg: "ES256", kid: 7 as unknown as string }),
      (error) =>
        error instanceof InvalidTokenError &&
        error.message === "Token malformed",
    );
  });

  it("answers unavailable, not invalid, when a configured key cannot be imported", async () => {
    // Coordinates of another curve under a P-256 label: only the import
    // can tell.
    const p384 = await testKey("ES384", "x");
    const source = keySource(
      { publicKey: { ...es256.jwk, x: p384.jwk.x, y: p384.jwk.y } },
      clock.now,
    );
    await fails(
      () => source.key({ alg: "ES256" }),
      (error) =>
        error instanceof VerifierUnavailableError &&
        error.message === "Configured key could not be imported",
    );
  });

  it("does not keep a reference to the caller's secret bytes", async () => {
    const bytes = new TextEncoder().encode(SECRET);
    const source = keySource({ secret: bytes }, clock.now);
    bytes.fill(0);
    const key = await source.key({ alg: "HS256" });
    const data = new TextEncoder().encode("data");
    const mac = await crypto.subtle.sign(
      "HMAC",
      await crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(SECRET),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      ),
      data,
    );
    assert.ok(await crypto.subtle.verify("HMAC", key, mac, data));
  });
});

describe("keySource() remote keys", () => {
  it("fetches the key set through the injected fetch, without a receiver", async () => {
    const receivers: unknown[] = [];
    const source = keySource({
      jwksUri: `https://a.example/jwks-${crypto.randomUUID()}`,
      fetch: function (this: unknown) {
        receivers.push(this);
        return Promise.resolve(Response.json({ keys: [es256.jwk] }));
      } as unknown as typeof fetch,
    }, clock.now);
    const key = await source.key({ alg: "ES256", kid: "k1" });
    assert.equal(key.type, "public");
    assert.deepEqual(receivers, [undefined]);
    assert.equal(source.key({ alg: "ES256", kid: "k1" }), key);
  });

  it("shares one fetch between sources given the same fetch and URI", async () => {
    let asked = 0;
    const fetchStub = () => {
      asked++;
      return Promise.resolve(Response.json({ keys: [es256.jwk] }));
    };
    const jwksUri = `https://a.example/jwks-${crypto.randomUUID()}`;
    const a = keySource({ jwksUri, fetch: fetchStub }, clock.now);
    const b = keySource({ jwksUri, fetch: fetchStub }, clock.now);
    await a.key({ alg: "ES256", kid: "k1" });
    await b.key({ alg: "ES256", kid: "k1" });
    assert.equal(asked, 1);
  });

  it("refuses a fetch that is not a function", () => {
    assert.throws(
      () =>
        keySource({ jwksUri: "https://a.example/jwks", fetch: {} }, clock.now),
      /^TypeError: JwtVerifier option "fetch" must be a function, got an object$/,
    );
  });
});

describe("keySource() JWKS timings", () => {
  const jwksUri = "https://a.example/jwks";
  const wrong: [string, Record<string, unknown>, RegExp][] = [
    [
      "a zero jwksMaxAgeMs",
      { jwksMaxAgeMs: 0 },
      /"jwksMaxAgeMs" must be a finite number of at least 1, got "0"/,
    ],
    [
      "a negative jwksCooldownMs",
      { jwksCooldownMs: -1 },
      /"jwksCooldownMs" must be a finite number of at least 0/,
    ],
    [
      "a zero timeoutMs",
      { timeoutMs: 0 },
      /"timeoutMs" must be a finite number of at least 1/,
    ],
    [
      "a jwksMaxStaleMs below jwksMaxAgeMs",
      { jwksMaxAgeMs: 2000, jwksMaxStaleMs: 1000 },
      /"jwksMaxStaleMs" must be at least "jwksMaxAgeMs" \("2000"\), got "1000": raise it or lower "jwksMaxAgeMs"/,
    ],
  ];
  for (const [what, options, message] of wrong) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => keySource({ jwksUri, ...options }, clock.now),
        message,
      );
    });
  }

  it("accepts a jwksMaxAgeMs over a day without jwksMaxStaleMs: the default staleness bound follows it", () => {
    const day = 24 * 60 * 60 * 1000;
    assert.doesNotThrow(() =>
      keySource({ jwksUri, jwksMaxAgeMs: 2 * day }, clock.now)
    );
  });
});
