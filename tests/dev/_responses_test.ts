// src/dev/_responses.ts: the JSON, error and redirect responses of the
// development authorization server.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  authorizationRedirect,
  CORS_HEADERS,
  jsonResponse,
  oauthError,
} from "../../src/dev/_responses.ts";

const ISSUER = "https://auth.example.com";

describe("CORS_HEADERS", () => {
  it("allows any origin, the MCP headers, and is frozen", () => {
    assert.equal(CORS_HEADERS["Access-Control-Allow-Origin"], "*");
    assert.match(
      CORS_HEADERS["Access-Control-Allow-Headers"]!,
      /Authorization, Content-Type, MCP-Protocol-Version/,
    );
    assert.equal(Object.isFrozen(CORS_HEADERS), true);
  });
});

describe("jsonResponse", () => {
  it("answers 200 JSON, never cached, with CORS", async () => {
    const response = jsonResponse({ a: 1 });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /^application\/json/);
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(response.headers.get("pragma"), "no-cache");
    for (const [name, value] of Object.entries(CORS_HEADERS)) {
      assert.equal(response.headers.get(name), value);
    }
    assert.deepEqual(await response.json(), { a: 1 });
  });

  it("takes a status, and headers that override the defaults", () => {
    const response = jsonResponse({}, 201, {
      "Cache-Control": "max-age=60",
      "X-Extra": "1",
    });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("cache-control"), "max-age=60");
    assert.equal(response.headers.get("x-extra"), "1");
    assert.equal(response.headers.get("pragma"), "no-cache");
  });
});

describe("oauthError", () => {
  it("answers an RFC 6749 §5.2 body, never cached, with extra headers", async () => {
    const response = oauthError(401, "invalid_client", "Unknown client", {
      "WWW-Authenticate": 'Basic realm="token"',
    });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(
      response.headers.get("www-authenticate"),
      'Basic realm="token"',
    );
    assert.deepEqual(await response.json(), {
      error: "invalid_client",
      error_description: "Unknown client",
    });
  });

  it("has only error and error_description in its body", async () => {
    const body = await oauthError(400, "invalid_request", "x").json();
    assert.deepEqual(Object.keys(body), ["error", "error_description"]);
  });
});

describe("authorizationRedirect", () => {
  it("redirects a GET with 302, the parameters and iss (RFC 9207)", () => {
    const response = authorizationRedirect(
      ISSUER,
      "https://app.example.com/cb",
      { code: "c-1", state: "s 1&x" },
      "GET",
    );
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get("location")!);
    assert.equal(
      location.origin + location.pathname,
      "https://app.example.com/cb",
    );
    assert.equal(location.searchParams.get("code"), "c-1");
    assert.equal(location.searchParams.get("state"), "s 1&x");
    assert.equal(location.searchParams.get("iss"), ISSUER);
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(response.headers.get("referrer-policy"), "no-referrer");
    assert.equal(response.body, null);
  });

  it("redirects after a POST with 303, so the browser follows with a GET", () => {
    const response = authorizationRedirect(
      ISSUER,
      "https://app.example.com/cb",
      { error: "access_denied" },
      "POST",
    );
    assert.equal(response.status, 303);
  });

  it("keeps the redirect URI's own query, and lets no parameter replace iss", () => {
    const response = authorizationRedirect(
      ISSUER,
      "http://127.0.0.1:8765/cb?tenant=a&code=old",
      { code: "new", iss: "https://evil.example" },
      "GET",
    );
    const location = new URL(response.headers.get("location")!);
    assert.equal(location.searchParams.get("tenant"), "a");
    assert.deepEqual(location.searchParams.getAll("code"), ["new"]);
    assert.deepEqual(location.searchParams.getAll("iss"), [ISSUER]);
  });

  it("throws on a redirect URI that is not a URL", () => {
    assert.throws(
      () => authorizationRedirect(ISSUER, "not a url", {}, "GET"),
      TypeError,
    );
  });
});
