import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  compileChallenge,
  headerDescription,
  quoteString,
} from "../../src/http/_challenge_params.ts";
import { renderOutcome } from "../../src/http/challenge.ts";

describe("quoteString", () => {
  it("escapes quotes and backslashes and drops controls and non-ASCII", () => {
    assert.equal(quoteString('a\r\nb"c\\d\u0000\u00e9\tz'), '"ab\\"c\\\\d z"');
  });
});

describe("headerDescription", () => {
  it("keeps a plain description and cleans the rest", () => {
    assert.equal(headerDescription("Token expired", "x"), "Token expired");
    assert.equal(headerDescription(' a"b\\c ', "x"), "a'b/c");
    assert.equal(headerDescription("\u00e9", "fallback"), "fallback");
    assert.equal(headerDescription("a".repeat(300), "x").length, 200);
  });
});

describe("compileChallenge with a scheme", () => {
  const METADATA =
    "https://mcp.example.com/.well-known/oauth-protected-resource";
  const dpop = {
    name: "DPoP",
    required: false,
    challengeParams: { algs: "ES256" },
  };

  it("renders Bearer and the scheme, the error on the scheme the client used", () => {
    const compiled = compileChallenge("test", {
      resourceMetadataUrl: METADATA,
      realm: "mcp",
    }, dpop);
    const outcome = { type: "invalid_token" as const, description: "Nope" };
    assert.equal(
      renderOutcome(outcome, compiled, "DPoP").headers.get("www-authenticate"),
      `Bearer realm="mcp", resource_metadata="${METADATA}", DPoP realm="mcp", error="invalid_token", error_description="Nope", resource_metadata="${METADATA}", algs="ES256"`,
    );
    assert.equal(
      renderOutcome(outcome, compiled, "Bearer").headers.get(
        "www-authenticate",
      ),
      `Bearer realm="mcp", error="invalid_token", error_description="Nope", resource_metadata="${METADATA}", DPoP realm="mcp", resource_metadata="${METADATA}", algs="ES256"`,
    );
    // No credentials: the error (here the scopes) goes on the first scheme.
    assert.equal(
      renderOutcome({ type: "missing_token", scopes: ["mcp"] }, compiled)
        .headers.get("www-authenticate"),
      `Bearer realm="mcp", scope="mcp", resource_metadata="${METADATA}", DPoP realm="mcp", resource_metadata="${METADATA}", algs="ES256"`,
    );
  });

  it("renders only the scheme when it is required", () => {
    const compiled = compileChallenge("test", {}, { ...dpop, required: true });
    assert.equal(
      renderOutcome({ type: "missing_token" }, compiled, "Bearer").headers.get(
        "www-authenticate",
      ),
      'DPoP algs="ES256"',
    );
  });

  it("renders use_dpop_nonce with a DPoP-Nonce header, and refuses a nonce that could split it", async () => {
    const compiled = compileChallenge("test", {}, dpop);
    const response = renderOutcome(
      { type: "use_dpop_nonce", description: "Use a nonce", nonce: "n-1" },
      compiled,
      "DPoP",
    );
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("dpop-nonce"), "n-1");
    assert.equal(
      response.headers.get("www-authenticate"),
      'Bearer realm="mcp", DPoP error="use_dpop_nonce", error_description="Use a nonce", algs="ES256"',
    );
    assert.deepEqual(await response.json(), {
      error: "use_dpop_nonce",
      error_description: "Use a nonce",
    });
    assert.throws(
      () =>
        renderOutcome(
          { type: "use_dpop_nonce", nonce: "a\r\nX: 1" },
          compiled,
          "DPoP",
        ),
      TypeError,
    );
  });

  it("refuses a scheme name or parameter name that is not a token", () => {
    assert.throws(
      () => compileChallenge("test", {}, { ...dpop, name: "D PoP" }),
      /RFC 9110 token/,
    );
    assert.throws(
      () =>
        compileChallenge("test", {}, {
          ...dpop,
          challengeParams: { "a=b": "x" },
        }),
      /RFC 9110 token/,
    );
  });
});
