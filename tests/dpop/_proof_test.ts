// src/dpop/_proof.ts: the protected header of a DPoP proof (RFC 9449 §4.3
// checks 4 to 6) and its signature by the embedded key (checks 3, 7).
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { InvalidDpopProofError } from "../../mod.ts";
import { readHeader, verifySignature } from "../../src/dpop/_proof.ts";

const ALGS = ["ES256", "EdDSA"];
const NOW = 1_800_000_000_000;

function b64url(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** An unsigned compact JWS with `header`, for the header checks. */
function withHeader(header: unknown): string {
  return `${b64url(header)}.${b64url({ jti: "j" })}.c2ln`;
}

let publicJwk: JWK;
let privateJwk: JWK;
let privateKey: CryptoKey;
let otherPublicJwk: JWK;

before(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  privateKey = pair.privateKey as CryptoKey;
  publicJwk = await exportJWK(pair.publicKey);
  privateJwk = await exportJWK(pair.privateKey);
  const other = await generateKeyPair("ES256");
  otherPublicJwk = await exportJWK(other.publicKey);
});

function expectInvalid(fn: () => unknown, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidDpopProofError);
    assert.equal(error.message, message);
    return true;
  });
}

async function sign(
  jwk: JWK,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  return await new SignJWT({ jti: "j", htm: "POST", ...claims })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk, ...header })
    .setIssuedAt(NOW / 1000)
    .sign(privateKey);
}

describe("readHeader", () => {
  it("returns the public jwk and alg of a well-formed header", () => {
    const header = { typ: "dpop+jwt", alg: "ES256", jwk: publicJwk };
    assert.deepEqual(readHeader(withHeader(header), ALGS), {
      jwk: publicJwk,
      alg: "ES256",
    });
  });

  it("refuses a header that does not decode, with the cause", () => {
    for (const proof of ["", "abc", "!!!.e30.sig", `${b64url([1])}.e30.x`]) {
      assert.throws(() => readHeader(proof, ALGS), (error: unknown) => {
        assert.ok(error instanceof InvalidDpopProofError);
        assert.equal(error.message, "DPoP proof header is malformed");
        assert.ok(error.cause !== undefined);
        return true;
      });
    }
  });

  it('refuses every typ but exactly "dpop+jwt" (§4.3 check 4)', () => {
    for (const typ of [undefined, "JWT", "application/dpop+jwt", "DPOP+JWT"]) {
      expectInvalid(
        () =>
          readHeader(withHeader({ typ, alg: "ES256", jwk: publicJwk }), ALGS),
        'DPoP proof typ must be "dpop+jwt"',
      );
    }
  });

  it("refuses an alg that is not accepted, none included", () => {
    for (const alg of [undefined, "none", "HS256", "RS256", 1, ["ES256"]]) {
      expectInvalid(
        () =>
          readHeader(
            withHeader({ typ: "dpop+jwt", alg, jwk: publicJwk }),
            ALGS,
          ),
        "DPoP proof alg is not accepted",
      );
    }
    // Accepted only when in the list given.
    const header = withHeader({
      typ: "dpop+jwt",
      alg: "ES256",
      jwk: publicJwk,
    });
    expectInvalid(
      () => readHeader(header, ["EdDSA"]),
      "DPoP proof alg is not accepted",
    );
  });

  it("needs a jwk object", () => {
    for (const jwk of [undefined, null, "key", 1, [publicJwk]]) {
      expectInvalid(
        () =>
          readHeader(withHeader({ typ: "dpop+jwt", alg: "ES256", jwk }), ALGS),
        "DPoP proof needs a jwk header",
      );
    }
  });

  it("refuses a private or symmetric key instead of stripping it (§4.3 check 6)", () => {
    const cases: Record<string, unknown>[] = [
      privateJwk as Record<string, unknown>,
      { kty: "oct", k: "c2VjcmV0" },
      ...["p", "q", "dp", "dq", "qi", "oth", "priv"].map((name) => ({
        ...publicJwk,
        [name]: "x",
      })),
    ];
    for (const jwk of cases) {
      expectInvalid(
        () =>
          readHeader(withHeader({ typ: "dpop+jwt", alg: "ES256", jwk }), ALGS),
        "DPoP proof jwk must be a public key",
      );
    }
  });

  it("refuses a kty that is not EC, RSA or OKP", () => {
    for (const kty of [undefined, "oct", "ec", 1]) {
      expectInvalid(
        () =>
          readHeader(
            withHeader({
              typ: "dpop+jwt",
              alg: "ES256",
              jwk: { ...publicJwk, kty },
            }),
            ALGS,
          ),
        "DPoP proof jwk must be a public key",
      );
    }
  });
});

describe("verifySignature", () => {
  it("verifies a proof signed by its embedded key and returns its claims", async () => {
    const proof = await sign(publicJwk);
    const result = await verifySignature(proof, "ES256", NOW, 0);
    assert.equal(result.payload.jti, "j");
    assert.equal(result.payload.htm, "POST");
    assert.equal(result.protectedHeader.typ, "dpop+jwt");
  });

  it("refuses a proof whose embedded key did not sign it, with the cause", async () => {
    const proof = await sign(otherPublicJwk);
    await assert.rejects(
      verifySignature(proof, "ES256", NOW, 0),
      (error: unknown) => {
        assert.ok(error instanceof InvalidDpopProofError);
        assert.equal(error.message, "DPoP proof signature is invalid");
        assert.ok(error.cause !== undefined);
        return true;
      },
    );
  });

  it("refuses a tampered payload and an alg other than the one read", async () => {
    const [header, , signature] = (await sign(publicJwk)).split(".");
    const tampered = `${header}.${b64url({ jti: "other" })}.${signature}`;
    await assert.rejects(
      verifySignature(tampered, "ES256", NOW, 0),
      InvalidDpopProofError,
    );
    await assert.rejects(
      verifySignature(await sign(publicJwk), "ES384", NOW, 0),
      InvalidDpopProofError,
    );
  });

  it("checks exp and nbf at `now`, within the tolerance", async () => {
    const proof = await sign(publicJwk, { exp: NOW / 1000 + 10 });
    await verifySignature(proof, "ES256", NOW + 9_000, 0);
    await assert.rejects(
      verifySignature(proof, "ES256", NOW + 11_000, 0),
      InvalidDpopProofError,
    );
    await verifySignature(proof, "ES256", NOW + 11_000, 5);
    const early = await sign(publicJwk, { nbf: NOW / 1000 + 60 });
    await assert.rejects(
      verifySignature(early, "ES256", NOW, 0),
      InvalidDpopProofError,
    );
  });
});
