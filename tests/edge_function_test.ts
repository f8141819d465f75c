import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { handler } from "../examples/edge_function.ts";

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
