// src/http/_handler_answer.ts: what bearerAuth does to the handler's answer:
// a 403 scope challenge re-rendered, a scheme's headers on a 2xx, and the
// one Refusal -> Response step.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Refusal } from "../../src/http/_authenticate.ts";
import { compileConfig, type Config } from "../../src/http/_bearer_config.ts";
import {
  render,
  stepUpResponse,
  withSuccessHeaders,
} from "../../src/http/_handler_answer.ts";
import type { AuthScheme } from "../../src/http/scheme.ts";

const METADATA = "https://mcp.example.com/.well-known/oauth-protected-resource";

function scheme(extra: Partial<AuthScheme> = {}): AuthScheme {
  return {
    name: "DPoP",
    required: false,
    challengeParams: { algs: "ES256" },
    readToken: () => undefined,
    confirm: (_request, token) => token,
    ...extra,
  };
}

function setup(options: Record<string, unknown> = {}) {
  const errors: unknown[] = [];
  const config: Config = compileConfig("bearerAuth", {
    verifier: { verifyToken: () => Promise.reject(new Error("unused")) },
    resourceMetadataUrl: METADATA,
    onError: (error: unknown) => errors.push(error),
    ...options,
  });
  return { config, errors };
}

/** A handler's 403 whose body records being cancelled. */
function sdk403() {
  const state = { cancelled: false };
  const body = new ReadableStream({
    cancel() {
      state.cancelled = true;
    },
  });
  const response = new Response(body, {
    status: 403,
    headers: {
      "www-authenticate": 'Bearer error="insufficient_scope", scope="x"',
    },
  });
  return { response, state };
}

describe("render", () => {
  it("renders the refusal's outcome in the scheme it names", async () => {
    const { config } = setup({ dpop: scheme() });
    const response = render(
      config,
      new Refusal({ type: "invalid_token", description: "Nope" }, "DPoP"),
    );
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer resource_metadata="${METADATA}", DPoP error="invalid_token", error_description="Nope", resource_metadata="${METADATA}", algs="ES256"`,
    );
    assert.deepEqual(await response.json(), {
      error: "invalid_token",
      error_description: "Nope",
    });
  });

  it("answers 503 with Retry-After for unavailability", () => {
    const { config } = setup();
    const response = render(
      config,
      new Refusal({ type: "unavailable", retryAfter: 30 }, "Bearer"),
    );
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "30");
  });
});

describe("stepUpResponse", () => {
  it("answers the handler's 403 from the scopes, in the scheme used, and cancels its body", async () => {
    const { config } = setup({ dpop: scheme(), requiredScopes: ["mcp"] });
    const { response, state } = sdk403();
    const answer = await stepUpResponse(config, response, ["write"], "DPoP");
    assert.notEqual(answer, response);
    assert.equal(answer.status, 403);
    assert.equal(
      answer.headers.get("www-authenticate"),
      `Bearer resource_metadata="${METADATA}", DPoP error="insufficient_scope", error_description="Insufficient scope", scope="mcp write", resource_metadata="${METADATA}", algs="ES256"`,
    );
    assert.equal(state.cancelled, true);
  });

  it("names the configured scopes too, sorted, once, and never offline_access", async () => {
    const { config } = setup({ requiredScopes: ["b"] });
    const answer = await stepUpResponse(
      config,
      sdk403().response,
      ["offline_access", "c", "b", "a"],
      undefined,
    );
    assert.match(answer.headers.get("www-authenticate")!, /scope="a b c"/);
  });

  it("sends the handler's own 403, never cached, when the scopes cannot be rendered", async () => {
    const { config } = setup();
    const { response, state } = sdk403();
    const answer = await stepUpResponse(
      config,
      response,
      ["bad scope"],
      "Bearer",
    );
    assert.equal(answer.status, 403);
    assert.equal(
      answer.headers.get("www-authenticate"),
      'Bearer error="insufficient_scope", scope="x"',
    );
    assert.equal(answer.headers.get("cache-control"), "no-store");
    assert.equal(state.cancelled, false);
  });

  it("copies a 403 whose headers are immutable to mark it no-store", async () => {
    const { config } = setup();
    const immutable = Response.redirect(
      "https://mcp.example.com/elsewhere",
      302,
    );
    const answer = await stepUpResponse(
      config,
      immutable,
      ["bad scope"],
      undefined,
    );
    assert.equal(answer.status, 302);
    assert.equal(
      answer.headers.get("location"),
      "https://mcp.example.com/elsewhere",
    );
    assert.equal(answer.headers.get("cache-control"), "no-store");
  });
});

describe("withSuccessHeaders", () => {
  it("returns the response itself without a scheme, or one without success headers", async () => {
    const response = new Response("ok");
    assert.equal(await withSuccessHeaders(setup().config, response), response);
    const plain = setup({ dpop: scheme() }).config;
    assert.equal(await withSuccessHeaders(plain, response), response);
    const none = setup({
      dpop: scheme({ successHeaders: () => Promise.resolve(undefined) }),
    }).config;
    assert.equal(await withSuccessHeaders(none, response), response);
  });

  it("sets the scheme's headers (DPoP-Nonce, RFC 9449 §8.2)", async () => {
    const { config } = setup({
      dpop: scheme({
        successHeaders: () => Promise.resolve({ "DPoP-Nonce": "n-1" }),
      }),
    });
    const answer = await withSuccessHeaders(config, new Response("ok"));
    assert.equal(answer.headers.get("dpop-nonce"), "n-1");
    assert.equal(await answer.text(), "ok");
  });

  it("copies a response whose headers are immutable, keeping status and body", async () => {
    const { config } = setup({
      dpop: scheme({
        successHeaders: () => Promise.resolve({ "DPoP-Nonce": "n-2" }),
      }),
    });
    const immutable = Response.redirect("https://mcp.example.com/next", 307);
    const answer = await withSuccessHeaders(config, immutable);
    assert.equal(answer.status, 307);
    assert.equal(
      answer.headers.get("location"),
      "https://mcp.example.com/next",
    );
    assert.equal(answer.headers.get("dpop-nonce"), "n-2");
  });

  it("skips values that could split a header, and names that are no token", async () => {
    const { config } = setup({
      dpop: scheme({
        successHeaders: () =>
          Promise.resolve({
            "x-split": "a\r\nSet-Cookie: s=1",
            "x-empty": "",
            "x-lead": " a",
            "x-trail": "a ",
            "x-utf": "caf\u00e9",
            "x-number": 5 as unknown as string,
            "bad name": "v",
            "x-good": "a b",
          }),
      }),
    });
    const answer = await withSuccessHeaders(config, new Response("ok"));
    for (
      const name of [
        "x-split",
        "x-empty",
        "x-lead",
        "x-trail",
        "x-utf",
        "x-number",
        "set-cookie",
      ]
    ) {
      assert.equal(answer.headers.get(name), null, name);
    }
    assert.equal(answer.headers.get("x-good"), "a b");
    assert.equal(await answer.text(), "ok");
  });

  it("serves the response and reports to onError when the headers cannot be made", async () => {
    const failure = new Error("nonce store down");
    const { config, errors } = setup({
      dpop: scheme({ successHeaders: () => Promise.reject(failure) }),
    });
    const response = new Response("ok");
    assert.equal(await withSuccessHeaders(config, response), response);
    assert.deepEqual(errors, [failure]);
  });
});
