// What the preflight answers over HTTP: the 403 step-up, 401, 503 and 413,
// rendered by the one renderer, in the client's scheme.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  AuthorizationError,
  dpopScheme,
  InsufficientScopeError,
} from "../../mod.ts";
import {
  preflightConfig,
  refusalOf,
  schemeOf,
  tooLarge,
} from "../../src/mcp/_refusal.ts";
import { withStepUpSink } from "../../src/http/_step_up.ts";

const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const TOKEN: AccessToken = {
  token: "t",
  clientId: "app",
  scopes: ["mcp"],
  claims: {},
};
const shortfall = new InsufficientScopeError(["admin"], {
  challengeScopes: ["mcp"],
});

class Unavailable extends AuthorizationError {
  retryAfter: unknown;
  constructor(retryAfter?: unknown) {
    super("PDP down");
    (this as { code: string }).code = "ERR_AUTHORIZATION_UNAVAILABLE";
    this.retryAfter = retryAfter;
  }
}

function refuse(
  error: unknown,
  options?: unknown,
  token: unknown = TOKEN,
  authorization = "Bearer t",
): Response {
  const response = refusalOf(
    error,
    token,
    authorization,
    preflightConfig(options),
  );
  assert.ok(response !== undefined, "expected an HTTP answer");
  return response;
}

describe("refusalOf()", () => {
  it("answers a shortfall with the 403 naming challengeScopes and resource_metadata", async () => {
    const response = refuse(shortfall, { resourceMetadataUrl: METADATA });
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer error="insufficient_scope", error_description="Insufficient scope", scope="admin mcp", resource_metadata="${METADATA}"`,
    );
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.deepEqual(await response.json(), {
      error: "insufficient_scope",
      error_description: "Insufficient scope",
    });
  });

  it("takes resource_metadata from the token's resourceMetadataUrl, as the SDKs do", () => {
    const token = { ...TOKEN, resourceMetadataUrl: METADATA };
    const response = refuse(shortfall, undefined, token);
    assert.match(
      response.headers.get("www-authenticate")!,
      new RegExp(`resource_metadata="${METADATA}"$`),
    );
  });

  it("leaves out a token's metadata URL the renderer refuses, never failing", () => {
    for (const url of ["not a url", "http://evil.example/x", 42]) {
      const token = { ...TOKEN, resourceMetadataUrl: url };
      const response = refuse(shortfall, undefined, token);
      assert.equal(response.status, 403);
      assert.doesNotMatch(
        response.headers.get("www-authenticate")!,
        /resource_metadata/,
      );
    }
  });

  it("answers a DPoP client on DPoP, with the scheme's algs when given", () => {
    const loose = refuse(shortfall, undefined, TOKEN, "DPoP t");
    assert.equal(
      loose.headers.get("www-authenticate"),
      'Bearer realm="mcp", DPoP error="insufficient_scope", error_description="Insufficient scope", scope="admin mcp"',
    );
    const dpop = dpopScheme({ required: true, algorithms: ["ES256"] });
    const strict = refuse(shortfall, { dpop }, TOKEN, "dpop t");
    assert.equal(
      strict.headers.get("www-authenticate"),
      'DPoP error="insufficient_scope", error_description="Insufficient scope", scope="admin mcp", algs="ES256"',
    );
  });

  it("tells withBearerAuth's step-up sink, so that it answers in its own configuration", () => {
    const { token, stepUp } = withStepUpSink(TOKEN);
    refuse(shortfall, undefined, token, "DPoP t");
    assert.deepEqual(stepUp.scopes, ["admin", "mcp"]);
  });

  it("answers a shortfall without a token with 401: authenticate first", () => {
    const response = refusalOf(
      shortfall,
      undefined,
      null,
      preflightConfig({ resourceMetadataUrl: METADATA }),
    )!;
    assert.equal(response.status, 401);
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer scope="admin mcp", resource_metadata="${METADATA}"`,
    );
  });

  it("answers a check that could not decide with 503 and its Retry-After", async () => {
    const response = refuse(new Unavailable(12));
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "12");
    assert.equal((await response.json()).error, "temporarily_unavailable");
    const defaulted = refuse(new Unavailable("soon"));
    assert.equal(defaulted.headers.get("retry-after"), "5");
  });

  it("leaves every other denial, and a hostile shortfall, to dispatch", () => {
    const config = preflightConfig(undefined);
    assert.equal(
      refusalOf(new AuthorizationError("no"), TOKEN, "Bearer t", config),
      undefined,
    );
    assert.equal(
      refusalOf(new Error("x"), TOKEN, "Bearer t", config),
      undefined,
    );
    const hostile = new InsufficientScopeError(["admin"]);
    Object.defineProperty(hostile, "challengeScopes", {
      get() {
        throw new Error("getter");
      },
    });
    assert.equal(refusalOf(hostile, TOKEN, "Bearer t", config), undefined);
    const injected = new InsufficientScopeError(["admin"]);
    (injected.challengeScopes as string[]).push('x", evil="1');
    assert.equal(refusalOf(injected, TOKEN, "Bearer t", config), undefined);
  });
});

describe("preflightConfig()", () => {
  it("checks an options object once", () => {
    const options = { resourceMetadataUrl: METADATA };
    assert.equal(preflightConfig(options), preflightConfig(options));
    assert.equal(preflightConfig(undefined).maxBodySize, 4 * 1024 * 1024);
  });

  const bad: [string, unknown, RegExp][] = [
    [
      "an unknown key",
      { resourceMetadataURL: METADATA },
      /Unknown preflight option "resourceMetadataURL" \(did you mean "resourceMetadataUrl"\?\)/,
    ],
    [
      "a relative metadata URL",
      { resourceMetadataUrl: "/x" },
      /resourceMetadataUrl/,
    ],
    [
      "a plain dpop object",
      { dpop: { required: true } },
      /takes the object dpopScheme\(\) makes/,
    ],
    [
      "a zero maxBodySize",
      { maxBodySize: 0 },
      /"maxBodySize" must be an integer of bytes of at least 1/,
    ],
    ["options that are a string", "https://x", /preflight expects options/],
  ];
  for (const [label, options, message] of bad) {
    it(`refuses ${label} with a TypeError`, () => {
      assert.throws(
        () => preflightConfig(options),
        (error: unknown) =>
          error instanceof TypeError && message.test(error.message),
      );
    });
  }
});

describe("schemeOf() and tooLarge()", () => {
  it("names the client's scheme as challenges do", () => {
    assert.equal(schemeOf("DPoP abc"), "DPoP");
    assert.equal(schemeOf("dpop abc"), "DPoP");
    assert.equal(schemeOf("Bearer abc"), "Bearer");
    assert.equal(schemeOf(null), "Bearer");
  });

  it("answers 413 as a JSON-RPC error", async () => {
    const response = tooLarge(10);
    assert.equal(response.status, 413);
    assert.equal(response.headers.get("cache-control"), "no-store");
    const body = await response.json();
    assert.equal(body.error.code, -32000);
    assert.equal(body.id, null);
  });
});
