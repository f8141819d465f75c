import { describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type AccessToken,
  AuthorizationError,
  AuthorizationUnavailableError,
  Authorizer,
  bearerAuth,
  type BearerAuthOptions,
  InsufficientScopeError,
  InvalidTokenError,
  StaticTokenVerifier,
  type TokenVerifier,
  VerifierUnavailableError,
  withBearerAuth,
} from "../../mod.ts";
import { parseBearer } from "../_challenge_parser.ts";

const URL_ = "https://mcp.example.com/mcp";
const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const RM = `resource_metadata="${METADATA}"`;
const SECRET = "s3cr3t-T0ken_value";
const NOW = 1_800_000_000_000; // ms

function req(authorization?: string, url = URL_): Request {
  return new Request(url, {
    headers: authorization === undefined ? {} : { authorization },
  });
}

function tokenFor(raw: string, extra: Partial<AccessToken> = {}): AccessToken {
  return {
    token: raw,
    clientId: "app",
    scopes: ["mcp"],
    claims: { sub: "u" },
    ...extra,
  };
}

/** A verifier that answers with `fn` and counts its calls. */
function verifier(
  fn: (token: string) => unknown,
): TokenVerifier & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    verifyToken(token: string) {
      calls.push(token);
      return fn(token) as Promise<AccessToken>;
    },
  };
}

const accepting = () => verifier((t) => Promise.resolve(tokenFor(t)));
const rejecting = () => verifier(() => Promise.reject(new InvalidTokenError()));

/** Runs `options` through withBearerAuth and records whether the handler ran. */
async function run(
  options: Partial<BearerAuthOptions> & { verifier: TokenVerifier },
  request: Request,
): Promise<
  { response: Response; ran: AccessToken[] | undefined[]; body: unknown }
> {
  const ran: (AccessToken | undefined)[] = [];
  const handler = withBearerAuth((_r, token) => {
    ran.push(token);
    return new Response("handled", { status: 200 });
  }, { onError: () => {}, now: () => NOW, ...options });
  const response = await handler(request);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch { /* handler text */ }
  return { response, ran: ran as AccessToken[], body };
}

function headerMap(response: Response): Record<string, string> {
  return Object.fromEntries(response.headers);
}

/** Asserts the exact header set of a refusal. */
function assertRefusal(
  response: Response,
  status: number,
  challenge: string | undefined,
  extra: Record<string, string> = {},
) {
  assert.equal(response.status, status);
  const expected: Record<string, string> = {
    "cache-control": "no-store",
    "content-type": "application/json",
    ...extra,
  };
  if (challenge !== undefined) expected["www-authenticate"] = challenge;
  assert.deepEqual(headerMap(response), expected);
  if (challenge !== undefined) parseBearer(challenge);
}

function assertNoLeak(response: Response, body: unknown, ...secrets: string[]) {
  const text = JSON.stringify(body) + JSON.stringify([...response.headers]);
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `leaked ${secret}`);
  }
}

describe("bearerAuth", () => {
  it("resolves to the verifier's token for a valid request, and the handler runs with it", async () => {
    const v = accepting();
    const auth = bearerAuth({ verifier: v, requiredScopes: ["mcp"] });
    const result = await auth(req(`Bearer ${SECRET}`));
    assert.ok(!(result instanceof Response));
    assert.equal(result?.token, SECRET);
    assert.deepEqual(v.calls, [SECRET]);

    const { response, ran, body } = await run(
      { verifier: accepting() },
      req(`Bearer ${SECRET}`),
    );
    assert.equal(response.status, 200);
    assert.equal(body, "handled");
    assert.equal(ran.length, 1);
    assert.equal(ran[0]?.clientId, "app");
  });

  it("answers a request without token with 401 and a challenge without error code", async () => {
    const v = accepting();
    const { response, ran, body } = await run(
      { verifier: v, resourceMetadataUrl: METADATA },
      req(),
    );
    assertRefusal(response, 401, `Bearer ${RM}`);
    assert.deepEqual(body, {
      error: "unauthorized",
      error_description: "Authentication required",
    });
    assert.equal(ran.length, 0);
    assert.deepEqual(v.calls, []);
  });

  it('answers a missing token with realm="mcp" when nothing else is configured: never a bare Bearer (RFC 6750 §3)', async () => {
    const { response } = await run({ verifier: accepting() }, req());
    assertRefusal(response, 401, 'Bearer realm="mcp"');
  });

  it("names requiredScopes and the realm in the 401 challenge", async () => {
    const { response } = await run(
      {
        verifier: accepting(),
        requiredScopes: ["files:read", "mcp"],
        resourceMetadataUrl: new URL(METADATA),
        realm: "mcp",
      },
      req(),
    );
    assertRefusal(
      response,
      401,
      `Bearer realm="mcp", scope="files:read mcp", ${RM}`,
    );
  });

  it("with optional: true lets a request without token through as undefined", async () => {
    const auth = bearerAuth({ verifier: accepting(), optional: true });
    assert.equal(await auth(req()), undefined);
    const { response, ran } = await run({
      verifier: accepting(),
      optional: true,
    }, req());
    assert.equal(response.status, 200);
    assert.deepEqual(ran, [undefined]);
  });

  it("with optional: true still refuses an invalid token (never downgrades to anonymous)", async () => {
    const { response, ran } = await run({
      verifier: rejecting(),
      optional: true,
    }, req("Bearer bad"));
    assert.equal(response.status, 401);
    assert.equal(ran.length, 0);
  });

  it("with optional: true still refuses a malformed header", async () => {
    const { response, ran } = await run({
      verifier: accepting(),
      optional: true,
    }, req("Bearer a b"));
    assert.equal(response.status, 400);
    assert.equal(ran.length, 0);
  });

  const malformed: [string, string | undefined, string][] = [
    ["Bearer alone", "Bearer", "Malformed Authorization header"],
    ["two tokens", "Bearer abc def", "Malformed Authorization header"],
    ["a tab separator", "Bearer\tabc", "Malformed Authorization header"],
    ["non-ASCII", "Bearer ab\u00ffc", "Malformed Authorization header"],
    [
      "two credentials",
      "Bearer abc, Bearer def",
      "Only one Authorization credential is allowed",
    ],
  ];
  for (const [name, header, description] of malformed) {
    it(`answers ${name} with 400 invalid_request and never calls the verifier`, async () => {
      const v = accepting();
      const { response, ran, body } = await run(
        { verifier: v, resourceMetadataUrl: METADATA },
        req(header),
      );
      assertRefusal(
        response,
        400,
        `Bearer error="invalid_request", error_description="${description}", ${RM}`,
      );
      assert.deepEqual(body, {
        error: "invalid_request",
        error_description: description,
      });
      assert.equal(ran.length, 0);
      assert.deepEqual(v.calls, []);
    });
  }

  it("answers an access_token query parameter with 400 even with a valid header", async () => {
    const v = accepting();
    const { response, ran, body } = await run(
      { verifier: v },
      req(`Bearer ${SECRET}`, `${URL_}?access_token=${SECRET}`),
    );
    assertRefusal(
      response,
      400,
      'Bearer error="invalid_request", error_description="Access tokens are not accepted in the URI query"',
    );
    assertNoLeak(response, body, SECRET);
    assert.equal(ran.length, 0);
    assert.deepEqual(v.calls, []);
  });

  it("answers a 1 MB header without echoing it", async () => {
    const big = "A".repeat(1 << 20);
    const { response, body, ran } = await run(
      { verifier: rejecting() },
      req(`Bearer ${big}`),
    );
    assert.equal(response.status, 401);
    assert.ok(JSON.stringify(body).length < 200);
    assert.ok(response.headers.get("www-authenticate")!.length < 200);
    assert.equal(ran.length, 0);
  });

  it("answers InvalidTokenError with 401 invalid_token and its description", async () => {
    const v = verifier(() =>
      Promise.reject(new InvalidTokenError("Token revoked"))
    );
    const { response, ran, body } = await run(
      { verifier: v, resourceMetadataUrl: METADATA, requiredScopes: ["mcp"] },
      req(`Bearer ${SECRET}`),
    );
    assertRefusal(
      response,
      401,
      `Bearer error="invalid_token", error_description="Token revoked", scope="mcp", ${RM}`,
    );
    assert.deepEqual(body, {
      error: "invalid_token",
      error_description: "Token revoked",
    });
    assertNoLeak(response, body, SECRET);
    assert.equal(ran.length, 0);
  });

  describe("expiry", () => {
    const expiring = () =>
      verifier((t) => Promise.resolve(tokenFor(t, { expiresAt: 1_000 })));
    const cases: [string, number, number | undefined, number][] = [
      ["a clock just before expiresAt", 999_999, undefined, 200],
      ["a clock at expiresAt", 1_000_000, undefined, 401],
      ["a clock after expiresAt", 5_000_000, undefined, 401],
      ["a clock within clockTolerance", 1_004_999, 5, 200],
      ["a clock at the end of clockTolerance", 1_005_000, 5, 401],
      ["a clock that returns NaN", NaN, undefined, 401],
    ];
    for (const [name, now, clockTolerance, status] of cases) {
      it(`answers ${status} for ${name}`, async () => {
        const { response, ran, body } = await run(
          {
            verifier: expiring(),
            now: () => now,
            ...(clockTolerance === undefined ? {} : { clockTolerance }),
          },
          req("Bearer abc"),
        );
        assert.equal(response.status, status);
        assert.equal(ran.length, status === 200 ? 1 : 0);
        if (status === 401) {
          assertRefusal(
            response,
            401,
            'Bearer error="invalid_token", error_description="Token expired"',
          );
          assert.deepEqual(body, {
            error: "invalid_token",
            error_description: "Token expired",
          });
        }
      });
    }

    it("calls the injected clock without a receiver, as performance.now requires", async () => {
      const receivers: unknown[] = [];
      const now = function (this: unknown) {
        receivers.push(this);
        return 999_999;
      };
      const { response } = await run(
        { verifier: expiring(), now },
        req("Bearer abc"),
      );
      assert.equal(response.status, 200);
      assert.deepEqual(receivers, [undefined]);
    });

    it("works with the host's own performance.now as its clock", async () => {
      // expiresAt in epoch seconds, far after performance.now's origin.
      const { response } = await run(
        { verifier: expiring(), now: performance.now },
        req("Bearer abc"),
      );
      assert.equal(response.status, 200);
    });

    it("accepts a token without expiresAt", async () => {
      const { response } = await run(
        { verifier: accepting() },
        req("Bearer abc"),
      );
      assert.equal(response.status, 200);
    });
  });

  describe("scopes", () => {
    const holding = (...scopes: string[]) =>
      verifier((t) => Promise.resolve(tokenFor(t, { scopes })));

    it("answers a token lacking a required scope with 403 naming all required scopes", async () => {
      const { response, ran, body } = await run(
        {
          verifier: holding("files:read"),
          requiredScopes: ["files:write", "files:read"],
          resourceMetadataUrl: METADATA,
        },
        req("Bearer abc"),
      );
      assertRefusal(
        response,
        403,
        `Bearer error="insufficient_scope", error_description="Insufficient scope", scope="files:read files:write", ${RM}`,
      );
      assert.deepEqual(body, {
        error: "insufficient_scope",
        error_description: "Insufficient scope",
      });
      assert.equal(ran.length, 0);
    });

    it("lets a token holding every required scope through", async () => {
      const { response } = await run(
        { verifier: holding("b", "a", "c"), requiredScopes: ["a", "b"] },
        req("Bearer abc"),
      );
      assert.equal(response.status, 200);
    });

    it("honours the scope hierarchy", async () => {
      const options = {
        requiredScopes: ["files:read"],
        scopeHierarchy: {
          "files:admin": ["files:write"],
          "files:write": ["files:read"],
        },
      };
      const allowed = await run({
        verifier: holding("files:admin"),
        ...options,
      }, req("Bearer abc"));
      assert.equal(allowed.response.status, 200);
      const denied = await run(
        { verifier: holding("other"), ...options },
        req("Bearer abc"),
      );
      assert.equal(denied.response.status, 403);
    });

    it("ignores later changes to the requiredScopes array passed in", async () => {
      const requiredScopes = ["mcp"];
      const auth = bearerAuth({ verifier: holding("mcp"), requiredScopes });
      requiredScopes.push("admin");
      assert.ok(!((await auth(req("Bearer abc"))) instanceof Response));
    });
  });

  describe("resource binding (RFC 8707)", () => {
    const bound = (resource?: string) =>
      verifier((t) =>
        Promise.resolve(
          tokenFor(
            t,
            resource === undefined ? {} : { resource: new URL(resource) },
          ),
        )
      );
    const cases: [string, string | undefined, number][] = [
      ["the same resource", URL_, 200],
      // MCP canonical URI: scheme and host case, default port.
      [
        "the same resource, host in capitals",
        "https://MCP.EXAMPLE.COM/mcp",
        200,
      ],
      [
        "the same resource with its default port",
        "https://mcp.example.com:443/mcp",
        200,
      ],
      // Nothing else is normalised.
      ["the same path with a trailing slash", `${URL_}/`, 401],
      ["the path in capitals", "https://mcp.example.com/MCP", 401],
      ["another port", "https://mcp.example.com:8443/mcp", 401],
      ["another resource", "https://other.example.com/mcp", 401],
      ["another path on the same host", "https://mcp.example.com/admin", 401],
      ["no resource", undefined, 401],
    ];
    for (const [name, resource, status] of cases) {
      it(`answers ${status} for a token bound to ${name}`, async () => {
        const { response, ran, body } = await run(
          { verifier: bound(resource), resource: URL_ },
          req("Bearer abc"),
        );
        assert.equal(response.status, status);
        assert.equal(ran.length, status === 200 ? 1 : 0);
        if (status === 401) {
          assertRefusal(
            response,
            401,
            // resource_metadata derived from resource (RFC 9728 §3.1).
            `Bearer error="invalid_token", error_description="Token was not issued for this resource", ${RM}`,
          );
          assert.deepEqual(body, {
            error: "invalid_token",
            error_description: "Token was not issued for this resource",
          });
        }
      });
    }

    it("does not compare resources when the option is absent", async () => {
      const { response } = await run(
        { verifier: bound("https://other.example.com/") },
        req("Bearer abc"),
      );
      assert.equal(response.status, 200);
    });
  });

  describe("a verifier that fails in other ways answers 503, never 500 or 2xx", () => {
    const thrown: [string, () => unknown][] = [
      ["null", () => null],
      ["undefined", () => undefined],
      ["a string", () => `db down ${SECRET}`],
      ["a number", () => 42],
      ["a plain object", () => ({ message: `internal ${SECRET}` })],
      ["an Error with internal text", () => new Error(`password=${SECRET}`)],
      ["a TypeError", () => new TypeError("x is not a function")],
      [
        "an object that only looks like InvalidTokenError",
        () => ({
          name: "InvalidTokenError",
          code: "ERR_INVALID_TOKEN",
          message: "Invalid token",
        }),
      ],
      [
        "a Proxy whose every trap throws",
        () =>
          new Proxy({}, {
            get() {
              throw new Error("trap");
            },
            getPrototypeOf() {
              throw new Error("trap");
            },
          }),
      ],
    ];
    for (const [name, make] of thrown) {
      it(`rejected with ${name}`, async () => {
        const value = make();
        const onError = mock.fn();
        const v = verifier(() => Promise.reject(value));
        const { response, ran, body } = await run(
          { verifier: v, onError },
          req(`Bearer ${SECRET}`),
        );
        assertRefusal(response, 503, undefined, { "retry-after": "5" });
        assert.deepEqual(body, {
          error: "temporarily_unavailable",
          error_description: "Token verification is temporarily unavailable",
        });
        assertNoLeak(response, body, SECRET, "password", "internal", "db down");
        assert.equal(ran.length, 0);
        assert.equal(onError.mock.callCount(), 1);
      });
    }

    it("thrown synchronously instead of rejecting", async () => {
      const v = verifier(() => {
        throw new Error("sync");
      });
      const { response } = await run({ verifier: v }, req("Bearer abc"));
      assertRefusal(response, 503, undefined, { "retry-after": "5" });
    });

    const retries: [string, number | undefined, string][] = [
      ["a retryAfter of 30", 30, "30"],
      ["a fractional retryAfter", 2.2, "3"],
      ["a zero retryAfter", 0, "0"],
      ["no retryAfter", undefined, "5"],
      ["a negative retryAfter", -1, "5"],
      ["a NaN retryAfter", NaN, "5"],
      ["an infinite retryAfter", Infinity, "5"],
      ["a huge retryAfter", 1e9, "3600"],
    ];
    for (const [name, retryAfter, header] of retries) {
      it(`VerifierUnavailableError with ${name} -> Retry-After: ${header}`, async () => {
        const error = new VerifierUnavailableError(
          "JWKS unreachable",
          retryAfter === undefined ? {} : { retryAfter },
        );
        const { response, body } = await run(
          { verifier: verifier(() => Promise.reject(error)) },
          req("Bearer abc"),
        );
        assertRefusal(response, 503, undefined, { "retry-after": header });
        assertNoLeak(response, body, "JWKS");
      });
    }

    it("still answers 503 when onError itself throws", async () => {
      const { response } = await run(
        {
          verifier: verifier(() => Promise.reject(new Error("x"))),
          onError: () => {
            throw new Error("logger down");
          },
        },
        req("Bearer abc"),
      );
      assert.equal(response.status, 503);
    });

    it("reports to console.warn by default", async () => {
      const warn = mock.method(console, "warn", () => {});
      try {
        const auth = bearerAuth({
          verifier: verifier(() => Promise.reject(new Error("boom"))),
        });
        const response = await auth(req("Bearer abc"));
        assert.equal((response as Response).status, 503);
        assert.equal(warn.mock.callCount(), 1);
      } finally {
        warn.mock.restore();
      }
    });
  });

  describe("a verifier that returns something other than an AccessToken for the token answers 503", () => {
    const results: [string, (raw: string) => unknown][] = [
      ["null", () => null],
      ["undefined", () => undefined],
      ["a string", () => "ok"],
      ["true", () => true],
      ["an empty object", () => ({})],
      ["an array", () => []],
      ["a Response", () => new Response("ok")],
      ["a token for another token string", () => tokenFor("someone-else")],
      [
        "a token without clientId",
        (t) => ({ token: t, scopes: [], claims: {} }),
      ],
      [
        "scopes that are a string",
        (t) => tokenFor(t, { scopes: "mcp" as unknown as string[] }),
      ],
      [
        "scopes holding a number",
        (t) => tokenFor(t, { scopes: [1] as unknown as string[] }),
      ],
      [
        "claims that are null",
        (t) =>
          tokenFor(t, { claims: null as unknown as Record<string, unknown> }),
      ],
      [
        "expiresAt as a string",
        (t) => tokenFor(t, { expiresAt: "9999999999" as unknown as number }),
      ],
      [
        "resource as a string",
        (t) => tokenFor(t, { resource: URL_ as unknown as URL }),
      ],
      [
        "an object whose getters throw",
        () =>
          Object.defineProperty({}, "token", {
            get() {
              throw new Error("getter");
            },
          }),
      ],
    ];
    for (const [name, make] of results) {
      it(`${name}`, async () => {
        const onError = mock.fn();
        const v = verifier((t) => Promise.resolve(make(t)));
        const { response, ran } = await run(
          { verifier: v, onError },
          req("Bearer abc"),
        );
        assertRefusal(response, 503, undefined, { "retry-after": "5" });
        assert.equal(ran.length, 0);
        assert.equal(onError.mock.callCount(), 1);
      });
    }
  });

  it("answers InsufficientScopeError from the verifier with 403 naming its scopes", async () => {
    const v = verifier(() =>
      Promise.reject(new InsufficientScopeError(["admin"]))
    );
    const { response, ran } = await run({ verifier: v }, req("Bearer abc"));
    assertRefusal(
      response,
      403,
      'Bearer error="insufficient_scope", error_description="Insufficient scope. Required: admin", scope="admin"',
    );
    assert.equal(ran.length, 0);
  });

  it("answers a verifier's expiresAt that is no NumericDate (NaN, Infinity, 1e300) with 401, as the verifiers do", async () => {
    for (const expiresAt of [NaN, Infinity, -Infinity, 1e300]) {
      const onError = mock.fn();
      const v = verifier((t) => Promise.resolve(tokenFor(t, { expiresAt })));
      const { response, ran, body } = await run(
        { verifier: v, onError },
        req("Bearer abc"),
      );
      assertRefusal(
        response,
        401,
        'Bearer error="invalid_token", error_description="Token expiry invalid"',
      );
      assert.deepEqual(body, {
        error: "invalid_token",
        error_description: "Token expiry invalid",
      });
      assert.equal(ran.length, 0);
      assert.equal(onError.mock.callCount(), 0, String(expiresAt));
    }
  });

  it("answers another AuthorizationError from the verifier with 403 and no challenge", async () => {
    const v = verifier(() =>
      Promise.reject(new AuthorizationError("Account suspended"))
    );
    const { response, body } = await run({ verifier: v }, req("Bearer abc"));
    assertRefusal(response, 403, undefined);
    assert.deepEqual(body, {
      error: "access_denied",
      error_description: "Account suspended",
    });
  });

  describe("challenge injection", () => {
    const hostile = [
      'x", error="evil',
      "line\r\nSet-Cookie: a=b",
      "back\\slash\\",
      'quote"quote',
      "nul\u0000byte\u007f",
      "unicode \u2028 \u00e9 \ud83d\ude00",
      "\r\n",
    ];
    for (const message of hostile) {
      it(`keeps the challenge well-formed for description ${JSON.stringify(message)}`, async () => {
        const v = verifier(() =>
          Promise.reject(new InvalidTokenError(message))
        );
        const { response, body } = await run(
          { verifier: v, resourceMetadataUrl: METADATA, realm: 'r"e\\alm' },
          req("Bearer abc"),
        );
        assert.equal(response.status, 401);
        const params = parseBearer(response.headers.get("www-authenticate"));
        assert.deepEqual(Object.keys(params).sort(), [
          "error",
          "error_description",
          "realm",
          "resource_metadata",
        ]);
        assert.equal(params.error, "invalid_token");
        assert.equal(params.realm, 'r"e\\alm');
        assert.equal(params.resource_metadata, METADATA);
        assert.match(
          params.error_description!,
          /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/,
        );
        const description =
          (body as { error_description: string }).error_description;
        assert.equal(description, params.error_description);
      });
    }

    it("never puts claims or the token in any refusal", async () => {
      const claims = { sub: 'evil"\r\nX-Injected: 1', role: "admin\\" };
      const v = verifier((t) =>
        Promise.resolve(tokenFor(t, { claims, scopes: [] }))
      );
      const { response, body } = await run(
        { verifier: v, requiredScopes: ["mcp"] },
        req(`Bearer ${SECRET}`),
      );
      assert.equal(response.status, 403);
      assertNoLeak(response, body, SECRET, "evil", "X-Injected", "admin");
    });
  });

  describe("options", () => {
    const v = accepting();
    const bad: [string, unknown, RegExp][] = [
      [
        "no options",
        undefined,
        /^bearerAuth expects an options object with a verifier, got undefined$/,
      ],
      [
        "no verifier",
        {},
        /^bearerAuth needs a verifier with a verifyToken\(token\) method/,
      ],
      [
        "a verifier without verifyToken",
        { verifier: {} },
        /needs a verifier with a verifyToken/,
      ],
      ["a function as verifier", { verifier: () => {} }, /needs a verifier/],
      [
        "requiredScopes as a string",
        { verifier: v, requiredScopes: "mcp" },
        /^bearerAuth option "requiredScopes" expects an array of scope strings, got "mcp"$/,
      ],
      [
        "a scope with a space",
        { verifier: v, requiredScopes: ["a b"] },
        /RFC 6749 §3\.3\), got "a b"$/,
      ],
      [
        "a scope with a quote",
        { verifier: v, requiredScopes: ['a"'] },
        /RFC 6749 §3\.3\), got "a\\""$/,
      ],
      ["an empty scope", { verifier: v, requiredScopes: [""] }, /got ""$/],
      [
        "a relative resourceMetadataUrl",
        { verifier: v, resourceMetadataUrl: "/.well-known/x" },
        /^bearerAuth option "resourceMetadataUrl" must be an absolute URL, got "\/.well-known\/x"$/,
      ],
      ["an ftp resourceMetadataUrl", {
        verifier: v,
        resourceMetadataUrl: "ftp://example.com/x",
      }, /must use https \(http only on localhost\)/],
      ["an http resourceMetadataUrl off localhost", {
        verifier: v,
        resourceMetadataUrl: "http://example.com/x",
      }, /must use https/],
      ["a resourceMetadataUrl with a fragment", {
        verifier: v,
        resourceMetadataUrl: "https://example.com/x#",
      }, /must not have a fragment/],
      ["a resourceMetadataUrl with CR LF", {
        verifier: v,
        resourceMetadataUrl: "https://example.com/x\r\nA: b",
      }, /must not contain whitespace or control characters/],
      ["a resourceMetadataUrl that is a number", {
        verifier: v,
        resourceMetadataUrl: 42,
      }, /must be a URL or a string, got "42"/],
      [
        "an ftp resource",
        { verifier: v, resource: "ftp://example.com/" },
        /^bearerAuth option "resource" must use https/,
      ],
      [
        "a realm with LF",
        { verifier: v, realm: "a\nb" },
        /^bearerAuth option "realm" must be a string of printable ASCII characters/,
      ],
      [
        "optional as a string",
        { verifier: v, optional: "yes" },
        /^bearerAuth option "optional" must be true or false, got "yes"$/,
      ],
      [
        "now as a number",
        { verifier: v, now: 5 },
        /option "now" must be a function/,
      ],
      [
        "onError as a string",
        { verifier: v, onError: "log" },
        /option "onError" must be a function/,
      ],
      [
        "a negative clockTolerance",
        { verifier: v, clockTolerance: -1 },
        /"clockTolerance" must be a finite number of seconds of at least 0/,
      ],
      [
        "an unknown option",
        { verifier: v, requiredScope: ["mcp"] },
        /^Unknown bearerAuth option "requiredScope" \(did you mean "requiredScopes"\?\), expected one of "verifier", /,
      ],
      [
        "a bad scopeHierarchy",
        { verifier: v, scopeHierarchy: { a: "b" } },
        /scopeHierarchy\["a"\] must be an array/,
      ],
    ];
    for (const [name, options, message] of bad) {
      it(`throws TypeError at construction for ${name}`, () => {
        assert.throws(
          () => bearerAuth(options as BearerAuthOptions),
          (error: unknown) => {
            assert.ok(error instanceof TypeError);
            assert.match(error.message, message);
            assert.ok(!error.message.endsWith("."));
            return true;
          },
        );
      });
    }

    it("accepts an http resourceMetadataUrl on localhost", () => {
      bearerAuth({
        verifier: v,
        resourceMetadataUrl:
          "http://localhost:8000/.well-known/oauth-protected-resource",
      });
      bearerAuth({
        verifier: v,
        resourceMetadataUrl: "http://127.0.0.1:8000/x",
      });
    });

    it("withBearerAuth throws TypeError for a handler that is not a function", () => {
      assert.throws(
        () =>
          withBearerAuth("nope" as unknown as () => Response, { verifier: v }),
        {
          name: "TypeError",
          message:
            'withBearerAuth expects a handler function as its first argument, got "nope"',
        },
      );
      assert.throws(
        () => withBearerAuth(() => new Response(), {} as BearerAuthOptions),
        /^TypeError: withBearerAuth needs a verifier/,
      );
    });
  });
});

describe("withBearerAuth handler errors", () => {
  const reader = new StaticTokenVerifier({
    tokens: { "reader-token": { clientId: "reader", scopes: ["files:read"] } },
  });

  async function call(
    thrown: unknown,
    authorization?: string,
    optional = false,
  ) {
    const handler = withBearerAuth(() => {
      throw thrown;
    }, { verifier: reader, resourceMetadataUrl: METADATA, optional });
    return await handler(req(authorization));
  }

  it("maps InsufficientScopeError to 403 naming its requiredScopes (MCP step-up)", async () => {
    const response = await call(
      new InsufficientScopeError(["files:write", "admin"]),
      "Bearer reader-token",
    );
    assertRefusal(
      response,
      403,
      `Bearer error="insufficient_scope", error_description="Insufficient scope. Required: admin, files:write", scope="admin files:write", ${RM}`,
    );
    assert.deepEqual(await response.json(), {
      error: "insufficient_scope",
      error_description: "Insufficient scope. Required: admin, files:write",
    });
  });

  it("maps a plain AuthorizationError to 403 without a challenge", async () => {
    const response = await call(
      new AuthorizationError("Tool not found or not authorized"),
      "Bearer reader-token",
    );
    assertRefusal(response, 403, undefined);
    assert.deepEqual(await response.json(), {
      error: "access_denied",
      error_description: "Tool not found or not authorized",
    });
  });

  it("maps an InsufficientScopeError without scopes to 403 without a challenge", async () => {
    const response = await call(
      new InsufficientScopeError([]),
      "Bearer reader-token",
    );
    assertRefusal(response, 403, undefined);
  });

  it("maps an authorization error for an anonymous request to 401 with the scopes to request", async () => {
    const response = await call(
      new InsufficientScopeError(["files:read"]),
      undefined,
      true,
    );
    assertRefusal(response, 401, `Bearer scope="files:read", ${RM}`);
    const plain = await call(new AuthorizationError(), undefined, true);
    assertRefusal(plain, 401, `Bearer ${RM}`);
  });

  it("lets any other handler error propagate unchanged", async () => {
    const error = new RangeError("application bug");
    await assert.rejects(
      call(error, "Bearer reader-token"),
      (e) => e === error,
    );
  });

  it("passes the handler's own Response through untouched", async () => {
    const handler = withBearerAuth(
      () => new Response("created", { status: 201, headers: { "x-a": "1" } }),
      {
        verifier: reader,
      },
    );
    const response = await handler(req("Bearer reader-token"));
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("x-a"), "1");
    assert.equal(await response.text(), "created");
  });
});

describe("bearerAuth on arbitrary input (property)", () => {
  const latin1 = fc.string({
    unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)),
    maxLength: 60,
  });
  const header = fc.oneof(
    latin1,
    fc.tuple(
      fc.constantFrom("Bearer ", "bearer  ", "Bearer\t", "Basic ", ""),
      latin1,
    )
      .map(([a, b]) => a + b),
  );
  const query = fc.oneof(
    fc.constant(""),
    latin1.map((q) => "?" + encodeURI(q)),
    fc.constant("?access_token=x"),
  );

  it("never throws, never answers 2xx, 500 or 503, and every challenge parses", async () => {
    const auth = bearerAuth({
      verifier: { verifyToken: () => Promise.reject(new InvalidTokenError()) },
      resourceMetadataUrl: METADATA,
      requiredScopes: ["mcp"],
      realm: "r",
    });
    await fc.assert(
      fc.asyncProperty(header, query, async (value, q) => {
        let request: Request;
        try {
          request = new Request(URL_ + q, {
            headers: { authorization: value },
          });
        } catch {
          return true; // not a value a Request can carry
        }
        const result = await auth(request);
        assert.ok(result instanceof Response);
        assert.ok([400, 401].includes(result.status), String(result.status));
        const params = parseBearer(result.headers.get("www-authenticate"));
        assert.equal(params.resource_metadata, METADATA);
        assert.equal(params.realm, "r");
        return true;
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps every InvalidTokenError description inside the RFC 6750 character set", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "binary", maxLength: 300 }),
        async (message) => {
          const auth = bearerAuth({
            verifier: {
              verifyToken: () => Promise.reject(new InvalidTokenError(message)),
            },
          });
          const result = (await auth(req("Bearer abc"))) as Response;
          assert.equal(result.status, 401);
          const params = parseBearer(result.headers.get("www-authenticate"));
          assert.ok(params.error_description!.length <= 200);
          assert.deepEqual(await result.json(), {
            error: "invalid_token",
            error_description: params.error_description,
          });
          return true;
        },
      ),
      { numRuns: 500 },
    );
  });

  it("quotes any printable realm so that it parses back unchanged", async () => {
    const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) =>
      String.fromCharCode(c)
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: printable }), async (realm) => {
        const auth = bearerAuth({ verifier: accepting(), realm });
        const response = (await auth(req())) as Response;
        assert.equal(
          parseBearer(response.headers.get("www-authenticate")).realm,
          realm,
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe("withBearerAuth and AuthorizationUnavailableError", () => {
  const reader = new StaticTokenVerifier({
    tokens: { "reader-token": { clientId: "reader", scopes: ["files:read"] } },
  });

  async function call(
    thrown: unknown,
    authorization?: string,
    optional = false,
  ) {
    const errors: unknown[] = [];
    const handler = withBearerAuth(() => {
      throw thrown;
    }, {
      verifier: reader,
      resourceMetadataUrl: METADATA,
      optional,
      onError: (error) => errors.push(error),
    });
    return { response: await handler(req(authorization)), errors };
  }

  it("answers a handler's AuthorizationUnavailableError with 503, Retry-After and no-store, and reports it", async () => {
    const thrown = new AuthorizationUnavailableError("pdp.internal:8443 down", {
      retryAfter: 12.2,
    });
    const { response, errors } = await call(thrown, "Bearer reader-token");
    assertRefusal(response, 503, undefined, { "retry-after": "13" });
    const body = await response.json();
    assert.equal(body.error, "temporarily_unavailable");
    assertNoLeak(response, body, "pdp.internal", "reader-token");
    assert.deepEqual(errors, [thrown]);
  });

  it("answers 503 for an anonymous request too (optional: true), with the default Retry-After", async () => {
    for (const retryAfter of [undefined, -1, Number.NaN]) {
      const { response } = await call(
        new AuthorizationUnavailableError(undefined, { retryAfter }),
        undefined,
        true,
      );
      assertRefusal(response, 503, undefined, { "retry-after": "5" });
    }
  });

  it("answers 503 when a verifier throws it", async () => {
    const handler = withBearerAuth(() => new Response("ran"), {
      verifier: verifier(() =>
        Promise.reject(
          new AuthorizationUnavailableError(undefined, {
            retryAfter: 7,
          }),
        )
      ),
      onError: () => {},
    });
    const response = await handler(req(`Bearer ${SECRET}`));
    assertRefusal(response, 503, undefined, { "retry-after": "7" });
  });

  it("answers 503 when an Authorizer's check could not decide a call", async () => {
    const authorizer = new Authorizer({
      layers: [() =>
        Promise.reject(
          new AuthorizationUnavailableError(undefined, { retryAfter: 2 }),
        )],
    });
    let ran = false;
    const handler = withBearerAuth(async (_request, token) => {
      await authorizer.authorize(token, { kind: "tool", name: "search" });
      ran = true;
      return new Response("ran");
    }, { verifier: reader, onError: () => {} });
    const response = await handler(req("Bearer reader-token"));
    assertRefusal(response, 503, undefined, { "retry-after": "2" });
    assert.equal(ran, false);
  });
});
