// src/adapters/_node_request.ts: the Web Request view of a Node request's
// method, URL and headers that authentication reads.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidRequestError } from "../../mod.ts";
import { requestView } from "../../src/adapters/_node_request.ts";

describe("requestView", () => {
  it("builds the URL from the socket, the Host and the target, with no body", () => {
    const plain = requestView({
      method: "POST",
      url: "/mcp?x=1",
      headers: { host: "127.0.0.1:8000" },
    });
    assert.equal(plain.url, "http://127.0.0.1:8000/mcp?x=1");
    assert.equal(plain.method, "POST");
    assert.equal(plain.body, null);
    const tls = requestView({
      url: "/mcp",
      headers: { host: "mcp.example.com" },
      socket: { encrypted: true },
    });
    assert.equal(tls.url, "https://mcp.example.com/mcp");
    assert.equal(tls.method, "GET");
  });

  it("reads Express's originalUrl, HTTP/2's :authority and an absolute-form target", () => {
    assert.equal(
      requestView({
        url: "/",
        originalUrl: "/api/mcp",
        headers: { host: "h.example" },
      }).url,
      "http://h.example/api/mcp",
    );
    assert.equal(
      requestView({ url: "/mcp", headers: { ":authority": "h2.example" } })
        .url,
      "http://h2.example/mcp",
    );
    assert.equal(
      requestView({ url: "http://proxy.example/mcp", headers: {} }).url,
      "http://proxy.example/mcp",
    );
  });

  it("takes every header line from rawHeaders, else from headers", () => {
    const fromRaw = requestView({
      url: "/",
      headers: { host: "h.example", authorization: "Bearer a" },
      rawHeaders: [
        "Host",
        "h.example",
        "Authorization",
        "Bearer a",
        "Authorization",
        "Bearer b",
      ],
    });
    assert.equal(fromRaw.headers.get("authorization"), "Bearer a, Bearer b");
    const fromObject = requestView({
      url: "/",
      headers: { host: "h.example", dpop: "p", ":path": "/", x: ["1", "2"] },
    });
    assert.equal(fromObject.headers.get("dpop"), "p");
    assert.equal(fromObject.headers.get("x"), "1, 2");
  });

  it("refuses what no Web request can be with InvalidRequestError", () => {
    const bad = [
      { url: "/", headers: {} },
      { url: "/", headers: { host: "a@b" } },
      { url: "/", headers: { host: "a/b" } },
      { url: "*", headers: { host: "h" } },
      { url: "ftp://x/", headers: { host: "h" } },
      { method: "TRACE", url: "/", headers: { host: "h" } },
      { method: "connect", url: "/", headers: { host: "h" } },
      { url: "/", headers: { host: "h" }, rawHeaders: ["x y", "1"] },
    ];
    for (const req of bad) {
      assert.throws(() => requestView(req), InvalidRequestError, req.url);
    }
  });
});
