import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  InsufficientScopeError,
  InvalidTokenError,
} from "../../mod.ts";
import {
  checkScopes,
  clientIdFromClaims,
  copyToken,
  deepFreeze,
  matchAudience,
  scopesFromClaims,
} from "../../src/verify/_claims.ts";
import { audienceOption } from "../../src/verify/_options.ts";

function token(scopes: string[], extra: Partial<AccessToken> = {}) {
  return { token: "t", clientId: "c", scopes, claims: {}, ...extra };
}

describe("scopesFromClaims()", () => {
  it("splits a space-delimited scope claim, dropping empty items (RFC 9068 §2.2.3)", () => {
    assert.deepEqual(scopesFromClaims({ scope: " a  b c " }), ["a", "b", "c"]);
  });

  it("reads scp as an array or a string when there is no scope", () => {
    assert.deepEqual(scopesFromClaims({ scp: ["a", "", "b"] }), ["a", "b"]);
    assert.deepEqual(scopesFromClaims({ scp: "a b" }), ["a", "b"]);
  });

  it("prefers scope over scp", () => {
    assert.deepEqual(scopesFromClaims({ scope: "a", scp: ["b"] }), ["a"]);
  });

  it("grants nothing without a scope claim, or with a null one", () => {
    assert.deepEqual(scopesFromClaims({}), []);
    assert.deepEqual(scopesFromClaims({ scope: null }), []);
  });

  for (const scope of [42, true, { a: 1 }, ["a", 1], [null]]) {
    it(`refuses a scope claim of ${JSON.stringify(scope)} as an invalid token, not an empty grant`, () => {
      assert.throws(
        () => scopesFromClaims({ scope }),
        (error: unknown) =>
          error instanceof InvalidTokenError &&
          error.message === "Token scope claim malformed",
      );
    });
  }
});

describe("clientIdFromClaims()", () => {
  it("takes client_id, then azp, then sub, else unknown", () => {
    assert.equal(
      clientIdFromClaims({ client_id: "a", azp: "b", sub: "c" }),
      "a",
    );
    assert.equal(clientIdFromClaims({ azp: "b", sub: "c" }), "b");
    assert.equal(clientIdFromClaims({ sub: "c" }), "c");
    assert.equal(clientIdFromClaims({}), "unknown");
  });

  it("skips claims that are not non-empty strings", () => {
    assert.equal(clientIdFromClaims({ client_id: 7, azp: "", sub: "c" }), "c");
    assert.equal(clientIdFromClaims({ client_id: ["a"] }), "unknown");
  });
});

describe("matchAudience()", () => {
  const audiences = audienceOption("Test", ["https://a.example/", "urn:b"])!;

  it("returns the first accepted audience a string or list aud names", () => {
    assert.equal(matchAudience("urn:b", audiences), "urn:b");
    assert.equal(
      matchAudience(["urn:b", "https://a.example/"], audiences),
      "https://a.example/",
    );
  });

  it("returns undefined for no match, a missing aud, or a non-string aud", () => {
    assert.equal(matchAudience("https://other.example/", audiences), undefined);
    assert.equal(matchAudience(undefined, audiences), undefined);
    assert.equal(matchAudience({ 0: "urn:b" }, audiences), undefined);
    assert.equal(matchAudience("https://a.example/x", audiences), undefined);
  });

  it("compares scheme and host in any case and default ports as absent, nothing else (MCP canonical URI)", () => {
    const mcp = audienceOption("Test", "https://mcp.example.com/mcp")!;
    for (
      const same of [
        "HTTPS://MCP.Example.COM/mcp",
        "https://mcp.example.com:443/mcp",
        "https://mcp.example.com:/mcp",
      ]
    ) {
      assert.equal(matchAudience(same, mcp), "https://mcp.example.com/mcp");
    }
    for (
      const other of [
        "https://mcp.example.com/MCP",
        "https://mcp.example.com/mcp/",
        "https://mcp.example.com/a/../mcp",
        "https://mcp.example.com:8443/mcp",
        "http://mcp.example.com/mcp",
        "https://mcp.example.com/mcp?x=1",
        "https://mcp.example.com/mcp#f",
        "https://mcp.example.com/%6Dcp",
      ]
    ) {
      assert.equal(matchAudience(other, mcp), undefined, other);
    }
    // An empty path is "/" (RFC 3986 §6.2.3), as a URL writes it.
    assert.equal(
      matchAudience("https://a.example", audiences),
      "https://a.example/",
    );
    // Not a URL: compared exactly.
    assert.equal(matchAudience("URN:B", audiences), undefined);
  });
});

describe("checkScopes()", () => {
  it("passes when every required scope is granted, or none is required", () => {
    checkScopes(["a", "b"], token(["b", "a", "c"]));
    checkScopes([], token([]));
  });

  it("throws InsufficientScopeError naming only the missing scopes", () => {
    assert.throws(
      () => checkScopes(["a", "b", "c"], token(["b"])),
      (error: unknown) =>
        error instanceof InsufficientScopeError &&
        JSON.stringify(error.requiredScopes) === '["a","c"]',
    );
  });
});

describe("deepFreeze()", () => {
  it("freezes nested objects and arrays, and returns its argument", () => {
    const value = { a: { b: [1, { c: 2 }] } };
    assert.equal(deepFreeze(value), value);
    assert.ok(Object.isFrozen(value.a.b[1]));
    assert.throws(() => {
      (value.a.b as unknown[]).push(3);
    }, TypeError);
  });

  it("leaves primitives as they are", () => {
    assert.equal(deepFreeze("x"), "x");
    assert.equal(deepFreeze(null), null);
  });
});

describe("copyToken()", () => {
  it("copies scopes and resource, so changing the copy leaves the original", () => {
    const original = token(["a"], {
      resource: new URL("https://mcp.example/"),
    });
    const copy = copyToken(original);
    copy.scopes.push("admin");
    copy.resource!.pathname = "/evil";
    assert.deepEqual(original.scopes, ["a"]);
    assert.equal(original.resource?.href, "https://mcp.example/");
  });

  it("adds no resource when the original has none", () => {
    assert.ok(!("resource" in copyToken(token([]))));
  });
});
