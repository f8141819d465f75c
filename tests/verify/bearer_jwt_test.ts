import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { bearerAuth, JwtVerifier } from "../../mod.ts";
import {
  AUDIENCE,
  claims,
  ISSUER,
  json,
  NOW_MS,
  serve,
  sign,
  testKey,
} from "../_jwt_fixtures.ts";
import { parseBearer } from "../_challenge_parser.ts";

// bearerAuth in front of the real JwtVerifier: the outcomes the two halves
// agree on, end to end.
describe("bearerAuth with JwtVerifier", () => {
  const METADATA =
    "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
  const request = (token: string) =>
    new Request(AUDIENCE, { headers: { authorization: `Bearer ${token}` } });

  it("accepts a valid token, and answers 401, 403 and 503 where they belong", async () => {
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

  it("answers 503 with Retry-After when the JWKS endpoint fails", async () => {
    const key = await testKey("ES256");
    const server = await serve((_req, res) => json(res, "down", 500));
    try {
      const auth = bearerAuth({
        verifier: new JwtVerifier({
          jwksUri: server.url,
          issuer: ISSUER,
          audience: AUDIENCE,
          now: () => NOW_MS,
          timeoutMs: 2_000,
        }),
        onError: () => {},
        now: () => NOW_MS,
      });
      const response = await auth(request(await sign(key)));
      assert.ok(response instanceof Response);
      assert.equal(response.status, 503);
      assert.match(response.headers.get("retry-after") ?? "", /^\d+$/);
      assert.equal(response.headers.get("www-authenticate"), null);
    } finally {
      await server.close();
    }
  });
});
