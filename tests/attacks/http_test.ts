// Attacks on the HTTP path, as an outside team would run them: Bearer
// extraction (header, form body, query), the challenges (RFC 6750 §3,
// RFC 9728 §5.1), hostile verifiers, decision events, the metadata route
// and the adapters (Hono, mcp-handler, Workers, Node) and the MCP HTTP
// preflight's 403 step-up. Real Request/Response, real servers on
// 127.0.0.1 port 0, real jose keys. Every case asserts the answer exactly
// and that no token or internal message leaks.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { Hono } from "hono";
import { McpServer } from "@modelcontextprotocol/server";
import {
  type AccessToken,
  AuthorizationError,
  AuthorizationUnavailableError,
  Authorizer,
  bearerAuth,
  type BearerAuthOptions,
  challengeResponse,
  type DecisionEvent,
  dpopScheme,
  InsufficientScopeError,
  InvalidTokenError,
  JwtVerifier,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  requireScopes,
  StaticTokenVerifier,
  type TokenVerifier,
  withBearerAuth,
} from "../../mod.ts";
import { guardServer } from "../../src/mcp/mod.ts";
import {
  mcpBearerAuth,
  protectedResourceMetadataRoute as honoMetadataRoute,
} from "../../src/adapters/mod_hono.ts";
import { withMcpAuth } from "../../src/adapters/mod_mcp_handler.ts";
import { withOAuthProviderAuth } from "../../src/adapters/mod_workers.ts";
import {
  authOf,
  nodeBearerAuth,
  protectedResourceMetadataRoute as nodeMetadataRoute,
  withNodeBearerAuth,
} from "../../src/adapters/mod_node.ts";
import { parseBearer, parseChallenges } from "../_challenge_parser.ts";
import { claims, ISSUER, NOW_MS, sign, testKey } from "../_jwt_fixtures.ts";

const RESOURCE = "https://mcp.example.com/mcp";
const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const GOOD = "good-token_0123456789";
const SECRET = "s3cr3t-marker";

/** A verifier of one token that counts its calls. */
function counted(): TokenVerifier & { calls: string[] } {
  const inner = new StaticTokenVerifier({
    tokens: {
      [GOOD]: { clientId: "app", scopes: ["mcp", "read"], resource: RESOURCE },
    },
  });
  const calls: string[] = [];
  return {
    calls,
    verifyToken(token: string) {
      calls.push(token);
      return inner.verifyToken(token);
    },
  };
}

/** A verifier answering `answer()` (or throwing what it throws). */
function hostile(answer: () => unknown): TokenVerifier {
  return {
    verifyToken: () => Promise.resolve().then(answer) as Promise<AccessToken>,
  };
}

interface Harness {
  auth: (request: Request) => Promise<AccessToken | undefined | Response>;
  verifier: TokenVerifier & { calls: string[] };
  errors: unknown[];
}

function harness(options: Partial<BearerAuthOptions> = {}): Harness {
  const verifier = counted();
  const errors: unknown[] = [];
  const auth = bearerAuth({
    verifier,
    requiredScopes: ["mcp"],
    resource: RESOURCE,
    onError: (error) => errors.push(error),
    ...options,
  });
  return { auth, verifier, errors };
}

function request(
  headers: [string, string][] = [],
  init: RequestInit & { url?: string } = {},
): Request {
  const h = new Headers();
  for (const [name, value] of headers) h.append(name, value);
  return new Request(init.url ?? RESOURCE, { ...init, headers: h });
}

/** The answer as a Response (fails the test on a token). */
function asResponse(value: unknown): Response {
  assert.ok(value instanceof Response, "expected a refusal, got a token");
  return value;
}

/** Status, the parsed Bearer challenge, the JSON body; no secret anywhere. */
async function refusal(
  value: unknown,
  secrets: string[] = [],
): Promise<{
  status: number;
  headers: Headers;
  challenge: Record<string, string> | undefined;
  body: { error: string; error_description: string };
}> {
  const response = asResponse(value);
  const text = await response.text();
  const header = response.headers.get("www-authenticate");
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `body leaks ${secret}`);
    for (const [, v] of response.headers) {
      assert.ok(!v.includes(secret), `a header leaks ${secret}`);
    }
  }
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.equal(response.headers.get("content-type"), "application/json");
  return {
    status: response.status,
    headers: response.headers,
    challenge: header === null ? undefined : parseBearer(header),
    body: JSON.parse(text),
  };
}

const MISSING_CHALLENGE = `Bearer scope="mcp", resource_metadata="${METADATA}"`;

// ---------------------------------------------------------------------------
describe("attack: the Authorization header", () => {
  const malformed: [string, [string, string][]][] = [
    ["two Bearer field lines", [["authorization", `Bearer ${GOOD}`], [
      "authorization",
      "Bearer other",
    ]]],
    ["the same Bearer token on two lines", [
      ["authorization", `Bearer ${GOOD}`],
      [
        "authorization",
        `Bearer ${GOOD}`,
      ],
    ]],
    ["Basic, then Bearer on a second line", [["authorization", "Basic YTpi"], [
      "authorization",
      `Bearer ${GOOD}`,
    ]]],
    ["Bearer, then Basic on a second line", [[
      "authorization",
      `Bearer ${GOOD}`,
    ], [
      "authorization",
      "Basic YTpi",
    ]]],
    ["two credentials joined by a bare comma", [[
      "authorization",
      `Bearer ${GOOD},Bearer x`,
    ]]],
    ["a tab between scheme and token", [["authorization", `Bearer\t${GOOD}`]]],
    ["the scheme alone", [["authorization", "Bearer"]]],
    ["a token with an inner space", [["authorization", `Bearer ${GOOD} x`]]],
    ["a token with '=' inside (token68)", [["authorization", "Bearer ab=cd"]]],
    ["a token of padding only", [["authorization", "Bearer ==="]]],
    ["a quoted token", [["authorization", `Bearer "${GOOD}"`]]],
    ["auth-params instead of a token", [[
      "authorization",
      `Bearer token="${GOOD}"`,
    ]]],
    ["a Latin-1 letter in the token", [["authorization", "Bearer t\u00f6k"]]],
    ["a control character (SOH) in the token", [[
      "authorization",
      `Bearer ${GOOD}\x01`,
    ]]],
    ["DEL in the token", [["authorization", `Bearer ${GOOD}\x7f`]]],
    ["a comma right after the scheme", [["authorization", `Bearer,${GOOD}`]]],
  ];
  for (const [name, headers] of malformed) {
    it(`answers 400 invalid_request, verifier untouched: ${name}`, async () => {
      const { auth, verifier } = harness();
      const answer = await refusal(await auth(request(headers)), [GOOD]);
      assert.equal(answer.status, 400);
      assert.equal(answer.challenge?.error, "invalid_request");
      assert.equal(answer.challenge?.resource_metadata, METADATA);
      assert.equal(answer.body.error, "invalid_request");
      assert.deepEqual(verifier.calls, []);
    });
  }

  it("refuses a header the Fetch API itself cannot carry (CR/LF, NUL): no request exists", () => {
    for (const value of [`Bearer ${GOOD}\r\nX: y`, `Bearer ${GOOD}\0`]) {
      assert.throws(() => new Headers({ authorization: value }), TypeError);
    }
  });

  it("accepts the scheme in any case and several spaces, nothing more", async () => {
    for (const value of [`bEaReR ${GOOD}`, `BEARER   ${GOOD}`]) {
      const { auth } = harness();
      const token = await auth(request([["authorization", value]]));
      assert.ok(!(token instanceof Response));
      assert.equal(token?.token, GOOD);
    }
  });

  it("treats 'Bearerxyz' and other schemes as no credentials (401, no error code)", async () => {
    for (const value of [`Bearer${GOOD}`, "Basic YTpi", "Negotiate abc"]) {
      const { auth, verifier } = harness();
      const answer = await refusal(
        await auth(request([["authorization", value]])),
      );
      assert.equal(answer.status, 401);
      assert.equal(
        answer.headers.get("www-authenticate"),
        MISSING_CHALLENGE,
      );
      assert.deepEqual(verifier.calls, []);
    }
  });

  it("hands a 100 KB token to the verifier unchanged, and never echoes it", async () => {
    const huge = "A".repeat(100_000);
    const { auth, verifier } = harness();
    const answer = await refusal(
      await auth(request([["authorization", `Bearer ${huge}`]])),
      [huge.slice(0, 64)],
    );
    assert.equal(answer.status, 401);
    assert.equal(answer.challenge?.error, "invalid_token");
    assert.deepEqual(verifier.calls, [huge]);
  });

  it("refuses a 100 KB header with a bad last character without echoing any of it", async () => {
    const huge = "A".repeat(100_000) + "!";
    const { auth, verifier } = harness();
    const answer = await refusal(
      await auth(request([["authorization", `Bearer ${huge}`]])),
      ["AAAAAAAAAAAAAAAA"],
    );
    assert.equal(answer.status, 400);
    assert.deepEqual(verifier.calls, []);
  });

  it("a JwtVerifier refuses an over-long token before parsing it (real jose key)", async () => {
    const key = await testKey();
    const verifier = new JwtVerifier({
      publicKey: key.publicKey,
      issuer: ISSUER,
      audience: RESOURCE,
      algorithms: ["ES256"],
      now: () => NOW_MS,
      maxTokenLength: 4096,
    });
    const auth = bearerAuth({ verifier, resource: RESOURCE });
    const real = await sign(key, claims({ scope: "mcp" }));
    const ok = await auth(request([["authorization", `Bearer ${real}`]]));
    assert.ok(!(ok instanceof Response));
    const long = `${real}${"A".repeat(5000)}`;
    const answer = await refusal(
      await auth(request([["authorization", `Bearer ${long}`]])),
      [real],
    );
    assert.equal(answer.status, 401);
    assert.equal(answer.challenge?.error, "invalid_token");
  });
});

// ---------------------------------------------------------------------------
describe("attack: two Authorization lines over a real socket", () => {
  let server: Server;
  let port = 0;
  const seen: string[] = [];
  before(async () => {
    const middleware = nodeBearerAuth({
      verifier: counted(),
      requiredScopes: ["mcp"],
      resource: RESOURCE,
      onError: () => {},
    });
    server = createServer((req, res) => {
      void middleware(req, res, () => {
        seen.push(authOf(req)?.token ?? "none");
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  /** Sends raw bytes, returns the status line's code. */
  function raw(lines: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let data = "";
      socket.setTimeout(5000, () => socket.destroy(new Error("timeout")));
      socket.on("data", (chunk) => {
        data += chunk.toString("latin1");
        const match = /^HTTP\/1\.1 (\d{3})/.exec(data);
        if (match) {
          socket.destroy();
          resolve(Number(match[1]));
        }
      });
      socket.on("error", reject);
      socket.on("close", () => {
        if (!/^HTTP/.test(data)) resolve(0); // closed without an answer
      });
      socket.write(lines.join("\r\n") + "\r\n\r\n");
    });
  }

  it("answers 400 to two Authorization lines (rawHeaders), never 200", async () => {
    const status = await raw([
      "GET /mcp HTTP/1.1",
      "Host: 127.0.0.1",
      "Authorization: Bearer attacker",
      `Authorization: Bearer ${GOOD}`,
      "Connection: close",
    ]);
    assert.equal(status, 400);
    assert.deepEqual(seen, []);
  });

  it("never lets an obs-folded Authorization line through", async () => {
    const status = await raw([
      "GET /mcp HTTP/1.1",
      "Host: 127.0.0.1",
      `Authorization: Bearer ${GOOD}`,
      " x",
      "Connection: close",
    ]);
    assert.notEqual(status, 200);
    assert.deepEqual(seen, []);
  });

  it("lets the one well-formed line through (control)", async () => {
    const status = await raw([
      "GET /mcp HTTP/1.1",
      "Host: 127.0.0.1",
      `Authorization: Bearer ${GOOD}`,
      "Connection: close",
    ]);
    assert.equal(status, 200);
    assert.deepEqual(seen, [GOOD]);
    seen.length = 0;
  });
});

// ---------------------------------------------------------------------------
describe("attack: Bearer and DPoP together", () => {
  const dpop = () => dpopScheme({ algorithms: ["ES256"] });

  for (
    const [name, lines] of [
      ["DPoP then Bearer", [`DPoP ${GOOD}`, `Bearer ${GOOD}`]],
      ["Bearer then DPoP", [`Bearer ${GOOD}`, `DPoP ${GOOD}`]],
      ["two DPoP lines", [`DPoP ${GOOD}`, `DPoP other`]],
    ] as const
  ) {
    it(`answers 400 to ${name}, verifier untouched`, async () => {
      const { auth, verifier } = harness({ dpop: dpop() });
      const headers = lines.map((l) =>
        ["authorization", l] as [string, string]
      );
      const response = asResponse(await auth(request(headers)));
      assert.equal(response.status, 400);
      assert.equal(response.headers.get("cache-control"), "no-store");
      const challenges = parseChallenges(
        response.headers.get("www-authenticate")!,
      );
      assert.deepEqual(challenges.map((c) => c.scheme).sort(), [
        "Bearer",
        "DPoP",
      ]);
      assert.ok(
        challenges.some((c) => c.params.error === "invalid_request"),
      );
      assert.ok(!(await response.text()).includes(GOOD));
      assert.deepEqual(verifier.calls, []);
    });
  }

  it("does not read DPoP credentials as Bearer when DPoP is off (401, no error)", async () => {
    const { auth, verifier } = harness();
    const answer = await refusal(
      await auth(request([["authorization", `DPoP ${GOOD}`]])),
    );
    assert.equal(answer.status, 401);
    assert.equal(answer.challenge?.error, undefined);
    assert.deepEqual(verifier.calls, []);
  });

  it("refuses a Bearer token when DPoP is required, before the verifier", async () => {
    const { auth, verifier } = harness({
      dpop: dpopScheme({ required: true }),
    });
    const response = asResponse(
      await auth(request([["authorization", `Bearer ${GOOD}`]])),
    );
    assert.equal(response.status, 401);
    const [challenge] = parseChallenges(
      response.headers.get("www-authenticate")!,
    );
    assert.equal(challenge?.scheme, "DPoP");
    assert.equal(challenge?.params.error, "invalid_token");
    assert.deepEqual(verifier.calls, []);
  });

  it("refuses DPoP credentials for an unbound token without a proof (401), no token echoed", async () => {
    const { auth } = harness({ dpop: dpop() });
    const response = asResponse(
      await auth(request([["authorization", `DPoP ${GOOD}`]])),
    );
    assert.equal(response.status, 401);
    const text = await response.text();
    assert.ok(!text.includes(GOOD));
    assert.equal(JSON.parse(text).error, "invalid_token");
    assert.equal(
      parseChallenges(response.headers.get("www-authenticate")!).find((c) =>
        c.scheme === "DPoP"
      )?.params.error,
      "invalid_token",
    );
  });
});

// ---------------------------------------------------------------------------
describe("attack: the token in the query and the body", () => {
  const FORM = "application/x-www-form-urlencoded";

  const cases: [string, Request][] = [
    [
      "header and query",
      request([["authorization", `Bearer ${GOOD}`]], {
        url: `${RESOURCE}?access_token=${GOOD}`,
      }),
    ],
    ["query alone", request([], { url: `${RESOURCE}?access_token=${GOOD}` })],
    [
      "query with a percent-encoded name",
      request([["authorization", `Bearer ${GOOD}`]], {
        url: `${RESOURCE}?x=1&access%5Ftoken=${GOOD}`,
      }),
    ],
    [
      "query with an empty access_token",
      request([["authorization", `Bearer ${GOOD}`]], {
        url: `${RESOURCE}?access_token`,
      }),
    ],
    [
      "header and form body",
      request([["authorization", `Bearer ${GOOD}`], ["content-type", FORM]], {
        method: "POST",
        body: `a=1&access_token=${GOOD}`,
      }),
    ],
    [
      "header and form body (upper-case type, charset, encoded name)",
      request([
        ["authorization", `Bearer ${GOOD}`],
        ["content-type", "APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8"],
      ], { method: "PUT", body: `access%5Ftoken=${GOOD}` }),
    ],
    [
      "header, query and body at once",
      request([["authorization", `Bearer ${GOOD}`], ["content-type", FORM]], {
        url: `${RESOURCE}?access_token=${GOOD}`,
        method: "POST",
        body: `access_token=${GOOD}`,
      }),
    ],
  ];
  for (const [name, req] of cases) {
    it(`answers 400 invalid_request for ${name}, verifier untouched`, async () => {
      const { auth, verifier } = harness();
      const answer = await refusal(await auth(req), [GOOD]);
      assert.equal(answer.status, 400);
      assert.equal(answer.challenge?.error, "invalid_request");
      assert.deepEqual(verifier.calls, []);
    });
  }

  it("never accepts a token from a form body alone (401 without error code)", async () => {
    const { auth, verifier } = harness();
    const answer = await refusal(
      await auth(request([["content-type", FORM]], {
        method: "POST",
        body: `access_token=${GOOD}`,
      })),
      [GOOD],
    );
    assert.equal(answer.status, 401);
    assert.equal(answer.headers.get("www-authenticate"), MISSING_CHALLENGE);
    assert.deepEqual(verifier.calls, []);
  });

  it("with optional: true, a form-body token alone is not an identity", async () => {
    const { auth } = harness({ optional: true });
    const result = await auth(request([["content-type", FORM]], {
      method: "POST",
      body: `access_token=${GOOD}`,
    }));
    assert.equal(result, undefined);
  });

  it("withBearerAuth never runs the handler for header + form token, and leaves a clean body whole", async () => {
    let ran = 0;
    const handler = withBearerAuth(async (req) => {
      ran++;
      return new Response(await req.text());
    }, { verifier: counted(), resource: RESOURCE, onError: () => {} });
    const refused = await handler(request([
      ["authorization", `Bearer ${GOOD}`],
      ["content-type", FORM],
    ], { method: "POST", body: `access_token=${GOOD}` }));
    assert.equal(refused.status, 400);
    assert.equal(ran, 0);
    const body = "a=1&b=" + "x".repeat(70_000);
    const ok = await handler(request([
      ["authorization", `Bearer ${GOOD}`],
      ["content-type", FORM],
    ], { method: "POST", body }));
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), body);
  });
});

// ---------------------------------------------------------------------------
describe("attack: hostile verifier results", () => {
  function hostileThrow(value: () => unknown): TokenVerifier {
    return hostile(() => {
      throw value();
    });
  }
  const throwing = {
    toString() {
      throw new Error(SECRET);
    },
    get message(): string {
      throw new Error(SECRET);
    },
  };
  const trapAll = new Proxy({}, {
    get() {
      throw new Error(SECRET);
    },
    getPrototypeOf() {
      throw new Error(SECRET);
    },
    has() {
      throw new Error(SECRET);
    },
    ownKeys() {
      throw new Error(SECRET);
    },
  });
  const thrown: [string, TokenVerifier][] = [
    ["null", hostileThrow(() => null)],
    ["undefined", hostileThrow(() => undefined)],
    ["a Symbol", hostileThrow(() => Symbol(SECRET))],
    ["an object whose toString throws", hostileThrow(() => throwing)],
    ["a Proxy that throws on every trap", hostileThrow(() => trapAll)],
    ["a plain Error carrying a secret", hostileThrow(() => new Error(SECRET))],
    [
      "an error whose retryAfter getter throws",
      hostileThrow(() =>
        Object.defineProperty(new Error(SECRET), "retryAfter", {
          get() {
            throw new Error(SECRET);
          },
        })
      ),
    ],
    [
      "a synchronous throw (not a rejection)",
      {
        verifyToken() {
          throw new Error(SECRET);
        },
      },
    ],
  ];
  const returned: [string, () => unknown][] = [
    ["null", () => null],
    ["undefined", () => undefined],
    ["a string", () => GOOD],
    ["an array", () => [GOOD]],
    ["a Proxy that throws on get", () => trapAll],
    [
      "scopes that are not an array",
      () => ({ token: GOOD, clientId: "a", scopes: "mcp", claims: {} }),
    ],
    [
      "a scope that is not a string",
      () => ({ token: GOOD, clientId: "a", scopes: ["mcp", 1], claims: {} }),
    ],
    [
      "a scopes getter that throws",
      () => ({
        token: GOOD,
        clientId: "a",
        get scopes(): string[] {
          throw new Error(SECRET);
        },
        claims: {},
      }),
    ],
    [
      "another token's AccessToken",
      () => ({ token: "other", clientId: "a", scopes: ["mcp"], claims: {} }),
    ],
    [
      "claims null",
      () => ({ token: GOOD, clientId: "a", scopes: ["mcp"], claims: null }),
    ],
    [
      "expiresAt a string",
      () => ({
        token: GOOD,
        clientId: "a",
        scopes: ["mcp"],
        claims: {},
        expiresAt: "99999999999",
      }),
    ],
    [
      "resource a string, not a URL",
      () => ({
        token: GOOD,
        clientId: "a",
        scopes: ["mcp"],
        claims: {},
        resource: RESOURCE,
      }),
    ],
  ];

  for (const [name, verifier] of thrown) {
    it(`answers 503 with Retry-After when the verifier throws ${name}`, async () => {
      const errors: unknown[] = [];
      const auth = bearerAuth({
        verifier,
        onError: (e) => errors.push(e),
      });
      const answer = await refusal(
        await auth(request([["authorization", `Bearer ${GOOD}`]])),
        [SECRET, GOOD],
      );
      assert.equal(answer.status, 503);
      assert.equal(answer.headers.get("retry-after"), "5");
      assert.equal(answer.headers.get("www-authenticate"), null);
      assert.deepEqual(answer.body, {
        error: "temporarily_unavailable",
        error_description: "Token verification is temporarily unavailable",
      });
      assert.equal(errors.length, 1);
    });
  }

  for (const [name, answer] of returned) {
    it(`answers 503, never a token, when the verifier returns ${name}`, async () => {
      const errors: unknown[] = [];
      const auth = bearerAuth({
        verifier: hostile(answer),
        onError: (e) => errors.push(e),
      });
      const result = await refusal(
        await auth(request([["authorization", `Bearer ${GOOD}`]])),
        [SECRET],
      );
      assert.equal(result.status, 503);
      assert.equal(errors.length, 1);
    });
  }

  for (const expiresAt of [NaN, Infinity, -Infinity, 1e300]) {
    it(`answers 401 invalid_token for expiresAt ${expiresAt}`, async () => {
      const auth = bearerAuth({
        verifier: hostile(() => ({
          token: GOOD,
          clientId: "a",
          scopes: ["mcp"],
          claims: {},
          expiresAt,
        })),
      });
      const answer = await refusal(
        await auth(request([["authorization", `Bearer ${GOOD}`]])),
      );
      assert.equal(answer.status, 401);
      assert.equal(answer.challenge?.error, "invalid_token");
      assert.equal(answer.challenge?.error_description, "Token expiry invalid");
    });
  }

  it("denies when the clock is NaN or throws (never an eternal token, never a 500)", async () => {
    const verifier = hostile(() => ({
      token: GOOD,
      clientId: "a",
      scopes: ["mcp"],
      claims: {},
      expiresAt: NOW_MS / 1000 + 60,
    }));
    const nan = bearerAuth({ verifier, now: () => NaN });
    assert.equal(
      (await refusal(await nan(request([["authorization", `Bearer ${GOOD}`]]))))
        .status,
      401,
    );
    const broken = bearerAuth({
      verifier,
      now: () => {
        throw new Error(SECRET);
      },
      onError: () => {},
    });
    const answer = await refusal(
      await broken(request([["authorization", `Bearer ${GOOD}`]])),
      [SECRET],
    );
    assert.equal(answer.status, 503);
  });

  it("answers 503 even when onError throws or rejects", async () => {
    for (
      const onError of [
        () => {
          throw new Error("logger down");
        },
        () => Promise.reject(new Error("logger down")),
      ]
    ) {
      const auth = bearerAuth({
        verifier: hostile(() => {
          throw new Error(SECRET);
        }),
        onError,
      });
      const answer = await refusal(
        await auth(request([["authorization", `Bearer ${GOOD}`]])),
      );
      assert.equal(answer.status, 503);
    }
    // Let a stray rejection surface within this test, if there were one.
    await new Promise((done) => setTimeout(done, 0));
  });

  it("bounds Retry-After from a hostile hint", async () => {
    for (
      const [hint, expected] of [[1e9, "3600"], [-1, "5"], [NaN, "5"], [
        2.1,
        "3",
      ]] as const
    ) {
      const auth = bearerAuth({
        verifier: hostile(() => {
          throw new AuthorizationUnavailableError("down", { retryAfter: hint });
        }),
        onError: () => {},
      });
      const response = asResponse(
        await auth(request([["authorization", `Bearer ${GOOD}`]])),
      );
      assert.equal(response.status, 503);
      assert.equal(response.headers.get("retry-after"), expected);
    }
  });

  it("answers 503 when a JwtVerifier's JWKS never answers: verifiers are bounded by timeoutMs", async () => {
    const hang = createServer(() => {/* never answers */});
    await new Promise<void>((done) => hang.listen(0, "127.0.0.1", done));
    try {
      const key = await testKey();
      const verifier = new JwtVerifier({
        jwksUri: `http://127.0.0.1:${
          (hang.address() as AddressInfo).port
        }/jwks`,
        issuer: ISSUER,
        audience: RESOURCE,
        algorithms: ["ES256"],
        now: () => NOW_MS,
        timeoutMs: 200,
      });
      const auth = bearerAuth({ verifier, onError: () => {} });
      const token = await sign(key, claims({ scope: "mcp" }));
      const answer = await refusal(
        await auth(request([["authorization", `Bearer ${token}`]])),
        [token],
      );
      assert.equal(answer.status, 503);
    } finally {
      hang.closeAllConnections();
      await new Promise((done) => hang.close(done));
    }
  });
});

// ---------------------------------------------------------------------------
describe("attack: injection into WWW-Authenticate", () => {
  const INJECT = 'x", error="none", scope="admin\\';

  it("a verifier's message with quotes, backslashes and CR/LF stays one error_description", async () => {
    const auth = bearerAuth({
      verifier: hostile(() => {
        throw new InvalidTokenError(`bad ${INJECT}\r\nSet-Cookie: a=b`);
      }),
    });
    const response = asResponse(
      await auth(request([["authorization", `Bearer ${GOOD}`]])),
    );
    const header = response.headers.get("www-authenticate")!;
    const params = parseBearer(header);
    assert.deepEqual(Object.keys(params).sort(), [
      "error",
      "error_description",
    ]);
    assert.equal(params.error, "invalid_token");
    assert.equal(
      params.error_description,
      "bad x', error='none', scope='admin/Set-Cookie: a=b",
    );
    assert.equal(response.headers.get("set-cookie"), null);
    assert.equal(
      (await response.json()).error_description,
      params.error_description,
    );
  });

  it("a verifier's message naming the token falls back to a generic description", async () => {
    const auth = bearerAuth({
      verifier: hostile(() => {
        throw new InvalidTokenError(`token ${GOOD} is revoked`);
      }),
    });
    const answer = await refusal(
      await auth(request([["authorization", `Bearer ${GOOD}`]])),
      [GOOD],
    );
    assert.equal(answer.challenge?.error_description, "Invalid token");
  });

  it("a verifier's message hiding the token behind control characters does not leak it", async () => {
    // The check for the token must look at what is sent, after cleaning.
    const hidden = GOOD.split("").join("\x00");
    const auth = bearerAuth({
      verifier: hostile(() => {
        throw new InvalidTokenError(`token ${hidden} is revoked`);
      }),
    });
    const answer = await refusal(
      await auth(request([["authorization", `Bearer ${GOOD}`]])),
      [GOOD],
    );
    assert.equal(answer.challenge?.error_description, "Invalid token");
  });

  it("a 10 KB description is cut to 200 characters", async () => {
    const auth = bearerAuth({
      verifier: hostile(() => {
        throw new InvalidTokenError("y".repeat(10_000));
      }),
    });
    const answer = await refusal(
      await auth(request([["authorization", `Bearer ${GOOD}`]])),
    );
    assert.equal(answer.challenge?.error_description, "y".repeat(200));
  });

  it("a realm with quotes and backslashes is escaped; with CR/LF or non-ASCII refused at construction", () => {
    const response = challengeResponse({ type: "missing_token" }, {
      realm: 'a"b\\c',
    });
    assert.equal(
      response.headers.get("www-authenticate"),
      'Bearer realm="a\\"b\\\\c"',
    );
    assert.equal(
      parseBearer(response.headers.get("www-authenticate")).realm,
      'a"b\\c',
    );
    for (const realm of ["a\r\nb", "caf\u00e9", "a\x00", 42]) {
      assert.throws(
        () => bearerAuth({ verifier: counted(), realm: realm as string }),
        (e: unknown) => e instanceof TypeError && /realm/.test(e.message),
      );
    }
  });

  it("a scope that could break out of its quotes is refused everywhere", async () => {
    assert.throws(() => new InsufficientScopeError(['a"b']), TypeError);
    assert.throws(
      () => bearerAuth({ verifier: counted(), requiredScopes: ['x", y="z'] }),
      TypeError,
    );
    assert.throws(
      () =>
        challengeResponse({ type: "insufficient_scope", scopes: ["a\r\nb"] }),
      TypeError,
    );
    // Altered after construction, inside a handler: never injected.
    const handler = withBearerAuth(() => {
      const error = new InsufficientScopeError(["write"]);
      (error.requiredScopes as string[]).push('x", error="none');
      (error.challengeScopes as string[]).push('x", error="none');
      throw error;
    }, { verifier: counted(), onError: () => {} });
    const response = await handler(
      request([["authorization", `Bearer ${GOOD}`]]),
    );
    assert.equal(response.status, 403);
    const header = response.headers.get("www-authenticate");
    if (header !== null) parseBearer(header);
    assert.ok(!(header ?? "").includes("none"));
  });

  it("a metadata URL with a quote is percent-encoded in resource_metadata", () => {
    const response = challengeResponse({ type: "missing_token" }, {
      resourceMetadataUrl: 'https://mcp.example.com/.well-known/a"b',
    });
    assert.equal(
      parseBearer(response.headers.get("www-authenticate")).resource_metadata,
      "https://mcp.example.com/.well-known/a%22b",
    );
  });

  it("a handler's AuthorizationError message with CR/LF becomes a clean 403 body, no challenge", async () => {
    const handler = withBearerAuth(() => {
      throw new AuthorizationError(`no\r\nX-Evil: 1 "quoted" \\`);
    }, { verifier: counted() });
    const answer = await refusal(
      await handler(request([["authorization", `Bearer ${GOOD}`]])),
    );
    assert.equal(answer.status, 403);
    assert.equal(answer.challenge, undefined);
    assert.equal(answer.headers.get("x-evil"), null);
    assert.deepEqual(answer.body, {
      error: "access_denied",
      error_description: "noX-Evil: 1 'quoted' /",
    });
  });
});

// ---------------------------------------------------------------------------
describe("attack: decision events and onDecision", () => {
  it("events never carry the token, a verifier's message or a description", async () => {
    const events: DecisionEvent[] = [];
    const verifier = hostile(() => {
      throw new InvalidTokenError(`revoked: ${SECRET}`);
    });
    const auth = bearerAuth({
      verifier,
      onDecision: (e) => events.push(e),
    });
    await auth(request([["authorization", `Bearer ${GOOD}`]]));
    await auth(request([["authorization", `Bearer ${GOOD} x`]]));
    await auth(request());
    const down = bearerAuth({
      verifier: hostile(() => {
        throw new Error(SECRET);
      }),
      onError: () => {},
      onDecision: (e) => events.push(e),
    });
    await down(request([["authorization", `Bearer ${GOOD}`]]));
    const ok = bearerAuth({
      verifier: counted(),
      onDecision: (e) => events.push(e),
    });
    await ok(request([["authorization", `Bearer ${GOOD}`]]));
    assert.deepEqual(
      events.map((e) => [e.outcome, e.status, e.reason]),
      [
        ["deny", 401, "invalid_token"],
        ["deny", 400, "invalid_token"],
        ["deny", 401, "no_token"],
        ["unavailable", 503, "unavailable"],
        ["allow", undefined, undefined],
      ],
    );
    const text = JSON.stringify(events);
    assert.ok(!text.includes(GOOD));
    assert.ok(!text.includes(SECRET));
  });

  it("an onDecision that throws, or rejects, changes no answer", async () => {
    for (
      const onDecision of [
        () => {
          throw new Error("sink down");
        },
        () => Promise.reject(new Error("sink down")),
      ]
    ) {
      const auth = bearerAuth({ verifier: counted(), onDecision });
      const ok = await auth(request([["authorization", `Bearer ${GOOD}`]]));
      assert.equal((ok as AccessToken).clientId, "app");
      const denied = asResponse(await auth(request()));
      assert.equal(denied.status, 401);
      const handler = withBearerAuth(() => new Response("ran"), {
        verifier: counted(),
        onDecision,
      });
      const ran = await handler(
        request([["authorization", `Bearer ${GOOD}`]]),
      );
      assert.equal(await ran.text(), "ran");
    }
    await new Promise((done) => setTimeout(done, 0));
  });

  it("a redactDecision that throws still delivers an event without the token", async () => {
    const events: DecisionEvent[] = [];
    const auth = bearerAuth({
      verifier: counted(),
      onDecision: (e) => events.push(e),
      redactDecision: () => {
        throw new Error("redactor down");
      },
    });
    await auth(request([["authorization", `Bearer ${GOOD}`]]));
    assert.equal(events.length, 1);
    assert.ok(!JSON.stringify(events).includes(GOOD));
  });
});

// ---------------------------------------------------------------------------
describe("attack: option typos and hostile options", () => {
  it("refuses unknown keys, a Proxy verifier without verifyToken, getters that throw", () => {
    assert.throws(
      () =>
        bearerAuth({ verifier: counted(), requiredScope: ["mcp"] } as never),
      /did you mean "requiredScopes"/,
    );
    assert.throws(
      () => bearerAuth({ verifier: {} } as never),
      /verifyToken/,
    );
    assert.throws(
      () => bearerAuth({ verifier: counted(), optional: "yes" } as never),
      TypeError,
    );
    assert.throws(
      () => bearerAuth(null as never),
      TypeError,
    );
    assert.throws(
      () =>
        bearerAuth({
          verifier: counted(),
          get requiredScopes(): string[] {
            throw new Error("boom");
          },
        }),
    );
    assert.throws(
      () => bearerAuth({ verifier: counted(), dpop: {} as never }),
      /dpopScheme\(\)/,
    );
    assert.throws(
      () =>
        bearerAuth({
          verifier: counted(),
          resourceMetadataUrl: "http://mcp.example.com/x",
        }),
      TypeError,
    );
  });
});

// ---------------------------------------------------------------------------
describe("attack: the metadata route", () => {
  const serve = protectedResourceMetadata({
    resource: RESOURCE,
    authorizationServers: [ISSUER],
    scopesSupported: ["mcp", "offline_access"],
  });
  const path = new URL(METADATA).pathname;
  const at = (suffix: string, init?: RequestInit) =>
    serve(new Request(`https://mcp.example.com${suffix}`, init));

  it("is where the challenges say it is", () => {
    assert.equal(protectedResourceMetadataUrl(RESOURCE).href, METADATA);
  });

  for (
    const suffix of [
      `${path}/`,
      `${path}%2F`,
      path.replace("mcp", "%6Dcp"),
      path.replace(".well-known", "%2Ewell-known"),
      path.toUpperCase(),
      `/${path}`,
      "/.well-known/oauth-protected-resource",
      `${path}x`,
      `${path};x`,
    ]
  ) {
    it(`answers 404, no-store, to a near path: ${suffix}`, async () => {
      const response = at(suffix);
      assert.equal(response.status, 404);
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.equal((await response.json()).error, "not_found");
    });
  }

  it("serves the document at its path with a query and after dot segments", async () => {
    for (
      const suffix of [
        `${path}?x=1`,
        "/.well-known/a/../oauth-protected-resource/mcp",
      ]
    ) {
      const response = at(suffix);
      assert.equal(response.status, 200);
      const document = await response.json();
      assert.equal(document.resource, RESOURCE);
      assert.deepEqual(document.scopes_supported, ["mcp"]);
      assert.deepEqual(document.bearer_methods_supported, ["header"]);
    }
  });

  it("answers HEAD like GET without a body, OPTIONS 204, POST/PUT/DELETE 405", () => {
    const head = at(path, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body, null);
    assert.equal(head.headers.get("access-control-allow-origin"), "*");
    assert.equal(head.headers.get("cache-control"), "public, max-age=3600");
    const options = at(path, {
      method: "OPTIONS",
      headers: { "access-control-request-headers": "mcp-protocol-version" },
    });
    assert.equal(options.status, 204);
    assert.equal(options.headers.get("access-control-allow-origin"), "*");
    assert.equal(
      options.headers.get("access-control-allow-methods"),
      "GET, HEAD, OPTIONS",
    );
    assert.equal(
      options.headers.get("access-control-allow-headers"),
      "mcp-protocol-version",
    );
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const response = at(path, { method, body: "x" });
      assert.equal(response.status, 405);
      assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
    }
  });

  it("never echoes malformed preflight headers, and sends no credentials flag", () => {
    const response = at(path, {
      method: "OPTIONS",
      headers: { "access-control-request-headers": 'x, "y"; z' },
    });
    assert.equal(response.headers.get("access-control-allow-headers"), null);
    assert.equal(
      response.headers.get("access-control-allow-credentials"),
      null,
    );
  });

  it("is public and cacheable; the 401 of bearerAuth is neither (no CORS allowance, no-store)", async () => {
    const get = at(path, { headers: { origin: "https://evil.example" } });
    assert.equal(get.headers.get("access-control-allow-origin"), "*");
    assert.equal(get.headers.get("set-cookie"), null);
    const { auth } = harness();
    const denied = asResponse(
      await auth(request([["origin", "https://evil.example"]])),
    );
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get("access-control-allow-origin"), null);
    assert.equal(denied.headers.get("cache-control"), "no-store");
  });

  it("Hono: mounted with app.all, the same answers; a trailing slash is 404", async () => {
    const route = honoMetadataRoute({
      resource: RESOURCE,
      authorizationServers: [ISSUER],
    });
    const app = new Hono();
    app.all(route.path, route.handler);
    assert.equal((await app.request(route.path)).status, 200);
    assert.equal(
      (await app.request(route.path, { method: "POST" })).status,
      405,
    );
    assert.equal((await app.request(`${route.path}/`)).status, 404);
  });

  it("Node: a malformed Host is a 400 (no-store), an absolute-form target is served", async () => {
    const route = nodeMetadataRoute({
      resource: RESOURCE,
      authorizationServers: [ISSUER],
    });
    const sent: unknown[] = [];
    const res = {
      writeHead: (status: number, headers: Record<string, string | string[]>) =>
        sent.push(status, headers),
      end: () => {},
    };
    await route.handler({
      method: "GET",
      url: route.path,
      headers: { host: "evil.example/x?y" },
    }, res);
    assert.equal(sent[0], 400);
    assert.equal(
      (sent[1] as Record<string, string>)["cache-control"],
      "no-store",
    );
    sent.length = 0;
    await route.handler({
      method: "GET",
      url: `https://mcp.example.com${route.path}`,
      headers: {},
    }, res);
    assert.equal(sent[0], 200);
  });
});

// ---------------------------------------------------------------------------
describe("attack: Cache-Control on every denial", () => {
  it("400, 401, 403, 503 of bearerAuth and withBearerAuth are no-store", async () => {
    const { auth } = harness({ requiredScopes: ["admin"] });
    const answers = [
      await auth(request([["authorization", "Bearer a b"]])),
      await auth(request()),
      await auth(request([["authorization", "Bearer nope"]])),
      await auth(request([["authorization", `Bearer ${GOOD}`]])),
      await bearerAuth({
        verifier: hostile(() => {
          throw new Error("x");
        }),
        onError: () => {},
      })(request([["authorization", `Bearer ${GOOD}`]])),
    ];
    assert.deepEqual(
      answers.map((a) => asResponse(a).status),
      [400, 401, 401, 403, 503],
    );
    for (const answer of answers) {
      assert.equal(asResponse(answer).headers.get("cache-control"), "no-store");
    }
    const handler = withBearerAuth(() => {
      throw new InsufficientScopeError(["write"]);
    }, { verifier: counted() });
    const stepUp = await handler(
      request([["authorization", `Bearer ${GOOD}`]]),
    );
    assert.equal(stepUp.status, 403);
    assert.equal(stepUp.headers.get("cache-control"), "no-store");
  });
});

// ---------------------------------------------------------------------------
describe("attack: the Hono adapter", () => {
  it("answers an InsufficientScopeError thrown by a route behind it with the 403 step-up, not a 500", async () => {
    const app = new Hono();
    app.get(
      "/notes",
      mcpBearerAuth({ verifier: counted(), resource: RESOURCE }),
      () => {
        throw new InsufficientScopeError(["write"]);
      },
    );
    const response = await app.request("https://mcp.example.com/notes", {
      headers: { authorization: `Bearer ${GOOD}` },
    });
    assert.equal(response.status, 403);
    assert.equal(response.headers.get("cache-control"), "no-store");
    const params = parseBearer(response.headers.get("www-authenticate"));
    assert.equal(params.error, "insufficient_scope");
    assert.equal(params.scope, "write");
    assert.equal(params.resource_metadata, METADATA);
  });

  it("answers an AuthorizationUnavailableError thrown by a route with 503, not a 500", async () => {
    const app = new Hono();
    app.get(
      "/notes",
      mcpBearerAuth({
        verifier: counted(),
        resource: RESOURCE,
        onError: () => {},
      }),
      () => {
        throw new AuthorizationUnavailableError(SECRET, { retryAfter: 9 });
      },
    );
    const response = await app.request("https://mcp.example.com/notes", {
      headers: { authorization: `Bearer ${GOOD}` },
    });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "9");
    assert.ok(!(await response.text()).includes(SECRET));
  });

  it("leaves a route's own errors to Hono's onError (an app error, not authorization)", async () => {
    const app = new Hono();
    app.onError((_e, c) => c.text("app error", 500));
    app.get(
      "/notes",
      mcpBearerAuth({ verifier: counted(), resource: RESOURCE }),
      () => {
        throw new Error(SECRET);
      },
    );
    const response = await app.request("https://mcp.example.com/notes", {
      headers: { authorization: `Bearer ${GOOD}` },
    });
    assert.equal(response.status, 500);
    assert.equal(await response.text(), "app error");
  });

  it("replaces an auth variable set by an earlier middleware (optional, no token)", async () => {
    const app = new Hono();
    app.use("*", async (c, next) => {
      c.set("auth" as never, { clientId: "forged" } as never);
      await next();
    });
    app.get(
      "/whoami",
      mcpBearerAuth({ verifier: counted(), optional: true }),
      (c) => c.text(String(c.var.auth?.clientId)),
    );
    assert.equal(await (await app.request("/whoami")).text(), "undefined");
  });

  it("refuses a malformed header with 400, never running the route", async () => {
    let ran = 0;
    const app = new Hono();
    app.get("/x", mcpBearerAuth({ verifier: counted() }), (c) => {
      ran++;
      return c.text("ran");
    });
    const response = await app.request("/x", {
      headers: { authorization: `Bearer ${GOOD}, Bearer x` },
    });
    assert.equal(response.status, 400);
    assert.equal(ran, 0);
  });
});

// ---------------------------------------------------------------------------
describe("attack: the mcp-handler adapter", () => {
  it("replaces a request.auth planted before it, and refuses without a token", async () => {
    const seen: unknown[] = [];
    const handler = withMcpAuth((req) => {
      seen.push((req as { auth?: { clientId: string } }).auth?.clientId);
      return new Response("ok");
    }, { verifier: counted(), resource: RESOURCE, optional: true });
    const planted = request();
    Object.defineProperty(planted, "auth", {
      get: () => ({ clientId: "forged" }),
      configurable: true,
    });
    assert.equal((await handler(planted)).status, 200);
    const ok = request([["authorization", `Bearer ${GOOD}`]]);
    assert.equal((await handler(ok)).status, 200);
    assert.deepEqual(seen, [undefined, "app"]);
    const strict = withMcpAuth(() => new Response("ran"), {
      verifier: counted(),
      resource: RESOURCE,
    });
    const denied = await strict(request());
    assert.equal(denied.status, 401);
    assert.equal(
      denied.headers.get("www-authenticate"),
      `Bearer resource_metadata="${METADATA}"`,
    );
  });

  it("answers 503 (one-line warning, no stack, no token) when the verifier is down", async () => {
    const warned: unknown[][] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => void warned.push(args);
    try {
      const handler = withMcpAuth(() => new Response("ran"), {
        verifier: hostile(() => {
          throw new Error("jwks down");
        }),
      });
      const response = await handler(
        request([["authorization", `Bearer ${GOOD}`]]),
      );
      assert.equal(response.status, 503);
    } finally {
      console.warn = original;
    }
    assert.equal(warned.length, 1);
    const line = warned[0]!.map(String).join(" ");
    assert.ok(!line.includes(GOOD));
    assert.ok(!line.includes("    at "));
  });
});

// ---------------------------------------------------------------------------
describe("attack: the Workers adapter", () => {
  const ctx = (extra: Record<string, unknown> = {}) => ({
    props: {},
    auth: {
      token: GOOD,
      audience: RESOURCE,
      scope: ["read"],
      expiresAt: NOW_MS / 1000 + 60,
      ...extra,
    },
  });

  it("denies when its clock is NaN (no eternal token)", async () => {
    let ran = 0;
    const api = withOAuthProviderAuth(() => {
      ran++;
      return new Response("ran");
    }, { resourceMetadataUrl: METADATA, now: () => NaN });
    const response = await api.fetch(request(), {}, ctx());
    assert.equal(response.status, 401);
    assert.equal(ran, 0);
    assert.equal(response.headers.get("cache-control"), "no-store");
  });

  it("answers an AuthorizationUnavailableError with 503 and Retry-After, not 403", async () => {
    const api = withOAuthProviderAuth(() => {
      throw new AuthorizationUnavailableError(SECRET, { retryAfter: 9 });
    }, { resourceMetadataUrl: METADATA, now: () => NOW_MS });
    const response = await api.fetch(request(), {}, ctx());
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "9");
    assert.ok(!(await response.text()).includes(SECRET));
  });

  it("answers a hostile InsufficientScopeError with a 403, never a 500", async () => {
    for (
      const alter of [
        (e: InsufficientScopeError) =>
          (e.requiredScopes as string[]).push('x", error="none'),
        (e: InsufficientScopeError) =>
          Object.defineProperty(e, "requiredScopes", {
            get() {
              throw new Error(SECRET);
            },
          }),
      ]
    ) {
      const api = withOAuthProviderAuth(() => {
        const error = new InsufficientScopeError(["write"]);
        alter(error);
        throw error;
      }, { resourceMetadataUrl: METADATA, now: () => NOW_MS });
      const response = await api.fetch(request(), {}, ctx());
      assert.equal(response.status, 403);
      assert.equal(response.headers.get("cache-control"), "no-store");
      const header = response.headers.get("www-authenticate");
      if (header !== null) parseBearer(header);
      const text = await response.text();
      assert.ok(!text.includes(SECRET));
      assert.ok(!(header ?? "").includes("none"));
    }
  });

  it("names every scope of the step-up (challengeScopes), as withBearerAuth does", async () => {
    const api = withOAuthProviderAuth(() => {
      throw new InsufficientScopeError(["write"], {
        challengeScopes: ["read"],
      });
    }, { resourceMetadataUrl: METADATA, now: () => NOW_MS });
    const response = await api.fetch(request(), {}, ctx());
    assert.equal(response.status, 403);
    assert.equal(
      parseBearer(response.headers.get("www-authenticate")).scope,
      "read write",
    );
  });

  it("reads a malformed provider context as no token (401)", async () => {
    const api = withOAuthProviderAuth(() => new Response("ran"), {
      resourceMetadataUrl: METADATA,
    });
    for (
      const bad of [
        ctx({ audience: "not a url" }),
        ctx({ scope: "read" }),
        ctx({ expiresAt: NaN }),
        {
          auth: new Proxy({}, {
            get: () => {
              throw new Error(SECRET);
            },
          }),
        },
      ]
    ) {
      const response = await api.fetch(request(), {}, bad as never);
      assert.equal(response.status, 401);
      assert.ok(!(await response.text()).includes(SECRET));
    }
  });
});

// ---------------------------------------------------------------------------
describe("attack: the Node adapter", () => {
  function fakeRes(): {
    res: {
      headersSent: boolean;
      writeHead(s: number, h: Record<string, string | string[]>): void;
      end(b?: Uint8Array | string): void;
    };
    sent: {
      status?: number;
      headers?: Record<string, string | string[]>;
      body: string;
    };
  } {
    const sent: {
      status?: number;
      headers?: Record<string, string | string[]>;
      body: string;
    } = { body: "" };
    return {
      sent,
      res: {
        headersSent: false,
        writeHead(status, headers) {
          sent.status = status;
          sent.headers = headers;
        },
        end(body) {
          if (body !== undefined) {
            sent.body += typeof body === "string"
              ? body
              : new TextDecoder().decode(body);
          }
        },
      },
    };
  }

  it("stamps req.auth with the metadata URL derived from resource, as the other adapters do", async () => {
    const middleware = nodeBearerAuth({
      verifier: counted(),
      resource: RESOURCE,
    });
    const req = {
      method: "POST",
      url: "/mcp",
      headers: { host: "mcp.example.com", authorization: `Bearer ${GOOD}` },
    };
    let nexted = 0;
    await middleware(req, fakeRes().res, () => void nexted++);
    assert.equal(nexted, 1);
    assert.equal(authOf(req)?.resourceMetadataUrl, METADATA);
  });

  it("names the derived metadata URL in the 400 for a malformed Host", async () => {
    const middleware = nodeBearerAuth({
      verifier: counted(),
      resource: RESOURCE,
    });
    const { res, sent } = fakeRes();
    await middleware(
      {
        method: "GET",
        url: "/mcp",
        headers: { host: "a b", authorization: `Bearer ${GOOD}` },
      },
      res,
      () => assert.fail("next"),
    );
    assert.equal(sent.status, 400);
    const header = sent.headers?.["www-authenticate"] as string;
    assert.equal(parseBearer(header).resource_metadata, METADATA);
    assert.ok(!sent.body.includes(GOOD));
  });

  it("never trusts a req.auth planted before it", async () => {
    const middleware = nodeBearerAuth({ verifier: counted(), optional: true });
    const req = {
      method: "GET",
      url: "/mcp",
      headers: { host: "mcp.example.com" },
      auth: { token: "forged", clientId: "x", scopes: ["admin"], claims: {} },
    };
    await middleware(req, fakeRes().res, () => {});
    assert.equal(req.auth, undefined);
    assert.equal(authOf(req), undefined);
  });

  it("refuses TRACE/CONNECT and a two-line rawHeaders Authorization with 400", async () => {
    const middleware = nodeBearerAuth({ verifier: counted() });
    for (
      const req of [
        { method: "TRACE", url: "/", headers: { host: "h" } },
        {
          method: "GET",
          url: "/",
          headers: { host: "h", authorization: `Bearer ${GOOD}` },
          rawHeaders: [
            "Host",
            "h",
            "Authorization",
            `Bearer ${GOOD}`,
            "authorization",
            "Bearer x",
          ],
        },
      ]
    ) {
      const { res, sent } = fakeRes();
      await middleware(req, res, () => assert.fail("next"));
      assert.equal(sent.status, 400);
      assert.equal(sent.headers?.["cache-control"], "no-store");
    }
  });

  it("withNodeBearerAuth: a handler's InsufficientScopeError is the 403 step-up, DPoP-aware", async () => {
    const listener = withNodeBearerAuth(() => {
      throw new InsufficientScopeError(["write"]);
    }, { verifier: counted(), resource: RESOURCE });
    const { res, sent } = fakeRes();
    await listener({
      method: "GET",
      url: "/mcp",
      headers: { host: "mcp.example.com", authorization: `Bearer ${GOOD}` },
    }, res);
    assert.equal(sent.status, 403);
    const params = parseBearer(sent.headers?.["www-authenticate"] as string);
    assert.equal(params.scope, "write");
    assert.equal(params.resource_metadata, METADATA);
    assert.equal(sent.headers?.["cache-control"], "no-store");
  });
});

// ---------------------------------------------------------------------------
describe("attack: the MCP HTTP preflight's step-up answer", () => {
  function guarded(stepUp: "always" | "layers" = "always") {
    const server = new McpServer({ name: "notes", version: "1.0.0" });
    const guard = guardServer(server, {
      authorizer: new Authorizer({ onError: () => {}, stepUp }),
    });
    guard.tool("read", {}, () => ({ content: [] }));
    guard.tool("write", { auth: requireScopes("write") }, () => ({
      content: [],
    }));
    return guard;
  }
  const token: AccessToken & { resourceMetadataUrl?: string } = {
    token: GOOD,
    clientId: "app",
    scopes: ["mcp"],
    claims: {},
    resourceMetadataUrl: METADATA,
  };
  const call = (name: string, authorization = `Bearer ${GOOD}`) =>
    new Request(RESOURCE, {
      method: "POST",
      headers: {
        authorization,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name, arguments: { note: SECRET } },
      }),
    });

  it("answers 403 insufficient_scope, no-store, with the token's metadata URL, nothing of the call", async () => {
    const checked = await guarded().preflight(call("write"), token);
    const response = checked.response!;
    assert.equal(response.status, 403);
    assert.equal(response.headers.get("cache-control"), "no-store");
    const params = parseBearer(response.headers.get("www-authenticate"));
    assert.equal(params.error, "insufficient_scope");
    assert.equal(params.scope, "write");
    assert.equal(params.resource_metadata, METADATA);
    const text = await response.text();
    assert.ok(!text.includes(SECRET));
    assert.ok(!text.includes(GOOD));
  });

  it("answers in DPoP when the client used DPoP", async () => {
    const checked = await guarded().preflight(
      call("write", `DPoP ${GOOD}`),
      token,
    );
    const challenges = parseChallenges(
      checked.response!.headers.get("www-authenticate")!,
    );
    // The error on the scheme used; Bearer still offered, without it.
    assert.deepEqual(
      challenges.map((c) => [c.scheme, c.params.error]),
      [["Bearer", undefined], ["DPoP", "insufficient_scope"]],
    );
  });

  it("leaves out a token's metadata URL that could inject (never a 500)", async () => {
    for (
      const url of [
        'https://x/"a',
        "https://x/\r\nSet-Cookie: a",
        "javascript:alert(1)",
      ]
    ) {
      const checked = await guarded().preflight(call("write"), {
        ...token,
        resourceMetadataUrl: url,
      } as AccessToken);
      const response = checked.response!;
      assert.equal(response.status, 403);
      assert.equal(response.headers.get("set-cookie"), null);
      const params = parseBearer(response.headers.get("www-authenticate"));
      assert.equal(params.error, "insufficient_scope");
      assert.ok(!String(params.resource_metadata).includes("\n"));
    }
  });

  it("tells an anonymous caller no scope story: dispatch answers it as not found", async () => {
    const checked = await guarded().preflight(call("write"), undefined);
    assert.equal(checked.response, undefined);
    assert.equal(checked.authInfo, undefined);
  });

  it('under stepUp "layers", an own-auth shortfall gets no answer, exactly as a missing tool', async () => {
    const hidden = await guarded("layers").preflight(call("write"), token);
    const missing = await guarded("layers").preflight(call("nope"), token);
    assert.equal(hidden.response, undefined);
    assert.equal(missing.response, undefined);
  });

  it("lets an allowed call through without an answer", async () => {
    const checked = await guarded().preflight(call("read"), token);
    assert.equal(checked.response, undefined);
  });

  it("refuses a realm option with CR/LF with a TypeError, never a header", async () => {
    await assert.rejects(
      guarded().preflight(call("write"), token, { realm: "a\r\nb" }),
      TypeError,
    );
  });
});
