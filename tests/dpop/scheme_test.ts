import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import {
  type AccessToken,
  accessTokenHash,
  bearerAuth,
  type BearerAuthOptions,
  createDpopNoncePolicy,
  type DpopAuthOptions,
  dpopKeyThumbprint,
  dpopScheme,
  DpopVerifier,
  InsufficientScopeError,
  JwtVerifier,
  StaticTokenVerifier,
  VerifierUnavailableError,
  withBearerAuth,
} from "../../mod.ts";
import { reportStepUp } from "../../src/http/_step_up.ts";
import { serve } from "../_serve.ts";

const NOW = 1_800_000_000_000;
const URL_ = "https://mcp.example.com/mcp";
const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const ALGS = 'algs="ES256 EdDSA"';

interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function key(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

let client: Key;
let thief: Key;
let tokens: StaticTokenVerifier;

before(async () => {
  client = await key();
  thief = await key();
  const entry = (claims: Record<string, unknown>, scopes = ["mcp"]) => ({
    clientId: "app",
    scopes,
    claims,
  });
  tokens = new StaticTokenVerifier({
    tokens: {
      "bound-token": entry({ cnf: { jkt: client.jkt } }),
      "bound-reader": entry({ cnf: { jkt: client.jkt } }, ["read"]),
      "plain-token": entry({ sub: "u" }),
      "odd-cnf": entry({ cnf: "nope" }),
      "empty-jkt": entry({ cnf: { jkt: "" } }),
      "mtls-token": entry({ cnf: { "x5t#S256": "abc" } }),
      "dual-bound": entry({ cnf: { jkt: client.jkt, "x5t#S256": "abc" } }),
      "empty-cnf": entry({ cnf: {} }),
    },
  });
});

let counter = 0;
async function proof(
  token: string | undefined,
  options: { key?: Key; claims?: JWTPayload } = {},
): Promise<string> {
  const signer = options.key ?? client;
  return await new SignJWT({
    jti: `j${++counter}`,
    htm: "POST",
    htu: URL_,
    iat: NOW / 1_000,
    ...(token === undefined ? {} : { ath: await accessTokenHash(token) }),
    ...options.claims,
  })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: signer.jwk })
    .sign(signer.privateKey);
}

function post(
  headers: Record<string, string>,
  url = URL_,
  body?: string,
): Request {
  return new Request(url, { method: "POST", headers, body: body ?? null });
}

function options(
  dpop: DpopAuthOptions = {},
  extra: Partial<BearerAuthOptions> = {},
): BearerAuthOptions {
  return {
    verifier: tokens,
    resourceMetadataUrl: METADATA,
    dpop: dpopScheme({
      now: () => NOW,
      algorithms: ["ES256", "EdDSA"],
      ...dpop,
    }),
    ...extra,
  };
}

async function expectRefusal(
  result: AccessToken | undefined | Response,
  status: number,
  challenge: string | null,
  body?: Record<string, string>,
): Promise<void> {
  assert.ok(result instanceof Response, "expected a refusal");
  assert.equal(result.status, status);
  assert.equal(result.headers.get("www-authenticate"), challenge);
  if (body !== undefined) assert.deepEqual(await result.json(), body);
}

const BEARER_BARE = `Bearer resource_metadata="${METADATA}"`;
const DPOP_BARE = `DPoP resource_metadata="${METADATA}", ${ALGS}`;

describe("bearerAuth with dpop", () => {
  it("accepts a bound token with a proof made with its key", async () => {
    const auth = bearerAuth(options());
    const result = await auth(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.ok(result !== undefined && !(result instanceof Response));
    assert.equal(result.clientId, "app");
    assert.equal(dpopKeyThumbprint(result), client.jkt);
    assert.equal(result.extra?.dpopJkt, client.jkt);
  });

  it("accepts the DPoP scheme in any case", async () => {
    const result = await bearerAuth(options())(post({
      authorization: "dpop bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.ok(result !== undefined && !(result instanceof Response));
  });

  it("refuses a DPoP request without a proof", async () => {
    const result = await bearerAuth(options())(
      post({ authorization: "DPoP bound-token" }),
    );
    await expectRefusal(
      result,
      401,
      `${BEARER_BARE}, DPoP error="invalid_dpop_proof", error_description="DPoP proof is missing", resource_metadata="${METADATA}", ${ALGS}`,
      {
        error: "invalid_dpop_proof",
        error_description: "DPoP proof is missing",
      },
    );
    assert.equal((result as Response).headers.get("cache-control"), "no-store");
  });

  it("refuses a proof made for another URL or method", async () => {
    const auth = bearerAuth(options());
    const other = await proof("bound-token", {
      claims: { htu: "https://mcp.example.com/admin" },
    });
    await expectRefusal(
      await auth(post({ authorization: "DPoP bound-token", dpop: other })),
      401,
      `${BEARER_BARE}, DPoP error="invalid_dpop_proof", error_description="DPoP proof htu does not match", resource_metadata="${METADATA}", ${ALGS}`,
    );
    const get = await proof("bound-token", { claims: { htm: "GET" } });
    const result = await auth(
      post({ authorization: "DPoP bound-token", dpop: get }),
    );
    assert.equal((result as Response).status, 401);
  });

  it("refuses a replayed proof", async () => {
    const auth = bearerAuth(options());
    const headers = {
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    };
    assert.ok(!((await auth(post(headers))) instanceof Response));
    await expectRefusal(
      await auth(post(headers)),
      401,
      `${BEARER_BARE}, DPoP error="invalid_dpop_proof", error_description="DPoP proof has been used before", resource_metadata="${METADATA}", ${ALGS}`,
    );
  });

  it("refuses a proof whose ath is another token's", async () => {
    const result = await bearerAuth(options())(post({
      authorization: "DPoP bound-token",
      dpop: await proof("plain-token"),
    }));
    assert.equal((result as Response).status, 401);
    assert.match(
      (result as Response).headers.get("www-authenticate") ?? "",
      /DPoP error="invalid_dpop_proof", error_description="DPoP proof ath does not match"/,
    );
  });

  it("refuses a stolen bound token with a proof from another key", async () => {
    const result = await bearerAuth(options())(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token", { key: thief }),
    }));
    await expectRefusal(
      result,
      401,
      `${BEARER_BARE}, DPoP error="invalid_token", error_description="Invalid DPoP key binding", resource_metadata="${METADATA}", ${ALGS}`,
      { error: "invalid_token", error_description: "Invalid DPoP key binding" },
    );
  });

  it("refuses the DPoP scheme for a token that is not bound", async () => {
    for (const token of ["plain-token", "mtls-token", "odd-cnf", "empty-jkt"]) {
      const result = await bearerAuth(options())(post({
        authorization: `DPoP ${token}`,
        dpop: await proof(token),
      }));
      assert.equal((result as Response).status, 401, token);
      assert.match(
        (result as Response).headers.get("www-authenticate") ?? "",
        /DPoP error="invalid_token", error_description="Token is not DPoP-bound"/,
      );
    }
  });

  it("refuses a bound token sent with the Bearer scheme", async () => {
    const auth = bearerAuth(options());
    for (const token of ["bound-token", "empty-jkt", "dual-bound"]) {
      await expectRefusal(
        await auth(post({
          authorization: `Bearer ${token}`,
          dpop: await proof(token),
        })),
        401,
        `Bearer error="invalid_token", error_description="DPoP-bound token requires the DPoP scheme", resource_metadata="${METADATA}", ${DPOP_BARE}`,
      );
    }
  });

  it("refuses any other cnf on the Bearer scheme too (RFC 8705: an mTLS-bound token is no bearer token)", async () => {
    const auth = bearerAuth(options());
    for (const token of ["mtls-token", "odd-cnf"]) {
      await expectRefusal(
        await auth(post({ authorization: `Bearer ${token}` })),
        401,
        `Bearer error="invalid_token", error_description="Sender-constrained token cannot be used as a Bearer token", resource_metadata="${METADATA}", ${DPOP_BARE}`,
      );
    }
    // A cnf without members binds nothing.
    const open = await auth(post({ authorization: "Bearer empty-cnf" }));
    assert.ok(open !== undefined && !(open instanceof Response));
  });

  it("refuses, on the DPoP scheme, a token also bound to what no proof shows (cnf.x5t#S256 beside jkt)", async () => {
    const result = await bearerAuth(options())(post({
      authorization: "DPoP dual-bound",
      dpop: await proof("dual-bound"),
    }));
    await expectRefusal(
      result,
      401,
      `${BEARER_BARE}, DPoP error="invalid_token", error_description="Token confirmation cannot be verified", resource_metadata="${METADATA}", ${ALGS}`,
    );
  });

  it("accepts a plain bearer token when DPoP is not required", async () => {
    const result = await bearerAuth(options())(
      post({ authorization: "Bearer plain-token" }),
    );
    assert.ok(result !== undefined && !(result instanceof Response));
    assert.equal(dpopKeyThumbprint(result), undefined);
  });

  it("sends both challenges for a request without a token", async () => {
    await expectRefusal(
      await bearerAuth(options())(post({})),
      401,
      `${BEARER_BARE}, ${DPOP_BARE}`,
    );
  });

  it("puts the verifier's invalid_token on the DPoP challenge", async () => {
    await expectRefusal(
      await bearerAuth(options())(post({
        authorization: "DPoP unknown-token",
        dpop: await proof("unknown-token"),
      })),
      401,
      `${BEARER_BARE}, DPoP error="invalid_token", error_description="Invalid token", resource_metadata="${METADATA}", ${ALGS}`,
    );
  });

  it("checks the token before the proof, so a bad token never reaches the replay store", async () => {
    let calls = 0;
    const auth = bearerAuth(options({
      replayStore: {
        checkAndStore: () => {
          calls++;
          return Promise.resolve(true);
        },
      },
    }));
    await auth(post({
      authorization: "DPoP unknown-token",
      dpop: await proof("unknown-token"),
    }));
    assert.equal(calls, 0);
  });

  it("answers a scope shortfall with an insufficient_scope DPoP challenge", async () => {
    const auth = bearerAuth(options({}, { requiredScopes: ["mcp"] }));
    const result = await auth(post({
      authorization: "DPoP bound-reader",
      dpop: await proof("bound-reader"),
    }));
    await expectRefusal(
      result,
      403,
      `Bearer resource_metadata="${METADATA}", DPoP error="insufficient_scope", error_description="Insufficient scope", scope="mcp", resource_metadata="${METADATA}", ${ALGS}`,
    );
  });

  it("answers a malformed DPoP Authorization header with 400", async () => {
    for (
      const value of ["DPoP", "DPoP a b", "DPoP a,b", "DPoP tok, Bearer tok"]
    ) {
      await expectRefusal(
        await bearerAuth(options())(post({ authorization: value })),
        400,
        `${BEARER_BARE}, DPoP error="invalid_request", error_description="Malformed Authorization header", resource_metadata="${METADATA}", ${ALGS}`,
      );
    }
  });

  it("answers an access_token query parameter with 400, in the DPoP scheme", async () => {
    const result = await bearerAuth(options())(post(
      { authorization: "DPoP bound-token", dpop: await proof("bound-token") },
      `${URL_}?access_token=bound-token`,
    ));
    assert.equal((result as Response).status, 400);
    assert.match(
      (result as Response).headers.get("www-authenticate") ?? "",
      /DPoP error="invalid_request"/,
    );
  });

  it("refuses two DPoP headers", async () => {
    const headers = new Headers({ authorization: "DPoP bound-token" });
    headers.append("dpop", await proof("bound-token"));
    headers.append("dpop", await proof("bound-token"));
    const result = await bearerAuth(options())(
      new Request(URL_, { method: "POST", headers }),
    );
    assert.match(
      (result as Response).headers.get("www-authenticate") ?? "",
      /error_description="DPoP header must hold exactly one compact JWT"/,
    );
  });

  it("demands a server nonce with use_dpop_nonce and a DPoP-Nonce header, then accepts it", async () => {
    const nonces = createDpopNoncePolicy({ now: () => NOW });
    const auth = bearerAuth(options({ nonces }));
    const first = await auth(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.ok(first instanceof Response);
    assert.equal(first.status, 401);
    assert.equal(
      first.headers.get("www-authenticate"),
      `${BEARER_BARE}, DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", resource_metadata="${METADATA}", ${ALGS}`,
    );
    const nonce = first.headers.get("dpop-nonce");
    assert.ok(nonce);
    assert.equal((await first.json()).error, "use_dpop_nonce");
    const second = await auth(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token", { claims: { nonce } }),
    }));
    assert.ok(second !== undefined && !(second instanceof Response));
  });

  it("answers 503, not a split header, when a nonce policy issues a malformed nonce", async () => {
    const errors: unknown[] = [];
    const auth = bearerAuth(options({
      nonces: { issue: () => "bad\r\nX-Injected: 1", verify: () => false },
    }, { onError: (error) => errors.push(error) }));
    const result = await auth(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.ok(result instanceof Response);
    assert.equal(result.status, 503);
    assert.equal(result.headers.get("dpop-nonce"), null);
    assert.equal(result.headers.get("x-injected"), null);
    assert.equal(errors.length, 1);
  });

  it("answers 503 when the replay store throws an error whose retryAfter getter throws", async () => {
    const hostile = {
      get retryAfter(): number {
        throw new Error("getter");
      },
    };
    const auth = bearerAuth(options({
      replayStore: { checkAndStore: () => Promise.reject(hostile) },
    }, { onError: () => {} }));
    const result = await auth(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.ok(result instanceof Response);
    assert.equal(result.status, 503);
  });

  it("answers 503 when the replay store is down, and reports it", async () => {
    const errors: unknown[] = [];
    const failure = new VerifierUnavailableError("down", { retryAfter: 7 });
    const auth = bearerAuth(options({
      replayStore: { checkAndStore: () => Promise.reject(failure) },
    }, { onError: (error) => errors.push(error) }));
    const result = await auth(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.ok(result instanceof Response);
    assert.equal(result.status, 503);
    assert.equal(result.headers.get("retry-after"), "7");
    assert.deepEqual(errors, [failure]);
    assert.doesNotMatch(await result.text(), /down/);
  });

  it("checks htu against requestUrl when the server sees another URL", async () => {
    const auth = bearerAuth(options({
      requestUrl: (request) =>
        new URL(new URL(request.url).pathname, "https://mcp.example.com"),
    }));
    const result = await auth(post(
      { authorization: "DPoP bound-token", dpop: await proof("bound-token") },
      "http://localhost:8000/mcp",
    ));
    assert.ok(result !== undefined && !(result instanceof Response));
  });

  it("answers 503 when requestUrl throws, and reports it", async () => {
    const errors: unknown[] = [];
    const auth = bearerAuth(options({
      requestUrl: () => {
        throw new Error("no public URL configured");
      },
    }, { onError: (error) => errors.push(error) }));
    const result = await auth(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.ok(result instanceof Response);
    assert.equal(result.status, 503);
    assert.doesNotMatch(await result.text(), /public URL/);
    assert.equal(errors.length, 1);
  });

  it("passes a realm to both challenges", async () => {
    await expectRefusal(
      await bearerAuth(options({}, { realm: "mcp" }))(post({})),
      401,
      `Bearer realm="mcp", resource_metadata="${METADATA}", DPoP realm="mcp", resource_metadata="${METADATA}", ${ALGS}`,
    );
  });

  it("lets a request without a token through with optional", async () => {
    const auth = bearerAuth(options({ required: true }, { optional: true }));
    assert.equal(await auth(post({})), undefined);
  });

  describe("with required: true", () => {
    it("refuses a plain bearer token with a DPoP challenge only", async () => {
      const auth = bearerAuth(options({ required: true }));
      await expectRefusal(
        await auth(post({ authorization: "Bearer plain-token" })),
        401,
        `DPoP error="invalid_token", error_description="DPoP-bound token and proof required", resource_metadata="${METADATA}", ${ALGS}`,
      );
    });

    it("refuses a Bearer request without asking the verifier", async () => {
      let calls = 0;
      const auth = bearerAuth(options({ required: true }, {
        verifier: {
          verifyToken: (token) => {
            calls++;
            return tokens.verifyToken(token);
          },
        },
      }));
      const result = await auth(post({ authorization: "Bearer plain-token" }));
      assert.equal((result as Response).status, 401);
      assert.equal(calls, 0);
    });

    it("answers a request without a token with a bare DPoP challenge", async () => {
      const auth = bearerAuth(options({ required: true }));
      await expectRefusal(await auth(post({})), 401, DPOP_BARE);
    });

    it("still accepts a bound token with its proof", async () => {
      const auth = bearerAuth(options({ required: true }));
      const result = await auth(post({
        authorization: "DPoP bound-token",
        dpop: await proof("bound-token"),
      }));
      assert.equal(dpopKeyThumbprint(result as AccessToken), client.jkt);
    });

    it("sends proof errors with the DPoP challenge only", async () => {
      const auth = bearerAuth(options({ required: true }));
      await expectRefusal(
        await auth(post({ authorization: "DPoP bound-token" })),
        401,
        `DPoP error="invalid_dpop_proof", error_description="DPoP proof is missing", resource_metadata="${METADATA}", ${ALGS}`,
      );
    });
  });

  describe("options", () => {
    const bad: Array<[string, DpopAuthOptions, RegExp]> = [
      [
        "an unknown member",
        { requierd: true } as never,
        /^Unknown dpopScheme option "requierd" \(did you mean "required"\?\)/,
      ],
      [
        "a non-boolean required",
        { required: "yes" as never },
        /^dpopScheme option "required" must be true or false, got "yes"/,
      ],
      [
        "requestUrl that is not a function",
        { requestUrl: URL_ as never },
        /^dpopScheme option "requestUrl" must be a function/,
      ],
      [
        "a verifier that is not a DpopVerifier",
        { verifier: {} as never },
        /"verifier" must be a DpopVerifier/,
      ],
      ["a verifier and verifier options", {
        verifier: new DpopVerifier(),
        maxAge: 5,
      }, /either a verifier or its options \("maxAge"\), not both/],
      [
        "a symmetric algorithm",
        { algorithms: ["HS256"] },
        /asymmetric JWS algorithms, got "HS256"/,
      ],
    ];
    for (const [label, dpop, message] of bad) {
      it(`dpopScheme throws TypeError for ${label}`, () => {
        assert.throws(
          () => dpopScheme(dpop),
          (error: Error) => {
            assert.ok(error instanceof TypeError);
            assert.match(error.message, message);
            return true;
          },
        );
      });
    }

    it("dpopScheme throws TypeError when its options are not an object", () => {
      assert.throws(
        () => dpopScheme("yes" as never),
        /dpopScheme expects an options object, got "yes"/,
      );
    });

    for (
      const [label, dpop] of [
        ["plain DpopAuthOptions", { required: true, algorithms: ["ES256"] }],
        ["an empty object", {}],
        ["true", true],
      ] as const
    ) {
      it(`bearerAuth and withBearerAuth refuse ${label} as dpop, saying what to write`, () => {
        for (
          const make of [
            () => bearerAuth({ verifier: tokens, dpop: dpop as never }),
            () =>
              withBearerAuth(() => new Response(), {
                verifier: tokens,
                dpop: dpop as never,
              }),
          ]
        ) {
          assert.throws(make, (error: Error) => {
            assert.ok(error instanceof TypeError);
            assert.match(
              error.message,
              /^(bearerAuth|withBearerAuth) option "dpop" takes the object dpopScheme\(\) makes, got /,
            );
            assert.ok(
              error.message.includes(
                'write `dpop: dpopScheme({ required: true, ... })` with `import { dpopScheme } from "@mcp-authz/core"`',
              ),
              error.message,
            );
            return true;
          });
        }
      });
    }

    it("dpopScheme names its scheme, challenge parameters and required flag", () => {
      const scheme = dpopScheme({ required: true, algorithms: ["EdDSA"] });
      assert.equal(scheme.name, "DPoP");
      assert.equal(scheme.required, true);
      assert.deepEqual(scheme.challengeParams, { algs: "EdDSA" });
      assert.ok(Object.isFrozen(scheme));
      assert.equal(dpopScheme().required, false);
    });

    it("calls requestUrl without a receiver", async () => {
      let receiver: unknown = "unset";
      const auth = bearerAuth(options({
        requestUrl: function (this: unknown, request: Request) {
          receiver = this;
          return request.url;
        },
      }));
      const result = await auth(post({
        authorization: "DPoP bound-token",
        dpop: await proof("bound-token"),
      }));
      assert.ok(result !== undefined && !(result instanceof Response));
      assert.equal(receiver, undefined);
    });

    it("uses a ready DpopVerifier and its algorithms", async () => {
      const verifier = new DpopVerifier({ algorithms: ["EdDSA"] });
      const auth = bearerAuth({
        verifier: tokens,
        dpop: dpopScheme({ verifier }),
      });
      assert.equal(
        (await auth(post({})) as Response).headers.get("www-authenticate"),
        'Bearer realm="mcp", DPoP algs="EdDSA"',
      );
    });

    it("keeps rejecting unknown bearerAuth options", () => {
      assert.throws(
        () =>
          bearerAuth(
            { verifier: tokens, scopes: ["a"], dpop: dpopScheme() } as never,
          ),
        TypeError,
      );
    });
  });
});

describe("withBearerAuth with dpop", () => {
  it("runs the handler with the original request and the confirmed token", async () => {
    let seen: { method: string; body: string; jkt?: string | undefined } = {
      method: "",
      body: "",
    };
    const handler = withBearerAuth(async (request, token) => {
      seen = {
        method: request.method,
        body: await request.text(),
        jkt: token && dpopKeyThumbprint(token),
      };
      return new Response("done");
    }, options());
    const response = await handler(post(
      { authorization: "DPoP bound-token", dpop: await proof("bound-token") },
      URL_,
      '{"jsonrpc":"2.0"}',
    ));
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "done");
    assert.deepEqual(seen, {
      method: "POST",
      body: '{"jsonrpc":"2.0"}',
      jkt: client.jkt,
    });
  });

  it("does not run the handler when the proof is refused", async () => {
    let ran = false;
    const handler = withBearerAuth(() => {
      ran = true;
      return new Response("done");
    }, options());
    const response = await handler(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token", { key: thief }),
    }));
    assert.equal(response.status, 401);
    assert.match(
      response.headers.get("www-authenticate") ?? "",
      /DPoP error="invalid_token", error_description="Invalid DPoP key binding"/,
    );
    assert.equal(ran, false);
  });

  it("does not run the handler for a bound token sent as Bearer", async () => {
    let ran = false;
    const handler = withBearerAuth(() => {
      ran = true;
      return new Response("done");
    }, options());
    const response = await handler(
      post({ authorization: "Bearer bound-token" }),
    );
    assert.equal(response.status, 401);
    assert.match(
      response.headers.get("www-authenticate") ?? "",
      /^Bearer error="invalid_token"/,
    );
    assert.equal(ran, false);
  });

  it("does not run the handler for a plain token when DPoP is required", async () => {
    let ran = false;
    const handler = withBearerAuth(() => {
      ran = true;
      return new Response("done");
    }, options({ required: true }));
    const response = await handler(
      post({ authorization: "Bearer plain-token" }),
    );
    assert.equal(response.status, 401);
    assert.match(response.headers.get("www-authenticate") ?? "", /^DPoP /);
    assert.equal(ran, false);
  });

  it("answers the handler's scope error in the scheme the client used", async () => {
    const handler = withBearerAuth(() => {
      throw new InsufficientScopeError(["files:write"]);
    }, options());
    const dpop = await handler(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.equal(dpop.status, 403);
    assert.equal(
      dpop.headers.get("www-authenticate"),
      `${BEARER_BARE}, DPoP error="insufficient_scope", error_description="Insufficient scope. Required: files:write", scope="files:write", resource_metadata="${METADATA}", ${ALGS}`,
    );
    const bearer = await handler(post({ authorization: "Bearer plain-token" }));
    assert.equal(
      bearer.headers.get("www-authenticate"),
      `Bearer error="insufficient_scope", error_description="Insufficient scope. Required: files:write", scope="files:write", resource_metadata="${METADATA}", ${DPOP_BARE}`,
    );
  });

  it("answers a step-up the handler's SDK binding reports (the MCP SDK's 403) in the DPoP scheme", async () => {
    // What `@mcp-authz/core/mcp` does inside the MCP SDK's scope-challenge
    // hook; the SDK then returns its own 403 with a Bearer challenge.
    const sdkAnswer = () =>
      new Response('{"error":"insufficient_scope"}', {
        status: 403,
        headers: {
          "www-authenticate":
            'Bearer error="insufficient_scope", error_description="Insufficient scope", scope="admin"',
        },
      });
    const handler = (dpop: DpopAuthOptions) =>
      withBearerAuth((_request, token) => {
        reportStepUp({ ...token }, ["admin"]);
        return sdkAnswer();
      }, options(dpop));
    const required = await handler({ required: true })(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.equal(required.status, 403);
    assert.equal(
      required.headers.get("www-authenticate"),
      `DPoP error="insufficient_scope", error_description="Insufficient scope", scope="admin", resource_metadata="${METADATA}", ${ALGS}`,
    );
    assert.deepEqual(await required.json(), {
      error: "insufficient_scope",
      error_description: "Insufficient scope",
    });
    const both = await handler({})(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.equal(
      both.headers.get("www-authenticate"),
      `${BEARER_BARE}, DPoP error="insufficient_scope", error_description="Insufficient scope", scope="admin", resource_metadata="${METADATA}", ${ALGS}`,
    );
    // A Bearer client gets the same answer in the Bearer scheme (and
    // resource_metadata, and no-store), not the SDK's own.
    const bearer = await handler({})(
      post({ authorization: "Bearer plain-token" }),
    );
    assert.equal(
      bearer.headers.get("www-authenticate"),
      `Bearer error="insufficient_scope", error_description="Insufficient scope", scope="admin", resource_metadata="${METADATA}", ${DPOP_BARE}`,
    );
    assert.equal(bearer.headers.get("cache-control"), "no-store");
  });

  it("leaves a 403 alone when no step-up was reported, and a reported step-up on a non-403", async () => {
    const forbidden = withBearerAuth(
      () => new Response("no", { status: 403 }),
      options({ required: true }),
    );
    const response = await forbidden(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.equal(response.status, 403);
    assert.equal(response.headers.get("www-authenticate"), null);
    assert.equal(await response.text(), "no");
    const ok = withBearerAuth((_request, token) => {
      reportStepUp(token, ["admin"]);
      return new Response("fine");
    }, options({ required: true }));
    const fine = await ok(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.equal(fine.status, 200);
    assert.equal(await fine.text(), "fine");
  });

  it("leaves the handler's own responses untouched", async () => {
    const handler = withBearerAuth(
      () =>
        new Response("no", {
          status: 401,
          headers: { "www-authenticate": "Bearer custom" },
        }),
      options(),
    );
    const response = await handler(post({
      authorization: "DPoP bound-token",
      dpop: await proof("bound-token"),
    }));
    assert.equal(response.headers.get("www-authenticate"), "Bearer custom");
  });

  it("throws TypeError for a handler that is not a function", () => {
    assert.throws(
      () => withBearerAuth("nope" as never, options()),
      /withBearerAuth expects a handler function/,
    );
  });
});

describe("DPoP end to end: a real server + JwtVerifier + the tests' own issuer", () => {
  it("serves a proof-bound JWT and refuses its replay, theft and Bearer use", async () => {
    const issuer = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(issuer.publicKey)), kid: "i1" };
    // Bound once the URL, hence the audience, is known.
    let handler: (request: Request) => Promise<Response> = () =>
      Promise.resolve(new Response(null, { status: 503 }));
    const served = await serve((request) => handler(request));
    const url = `${served.origin}/mcp`;
    const jwksUrl = `https://issuer.test/${crypto.randomUUID()}/jwks.json`;
    let jwksFetches = 0;
    handler = withBearerAuth(
      (request, token) =>
        Response.json({
          method: request.method,
          client: token?.clientId,
          jkt: token && dpopKeyThumbprint(token),
        }),
      {
        verifier: new JwtVerifier({
          jwksUri: jwksUrl,
          issuer: "https://issuer.test/",
          audience: url,
          fetch: (input) => {
            jwksFetches++;
            assert.equal(String(input), jwksUrl);
            return Promise.resolve(Response.json({ keys: [jwk] }));
          },
        }),
        requiredScopes: ["mcp"],
        dpop: dpopScheme({ required: true }),
      },
    );
    try {
      const token = await new SignJWT({
        scope: "mcp",
        client_id: "e2e",
        cnf: { jkt: client.jkt },
      })
        .setProtectedHeader({ alg: "ES256", kid: "i1", typ: "at+jwt" })
        .setIssuer("https://issuer.test/")
        .setAudience(url)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(issuer.privateKey);
      const makeProof = async (key = client) =>
        await new SignJWT({
          htm: "POST",
          htu: url,
          ath: await accessTokenHash(token),
        })
          .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: key.jwk })
          .setJti(crypto.randomUUID())
          .setIssuedAt()
          .sign(key.privateKey);
      const send = (headers: Record<string, string>) =>
        fetch(url, { method: "POST", headers, body: "{}" });

      const proof = await makeProof();
      const ok = await send({ authorization: `DPoP ${token}`, dpop: proof });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), {
        method: "POST",
        client: "e2e",
        jkt: client.jkt,
      });

      const replay = await send({
        authorization: `DPoP ${token}`,
        dpop: proof,
      });
      assert.equal(replay.status, 401);
      assert.equal(
        replay.headers.get("www-authenticate"),
        'DPoP error="invalid_dpop_proof", error_description="DPoP proof has been used before", algs="ES256 ES384 ES512 EdDSA Ed25519 PS256 PS384 PS512 RS256 RS384 RS512"',
      );
      await replay.body?.cancel();

      const stolen = await send({
        authorization: `DPoP ${token}`,
        dpop: await makeProof(thief),
      });
      assert.equal(stolen.status, 401);
      assert.deepEqual(await stolen.json(), {
        error: "invalid_token",
        error_description: "Invalid DPoP key binding",
      });

      const bearer = await send({ authorization: `Bearer ${token}` });
      assert.equal(bearer.status, 401);
      assert.match(bearer.headers.get("www-authenticate") ?? "", /^DPoP /);
      await bearer.body?.cancel();
      assert.equal(jwksFetches, 1);
    } finally {
      await served.close();
    }
  });
});
