import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type AuthOutcome, challengeResponse } from "../../mod.ts";
import { parseBearer } from "../_challenge_parser.ts";

const METADATA = "https://mcp.example.com/.well-known/oauth-protected-resource";

describe("challengeResponse", () => {
  const table: [
    string,
    AuthOutcome,
    number,
    string | null,
    Record<string, string>,
  ][] = [
    [
      "missing_token",
      { type: "missing_token" },
      401,
      `Bearer resource_metadata="${METADATA}"`,
      { error: "unauthorized", error_description: "Authentication required" },
    ],
    [
      "missing_token with scopes",
      { type: "missing_token", scopes: ["b", "a"] },
      401,
      `Bearer scope="b a", resource_metadata="${METADATA}"`,
      { error: "unauthorized", error_description: "Authentication required" },
    ],
    [
      "invalid_request",
      { type: "invalid_request" },
      400,
      `Bearer error="invalid_request", error_description="Malformed request", resource_metadata="${METADATA}"`,
      { error: "invalid_request", error_description: "Malformed request" },
    ],
    [
      "invalid_token with a description",
      { type: "invalid_token", description: "Token revoked" },
      401,
      `Bearer error="invalid_token", error_description="Token revoked", resource_metadata="${METADATA}"`,
      { error: "invalid_token", error_description: "Token revoked" },
    ],
    [
      "insufficient_scope",
      { type: "insufficient_scope", scopes: ["files:write", "files:write"] },
      403,
      `Bearer error="insufficient_scope", error_description="Insufficient scope", scope="files:write", resource_metadata="${METADATA}"`,
      { error: "insufficient_scope", error_description: "Insufficient scope" },
    ],
    [
      "forbidden",
      { type: "forbidden", description: "Suspended" },
      403,
      null,
      { error: "access_denied", error_description: "Suspended" },
    ],
    [
      "unavailable",
      { type: "unavailable", retryAfter: 12 },
      503,
      null,
      {
        error: "temporarily_unavailable",
        error_description: "Token verification is temporarily unavailable",
      },
    ],
  ];
  for (const [name, outcome, status, challenge, body] of table) {
    it(`maps ${name} to ${status}`, async () => {
      const response = challengeResponse(outcome, {
        resourceMetadataUrl: METADATA,
      });
      assert.equal(response.status, status);
      assert.equal(response.headers.get("www-authenticate"), challenge);
      if (challenge !== null) parseBearer(challenge);
      assert.equal(response.headers.get("content-type"), "application/json");
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.equal(
        response.headers.get("retry-after"),
        status === 503 ? "12" : null,
      );
      assert.deepEqual(await response.json(), body);
    });
  }

  it("replaces characters RFC 6750 forbids in a description and escapes the rest", () => {
    const response = challengeResponse({
      type: "invalid_token",
      description: 'a"b\\c\r\nd\u00e9',
    });
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer error="invalid_token", error_description="a'b/cd"`,
    );
  });

  it("falls back to the default description for an empty or non-string one", () => {
    for (const description of ["", "\r\n", 42 as unknown as string]) {
      const params = parseBearer(
        challengeResponse({ type: "invalid_token", description }).headers.get(
          "www-authenticate",
        ),
      );
      assert.equal(params.error_description, "Invalid token");
    }
  });

  it("returns a new Response every call", async () => {
    const a = challengeResponse({ type: "missing_token" });
    const b = challengeResponse({ type: "missing_token" });
    assert.notEqual(a, b);
    await a.text();
    assert.equal(b.bodyUsed, false);
  });

  const bad: [string, unknown, unknown, RegExp][] = [
    [
      "an unknown outcome type",
      { type: "nope" },
      undefined,
      /^Unknown outcome type "nope", expected one of/,
    ],
    ["no outcome", undefined, undefined, /^Unknown outcome type "undefined"/],
    [
      "insufficient_scope without scopes",
      { type: "insufficient_scope", scopes: [] },
      undefined,
      /needs a non-empty array of scopes/,
    ],
    [
      "insufficient_scope with a bad scope",
      { type: "insufficient_scope", scopes: ['a"b'] },
      undefined,
      /valid scope tokens \(RFC 6749 §3\.3\), got "a\\"b"/,
    ],
    [
      "missing_token scopes as a string",
      { type: "missing_token", scopes: "a" },
      undefined,
      /must be an array of scope strings/,
    ],
    [
      "a bad resourceMetadataUrl",
      { type: "missing_token" },
      {
        resourceMetadataUrl: "nope",
      },
      /^challengeResponse option "resourceMetadataUrl" must be an absolute URL/,
    ],
    [
      "a realm with CR",
      { type: "missing_token" },
      { realm: "a\rb" },
      /^challengeResponse option "realm" must be a string of printable ASCII/,
    ],
  ];
  it("throws TypeError for an unknown option and for a scheme outcome", () => {
    assert.throws(
      () =>
        challengeResponse({ type: "missing_token" }, {
          resourceMetadataURL: METADATA,
        } as never),
      /^TypeError: Unknown challengeResponse option "resourceMetadataURL" \(did you mean "resourceMetadataUrl"\?\)/,
    );
    assert.throws(
      () => challengeResponse({ type: "use_dpop_nonce", nonce: "n" } as never),
      /^TypeError: Unknown outcome type "use_dpop_nonce"/,
    );
  });

  for (const [name, outcome, options, message] of bad) {
    it(`throws TypeError for ${name}`, () => {
      assert.throws(
        () => challengeResponse(outcome as AuthOutcome, options as undefined),
        (error: unknown) =>
          error instanceof TypeError && message.test(error.message),
      );
    });
  }
});
