import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ASYMMETRIC_ALGORITHMS,
  cryptoKeyAlgorithms,
  cryptoKeyEntry,
  HMAC_KEY_BYTES,
  importParameters,
  jwkAlgorithms,
  jwkEntry,
  type KeyEntry,
  secretEntry,
  selectKey,
  spkiEntry,
} from "../../src/verify/keys.ts";
import { testKey } from "../_jwt_fixtures.ts";

const es256 = await testKey("ES256", "e1");
const es384 = await testKey("ES384", "e3");
const es512 = await testKey("ES512", "e5");
const rsa = await testKey("RS256", "r1");
const ed = await testKey("EdDSA", "d1");

/** Signs `data` with `privateKey` the WebCrypto way for `alg`. */
async function signature(
  alg: string,
  privateKey: CryptoKey,
  data: Uint8Array<ArrayBuffer>,
): Promise<ArrayBuffer> {
  const params = alg.startsWith("ES")
    ? { name: "ECDSA", hash: `SHA-${alg.slice(2)}` }
    : privateKey.algorithm;
  return await crypto.subtle.sign(params, privateKey, data);
}

/** Whether the entry's key for `alg` verifies what `privateKey` signed. */
async function verifies(
  entry: KeyEntry,
  alg: string,
  privateKey: CryptoKey,
): Promise<boolean> {
  const data = new TextEncoder().encode("payload");
  const key = await entry.key(alg);
  const params = alg.startsWith("ES")
    ? { name: "ECDSA", hash: `SHA-${alg.slice(2)}` }
    : key.algorithm;
  return await crypto.subtle.verify(
    params,
    key,
    await signature(alg, privateKey, data),
    data,
  );
}

describe("importParameters()", () => {
  it("maps every algorithm to the WebCrypto parameters that import its key", () => {
    assert.deepEqual(importParameters("RS384"), {
      name: "RSASSA-PKCS1-v1_5",
      hash: "SHA-384",
    });
    assert.deepEqual(importParameters("PS512"), {
      name: "RSA-PSS",
      hash: "SHA-512",
    });
    assert.deepEqual(importParameters("ES256"), {
      name: "ECDSA",
      namedCurve: "P-256",
    });
    assert.deepEqual(importParameters("ES384"), {
      name: "ECDSA",
      namedCurve: "P-384",
    });
    assert.deepEqual(importParameters("ES512"), {
      name: "ECDSA",
      namedCurve: "P-521",
    });
    assert.deepEqual(importParameters("HS256"), {
      name: "HMAC",
      hash: "SHA-256",
    });
    assert.deepEqual(importParameters("EdDSA"), { name: "Ed25519" });
    assert.deepEqual(importParameters("Ed25519"), { name: "Ed25519" });
  });

  it("covers every algorithm the module lists", () => {
    for (
      const alg of [...ASYMMETRIC_ALGORITHMS, ...Object.keys(HMAC_KEY_BYTES)]
    ) {
      assert.equal(typeof importParameters(alg).name, "string", alg);
    }
  });
});

describe("jwkAlgorithms()", () => {
  it("gives each public key type the algorithms it may verify", () => {
    assert.deepEqual(jwkAlgorithms(rsa.jwk), [
      "RS256",
      "RS384",
      "RS512",
      "PS256",
      "PS384",
      "PS512",
    ]);
    assert.deepEqual(jwkAlgorithms(es256.jwk), ["ES256"]);
    assert.deepEqual(jwkAlgorithms(es512.jwk), ["ES512"]);
    assert.deepEqual(jwkAlgorithms(ed.jwk), ["EdDSA", "Ed25519"]);
  });

  it("narrows to the key's own alg, and refuses an alg that does not fit it", () => {
    assert.deepEqual(jwkAlgorithms({ ...rsa.jwk, alg: "PS256" }), ["PS256"]);
    assert.equal(jwkAlgorithms({ ...es256.jwk, alg: "ES384" }), undefined);
    assert.equal(jwkAlgorithms({ ...es256.jwk, alg: 256 }), undefined);
  });

  const unusable: [string, unknown][] = [
    ["a private EC key", { ...es256.jwk, d: "AAAA" }],
    ["an RSA key with a prime", { ...rsa.jwk, p: "AAAA" }],
    ["a symmetric key", { kty: "oct", k: "AAAA" }],
    ["an encryption key", { ...es256.jwk, use: "enc" }],
    ["key_ops without verify", { ...es256.jwk, key_ops: ["sign"] }],
    ["key_ops that is not a list", { ...es256.jwk, key_ops: "verify" }],
    ["a kid that is not a string", { ...es256.jwk, kid: 7 }],
    ["an unknown curve", { ...es256.jwk, crv: "P-192" }],
    ["an X25519 key", { kty: "OKP", crv: "X25519", x: "AAAA" }],
    ["an RSA key without e", { kty: "RSA", n: "AAAA" }],
    ["an unknown kty", { kty: "AKP", pub: "AAAA" }],
    ["an array", []],
    ["null", null],
  ];
  for (const [what, jwk] of unusable) {
    it(`refuses ${what}`, () => {
      assert.equal(jwkAlgorithms(jwk), undefined);
      assert.equal(jwkEntry(jwk), undefined);
    });
  }
});

describe("jwkEntry()", () => {
  it("imports a public JWK that verifies what its private key signed", async () => {
    for (
      const [key, alg] of [[es256, "ES256"], [es384, "ES384"], [ed, "EdDSA"], [
        rsa,
        "RS256",
      ], [rsa, "PS384"]] as const
    ) {
      const entry = jwkEntry(key.jwk)!;
      assert.equal(entry.kid, key.kid);
      assert.ok(entry.algorithms.has(alg));
      if (alg === "PS384") continue; // signed with RSASSA-PKCS1-v1_5 here
      assert.ok(await verifies(entry, alg, key.privateKey), alg);
    }
  });

  it("imports a key once per algorithm, and has it ready afterwards", async () => {
    const entry = jwkEntry(rsa.jwk)!;
    assert.equal(entry.ready("RS256"), undefined);
    const first = entry.key("RS256");
    assert.equal(entry.key("RS256"), first);
    const key = await first;
    assert.equal(entry.ready("RS256"), key);
    assert.equal(entry.ready("PS256"), undefined);
    assert.notEqual(await entry.key("PS256"), key);
  });

  it("imports only the public parameters, not extractable, for verify only", async () => {
    const entry = jwkEntry({ ...es256.jwk, ext: true, alg: "ES256" })!;
    const key = await entry.key("ES256");
    assert.equal(key.type, "public");
    assert.equal(key.extractable, false);
    assert.deepEqual(key.usages, ["verify"]);
  });

  it("rejects the import of a key that is not what its parameters say", async () => {
    // P-384 coordinates under a P-256 label.
    const entry = jwkEntry({ ...es256.jwk, x: es384.jwk.x, y: es384.jwk.y })!;
    await assert.rejects(entry.key("ES256"));
  });
});

describe("spkiEntry()", () => {
  it("reads the algorithms from the key's AlgorithmIdentifier and imports it", async () => {
    const cases = [
      [es256, "ES256", ["ES256"]],
      [es384, "ES384", ["ES384"]],
      [es512, "ES512", ["ES512"]],
      [ed, "EdDSA", ["EdDSA", "Ed25519"]],
      [rsa, "RS256", ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]],
    ] as const;
    for (const [key, alg, algorithms] of cases) {
      const entry = spkiEntry(key.pem)!;
      assert.deepEqual([...entry.algorithms], algorithms);
      assert.equal(entry.kid, undefined);
      assert.ok(await verifies(entry, alg, key.privateKey), alg);
    }
  });

  it("accepts surrounding whitespace and line breaks inside", () => {
    assert.ok(spkiEntry(`\n  ${es256.pem}\n\n`) !== undefined);
  });

  const wrong: [string, string][] = [
    ["plain text", "not a key"],
    ["a private key", es256.pem.replaceAll("PUBLIC", "PRIVATE")],
    ["a certificate", es256.pem.replaceAll("PUBLIC KEY", "CERTIFICATE")],
    [
      "broken base64",
      "-----BEGIN PUBLIC KEY-----\n%%%%\n-----END PUBLIC KEY-----",
    ],
    [
      "DER that is not a SEQUENCE",
      "-----BEGIN PUBLIC KEY-----\nAgEA\n-----END PUBLIC KEY-----",
    ],
    [
      "DER with trailing bytes",
      es256.pem.replace("\n-----END", "AAAA\n-----END"),
    ],
    [
      "an X25519 key",
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VuAyEAhSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n-----END PUBLIC KEY-----",
    ],
  ];
  for (const [what, pem] of wrong) {
    it(`refuses ${what}`, () => {
      assert.equal(spkiEntry(pem), undefined);
    });
  }
});

describe("cryptoKeyAlgorithms() and cryptoKeyEntry()", () => {
  it("reads the algorithms from the key, and hands the key itself out", async () => {
    assert.deepEqual(cryptoKeyAlgorithms(es256.publicKey), ["ES256"]);
    assert.deepEqual(cryptoKeyAlgorithms(rsa.publicKey), ["RS256"]);
    assert.deepEqual(cryptoKeyAlgorithms(ed.publicKey), ["EdDSA", "Ed25519"]);
    const entry = cryptoKeyEntry(es512.publicKey);
    assert.deepEqual([...entry.algorithms], ["ES512"]);
    assert.equal(await entry.key("ES512"), es512.publicKey);
  });

  it("gives no algorithm to a key it cannot verify JWS with", async () => {
    const aes = await crypto.subtle.generateKey(
      { name: "AES-GCM", length: 128 },
      false,
      ["encrypt"],
    );
    assert.deepEqual(cryptoKeyAlgorithms(aes), []);
  });
});

describe("secretEntry()", () => {
  it("imports an HMAC key per hash, from a copy of the bytes", async () => {
    const bytes = new TextEncoder().encode("x".repeat(64));
    const entry = secretEntry(bytes, ["HS256", "HS512"]);
    bytes.fill(0);
    const key = await entry.key("HS512");
    assert.deepEqual(key.algorithm, {
      name: "HMAC",
      hash: { name: "SHA-512" },
      length: 512,
    });
    const data = new TextEncoder().encode("payload");
    const mac = await crypto.subtle.sign(
      "HMAC",
      await crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode("x".repeat(64)),
        { name: "HMAC", hash: "SHA-512" },
        false,
        ["sign"],
      ),
      data,
    );
    assert.ok(await crypto.subtle.verify("HMAC", key, mac, data));
  });
});

describe("selectKey()", () => {
  const a = jwkEntry(es256.jwk)!; // kid e1, ES256
  const b = jwkEntry({ ...es256.jwk, kid: "e2" })!;
  const r = jwkEntry(rsa.jwk)!;

  it("picks the key with the header's kid that fits its alg", () => {
    assert.equal(selectKey([a, b, r], "ES256", "e2", true), b);
    assert.equal(selectKey([a, b, r], "RS256", "r1", true), r);
  });

  it("finds nothing for an unknown kid, or a kid whose key does not fit the alg", () => {
    assert.equal(selectKey([a, b, r], "ES256", "zz", true), undefined);
    assert.equal(selectKey([a, b, r], "RS256", "e1", true), undefined);
  });

  it("picks the only key that fits when the header has no kid", () => {
    assert.equal(selectKey([a, r], "ES256", undefined, true), a);
  });

  it("refuses to guess when several keys fit", () => {
    assert.equal(selectKey([a, b], "ES256", undefined, true), undefined);
    assert.equal(selectKey([a, b], "ES256", "e1", false), undefined);
  });

  it("ignores the kid when told to (one configured key)", () => {
    assert.equal(selectKey([a], "ES256", "other", false), a);
  });
});
