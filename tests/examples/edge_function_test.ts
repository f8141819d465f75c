import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { handler } from "../../examples/edge_function.ts";

// The README's "Edge function in 15 lines", exercised end to end.
describe("examples/edge_function.ts", () => {
  const base = "http://127.0.0.1:8000";

  it("serves the metadata document at the path-aware well-known URL", async () => {
    const response = await handler(
      new Request(`${base}/.well-known/oauth-protected-resource/mcp`),
    );
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      resource: `${base}/mcp`,
      authorization_servers: ["https://auth.example.com"],
      scopes_supported: ["mcp"],
      bearer_methods_supported: ["header"],
    });
  });

  it("challenges a request without token, pointing at the metadata", async () => {
    const response = await handler(
      new Request(`${base}/mcp`, { method: "POST" }),
    );
    assert.equal(response.status, 401);
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer scope="mcp", resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it("answers a request with the development token", async () => {
    const response = await handler(
      new Request(`${base}/mcp`, {
        headers: { authorization: "Bearer dev-token" },
      }),
    );
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { hello: "dev" });
  });
});

describe("examples/edge_function.ts over HTTP on 127.0.0.1", () => {
  // Deno.serve is Deno's own: Bun and Node report this test as skipped.
  it("sends the challenge and the metadata across a real connection", {
    skip: typeof Deno === "undefined" && "needs Deno.serve",
  }, async () => {
    const controller = new AbortController();
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      signal: controller.signal,
      onListen() {},
    }, handler);
    try {
      const origin = `http://127.0.0.1:${server.addr.port}`;
      const timeout = AbortSignal.timeout(5_000);
      const denied = await fetch(`${origin}/mcp`, { signal: timeout });
      assert.equal(denied.status, 401);
      assert.equal(denied.headers.get("cache-control"), "no-store");
      assert.equal(
        denied.headers.get("www-authenticate"),
        'Bearer scope="mcp", resource_metadata="http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp"',
      );
      await denied.body?.cancel();

      const malformed = await fetch(`${origin}/mcp`, {
        headers: { authorization: "Bearer dev-token extra" },
        signal: timeout,
      });
      assert.equal(malformed.status, 400);
      assert.deepEqual(await malformed.json(), {
        error: "invalid_request",
        error_description: "Malformed Authorization header",
      });

      const ok = await fetch(`${origin}/mcp`, {
        headers: { authorization: "bearer dev-token" },
        signal: timeout,
      });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { hello: "dev" });
    } finally {
      controller.abort();
      await server.finished;
    }
  });
});
