import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  base64url,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import {
  accessTokenHash,
  createDpopNoncePolicy,
  DpopError,
  DpopVerifier,
  type DpopVerifierOptions,
  InvalidDpopProofError,
  InvalidTokenError,
  type ReplayStore,
  UseDpopNonceError,
  VerifierUnavailableError,
} from "../../mod.ts";
import { receiverFreeClock } from "../_receiver.ts";

const NOW = 1_800_000_000_000; // frozen clock, milliseconds
const NOW_S = NOW / 1_000;
const URL_ = "https://mcp.example.com/mcp";
const TOKEN = "access-token-value";

interface KeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function keyPair(alg: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
  });
  const jwk = await exportJWK(publicKey);
  return { privateKey, publicKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

let es256: KeyPair;
let other: KeyPair;
let ed25519: KeyPair;

before(async () => {
  es256 = await keyPair("ES256");
  other = await keyPair("ES256");
  ed25519 = await keyPair("Ed25519");
});

interface MintOptions {
  key?: KeyPair;
  signer?: CryptoKey | Uint8Array;
  alg?: string;
  header?: Record<string, unknown>;
  claims?: JWTPayload;
  omit?: string[];
}

let counter = 0;
async function mint(options: MintOptions = {}): Promise<string> {
  const key = options.key ?? es256;
  const alg = options.alg ?? "ES256";
  const claims: JWTPayload = {
    jti: `proof-${++counter}`,
    htm: "POST",
    htu: URL_,
    iat: NOW_S,
    ath: await accessTokenHash(TOKEN),
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete claims[name];
  return await new SignJWT(claims)
    .setProtectedHeader({
      typ: "dpop+jwt",
      alg,
      jwk: key.jwk,
      ...options.header,
    } as never)
    .sign(options.signer ?? key.privateKey);
}

function verifier(options: DpopVerifierOptions = {}): DpopVerifier {
  return new DpopVerifier({ now: () => NOW, ...options });
}

function request(proof: string | undefined, extra: object = {}) {
  return {
    method: "POST",
    url: URL_,
    proof,
    accessToken: TOKEN,
    ...extra,
  };
}

async function rejectsWith(
  promise: Promise<unknown>,
  message: string,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InvalidDpopProofError, String(error));
    assert.equal(error.error, "invalid_dpop_proof");
    assert.equal(error.message, message);
    return true;
  });
}

function encodeJson(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

// jose refuses to sign some headers (crit extensions): sign by hand.
async function signByHand(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): Promise<string> {
  const input = `${encodeJson(header)}.${encodeJson(claims)}`;
  const signature = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" },
    es256.privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${base64url.encode(new Uint8Array(signature))}`;
}

describe("DpopVerifier.verify", () => {
  it("accepts a valid proof and returns the key thumbprint", async () => {
    const result = await verifier().verify(request(await mint()));
    assert.equal(result.jkt, es256.jkt);
    assert.equal(result.alg, "ES256");
    assert.equal(result.iat, NOW_S);
    assert.match(result.jti, /^proof-/);
  });

  it("accepts an EdDSA proof by default", async () => {
    const proof = await mint({ key: ed25519, alg: "EdDSA" });
    assert.equal((await verifier().verify(request(proof))).jkt, ed25519.jkt);
  });

  it("accepts a PS256 proof with a 2048-bit key", async () => {
    const rsa = await keyPair("PS256");
    const proof = await mint({ key: rsa, alg: "PS256" });
    assert.equal((await verifier().verify(request(proof))).jkt, rsa.jkt);
  });

  describe("header", () => {
    it("refuses a missing or empty proof", async () => {
      await rejectsWith(
        verifier().verify(request(undefined)),
        "DPoP proof is missing",
      );
      await rejectsWith(
        verifier().verify(request("")),
        "DPoP proof is missing",
      );
    });

    it("refuses a proof longer than maxProofLength before parsing it", async () => {
      const proof = await mint();
      await rejectsWith(
        verifier({ maxProofLength: proof.length - 1 }).verify(request(proof)),
        "DPoP proof is too long",
      );
      const ok = await verifier({ maxProofLength: proof.length }).verify(
        request(proof),
      );
      assert.equal(ok.jkt, es256.jkt);
    });

    it("refuses two DPoP headers joined by Headers", async () => {
      const headers = new Headers();
      headers.append("DPoP", await mint());
      headers.append("DPoP", await mint());
      const req = new Request(URL_, {
        method: "POST",
        headers: Object.fromEntries([["dpop", headers.get("dpop") ?? ""]]),
      });
      await rejectsWith(
        verifier().verifyRequest(req, { accessToken: TOKEN }),
        "DPoP header must hold exactly one compact JWT",
      );
    });

    it("refuses a value that is not a compact JWT", async () => {
      for (const value of ["a.b", "a.b.c.d", "a.b.", " a.b.c", "a.b.c "]) {
        await rejectsWith(
          verifier().verify(request(value)),
          "DPoP header must hold exactly one compact JWT",
        );
      }
    });

    it("refuses a header that is not JSON", async () => {
      const proof = `${base64url.encode("not json")}.${encodeJson({})}.AAAA`;
      await rejectsWith(
        verifier().verify(request(proof)),
        "DPoP proof header is malformed",
      );
    });

    for (const typ of ["JWT", "application/dpop+jwt", "DPOP+JWT", undefined]) {
      it(`refuses typ ${JSON.stringify(typ)}`, async () => {
        const proof = await mint({ header: { typ } });
        await rejectsWith(
          verifier().verify(request(proof)),
          'DPoP proof typ must be "dpop+jwt"',
        );
      });
    }

    it("refuses alg none", async () => {
      const header = { typ: "dpop+jwt", alg: "none", jwk: es256.jwk };
      const claims = { jti: "x", htm: "POST", htu: URL_, iat: NOW_S };
      const proof = `${encodeJson(header)}.${encodeJson(claims)}.AAAA`;
      await rejectsWith(
        verifier().verify(request(proof)),
        "DPoP proof alg is not accepted",
      );
    });

    it("refuses an HS256 proof even with a key in the header", async () => {
      const secret = new Uint8Array(32).fill(7);
      const proof = await mint({
        alg: "HS256",
        signer: secret,
        header: { jwk: { kty: "oct", k: base64url.encode(secret) } },
      });
      await rejectsWith(
        verifier().verify(request(proof)),
        "DPoP proof alg is not accepted",
      );
    });

    it("refuses an algorithm outside the configured list", async () => {
      const proof = await mint({ key: ed25519, alg: "EdDSA" });
      await rejectsWith(
        verifier({ algorithms: ["ES256"] }).verify(request(proof)),
        "DPoP proof alg is not accepted",
      );
    });

    it("refuses a proof without a jwk header", async () => {
      for (const jwk of [undefined, "key", ["a"], null]) {
        const proof = await mint({ header: { jwk, kid: "k1" } });
        await rejectsWith(
          verifier().verify(request(proof)),
          "DPoP proof needs a jwk header",
        );
      }
    });

    it("refuses a private key in the jwk header", async () => {
      const privateJwk = await exportJWK(es256.privateKey);
      assert.ok(privateJwk.d);
      const proof = await mint({ header: { jwk: privateJwk } });
      await rejectsWith(
        verifier().verify(request(proof)),
        "DPoP proof jwk must be a public key",
      );
    });

    for (const member of ["d", "p", "q", "dp", "dq", "qi", "k"]) {
      it(`refuses a jwk carrying the private member "${member}"`, async () => {
        const proof = await mint({
          header: { jwk: { ...es256.jwk, [member]: "AAAA" } },
        });
        await rejectsWith(
          verifier().verify(request(proof)),
          "DPoP proof jwk must be a public key",
        );
      });
    }

    it("refuses a symmetric jwk", async () => {
      const proof = await mint({ header: { jwk: { kty: "oct" } } });
      await rejectsWith(
        verifier().verify(request(proof)),
        "DPoP proof jwk must be a public key",
      );
    });

    it("refuses a proof signed by a key other than the one in its header", async () => {
      const proof = await mint({ signer: other.privateKey });
      await rejectsWith(
        verifier().verify(request(proof)),
        "DPoP proof signature is invalid",
      );
    });

    it("refuses a proof whose signature was altered", async () => {
      const proof = await mint();
      const [h, p, sig = ""] = proof.split(".");
      const flipped = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
      await rejectsWith(
        verifier().verify(request(`${h}.${p}.${flipped}`)),
        "DPoP proof signature is invalid",
      );
    });

    it("refuses a jwk whose curve does not match the alg", async () => {
      const proof = await mint({
        key: ed25519,
        alg: "ES256",
        signer: es256.privateKey,
      });
      await rejectsWith(
        verifier().verify(request(proof)),
        "DPoP proof signature is invalid",
      );
    });

    // RFC 9449 §4.2 lists what a proof must contain, not all it may; JWS
    // (RFC 7515 §4) lets unknown header parameters be ignored.
    it("accepts extra header parameters, taking the key from jwk alone", async () => {
      const proof = await mint({
        header: { kid: "other-key", "x-extra": true, jku: "https://evil" },
      });
      assert.equal((await verifier().verify(request(proof))).jkt, es256.jkt);
    });

    it("refuses a crit header naming an unsupported extension", async () => {
      const header = { typ: "dpop+jwt", alg: "ES256", jwk: es256.jwk };
      const claims = { htm: "POST", htu: URL_, iat: NOW_S };
      // The same hand-signed proof passes without crit.
      const plain = await signByHand(header, { ...claims, jti: "plain" });
      const v = verifier();
      await v.verify(request(plain, { accessToken: undefined }));
      const proof = await signByHand(
        { ...header, crit: ["urn:example:ext"], "urn:example:ext": 1 },
        { ...claims, jti: "crit" },
      );
      await rejectsWith(
        v.verify(request(proof, { accessToken: undefined })),
        "DPoP proof signature is invalid",
      );
    });
  });

  describe("claims", () => {
    it("refuses a proof for another method", async () => {
      const proof = await mint({ claims: { htm: "GET" } });
      await rejectsWith(
        verifier().verify(request(proof)),
        "DPoP proof htm does not match",
      );
    });

    it("compares htm case-sensitively", async () => {
      const proof = await mint({ claims: { htm: "post" } });
      await rejectsWith(
        verifier().verify(request(proof)),
        "DPoP proof htm does not match",
      );
    });

    it("refuses a proof without htm or htu", async () => {
      await rejectsWith(
        verifier().verify(request(await mint({ omit: ["htm"] }))),
        "DPoP proof htm does not match",
      );
      await rejectsWith(
        verifier().verify(request(await mint({ omit: ["htu"] }))),
        "DPoP proof htu does not match",
      );
    });

    for (
      const htu of [
        "https://mcp.example.com/other",
        "https://mcp.example.com/MCP",
        "http://mcp.example.com/mcp",
        "https://mcp.example.com:8443/mcp",
        "https://evil.example.com/mcp",
        "https://user@mcp.example.com/mcp",
        "/mcp",
        "not a url",
      ]
    ) {
      it(`refuses a proof for another URL (${htu})`, async () => {
        const proof = await mint({ claims: { htu } });
        await rejectsWith(
          verifier().verify(request(proof)),
          "DPoP proof htu does not match",
        );
      });
    }

    it("ignores the request's query and fragment", async () => {
      const proof = await mint();
      const result = await verifier().verify(
        request(proof, { url: `${URL_}?session=abc&x=1#frag` }),
      );
      assert.equal(result.jkt, es256.jkt);
    });

    // §4.3 check 9 ignores query and fragment parts: on either side.
    it("ignores a query and fragment in htu", async () => {
      const proof = await mint({ claims: { htu: `${URL_}?a=1#b` } });
      assert.equal((await verifier().verify(request(proof))).jkt, es256.jkt);
    });

    for (
      const htu of [
        "HTTPS://MCP.EXAMPLE.COM/mcp",
        "https://mcp.example.com:443/mcp",
        "https://mcp.example.com/./x/../mcp",
        "https://mcp.example.com/%6dcp",
      ]
    ) {
      it(`matches an equivalent htu after RFC 3986 normalization (${htu})`, async () => {
        const proof = await mint({ claims: { htu } });
        assert.equal((await verifier().verify(request(proof))).jkt, es256.jkt);
      });
    }

    it("matches a default http port and an empty path", async () => {
      const proof = await mint({ claims: { htu: "http://Local.Test:80" } });
      const result = await verifier().verify(
        request(proof, { url: "http://local.test/" }),
      );
      assert.equal(result.jkt, es256.jkt);
    });

    it("refuses a missing, empty or oversized jti", async () => {
      for (const jti of [undefined, "", 42, "j".repeat(257)]) {
        const proof = await mint({ claims: { jti: jti as string } });
        await rejectsWith(
          verifier().verify(request(proof)),
          "DPoP proof needs a jti",
        );
      }
    });

    it("refuses a missing iat", async () => {
      const proof = await mint({ omit: ["iat"] });
      await rejectsWith(
        verifier().verify(request(proof)),
        "DPoP proof needs an iat",
      );
    });

    it("accepts iat at both edges of the window", async () => {
      const v = verifier({ maxAge: 60, clockTolerance: 5 });
      await v.verify(request(await mint({ claims: { iat: NOW_S + 5 } })));
      await v.verify(request(await mint({ claims: { iat: NOW_S - 65 } })));
    });

    it("refuses a proof issued beyond the clock tolerance in the future", async () => {
      const proof = await mint({ claims: { iat: NOW_S + 6 } });
      await rejectsWith(
        verifier({ clockTolerance: 5 }).verify(request(proof)),
        "DPoP proof is issued in the future",
      );
    });

    it("refuses a proof older than maxAge plus the clock tolerance", async () => {
      const proof = await mint({ claims: { iat: NOW_S - 66 } });
      await rejectsWith(
        verifier({ maxAge: 60, clockTolerance: 5 }).verify(request(proof)),
        "DPoP proof is too old",
      );
    });

    it("reads the injected clock on every call", async () => {
      let now = NOW;
      const v = verifier({ now: () => now, maxAge: 60, clockTolerance: 0 });
      const proof = await mint();
      now = NOW + 61_000;
      await rejectsWith(v.verify(request(proof)), "DPoP proof is too old");
    });

    it("refuses a mismatched ath", async () => {
      const proof = await mint({
        claims: { ath: await accessTokenHash("another-token") },
      });
      await rejectsWith(
        verifier().verify(request(proof)),
        "DPoP proof ath does not match",
      );
    });

    it("refuses a proof without ath when a token is presented", async () => {
      const proof = await mint({ omit: ["ath"] });
      await rejectsWith(
        verifier().verify(request(proof)),
        "DPoP proof ath does not match",
      );
    });

    it("does not require ath without an access token", async () => {
      const proof = await mint({ omit: ["ath"] });
      const result = await verifier().verify(
        request(proof, { accessToken: undefined }),
      );
      assert.equal(result.jkt, es256.jkt);
    });

    it("accepts extra claims", async () => {
      const proof = await mint({ claims: { extra: "x", nested: { a: 1 } } });
      assert.equal((await verifier().verify(request(proof))).jkt, es256.jkt);
    });

    it("never puts a claim value in an error message", async () => {
      const proof = await mint({
        claims: { htu: "https://secret-host.example/\r\nX-Injected: 1" },
      });
      await assert.rejects(
        verifier().verify(request(proof)),
        (error: Error) => {
          assert.doesNotMatch(error.message, /secret-host|Injected/);
          return true;
        },
      );
    });
  });

  describe("key binding (cnf.jkt)", () => {
    it("accepts a proof made with the bound key", async () => {
      const proof = await mint();
      const result = await verifier().verify(
        request(proof, { jkt: es256.jkt }),
      );
      assert.equal(result.jkt, es256.jkt);
    });

    it("refuses a proof signed by a key other than the bound one", async () => {
      const proof = await mint({ key: other });
      await assert.rejects(
        verifier().verify(request(proof, { jkt: es256.jkt })),
        (error: unknown) => {
          assert.ok(error instanceof InvalidTokenError);
          assert.equal(error.message, "Invalid DPoP key binding");
          return true;
        },
      );
    });
  });

  describe("replay", () => {
    it("refuses the same proof twice", async () => {
      const v = verifier();
      const proof = await mint();
      await v.verify(request(proof));
      await rejectsWith(
        v.verify(request(proof)),
        "DPoP proof has been used before",
      );
    });

    it("refuses a jti reused by the same key in a new proof", async () => {
      const v = verifier();
      await v.verify(request(await mint({ claims: { jti: "same" } })));
      await rejectsWith(
        v.verify(request(await mint({ claims: { jti: "same", extra: 1 } }))),
        "DPoP proof has been used before",
      );
    });

    it("does not let one key burn another key's jti", async () => {
      const v = verifier();
      await v.verify(request(await mint({ key: other, claims: { jti: "j" } })));
      const result = await v.verify(
        request(await mint({ claims: { jti: "j" } })),
      );
      assert.equal(result.jkt, es256.jkt);
    });

    it("records a proof only after every other check passed", async () => {
      const calls: Array<[string, number]> = [];
      const store: ReplayStore = {
        checkAndStore(key, expiresAt) {
          calls.push([key, expiresAt]);
          return Promise.resolve(true);
        },
      };
      const v = verifier({ replayStore: store, maxAge: 60, clockTolerance: 5 });
      const bad = await mint({ claims: { htm: "GET" } });
      await assert.rejects(v.verify(request(bad)));
      await assert.rejects(
        v.verify(request(await mint({ key: other }), { jkt: es256.jkt })),
      );
      assert.deepEqual(calls, []);
      await v.verify(request(await mint({ claims: { jti: "ok" } })));
      assert.deepEqual(calls, [[`${es256.jkt}.ok`, (NOW_S + 65) * 1_000]]);
    });

    it("fails closed when the replay store throws", async () => {
      const failure = new Error("redis down");
      const v = verifier({
        replayStore: { checkAndStore: () => Promise.reject(failure) },
      });
      await assert.rejects(v.verify(request(await mint())), (error) => {
        assert.equal(error, failure);
        assert.ok(!(error instanceof DpopError));
        return true;
      });
    });
  });

  describe("nonces", () => {
    it("demands a nonce with a fresh one when the proof has none", async () => {
      const nonces = createDpopNoncePolicy({ now: () => NOW });
      const v = verifier({ nonces });
      const error = await v.verify(request(await mint())).then(
        () => assert.fail("accepted a proof without a nonce"),
        (error: unknown) => error,
      );
      assert.ok(error instanceof UseDpopNonceError);
      assert.equal(error.error, "use_dpop_nonce");
      assert.equal(await nonces.verify(error.nonce), true);
    });

    it("accepts a proof carrying an issued nonce", async () => {
      const v = verifier({ nonces: createDpopNoncePolicy({ now: () => NOW }) });
      const nonce = await v.issueNonce();
      assert.ok(nonce);
      const result = await v.verify(request(await mint({ claims: { nonce } })));
      assert.equal(result.jkt, es256.jkt);
    });

    it("demands a new nonce when the proof's nonce is invalid", async () => {
      const v = verifier({ nonces: createDpopNoncePolicy({ now: () => NOW }) });
      const proof = await mint({ claims: { nonce: "made-up" } });
      await assert.rejects(v.verify(request(proof)), UseDpopNonceError);
    });

    it("checks the proof itself before the nonce", async () => {
      const v = verifier({ nonces: createDpopNoncePolicy({ now: () => NOW }) });
      const proof = await mint({ signer: other.privateKey });
      await rejectsWith(
        v.verify(request(proof)),
        "DPoP proof signature is invalid",
      );
    });

    it("issues no nonce without a policy", async () => {
      assert.equal(await verifier().issueNonce(), undefined);
    });
  });

  describe("verifyRequest", () => {
    it("reads the DPoP header, method and URL of a Request", async () => {
      const req = new Request(`${URL_}?q=1`, {
        method: "POST",
        headers: { DPoP: await mint() },
      });
      const result = await verifier().verifyRequest(req, {
        accessToken: TOKEN,
        jkt: es256.jkt,
      });
      assert.equal(result.jkt, es256.jkt);
    });

    it("checks htu against the public URL when one is given", async () => {
      const req = new Request("http://localhost:8000/functions/v1/mcp", {
        method: "POST",
        headers: { DPoP: await mint() },
      });
      await rejectsWith(
        verifier().verifyRequest(req, { accessToken: TOKEN }),
        "DPoP proof htu does not match",
      );
      const result = await verifier().verifyRequest(req, {
        accessToken: TOKEN,
        url: URL_,
      });
      assert.equal(result.jkt, es256.jkt);
    });
  });
});

describe("DpopVerifier constructor", () => {
  const bad: Array<[string, DpopVerifierOptions, RegExp]> = [
    [
      "HS256",
      { algorithms: ["HS256"] },
      /asymmetric JWS algorithms, got "HS256"/,
    ],
    ["none", { algorithms: ["none"] }, /got "none"/],
    ["an empty list", { algorithms: [] }, /non-empty array/],
    [
      "maxAge 0",
      { maxAge: 0 },
      /^DpopVerifier option "maxAge" must be a positive number of seconds, got "0"/,
    ],
    [
      "maxAge NaN",
      { maxAge: NaN },
      /^DpopVerifier option "maxAge" must be a positive/,
    ],
    [
      "a negative clockTolerance",
      { clockTolerance: -1 },
      /^DpopVerifier option "clockTolerance" must be a finite number of seconds of at least 0, got "-1"/,
    ],
    [
      "maxProofLength 0",
      { maxProofLength: 0 },
      /^DpopVerifier option "maxProofLength" must be an integer of characters of at least 1, got "0"/,
    ],
    [
      "maxProofLength 1.5",
      { maxProofLength: 1.5 },
      /^DpopVerifier option "maxProofLength" must be an integer/,
    ],
    [
      "a replay store without checkAndStore",
      { replayStore: {} as never },
      /^DpopVerifier option "replayStore" must be an object with a checkAndStore/,
    ],
    [
      "a nonce policy without verify",
      { nonces: { issue: () => "n" } as never },
      /^DpopVerifier option "nonces" must be an object with issue\(\) and verify\(nonce\)/,
    ],
    [
      "a clock that is not a function",
      { now: 5 as never },
      /^DpopVerifier option "now" must be a function/,
    ],
  ];
  for (const [label, options, message] of bad) {
    it(`throws TypeError for ${label}`, () => {
      assert.throws(() => new DpopVerifier(options), (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, message);
        assert.doesNotMatch(error.message, /\.$/);
        return true;
      });
    });
  }

  it("throws TypeError for an unknown option, naming the closest one", () => {
    assert.throws(
      () => new DpopVerifier({ maxage: 5 } as never),
      /^TypeError: Unknown DpopVerifier option "maxage" \(did you mean "maxAge"\?\)/,
    );
  });

  it("calls an injected clock without a receiver", async () => {
    const ok = await new DpopVerifier({ now: receiverFreeClock(NOW) }).verify(
      request(await mint()),
    );
    assert.equal(ok.jkt, es256.jkt);
  });

  it("refuses now: performance.now, which is no epoch clock, saying what to write", () => {
    assert.throws(
      () => new DpopVerifier({ now: performance.now }),
      /^TypeError: DpopVerifier option "now" must count milliseconds since the epoch.*performance\.timeOrigin \+ performance\.now\(\)/,
    );
  });

  it("fails a proof as unavailable when the clock reads NaN", async () => {
    await assert.rejects(
      new DpopVerifier({ now: () => NaN }).verify(request(await mint())),
      VerifierUnavailableError,
    );
  });

  it("exposes the accepted algorithms without duplicates", () => {
    const v = new DpopVerifier({ algorithms: ["ES256", "EdDSA", "ES256"] });
    assert.deepEqual(v.algorithms, ["ES256", "EdDSA"]);
  });

  it("does not share or mutate the caller's algorithm list", () => {
    const algorithms = ["ES256"];
    const v = new DpopVerifier({ algorithms });
    algorithms.push("RS256");
    assert.deepEqual(v.algorithms, ["ES256"]);
  });
});

describe("accessTokenHash", () => {
  it("is base64url SHA-256 of the token without padding", async () => {
    // SHA-256("abc"), RFC 6234 test vector.
    assert.equal(
      await accessTokenHash("abc"),
      "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0",
    );
  });
});
