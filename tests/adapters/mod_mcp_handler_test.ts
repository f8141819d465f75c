// withMcpAuth of @mcp-authz/core/mcp-handler, with the real mcp-handler
// package: first what mcp-handler's own withMcpAuth does with a verifier of
// ours (the bug it fixes), then the same requests through ours.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createMcpHandler,
  withMcpAuth as mcpHandlerWithMcpAuth,
} from "mcp-handler";
import { OAuthError, OAuthErrorCode } from "@modelcontextprotocol/server";
import {
  Authorizer,
  bearerAuth,
  dpopScheme,
  JwtVerifier,
  restrictTag,
} from "../../mod.ts";
import { guardServer } from "../../src/mcp/mod.ts";
import { withMcpAuth } from "../../src/adapters/mod_mcp_handler.ts";
import { AUDIENCE, json, serve, type TestServer } from "../_jwt_fixtures.ts";
import {
  type DpopKey,
  dpopKey,
  MCP_URL,
  mcpRequest,
  METADATA_URL,
  proof,
  REFUSED,
  rpc,
  snapshot,
  verifier,
} from "./_fixtures.ts";

/** Replaces console.error and console.warn while `run` runs. */
async function capturingConsole(
  run: () => Promise<void>,
): Promise<{ error: unknown[][]; warn: unknown[][] }> {
  const seen = { error: [] as unknown[][], warn: [] as unknown[][] };
  const { error, warn } = console;
  console.error = (...args: unknown[]) => void seen.error.push(args);
  console.warn = (...args: unknown[]) => void seen.warn.push(args);
  try {
    await run();
  } finally {
    console.error = error;
    console.warn = warn;
  }
  return seen;
}

/** mcp-handler's handler with a guarded server: purge needs "admin". */
function notes(): (request: Request) => Promise<Response> {
  const authorizer = new Authorizer({
    layers: [restrictTag("admin", { scopes: ["admin"] })],
  });
  return createMcpHandler((server) => {
    const guarded = guardServer(server, { authorizer });
    guarded.tool("whoami", {}, (ctx) => ({
      content: [{ type: "text", text: JSON.stringify(ctx.http?.authInfo) }],
    }));
    guarded.tool("purge", { tags: ["admin"] }, () => ({ content: [] }));
  });
}

/** The JSON-RPC result of a JSON or SSE answer. */
async function result(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  const data = text.startsWith("{") ? text : /^data: (.*)$/m.exec(text)?.[1];
  assert.ok(data !== undefined, text);
  return JSON.parse(data).result;
}

describe("mcp-handler's own withMcpAuth with a verifier of ours (the bug)", () => {
  let jwksDown: TestServer;
  let jwt: JwtVerifier;
  before(async () => {
    jwksDown = await serve((_req, res) => json(res, "down", 503));
    jwt = new JwtVerifier({
      jwksUri: jwksDown.url,
      issuer: "https://auth.example.com/",
      audience: AUDIENCE,
      cache: false,
    });
  });
  after(() => jwksDown?.close());

  const theirs = () =>
    mcpHandlerWithMcpAuth(
      notes(),
      (_request, bearer) =>
        bearer === undefined ? undefined : jwt.verifyToken(bearer),
      { required: true },
    );

  it("logs the error with its stack for every bad token", async () => {
    const handler = theirs();
    const seen = await capturingConsole(async () => {
      for (let i = 0; i < 3; i++) {
        const response = await handler(
          mcpRequest(rpc("tools/list"), { authorization: "Bearer garbage" }),
        );
        assert.equal(response.status, 401);
        await response.body?.cancel();
      }
    });
    assert.equal(seen.error.length, 3);
    const logged = seen.error[0]![1];
    assert.ok(logged instanceof Error && logged.name === "InvalidTokenError");
    assert.match(logged.stack ?? "", /\n\s+at /);
  });

  it("answers an unreachable JWKS with a 401 (the token is fine), not a 503", async () => {
    const handler = theirs();
    const token = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4In0.c2ln";
    let response: Response | undefined;
    const seen = await capturingConsole(async () => {
      response = await handler(
        mcpRequest(rpc("tools/list"), { authorization: `Bearer ${token}` }),
      );
    });
    assert.equal(response!.status, 401);
    assert.match(
      response!.headers.get("www-authenticate")!,
      /error="invalid_token"/,
    );
    assert.equal(response!.headers.get("retry-after"), null);
    await response!.body?.cancel();
    const logged = seen.error[0]?.[1];
    assert.ok(logged instanceof Error);
    assert.equal(logged.name, "VerifierUnavailableError");
  });

  it("has no 503 to give: the best a verifyToken can throw is answered 500", async () => {
    const handler = mcpHandlerWithMcpAuth(notes(), () => {
      throw new OAuthError(OAuthErrorCode.ServerError, "JWKS unreachable");
    });
    const response = await handler(
      mcpRequest(rpc("tools/list"), { authorization: "Bearer t" }),
    );
    assert.equal(response.status, 500);
    await response.body?.cancel();
  });
});

describe("withMcpAuth (@mcp-authz/core/mcp-handler)", () => {
  let key: DpopKey;
  before(async () => {
    key = await dpopKey();
  });

  for (const { name, init, url } of REFUSED) {
    it(`answers ${name} exactly as bearerAuth does, without running the handler`, async () => {
      const options = {
        verifier: verifier(),
        requiredScopes: ["read"],
        resourceMetadataUrl: METADATA_URL,
        onError: () => {},
      };
      let ran = 0;
      const handler = withMcpAuth(() => {
        ran++;
        return new Response("ran");
      }, options);
      const ours = await handler(new Request(url ?? MCP_URL, init));
      const reference = await bearerAuth(options)(
        new Request(url ?? MCP_URL, init),
      );
      assert.ok(reference instanceof Response);
      assert.deepEqual(await snapshot(ours), await snapshot(reference));
      assert.ok([400, 401, 403, 503].includes(ours.status), `${ours.status}`);
      assert.equal(ran, 0);
    });
  }

  it("answers an unreachable JWKS with a 503 and Retry-After, told in one line", async () => {
    const jwksDown = await serve((_req, res) => json(res, "down", 503));
    try {
      const handler = withMcpAuth(notes(), {
        verifier: new JwtVerifier({
          jwksUri: jwksDown.url,
          issuer: "https://auth.example.com/",
          audience: AUDIENCE,
        }),
      });
      const token = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4In0.c2ln";
      let statuses: number[] = [];
      const seen = await capturingConsole(async () => {
        statuses = [];
        for (const authorization of ["Bearer garbage", `Bearer ${token}`]) {
          const response = await handler(
            mcpRequest(rpc("tools/list"), { authorization }),
          );
          statuses.push(response.status);
          if (response.status === 503) {
            assert.ok(Number(response.headers.get("retry-after")) > 0);
          }
          await response.body?.cancel();
        }
      });
      assert.deepEqual(statuses, [401, 503]);
      // Nothing for the bad token; one line, no stack, for the outage.
      assert.deepEqual(seen.error, []);
      assert.equal(seen.warn.length, 1);
      assert.equal(seen.warn[0]!.length, 1);
      const line = String(seen.warn[0]![0]);
      assert.match(
        line,
        /^withMcpAuth: token verification unavailable, answered 503: VerifierUnavailableError: /,
      );
      assert.doesNotMatch(line, /\n/);
    } finally {
      await jwksDown.close();
    }
  });

  it("hands mcp-handler the token as request.auth, stamped with the metadata URL", async () => {
    const handler = withMcpAuth(notes(), {
      verifier: verifier(),
      resourceMetadataUrl: METADATA_URL,
    });
    const response = await handler(
      mcpRequest(rpc("tools/call", { name: "whoami", arguments: {} }), {
        authorization: "Bearer reader-token",
      }),
    );
    assert.equal(response.status, 200);
    const content = (await result(response)).content as { text: string }[];
    const authInfo = JSON.parse(content[0]!.text);
    assert.equal(authInfo.clientId, "reader");
    assert.deepEqual(authInfo.scopes, ["read"]);
    assert.equal(authInfo.resourceMetadataUrl, METADATA_URL);
  });

  it("lets the SDK's 403 step-up challenge name the metadata document", async () => {
    const handler = withMcpAuth(notes(), {
      verifier: verifier(),
      resourceMetadataUrl: METADATA_URL,
    });
    const response = await handler(
      mcpRequest(rpc("tools/call", { name: "purge", arguments: {} }), {
        authorization: "Bearer reader-token",
      }),
    );
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer error="insufficient_scope", error_description="Insufficient scope", scope="admin", resource_metadata="${METADATA_URL}"`,
    );
    await response.body?.cancel();
  });

  it("answers the SDK's 403 in the DPoP scheme for a DPoP client", async () => {
    const handler = withMcpAuth(notes(), {
      verifier: verifier(key.jkt),
      resourceMetadataUrl: METADATA_URL,
      dpop: dpopScheme({ required: true, algorithms: ["ES256"] }),
    });
    const response = await handler(
      mcpRequest(rpc("tools/call", { name: "purge", arguments: {} }), {
        authorization: "DPoP bound-reader",
        dpop: await proof(key, "bound-reader"),
      }),
    );
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get("www-authenticate"),
      `DPoP error="insufficient_scope", error_description="Insufficient scope", scope="admin", resource_metadata="${METADATA_URL}", algs="ES256"`,
    );
    await response.body?.cancel();
  });

  it("always sets request.auth itself: a value set before never reaches the SDK", async () => {
    const seen: unknown[] = [];
    const handler = withMcpAuth((request) => {
      seen.push(request.auth);
      return new Response("ok");
    }, { verifier: verifier(), optional: true });
    const forged = new Request(MCP_URL);
    Object.assign(forged, {
      auth: { token: "x", clientId: "admin", scopes: ["admin"] },
    });
    assert.equal((await handler(forged)).status, 200);
    Object.defineProperty(forged, "auth", { get: () => ({ clientId: "x" }) });
    assert.equal((await handler(forged)).status, 200);
    const reader = new Request(MCP_URL, {
      headers: { authorization: "Bearer reader-token" },
    });
    Object.assign(reader, { auth: { clientId: "admin", scopes: ["admin"] } });
    assert.equal((await handler(reader)).status, 200);
    assert.equal(seen[0], undefined);
    assert.equal(seen[1], undefined);
    assert.equal((seen[2] as { clientId: string }).clientId, "reader");
  });

  it("refuses a handler that is not a function, or bad options, naming itself", () => {
    assert.throws(
      () => withMcpAuth("nope" as never, { verifier: verifier() }),
      { name: "TypeError", message: /^withMcpAuth expects a handler function/ },
    );
    assert.throws(
      () =>
        withMcpAuth(notes(), {
          verifier: verifier(),
          verifyToken: () => undefined,
        } as never),
      {
        name: "TypeError",
        message: /^Unknown withMcpAuth option "verifyToken"/,
      },
    );
    assert.throws(() => withMcpAuth(notes(), null as never), {
      name: "TypeError",
      message: /^withMcpAuth expects an options object with a verifier/,
    });
    assert.throws(
      () =>
        withMcpAuth(notes(), {
          verifier: verifier(),
          dpop: { required: true } as never,
        }),
      {
        name: "TypeError",
        message:
          /withMcpAuth option "dpop" takes the object dpopScheme\(\) makes/,
      },
    );
  });
});
