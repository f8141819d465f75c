import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidTokenError } from "../../mod.ts";
import {
  introspectionResult,
  type ResponseRules,
} from "../../src/verify/_introspection_response.ts";
import { audienceOption } from "../../src/verify/_options.ts";
import { AUDIENCE, ISSUER, NOW, NOW_MS } from "../_jwt_fixtures.ts";

const RULES: ResponseRules = {
  issuer: [ISSUER],
  audiences: audienceOption("V", [AUDIENCE, "api"]),
  clockTolerance: 0,
  requireExp: false,
};

function answer(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    active: true,
    client_id: "app",
    scope: "files:read files:write",
    iss: ISSUER,
    aud: AUDIENCE,
    exp: NOW + 60,
    ...extra,
  };
}

function refuses(
  response: Record<string, unknown>,
  message: string,
  rules: Partial<ResponseRules> = {},
): void {
  assert.throws(
    () => introspectionResult(response, { ...RULES, ...rules }, NOW_MS),
    (error: unknown) =>
      error instanceof InvalidTokenError && error.message === message,
  );
}

describe("introspectionResult()", () => {
  it("maps an active answer to the token it describes, its claims frozen", () => {
    const response = answer();
    const verified = introspectionResult(response, RULES, NOW_MS);
    assert.equal(verified.clientId, "app");
    assert.deepEqual(verified.scopes, ["files:read", "files:write"]);
    assert.equal(verified.expiresAt, NOW + 60);
    assert.equal(verified.resource?.href, AUDIENCE);
    assert.equal(verified.claims, response);
    assert.ok(Object.isFrozen(response));
  });

  it("sets no resource for an audience that is not a URL, nor without exp", () => {
    const verified = introspectionResult(
      answer({ aud: ["api"], exp: undefined }),
      RULES,
      NOW_MS,
    );
    assert.equal(verified.resource, undefined);
    assert.ok(!("expiresAt" in verified));
  });

  for (const active of [false, "true", 1, undefined, null]) {
    it(`refuses active ${JSON.stringify(active)}: only true is active (RFC 7662 §2.2)`, () => {
      refuses(answer({ active }), "Token inactive");
    });
  }

  it("refuses a token_type that does not name an access token, and DPoP without cnf.jkt", () => {
    for (const token_type of ["refresh_token", "DPoP", "N_A", "mac", 7, ""]) {
      refuses(answer({ token_type }), "Token is not an access token");
    }
    for (
      const cnf of [{}, { jkt: "" }, { jkt: 7 }, { "x5t#S256": "abc" }, "k"]
    ) {
      refuses(
        answer({ token_type: "DPoP", cnf }),
        "Token is not an access token",
      );
    }
  });

  it("accepts token_type DPoP with a cnf.jkt, keeping cnf for the proof check (RFC 9449 §6.2)", () => {
    const verified = introspectionResult(
      answer({
        token_type: "DPoP",
        cnf: { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" },
      }),
      RULES,
      NOW_MS,
    );
    assert.deepEqual(verified.claims.cnf, {
      jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I",
    });
    assert.equal(
      introspectionResult(
        answer({ token_type: "dpop", cnf: { jkt: "k" } }),
        RULES,
        NOW_MS,
      ).clientId,
      "app",
    );
  });

  it("accepts Bearer access token types in any case", () => {
    for (
      const token_type of [
        "Bearer",
        "ACCESS_TOKEN",
        "urn:ietf:params:oauth:token-type:access_token",
      ]
    ) {
      assert.equal(
        introspectionResult(answer({ token_type }), RULES, NOW_MS).clientId,
        "app",
      );
    }
  });

  it("judges exp and nbf by the clock given, within the tolerance", () => {
    refuses(answer({ exp: NOW }), "Token expired");
    refuses(answer({ nbf: NOW + 1 }), "Token not yet valid");
    const lenient = { ...RULES, clockTolerance: 5 };
    introspectionResult(answer({ exp: NOW - 4 }), lenient, NOW_MS);
    introspectionResult(answer({ nbf: NOW + 5 }), lenient, NOW_MS);
    refuses(answer({ exp: NOW - 5 }), "Token expired", { clockTolerance: 5 });
  });

  it("refuses an exp or nbf that is not a number", () => {
    refuses(
      answer({ exp: String(NOW + 60) }),
      "Token expiry missing or invalid",
    );
    refuses(answer({ nbf: "0" }), "Token claims invalid");
    refuses(answer({ iat: "0" }), "Token claims invalid");
  });

  it("refuses every time claim that is not a NumericDate in the Date range, as 401s (1e400 is Infinity)", () => {
    const infinite = JSON.parse('{"v": 1e400}').v;
    assert.equal(infinite, Infinity);
    for (const exp of [infinite, -infinite, 1e300, 8.64e12 + 1]) {
      refuses(answer({ exp }), "Token expiry missing or invalid");
    }
    for (const bad of [infinite, -infinite, 1e300]) {
      refuses(answer({ nbf: bad }), "Token claims invalid");
      refuses(answer({ iat: bad }), "Token claims invalid");
    }
    // The edge of the range is still a date.
    introspectionResult(answer({ exp: 8.64e12 }), RULES, NOW_MS);
  });

  it("refuses a missing exp only when requireExp is set", () => {
    introspectionResult(answer({ exp: undefined }), RULES, NOW_MS);
    refuses(answer({ exp: undefined }), "Token expiry missing or invalid", {
      requireExp: true,
    });
  });

  it("refuses another issuer, compared exactly, and accepts an answer without iss (RFC 7662 §2.2)", () => {
    refuses(answer({ iss: "https://other.example/" }), "Token issuer mismatch");
    refuses(answer({ iss: ISSUER.toUpperCase() }), "Token issuer mismatch");
    refuses(answer({ iss: ISSUER.slice(0, -1) }), "Token issuer mismatch");
    refuses(answer({ iss: 42 }), "Token issuer mismatch");
    introspectionResult(answer({ iss: undefined }), RULES, NOW_MS);
    introspectionResult(answer({ iss: "https://other.example/" }), {
      ...RULES,
      issuer: undefined,
    }, NOW_MS);
  });

  it("refuses another or a missing audience, unless the check is off", () => {
    refuses(
      answer({ aud: "https://other.example/" }),
      "Token audience mismatch",
    );
    refuses(answer({ aud: undefined }), "Token audience mismatch");
    introspectionResult(answer({ aud: undefined }), {
      ...RULES,
      audiences: undefined,
    }, NOW_MS);
  });

  it("refuses a scope claim of the wrong shape", () => {
    refuses(answer({ scope: 42 }), "Token scope claim malformed");
  });
});
