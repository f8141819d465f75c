// The step-up channel between withBearerAuth and the MCP SDK v2 binding: a
// scope shortfall the SDK answers inside the handler is answered in the
// scheme the client used, from the outcome, never from the SDK's headers.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from "jose";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import {
  type AccessToken,
  accessTokenHash,
  Authorizer,
  dpopScheme,
  restrictTag,
  StaticTokenVerifier,
  withBearerAuth,
} from "../../mod.ts";
import { guardServer } from "../../src/mcp/mod.ts";
import { reportStepUp, withStepUpSink } from "../../src/http/_step_up.ts";

const TOKEN: AccessToken = {
  token: "t",
  clientId: "c",
  scopes: ["read"],
  claims: {},
  extra: { tenant: "a" },
};

describe("withStepUpSink and reportStepUp", () => {
  it("hands out a copy whose extra hides a sink that reportStepUp fills once", () => {
    const { token, stepUp } = withStepUpSink(TOKEN);
    assert.notEqual(token, TOKEN);
    assert.notEqual(token.extra, TOKEN.extra);
    // Invisible to equality, JSON and spreads of extra.
    assert.deepEqual(token, TOKEN);
    assert.equal(JSON.stringify(token), JSON.stringify(TOKEN));
    assert.equal(stepUp.scopes, undefined);
    // As the SDK sees it: a spread copy sharing extra.
    reportStepUp({ ...token, resourceMetadataUrl: "x" }, ["admin"]);
    reportStepUp(token, ["other"]);
    assert.deepEqual(stepUp.scopes, ["admin"]);
  });

  it("does nothing for a token without a sink, or a hostile authInfo", () => {
    reportStepUp(TOKEN, ["admin"]);
    reportStepUp(undefined, ["admin"]);
    reportStepUp({ extra: null }, ["admin"]);
    const hostile = {
      get extra(): never {
        throw new Error("getter");
      },
    };
    assert.doesNotThrow(() => reportStepUp(hostile, ["admin"]));
    const { token, stepUp } = withStepUpSink(TOKEN);
    reportStepUp({ ...token, extra: { ...token.extra } }, ["admin"]);
    assert.equal(stepUp.scopes, undefined);
  });
});

const URL_ = "https://mcp.example.com/mcp";
const ACCEPT = "application/json, text/event-stream";

interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

let client: Key;
before(async () => {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = await exportJWK(publicKey);
  client = { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
});

async function proof(token: string): Promise<string> {
  return await new SignJWT({
    htm: "POST",
    htu: URL_,
    ath: await accessTokenHash(token),
  })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: client.jwk })
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .sign(client.privateKey);
}

function guarded(): McpServer {
  const server = new McpServer({ name: "notes", version: "1.0.0" });
  const guard = guardServer(server, {
    authorizer: new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
    }),
  });
  guard.tool("purge", { tags: ["admin"] }, () => ({
    content: [{ type: "text" as const, text: "purged" }],
  }));
  return server;
}

function rpc(id: number, method: string, params: object): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method, params });
}

describe("MCP SDK v2 step-up behind withBearerAuth with dpop", () => {
  it("answers the SDK's scope challenge in the DPoP scheme, without reading its headers", async (t) => {
    const mcp = createMcpHandler(() => guarded());
    t.after(() => mcp.close());
    const verifier = new StaticTokenVerifier({
      tokens: {
        "bound-reader": {
          clientId: "app",
          scopes: ["read"],
          claims: { cnf: { jkt: client.jkt } },
        },
        "plain-reader": { clientId: "app", scopes: ["read"] },
      },
    });
    const metadata =
      "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
    for (const required of [true, false]) {
      const handler = withBearerAuth(
        (request, token) =>
          mcp.fetch(request, {
            authInfo: { ...token!, resourceMetadataUrl: metadata },
          }),
        {
          verifier,
          resourceMetadataUrl: metadata,
          dpop: dpopScheme({ required, algorithms: ["ES256"] }),
        },
      );
      const send = async (authorization: string, body: string) =>
        await handler(
          new Request(URL_, {
            method: "POST",
            headers: {
              authorization,
              ...(authorization.startsWith("DPoP ")
                ? { dpop: await proof(authorization.slice(5)) }
                : {}),
              "content-type": "application/json",
              accept: ACCEPT,
              "mcp-protocol-version": "2025-06-18",
            },
            body,
          }),
        );
      const call = rpc(2, "tools/call", { name: "purge", arguments: {} });
      const response = await send("DPoP bound-reader", call);
      assert.equal(response.status, 403);
      const dpopChallenge =
        `DPoP error="insufficient_scope", error_description="Insufficient scope", scope="admin", resource_metadata="${metadata}", algs="ES256"`;
      assert.equal(
        response.headers.get("www-authenticate"),
        required
          ? dpopChallenge
          : `Bearer resource_metadata="${metadata}", ${dpopChallenge}`,
      );
      assert.deepEqual(await response.json(), {
        error: "insufficient_scope",
        error_description: "Insufficient scope",
      });
      if (!required) {
        // A Bearer client gets the same answer in its scheme, never cached,
        // instead of the SDK's own challenge.
        const bearer = await send("Bearer plain-reader", call);
        assert.equal(bearer.status, 403);
        assert.equal(
          bearer.headers.get("www-authenticate"),
          `Bearer error="insufficient_scope", error_description="Insufficient scope", scope="admin", resource_metadata="${metadata}", DPoP resource_metadata="${metadata}", algs="ES256"`,
        );
        assert.equal(bearer.headers.get("cache-control"), "no-store");
        await bearer.body?.cancel();
      }
    }
  });
});
