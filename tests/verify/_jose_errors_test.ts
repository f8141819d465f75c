import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { errors, jwtVerify, type JWTVerifyOptions } from "jose";
import { InvalidTokenError, VerifierUnavailableError } from "../../mod.ts";
import { joseVerdict, verifierError } from "../../src/verify/_jose_errors.ts";
import {
  AUDIENCE,
  b64url,
  claims,
  ISSUER,
  NOW,
  NOW_MS,
  sign,
  signRaw,
  testKey,
} from "../_jwt_fixtures.ts";

const key = await testKey("ES256", "k1");
const other = await testKey("ES256", "k1");
const OPTIONS: JWTVerifyOptions = {
  algorithms: ["ES256"],
  issuer: ISSUER,
  audience: AUDIENCE,
  requiredClaims: ["exp"],
  currentDate: new Date(NOW_MS),
};

/** What jose throws for `token`, verified with `key` and `options`. */
async function joseFailure(
  token: string,
  options: JWTVerifyOptions = {},
): Promise<unknown> {
  try {
    await jwtVerify(token, key.publicKey, { ...OPTIONS, ...options });
  } catch (error) {
    return error;
  }
  throw new Error("jose accepted the token");
}

describe("joseVerdict() on what jwtVerify really throws", () => {
  const cases: [string, () => Promise<unknown>, string][] = [
    [
      "an expired token",
      async () => joseFailure(await sign(key, claims({ exp: NOW - 1 }))),
      "Token expired",
    ],
    [
      "a forged signature",
      async () => joseFailure(await sign(other)),
      "Token signature invalid",
    ],
    [
      "an algorithm outside the allow-list",
      async () => joseFailure(await sign(key), { algorithms: ["RS256"] }),
      "Token algorithm not allowed",
    ],
    [
      "a crit extension jose does not know",
      async () =>
        joseFailure(
          await signRaw(
            { alg: "ES256", crit: ["urn:example:ext"], "urn:example:ext": 1 },
            claims(),
            key.privateKey,
            "ES256",
          ),
        ),
      "Token uses an unsupported feature",
    ],
    [
      "a header that is not JSON",
      () => joseFailure(`${b64url("{")}.${b64url("{}")}.AAAA`),
      "Token malformed",
    ],
    [
      "a payload that is not a JSON object",
      async () =>
        joseFailure(
          await signRaw({ alg: "ES256" }, "[1]", key.privateKey, "ES256"),
        ),
      "Token malformed",
    ],
    [
      "another audience",
      async () => joseFailure(await sign(key, claims({ aud: "urn:other" }))),
      "Token audience mismatch",
    ],
    [
      "another issuer",
      async () => joseFailure(await sign(key, claims({ iss: "urn:other" }))),
      "Token issuer mismatch",
    ],
    [
      "a token not yet valid",
      async () => joseFailure(await sign(key, claims({ nbf: NOW + 60 }))),
      "Token not yet valid",
    ],
    [
      "a token without exp",
      async () => joseFailure(await sign(key, claims({ exp: undefined }))),
      "Token expiry missing or invalid",
    ],
    [
      "another typ",
      async () =>
        joseFailure(await sign(key, claims(), { typ: "JWT" }), {
          typ: "at+jwt",
        }),
      "Token type mismatch",
    ],
    [
      "an iat that is not a number",
      async () => joseFailure(await sign(key, claims({ iat: "yesterday" }))),
      "Token claims invalid",
    ],
  ];
  for (const [what, failure, description] of cases) {
    it(`describes ${what} as ${JSON.stringify(description)}`, async () => {
      assert.equal(joseVerdict(await failure()), description);
    });
  }

  it("never repeats a claim value", async () => {
    const secret = "who-am-i-secret";
    const error = await joseFailure(
      await sign(key, claims({ aud: secret, iss: secret })),
    );
    assert.ok(!joseVerdict(error)!.includes(secret));
  });
});

describe("joseVerdict() on anything else", () => {
  for (
    const error of [
      new TypeError("CryptoKey does not support this operation"),
      new InvalidTokenError("Token signing key not found"),
      Object.assign(new Error("node"), { code: "ERR_INVALID_ARG_TYPE" }),
      new errors.JWKSNoMatchingKey(),
      "ERR_JWT_EXPIRED",
      null,
      undefined,
    ]
  ) {
    it(`is undefined for ${String(error)}`, () => {
      assert.equal(joseVerdict(error), undefined);
    });
  }
});

describe("verifierError()", () => {
  it("hands this library's outcomes back unchanged", () => {
    const invalid = new InvalidTokenError("Token signing key not found");
    const unavailable = new VerifierUnavailableError("No JWKS key available");
    assert.equal(verifierError(invalid), invalid);
    assert.equal(verifierError(unavailable), unavailable);
  });

  it("turns a jose error into an InvalidTokenError with its verdict", () => {
    const cause = new errors.JWTExpired("exp", {});
    const error = verifierError(cause);
    assert.ok(error instanceof InvalidTokenError);
    assert.equal(error.message, "Token expired");
    assert.equal(error.cause, cause);
  });

  it("turns anything else into a generic InvalidTokenError, keeping the cause for logs", () => {
    const cause = new TypeError("secret detail");
    const error = verifierError(cause);
    assert.ok(error instanceof InvalidTokenError);
    assert.equal(error.message, "Invalid token");
    assert.equal(error.cause, cause);
  });
});
