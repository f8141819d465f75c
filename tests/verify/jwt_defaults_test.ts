// JwtVerifier's secure defaults (RFC 9068 §4) and the attack-run defects:
// issuer required, typ at+jwt, canonical token strings, NumericDate claims,
// scopes under a hierarchy, canonical audiences.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  InsufficientScopeError,
  InvalidTokenError,
  JwtVerifier,
  type JwtVerifierOptions,
} from "../../mod.ts";
import { cacheOf } from "../../src/verify/token_cache.ts";
import {
  AUDIENCE,
  b64url,
  claims,
  ISSUER,
  NOW_MS,
  sign,
  signRaw,
  testKey,
} from "../_jwt_fixtures.ts";

const es256 = await testKey("ES256", "k1");

function verifier(options: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  return new JwtVerifier({
    jwks: { keys: [es256.jwk] },
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => NOW_MS,
    cache: false,
    ...options,
  } as JwtVerifierOptions);
}

async function refused(
  promise: Promise<unknown>,
  message: string,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InvalidTokenError, String(error));
    assert.equal(error.message, message);
    return true;
  });
}

describe("JwtVerifier issuer (RFC 9068 §4)", () => {
  it("is required: without it a token of any issuer would pass, so construction throws naming false", () => {
    assert.throws(
      () =>
        new JwtVerifier({
          jwks: { keys: [es256.jwk] },
          audience: AUDIENCE,
        } as unknown as JwtVerifierOptions),
      /^TypeError: JwtVerifier option "issuer" is required: .*or to false to skip the issuer check$/,
    );
  });

  it("refuses a token from another issuer with the right audience", async () => {
    await refused(
      verifier().verifyToken(
        await sign(es256, claims({ iss: "https://evil.example" })),
      ),
      "Token issuer mismatch",
    );
  });

  it("compares exactly: no case, trailing-slash or prefix leniency", async () => {
    for (
      const iss of [
        ISSUER.toUpperCase(),
        ISSUER.slice(0, -1),
        `${ISSUER}x`,
        ` ${ISSUER}`,
      ]
    ) {
      await refused(
        verifier().verifyToken(await sign(es256, claims({ iss }))),
        "Token issuer mismatch",
      );
    }
  });

  it("accepts any of a list, and any issuer only with the explicit issuer: false", async () => {
    const other = "https://tenant-2.example.com/";
    const listed = verifier({ issuer: [other, ISSUER] });
    assert.equal(
      (await listed.verifyToken(await sign(es256, claims({ iss: other }))))
        .clientId,
      "user-1",
    );
    const open = verifier({ issuer: false });
    assert.equal(
      (await open.verifyToken(
        await sign(es256, claims({ iss: "https://evil.example" })),
      )).clientId,
      "user-1",
    );
    assert.deepEqual(listed.issuers, [other, ISSUER]);
    assert.equal(open.issuers, false);
  });
});

describe("JwtVerifier typ (RFC 9068 §2.1, §4)", () => {
  it("accepts at+jwt by default, in any case, with or without application/ (RFC 7515 §4.1.9)", async () => {
    const v = verifier();
    for (
      const typ of [
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "Application/At+Jwt",
      ]
    ) {
      assert.equal(
        (await v.verifyToken(await sign(es256, claims(), { typ }))).clientId,
        "user-1",
        typ,
      );
    }
  });

  it("refuses JWT, another type or none by default, never naming the type", async () => {
    const v = verifier();
    for (
      const typ of [
        "JWT",
        "jwt",
        "at+jwt ",
        "application/jwt",
        "dpop+jwt",
        undefined,
      ]
    ) {
      await assert.rejects(
        v.verifyToken(await sign(es256, claims(), { typ })),
        (error: unknown) => {
          assert.ok(error instanceof InvalidTokenError);
          assert.equal(error.message, "Token type mismatch");
          if (typ !== undefined) assert.ok(!error.message.includes(typ));
          return true;
        },
      );
    }
  });

  it("takes a string or a list that replaces the default, and false for any type", async () => {
    const legacy = verifier({ typ: "JWT" });
    assert.equal(
      (await legacy.verifyToken(await sign(es256, claims(), { typ: "JWT" })))
        .clientId,
      "user-1",
    );
    await refused(
      legacy.verifyToken(await sign(es256)),
      "Token type mismatch",
    );
    const both = verifier({ typ: ["at+jwt", "application/JWT"] });
    for (const typ of ["at+jwt", "jwt"]) {
      await both.verifyToken(await sign(es256, claims(), { typ }));
    }
    const any = verifier({ typ: false });
    for (const typ of ["JWT", "whatever", undefined]) {
      await any.verifyToken(await sign(es256, claims(), { typ }));
    }
  });

  it("answers a wrong type 401 through bearerAuth, saying only that the type was wrong", async () => {
    const { bearerAuth } = await import("../../mod.ts");
    const auth = bearerAuth({ verifier: verifier(), resource: AUDIENCE });
    const response = await auth(
      new Request(AUDIENCE, {
        headers: {
          authorization: `Bearer ${await sign(es256, claims(), {
            typ: "secret-type",
          })}`,
        },
      }),
    );
    assert.ok(response instanceof Response);
    assert.equal(response.status, 401);
    const text = JSON.stringify(await response.json()) +
      response.headers.get("www-authenticate");
    assert.match(text, /Token type mismatch/);
    assert.doesNotMatch(text, /secret-type/);
  });
});

describe("JwtVerifier requiredScopes", () => {
  const hierarchy = { "files:write": ["files:read"], admin: ["files:write"] };

  it("honours scopeHierarchy, like every other scope test", async () => {
    const v = verifier({
      requiredScopes: ["files:read"],
      scopeHierarchy: hierarchy,
    });
    for (const scope of ["files:read", "files:write", "admin"]) {
      await v.verifyToken(await sign(es256, claims({ scope })));
    }
    await assert.rejects(
      verifier({ requiredScopes: ["files:read"] }).verifyToken(
        await sign(es256, claims({ scope: "files:write" })),
      ),
      InsufficientScopeError,
    );
  });

  it("names the unmet scopes in requiredScopes and every required one in challengeScopes, never a parent", async () => {
    const v = verifier({
      requiredScopes: ["mcp", "files:read", "files:delete"],
      scopeHierarchy: hierarchy,
    });
    await assert.rejects(
      v.verifyToken(await sign(es256, claims({ scope: "mcp admin" }))),
      (error: unknown) => {
        assert.ok(error instanceof InsufficientScopeError);
        assert.deepEqual(error.requiredScopes, ["files:delete"]);
        assert.deepEqual(error.challengeScopes, [
          "files:delete",
          "files:read",
          "mcp",
        ]);
        return true;
      },
    );
    assert.deepEqual(v.requiredScopes, ["files:delete", "files:read", "mcp"]);
  });
});

describe("JwtVerifier audience (MCP canonical URI)", () => {
  it("treats scheme and host case and a default port as the same resource", async () => {
    const v = verifier({ audience: "https://mcp.example.com/mcp" });
    for (
      const aud of [
        "HTTPS://MCP.EXAMPLE.COM/mcp",
        "https://mcp.example.com:443/mcp",
        ["urn:other", "https://Mcp.Example.com:443/mcp"],
      ]
    ) {
      const token = await v.verifyToken(await sign(es256, claims({ aud })));
      assert.equal(token.resource?.href, "https://mcp.example.com/mcp");
    }
    assert.deepEqual(v.audiences, ["https://mcp.example.com/mcp"]);
  });

  it("normalises nothing else: path case, trailing slash, dot segments, ports and queries differ", async () => {
    const v = verifier({ audience: "https://mcp.example.com/mcp" });
    for (
      const aud of [
        "https://mcp.example.com/MCP",
        "https://mcp.example.com/mcp/",
        "https://mcp.example.com/x/../mcp",
        "https://mcp.example.com:8443/mcp",
        "https://mcp.example.com/mcp?tenant=2",
        "http://mcp.example.com/mcp",
      ]
    ) {
      await refused(
        v.verifyToken(await sign(es256, claims({ aud }))),
        "Token audience mismatch",
      );
    }
    assert.equal(verifier({ audience: false }).audiences, false);
  });
});

/** `token` with one of its segments re-spelled by `respell`. */
function respell(
  token: string,
  segment: number,
  respell: (text: string) => string,
): string {
  const parts = token.split(".");
  parts[segment] = respell(parts[segment]!);
  return parts.join(".");
}

/** The same bytes as `segment`, with the spare bits of its last character set. */
function spareBits(segment: string): string | undefined {
  const alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const rest = segment.length % 4;
  if (rest === 0) return undefined;
  const last = alphabet.indexOf(segment.at(-1)!);
  const flipped = alphabet[last | 1]!; // bit 0 always encodes nothing here
  return flipped === segment.at(-1)
    ? undefined
    : segment.slice(0, -1) + flipped;
}

describe("JwtVerifier: one JWT, one string (RFC 7515 §2, §7.1)", () => {
  it("accepts the canonical token but refuses it with = padding, whitespace or set spare bits in any segment", async () => {
    const v = verifier();
    const jwt = await sign(es256);
    assert.equal((await v.verifyToken(jwt)).clientId, "user-1");
    const spellings: string[] = [];
    for (const segment of [0, 1, 2]) {
      spellings.push(
        respell(jwt, segment, (s) => `${s}=`),
        respell(jwt, segment, (s) => `${s}==`),
        respell(jwt, segment, (s) => `${s.slice(0, 4)} ${s.slice(4)}`),
        respell(jwt, segment, (s) => `${s.slice(0, 4)}\n${s.slice(4)}`),
        respell(jwt, segment, (s) => `${s}\t`),
        respell(jwt, segment, (s) => s.replace(/-/g, "+").replace(/_/g, "/")),
      );
      const spare = spareBits(jwt.split(".")[segment]!);
      if (spare !== undefined) {
        spellings.push(respell(jwt, segment, () => spare));
      }
    }
    // An ES256 signature (64 bytes in 86 characters) always has spare bits:
    // the variant decodes to the very same signature.
    assert.ok(spareBits(jwt.split(".")[2]!) !== undefined);
    for (const spelling of spellings) {
      if (spelling === jwt) continue;
      await refused(v.verifyToken(spelling), "Token malformed");
    }
  });

  it("refuses a padded re-encoding even though RFC 6750 b64token allows = in the header, and caches only the canonical string", async () => {
    const { bearerAuth } = await import("../../mod.ts");
    const v = verifier({ cache: {} });
    const jwt = await sign(es256);
    const auth = bearerAuth({ verifier: v });
    const send = (token: string) =>
      auth(
        new Request(AUDIENCE, {
          headers: { authorization: `Bearer ${token}` },
        }),
      );
    const padded = respell(jwt, 2, (s) => `${s}==`);
    const refusedAnswer = await send(padded);
    assert.ok(refusedAnswer instanceof Response);
    assert.equal(refusedAnswer.status, 401);
    assert.deepEqual(await refusedAnswer.json(), {
      error: "invalid_token",
      error_description: "Token malformed",
    });
    const accepted = await send(jwt);
    assert.ok(!(accepted instanceof Response));
    assert.deepEqual(cacheOf(v)!.keys(), [jwt]);
  });

  it("keeps refusing every non-canonical spelling of random bytes (property of the check)", async () => {
    const { isCanonicalBase64url } = await import(
      "../../src/verify/_compact.ts"
    );
    for (let length = 0; length < 40; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const canonical = b64url(bytes);
      if (length > 0) assert.ok(isCanonicalBase64url(canonical), canonical);
      const spare = spareBits(canonical);
      if (spare !== undefined) assert.ok(!isCanonicalBase64url(spare), spare);
      assert.ok(!isCanonicalBase64url(`${canonical}=`));
    }
    assert.ok(!isCanonicalBase64url(""));
    assert.ok(!isCanonicalBase64url("A"));
  });
});

describe("JwtVerifier time claims (RFC 7519 §2 NumericDate)", () => {
  // JSON.parse reads 1e400 as Infinity: valid JSON, no instant.
  const payload = (extra: string) =>
    `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"user-1","exp":${
      NOW_MS / 1000 + 300
    }${extra}}`;
  const signText = (text: string) =>
    signRaw(
      { alg: "ES256", kid: "k1", typ: "at+jwt" },
      text,
      es256.privateKey,
      "ES256",
    );

  it("refuses exp 1e400 (Infinity) as malformed, never as a token that never expires", async () => {
    const jwt = await signText(
      payload("").replace(/"exp":[0-9.]+/, '"exp":1e400'),
    );
    await refused(
      verifier().verifyToken(jwt),
      "Token expiry missing or invalid",
    );
  });

  it("refuses every out-of-range or non-finite exp, nbf and iat", async () => {
    for (const value of ["1e400", "-1e400", "1e300", "8640000000001"]) {
      await refused(
        verifier().verifyToken(
          await signText(
            payload("").replace(/"exp":[0-9.]+/, `"exp":${value}`),
          ),
        ),
        value.startsWith("-")
          ? "Token expired"
          : "Token expiry missing or invalid",
      );
      // jose itself judges a huge nbf "not yet valid"; -Infinity is ours.
      await refused(
        verifier().verifyToken(await signText(payload(`,"nbf":${value}`))),
        value.startsWith("-") ? "Token claims invalid" : "Token not yet valid",
      );
      await refused(
        verifier().verifyToken(await signText(payload(`,"iat":${value}`))),
        "Token claims invalid",
      );
    }
  });

  it("answers exp 1e400 with 401 through bearerAuth, not a 503 for ever", async () => {
    const { bearerAuth } = await import("../../mod.ts");
    let reported = 0;
    const auth = bearerAuth({
      verifier: verifier(),
      onError: () => reported++,
    });
    const jwt = await signText(
      payload("").replace(/"exp":[0-9.]+/, '"exp":1e400'),
    );
    const response = await auth(
      new Request(AUDIENCE, { headers: { authorization: `Bearer ${jwt}` } }),
    );
    assert.ok(response instanceof Response);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("retry-after"), null);
    assert.equal(reported, 0);
  });
});
