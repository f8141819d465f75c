// src/dev/_core.ts: the router: its own paths only, CORS preflights, the
// methods each endpoint takes, and a 500 that says nothing when an
// endpoint fails.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { devServer, json, ORIGIN, REDIRECT, send } from "./_flow.ts";

describe("dev server routing", () => {
  it("leaves other paths alone and refuses wrong methods", async () => {
    const dev = await devServer();
    assert.equal(await dev.handle(new Request(`${ORIGIN}/mcp`)), undefined);
    assert.equal(
      await dev.handle(new Request(`${ORIGIN}/oauth/other`)),
      undefined,
    );
    const wrong = await send(dev, "/oauth/token");
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "POST, OPTIONS");
    const preflight = await send(dev, "/oauth/token", { method: "OPTIONS" });
    assert.equal(preflight.status, 204);
    assert.match(
      preflight.headers.get("access-control-allow-headers")!,
      /Content-Type/,
    );
  });

  for (
    const [path, method, allow] of [
      ["/oauth/register", "GET", "POST, OPTIONS"],
      ["/oauth/authorize", "PUT", "GET, POST, OPTIONS"],
      ["/oauth/jwks", "POST", "GET, HEAD, OPTIONS"],
      [
        "/.well-known/oauth-authorization-server/oauth",
        "DELETE",
        "GET, HEAD, OPTIONS",
      ],
    ] as const
  ) {
    it(`answers ${method} ${path} with 405 and Allow: ${allow}`, async () => {
      const dev = await devServer();
      const response = await send(dev, path, {
        method,
        ...(method === "GET" ? {} : { body: "x" }),
      });
      assert.equal(response.status, 405);
      assert.equal(response.headers.get("allow"), allow);
      assert.equal((await response.json()).error, "invalid_request");
    });
  }

  it("fails closed with a 500 that says nothing of the cause", async () => {
    let broken = false;
    const dev = await devServer({
      now: () => {
        if (broken) throw new Error("clock secret");
        return Date.now();
      },
    });
    broken = true;
    const response = await send(
      dev,
      "/oauth/register",
      json({ redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" }),
    );
    assert.equal(response.status, 500);
    const body = await response.json();
    assert.equal(body.error, "server_error");
    assert.doesNotMatch(JSON.stringify(body), /clock secret/);
  });
});
