// End to end: a Request through bearerAuth into the real JwtVerifier or
// IntrospectionVerifier, asserting status, challenge and body: the outcomes
// the two halves agree on.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  bearerAuth,
  IntrospectionVerifier,
  JwtVerifier,
  type JwtVerifierOptions,
  type TokenVerifier,
} from "../../mod.ts";
import {
  AUDIENCE,
  claims,
  ISSUER,
  json,
  NOW,
  NOW_MS,
  serve,
  sign,
  testKey,
  type TestServer,
} from "../_jwt_fixtures.ts";
import { parseBearer } from "../_challenge_parser.ts";

const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const key = await testKey("ES256", "k1");

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function jwtVerifier(options: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  return new JwtVerifier({
    jwks: { keys: [key.jwk] },
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => NOW_MS,
    ...options,
  } as JwtVerifierOptions);
}

function guard(verifier: TokenVerifier, requiredScopes?: string[]) {
  return bearerAuth({
    verifier,
    resourceMetadataUrl: METADATA,
    now: () => NOW_MS,
    onError: () => {},
    ...(requiredScopes === undefined ? {} : { requiredScopes }),
  });
}

function request(token: string): Request {
  return new Request(AUDIENCE, {
    headers: { authorization: `Bearer ${token}` },
  });
}

async function denied(
  result: AccessToken | undefined | Response,
): Promise<{ response: Response; challenge: string; text: string }> {
  assert.ok(result instanceof Response, "expected a denial Response");
  return {
    response: result,
    challenge: result.headers.get("www-authenticate") ?? "",
    text: await result.text(),
  };
}

describe("bearerAuth with JwtVerifier", () => {
  it("lets a valid JWT through as its AccessToken", async () => {
    const jwt = await sign(key, claims({ client_id: "app" }));
    const result = await guard(jwtVerifier())(request(jwt));
    assert.ok(!(result instanceof Response) && result !== undefined);
    assert.equal(result.clientId, "app");
    assert.deepEqual(result.scopes, ["files:read"]);
    assert.equal(result.resource?.href, AUDIENCE);
  });

  it("answers an expired JWT with 401 invalid_token and a generic description", async () => {
    const jwt = await sign(key, claims({ exp: NOW - 1, sub: "who-am-i" }));
    const { response, challenge, text } = await denied(
      await guard(jwtVerifier())(request(jwt)),
    );
    assert.equal(response.status, 401);
    const parsed = parseBearer(challenge);
    assert.equal(parsed.error, "invalid_token");
    assert.equal(parsed.resource_metadata, METADATA);
    assert.equal(JSON.parse(text).error_description, "Token expired");
    assert.ok(!text.includes("who-am-i") && !text.includes(jwt));
    assert.ok(!challenge.includes("who-am-i") && !challenge.includes(jwt));
  });

  it("never lets claims crafted with quotes, CR or LF into the challenge", async () => {
    const hostile = 'x", error="none\r\nSet-Cookie: a=b';
    for (
      const extra of [{ iss: hostile }, { aud: hostile }, {
        scope: 42,
        sub: hostile,
      }]
    ) {
      const jwt = await sign(key, claims(extra));
      const { response, challenge, text } = await denied(
        await guard(jwtVerifier())(request(jwt)),
      );
      assert.equal(response.status, 401);
      assert.ok(!/[\r\n]/.test(challenge));
      assert.ok(
        !challenge.includes("Set-Cookie") && !text.includes("Set-Cookie"),
      );
      assert.equal(parseBearer(challenge).error, "invalid_token");
    }
  });

  it("answers a forged alg none token with 401", async () => {
    const [, payload] = (await sign(key)).split(".");
    const header = btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "");
    const { response } = await denied(
      await guard(jwtVerifier())(request(`${header}.${payload}.x`)),
    );
    assert.equal(response.status, 401);
  });

  it("answers a missing required scope of the verifier with 403 insufficient_scope", async () => {
    const jwt = await sign(key);
    const verifier = jwtVerifier({ requiredScopes: ["files:write"] });
    const { response, challenge } = await denied(
      await guard(verifier)(request(jwt)),
    );
    assert.equal(response.status, 403);
    const parsed = parseBearer(challenge);
    assert.equal(parsed.error, "insufficient_scope");
    assert.equal(parsed.scope, "files:write");
  });

  it("answers 503 with Retry-After and no challenge, never 2xx or 500, when the JWKS endpoint fails", async () => {
    server = await serve((_req, res) => json(res, { error: "down" }, 500));
    const verifier = new JwtVerifier({
      jwksUri: server.url,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW_MS,
      timeoutMs: 2_000,
    });
    const { response, text } = await denied(
      await guard(verifier)(request(await sign(key))),
    );
    assert.equal(response.status, 503);
    assert.match(response.headers.get("retry-after") ?? "", /^\d+$/);
    assert.ok(Number(response.headers.get("retry-after")) >= 1);
    assert.equal(response.headers.get("www-authenticate"), null);
    assert.ok(!text.includes("down"));
  });

  it("accepts a valid token from a public key, and answers 401 and 403 where they belong", async () => {
    const key = await testKey("ES256");
    const other = await testKey("ES256", "k2");
    const auth = bearerAuth({
      verifier: new JwtVerifier({
        publicKey: key.publicKey,
        issuer: ISSUER,
        audience: AUDIENCE,
        now: () => NOW_MS,
        cache: false,
      }),
      requiredScopes: ["files:read"],
      resourceMetadataUrl: METADATA,
      now: () => NOW_MS,
    });

    const ok = await auth(request(await sign(key)));
    assert.ok(!(ok instanceof Response), "valid token refused");
    assert.equal(ok?.clientId, "user-1");
    assert.equal(ok?.resource?.href, AUDIENCE);

    const cases: [string, string, number, string][] = [
      [
        "a token for another audience",
        await sign(key, claims({ aud: "https://other.example/" })),
        401,
        "invalid_token",
      ],
      ["a forged signature", await sign(other), 401, "invalid_token"],
      [
        "an expired token",
        await sign(key, claims({ exp: NOW_MS / 1000 - 1 })),
        401,
        "invalid_token",
      ],
      [
        "a token without the required scope",
        await sign(key, claims({ scope: "other" })),
        403,
        "insufficient_scope",
      ],
    ];
    for (const [name, token, status, error] of cases) {
      const response = await auth(request(token));
      assert.ok(response instanceof Response, name);
      assert.equal(response.status, status, name);
      const params = parseBearer(response.headers.get("www-authenticate"));
      assert.equal(params.error, error, name);
      assert.equal(params.resource_metadata, METADATA, name);
      const text = await response.text();
      assert.ok(!text.includes(token), name);
    }
  });

  it("makes one JWKS fetch for 1,000 concurrent cold requests", async () => {
    server = await serve((_req, res) => json(res, { keys: [key.jwk] }));
    const verifier = new JwtVerifier({
      jwksUri: server.url,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW_MS,
    });
    const auth = guard(verifier);
    const jwt = await sign(key);
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => auth(request(jwt))),
    );
    assert.ok(
      results.every((r) =>
        !(r instanceof Response) && r?.clientId === "user-1"
      ),
    );
    assert.equal(server.requests, 1);
  });
});

describe("bearerAuth with IntrospectionVerifier", () => {
  function introspection(url: string): IntrospectionVerifier {
    return new IntrospectionVerifier({
      endpoint: url,
      clientId: "mcp-server",
      clientSecret: "s3cret",
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW_MS,
    });
  }

  it("lets an active token through and answers an inactive one with 401", async () => {
    server = await serve((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const active = new URLSearchParams(body).get("token") === "good";
        json(
          res,
          active
            ? { active, aud: AUDIENCE, exp: NOW + 60, scope: "mcp" }
            : { active },
        );
      });
    });
    const auth = guard(introspection(server.url));
    const ok = await auth(request("good"));
    assert.ok(!(ok instanceof Response) && ok?.token === "good");
    const { response } = await denied(await auth(request("bad")));
    assert.equal(response.status, 401);
  });

  it("answers 503 when the introspection endpoint is down", async () => {
    const s = await serve((_req, res) => json(res, {}));
    const url = s.url;
    await s.close();
    const { response } = await denied(
      await guard(introspection(url))(request("good")),
    );
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "5");
  });
});
