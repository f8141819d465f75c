// src/dev/_grantable.ts: the resources and scopes a token may be for.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  checkScopes,
  parseScope,
  resolveResource,
  sameResource,
} from "../../src/dev/_grantable.ts";

const ONE = {
  resources: ["http://127.0.0.1:9/mcp"],
  scopesSupported: ["a", "b"],
};
const TWO = {
  resources: ["http://127.0.0.1:9/mcp", "http://127.0.0.1:9/other"],
  scopesSupported: ["a"],
};

describe("grantable resources and scopes", () => {
  it("parses a scope parameter into distinct RFC 6749 §3.3 tokens", () => {
    assert.deepEqual(parseScope(""), []);
    assert.deepEqual(parseScope("a b a"), ["a", "b"]);
    assert.equal(parseScope("a  b"), undefined, "two spaces");
    assert.equal(parseScope(" a"), undefined);
    assert.equal(parseScope('a "b"'), undefined);
  });

  it("takes supported scopes and names the others", () => {
    assert.deepEqual(checkScopes(ONE, "b a"), ["b", "a"]);
    assert.deepEqual(checkScopes(ONE, undefined), []);
    assert.match(
      checkScopes(ONE, "a c") as string,
      /does not support the scope "c"; it supports a b/,
    );
    assert.match(checkScopes(ONE, "a\\b") as string, /scope tokens/);
  });

  it("resolves the resource a request names, normalized, or the only one", () => {
    assert.equal(resolveResource(ONE, undefined), ONE.resources[0]);
    assert.equal(resolveResource(TWO, undefined), undefined);
    assert.equal(
      resolveResource(TWO, "HTTP://127.0.0.1:9/other"),
      TWO.resources[1],
    );
    assert.equal(resolveResource(ONE, "http://127.0.0.1:9/mcp#x"), undefined);
    assert.equal(resolveResource(ONE, "/mcp"), undefined);
    assert.equal(
      resolveResource(ONE, "http://127.0.0.1:9/elsewhere"),
      undefined,
    );
  });

  it("says whether a token request keeps its grant's resource", () => {
    const [mcp, other] = TWO.resources as [string, string];
    assert.equal(sameResource(TWO, undefined, mcp), true);
    assert.equal(sameResource(TWO, mcp, mcp), true);
    assert.equal(sameResource(TWO, other, mcp), false);
    assert.equal(sameResource(TWO, "nonsense", mcp), false);
  });
});
