import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  challenges,
  compileChallenge,
  DEFAULT_REALM,
  headerDescription,
  quoteString,
} from "../../src/http/_challenge_params.ts";
import { renderOutcome } from "../../src/http/challenge.ts";

describe("quoteString", () => {
  it("escapes quotes and backslashes and drops controls and non-ASCII", () => {
    assert.equal(quoteString('a\r\nb"c\\d\u0000\u00e9\tz'), '"ab\\"c\\\\d z"');
  });

  it("quotes plain text as it is", () => {
    assert.equal(quoteString(""), '""');
    assert.equal(quoteString("read write"), '"read write"');
    assert.equal(quoteString("a\u007fb"), '"ab"');
  });
});

describe("headerDescription", () => {
  it("keeps a plain description and cleans the rest", () => {
    assert.equal(headerDescription("Token expired", "x"), "Token expired");
    assert.equal(headerDescription(' a"b\\c ', "x"), "a'b/c");
    assert.equal(headerDescription("\u00e9", "fallback"), "fallback");
    assert.equal(headerDescription("a".repeat(300), "x").length, 200);
  });

  it("falls back for what is not a string, or nothing once cleaned", () => {
    for (const value of [undefined, null, 42, {}, "", "   ", "\r\n"]) {
      assert.equal(headerDescription(value, "fallback"), "fallback");
    }
    assert.equal(
      headerDescription("a\r\nSet-Cookie: x", "f"),
      "aSet-Cookie: x",
    );
    assert.equal(headerDescription(" padded", "f"), "padded");
  });
});

describe("compileChallenge", () => {
  it("renders realm and resource_metadata once, frozen", () => {
    const compiled = compileChallenge("test", {
      realm: 'a "b"',
      resourceMetadataUrl: new URL(
        "https://mcp.example.com/.well-known/oauth-protected-resource",
      ),
    });
    assert.equal(compiled.realm, 'realm="a \\"b\\""');
    assert.equal(
      compiled.resourceMetadata,
      'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource"',
    );
    assert.deepEqual(compiled.schemes, [{ name: "Bearer", params: "" }]);
    assert.equal(Object.isFrozen(compiled), true);
    assert.equal(Object.isFrozen(compiled.schemes), true);
    assert.deepEqual(compileChallenge("test", {}), {
      realm: "",
      resourceMetadata: "",
      schemes: [{ name: "Bearer", params: "" }],
    });
  });

  it("refuses a realm that is not printable ASCII, saying so", () => {
    for (const realm of ["caf\u00e9", "a\r\nb", 5]) {
      assert.throws(
        () => compileChallenge("owner", { realm: realm as string }),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message.startsWith(
            'owner option "realm" must be a string of printable ASCII characters, got',
          ),
      );
    }
  });

  it("refuses a resourceMetadataUrl that is not an absolute https URL", () => {
    for (
      const url of [
        "not a url",
        "/relative",
        "http://mcp.example.com/meta",
        "https://mcp.example.com/meta#frag",
      ]
    ) {
      assert.throws(
        () => compileChallenge("owner", { resourceMetadataUrl: url }),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message.includes('owner option "resourceMetadataUrl"'),
        url,
      );
    }
    // http is fine on localhost, for development.
    compileChallenge("owner", {
      resourceMetadataUrl: "http://127.0.0.1:8080/m",
    });
  });
});

describe("challenges", () => {
  const bearerOnly = compileChallenge("test", {});
  const both = compileChallenge("test", { realm: "r" }, {
    name: "DPoP",
    required: false,
    challengeParams: { algs: "ES256" },
  });

  it('is never a bare scheme: realm="mcp" when nothing else is said (RFC 6750 §3)', () => {
    assert.equal(DEFAULT_REALM, "mcp");
    assert.equal(
      challenges(bearerOnly, undefined, undefined, undefined, undefined),
      'Bearer realm="mcp"',
    );
    assert.equal(
      challenges(bearerOnly, "Bearer", undefined, undefined, []),
      'Bearer realm="mcp"',
    );
  });

  it("renders error, description and scope in that order", () => {
    assert.equal(
      challenges(bearerOnly, "Bearer", "insufficient_scope", "Need more", [
        "read",
        "write",
      ]),
      'Bearer error="insufficient_scope", error_description="Need more", scope="read write"',
    );
  });

  it("never names offline_access, and leaves scope out when nothing else remains", () => {
    assert.equal(
      challenges(bearerOnly, undefined, undefined, undefined, [
        "offline_access",
        "read",
      ]),
      'Bearer scope="read"',
    );
    assert.equal(
      challenges(bearerOnly, undefined, undefined, undefined, [
        "offline_access",
      ]),
      'Bearer realm="mcp"',
    );
  });

  it("puts the error on the scheme used, or the first for any other", () => {
    assert.equal(
      challenges(both, "DPoP", "invalid_token", undefined, undefined),
      'Bearer realm="r", DPoP realm="r", error="invalid_token", algs="ES256"',
    );
    for (const used of [undefined, "Bearer", "Basic", "dpop"]) {
      assert.equal(
        challenges(both, used, "invalid_token", undefined, undefined),
        'Bearer realm="r", error="invalid_token", DPoP realm="r", algs="ES256"',
      );
    }
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
