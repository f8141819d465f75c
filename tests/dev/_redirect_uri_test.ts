// src/dev/_redirect_uri.ts: which redirect URIs a client may register, and
// which requested one matches a registered one.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  redirectStaysOnDevice,
  redirectUriMatches,
  redirectUriProblem,
} from "../../src/dev/_redirect_uri.ts";
import { authorize, codeRequest, devServer, register } from "./_flow.ts";

describe("dev server redirect URIs", () => {
  it("lets a loopback IP redirect URI change its port (RFC 8252 §7.3), not its path", async () => {
    const dev = await devServer();
    const client = await register(dev, {
      redirect_uris: ["http://127.0.0.1/cb"],
    });
    const { params } = await codeRequest(client, {
      redirect_uri: "http://127.0.0.1:5555/cb",
    });
    const back = await authorize(dev, params);
    assert.equal(new URL(back.headers.get("location")!).port, "5555");
    const { params: otherPath } = await codeRequest(client, {
      redirect_uri: "http://127.0.0.1:5555/other",
    });
    const refused = await authorize(dev, otherPath);
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get("location"), null);
  });

  it("does not extend port flexibility to localhost", async () => {
    const dev = await devServer();
    const client = await register(dev, {
      redirect_uris: ["http://localhost:1234/cb"],
    });
    const { params } = await codeRequest(client, {
      redirect_uri: "http://localhost:4321/cb",
    });
    const refused = await authorize(dev, params);
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get("location"), null);
  });

  for (
    const [uri, problem] of [
      ["https://app.example/cb", undefined],
      ["http://127.0.0.1:5555/cb", undefined],
      ["http://[::1]/cb", undefined],
      ["http://localhost/cb", undefined],
      ["com.example.app:/callback", undefined],
      ["http://127.0.0.2/cb", /not loopback/],
      ["http://example.com/cb", /not loopback/],
      ["javascript:alert(1)", /forbidden scheme "javascript:"/],
      ["data:text/html,x", /forbidden scheme/],
      ["https://app.example/cb#", /fragment/],
      ["https://user:pw@app.example/cb", /credentials/],
      ["/cb", /not an absolute URL/],
      [`https://app.example/${"x".repeat(2000)}`, /too long/],
    ] as const
  ) {
    it(`${problem === undefined ? "accepts" : "refuses"} ${uri.slice(0, 40)}`, () => {
      const found = redirectUriProblem(uri);
      if (problem === undefined) assert.equal(found, undefined);
      else assert.match(found ?? "", problem);
    });
  }

  it("matches exactly, or a loopback IP literal on any port", () => {
    assert.ok(
      redirectUriMatches("https://a.example/cb", "https://a.example/cb"),
    );
    assert.ok(
      !redirectUriMatches("https://a.example/cb", "https://a.example:8443/cb"),
    );
    assert.ok(redirectUriMatches("http://[::1]/cb", "http://[::1]:4000/cb"));
    assert.ok(
      !redirectUriMatches(
        "http://127.0.0.1/cb?a=1",
        "http://127.0.0.1:4000/cb?a=2",
      ),
    );
    assert.ok(
      !redirectUriMatches("http://127.0.0.1/cb", "http://127.0.0.1:4000/cb#x"),
    );
    assert.ok(
      !redirectUriMatches("http://127.0.0.1/cb", "http://[::1]:4000/cb"),
    );
  });
});

describe("redirectStaysOnDevice", () => {
  for (
    const [uri, expected] of [
      ["http://127.0.0.1:7777/cb", true],
      ["http://localhost:6274/oauth/callback", true],
      ["http://[::1]/cb", true],
      ["https://localhost/cb", true],
      ["com.example.app:/oauth2redirect", true],
      ["vscode://vscode.github-authentication/did-authenticate", true],
      ["https://app.example/cb", false],
      ["http://127.0.0.2/cb", false],
      ["web+evil://cb", false],
      ["mailto:someone@example.com", false],
      ["not a url", false],
    ] as const
  ) {
    it(`${expected ? "keeps" : "does not keep"} a code sent to ${uri} on this machine`, () => {
      assert.equal(redirectStaysOnDevice(uri), expected);
    });
  }
});
