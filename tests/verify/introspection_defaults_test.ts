// IntrospectionVerifier's secure defaults: issuer required and checked when
// an answer has one, time claims as NumericDates, scopes under a hierarchy,
// DPoP token types (RFC 9449 §6.2) kept for bearerAuth to confirm.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  bearerAuth,
  InsufficientScopeError,
  IntrospectionVerifier,
  type IntrospectionVerifierOptions,
  InvalidTokenError,
} from "../../mod.ts";
import { AUDIENCE, ISSUER, NOW, NOW_MS } from "../_jwt_fixtures.ts";

/** A verifier whose endpoint answers `text` (raw JSON) for every token. */
function answering(
  text: string | Record<string, unknown>,
  options: Partial<IntrospectionVerifierOptions> = {},
): IntrospectionVerifier {
  const body = typeof text === "string" ? text : JSON.stringify(text);
  return new IntrospectionVerifier({
    endpoint: "https://auth.example.com/introspect",
    clientId: "rs",
    clientSecret: "secret",
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => NOW_MS,
    cache: false,
    fetch: () =>
      Promise.resolve(
        new Response(body, { headers: { "content-type": "application/json" } }),
      ),
    ...options,
  } as IntrospectionVerifierOptions);
}

function active(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    active: true,
    client_id: "app",
    scope: "mcp",
    iss: ISSUER,
    aud: AUDIENCE,
    exp: NOW + 300,
    ...extra,
  };
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

describe("IntrospectionVerifier issuer", () => {
  it("is required, as JwtVerifier's, with false the named opt-out", () => {
    assert.throws(
      () =>
        new IntrospectionVerifier({
          endpoint: "https://auth.example.com/introspect",
          clientId: "rs",
          clientSecret: "secret",
          audience: AUDIENCE,
        } as unknown as IntrospectionVerifierOptions),
      /^TypeError: IntrospectionVerifier option "issuer" is required: .*or to false to skip the issuer check$/,
    );
  });

  it("refuses an answer whose iss is another issuer, compared exactly", async () => {
    for (const iss of ["https://evil.example/", ISSUER.toUpperCase(), 7]) {
      await refused(
        answering(active({ iss })).verifyToken("t"),
        "Token issuer mismatch",
      );
    }
  });

  it("accepts an answer without iss (optional in RFC 7662 §2.2), and any iss with issuer: false", async () => {
    const { iss: _, ...withoutIss } = active();
    assert.equal(
      (await answering(withoutIss).verifyToken("t")).clientId,
      "app",
    );
    const open = answering(active({ iss: "https://evil.example/" }), {
      issuer: false,
    });
    assert.equal((await open.verifyToken("t")).clientId, "app");
    assert.equal(open.issuers, false);
    assert.deepEqual(answering(active()).issuers, [ISSUER]);
  });
});

describe("IntrospectionVerifier time claims", () => {
  it("refuses exp 1e400 (Infinity once parsed) as malformed, and so does bearerAuth with a 401", async () => {
    const text = JSON.stringify(active()).replace(
      /"exp":[0-9]+/,
      '"exp":1e400',
    );
    await refused(
      answering(text).verifyToken("t"),
      "Token expiry missing or invalid",
    );
    const auth = bearerAuth({ verifier: answering(text), onError: () => {} });
    const response = await auth(
      new Request(AUDIENCE, { headers: { authorization: "Bearer t" } }),
    );
    assert.ok(response instanceof Response);
    assert.equal(response.status, 401);
  });

  it("refuses nbf and iat that are no NumericDate", async () => {
    for (const claim of ["nbf", "iat"]) {
      const text = JSON.stringify(active()).replace(
        /}$/,
        `,"${claim}":-1e400}`,
      );
      await refused(answering(text).verifyToken("t"), "Token claims invalid");
    }
  });
});

describe("IntrospectionVerifier requiredScopes", () => {
  it("honours scopeHierarchy and names every required scope for the challenge", async () => {
    const hierarchy = { "files:write": ["files:read"] };
    const ok = answering(active({ scope: "mcp files:write" }), {
      requiredScopes: ["mcp", "files:read"],
      scopeHierarchy: hierarchy,
    });
    assert.equal((await ok.verifyToken("t")).clientId, "app");
    const short = answering(active({ scope: "mcp" }), {
      requiredScopes: ["mcp", "files:read"],
      scopeHierarchy: hierarchy,
    });
    await assert.rejects(short.verifyToken("t"), (error: unknown) => {
      assert.ok(error instanceof InsufficientScopeError);
      assert.deepEqual(error.requiredScopes, ["files:read"]);
      assert.deepEqual(error.challengeScopes, ["files:read", "mcp"]);
      return true;
    });
    assert.deepEqual(short.requiredScopes, ["files:read", "mcp"]);
  });
});

describe("IntrospectionVerifier audience", () => {
  it("compares like JwtVerifier: scheme and host case and default port only", async () => {
    const v = (aud: string) => answering(active({ aud }));
    assert.equal(
      (await v("HTTPS://MCP.EXAMPLE.COM:443/mcp").verifyToken("t")).resource
        ?.href,
      AUDIENCE,
    );
    await refused(
      v(`${AUDIENCE}/`).verifyToken("t"),
      "Token audience mismatch",
    );
    assert.deepEqual(v(AUDIENCE).audiences, [AUDIENCE]);
  });
});

describe("IntrospectionVerifier token_type DPoP (RFC 9449 §6.2)", () => {
  it("accepts DPoP with cnf.jkt and keeps cnf, refuses DPoP without one", async () => {
    const bound = answering(
      active({ token_type: "DPoP", cnf: { jkt: "thumbprint" } }),
    );
    assert.deepEqual((await bound.verifyToken("t")).claims.cnf, {
      jkt: "thumbprint",
    });
    await refused(
      answering(active({ token_type: "DPoP" })).verifyToken("t"),
      "Token is not an access token",
    );
  });

  it("is refused by bearerAuth as a Bearer token, without the dpop option", async () => {
    const auth = bearerAuth({
      verifier: answering(
        active({ token_type: "DPoP", cnf: { jkt: "thumbprint" } }),
      ),
    });
    const response = await auth(
      new Request(AUDIENCE, { headers: { authorization: "Bearer t" } }),
    );
    assert.ok(response instanceof Response);
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), {
      error: "invalid_token",
      error_description: "DPoP-bound token requires the DPoP scheme",
    });
  });
});
