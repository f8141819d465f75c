import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  isLoopbackHost,
  parseEndpointUrl,
  resourceIdentifierKey,
} from "../../src/_internal/url.ts";

describe("parseEndpointUrl", () => {
  const accepted = [
    "https://example.com",
    "https://example.com/a?b=c",
    "http://localhost:8000/x",
    "http://127.0.0.1/x",
    "http://[::1]:3000/",
  ];
  for (const value of accepted) {
    it(`accepts ${value}`, () => {
      assert.equal(parseEndpointUrl(value, "url").href, new URL(value).href);
    });
  }

  const rejected: [string, unknown, RegExp][] = [
    ["a number", 1, /^url must be a URL or a string, got "1"$/],
    ["a relative path", "/x", /^url must be an absolute URL, got "\/x"$/],
    ["http off loopback", "http://localhost.example.com/", /must use https/],
    ["a javascript: URL", "javascript:alert(1)", /must use https/],
    [
      "a fragment",
      new URL("https://example.com/#a"),
      /must not have a fragment/,
    ],
    ["an empty fragment", "https://example.com/#", /must not have a fragment/],
    [
      "credentials",
      "https://user:pw@example.com/",
      /must not contain credentials/,
    ],
    ["a tab", "https://example.com/\tx", /must not contain whitespace/],
    ["a NUL", "https://example.com/\u0000", /control characters/],
  ];
  for (const [name, value, message] of rejected) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => parseEndpointUrl(value, "url"),
        (error: unknown) =>
          error instanceof TypeError && message.test(error.message),
      );
    });
  }

  it("rejects a query only when asked to", () => {
    assert.ok(parseEndpointUrl("https://a.example/?x", "url"));
    assert.throws(
      () =>
        parseEndpointUrl("https://a.example/?x", "issuer", { query: false }),
      /^TypeError: issuer must not have a query/,
    );
    assert.throws(
      () => parseEndpointUrl("https://a.example/?", "issuer", { query: false }),
      /must not have a query/,
    );
  });
});

describe("parseEndpointUrl() never echoes credentials", () => {
  for (
    const value of [
      "https://user:s3cret@auth.example.com/jwks",
      new URL("https://user:s3cret@auth.example.com/jwks"),
      "ftp://user:s3cret@auth.example.com/jwks",
    ]
  ) {
    it(`refuses ${String(value).slice(0, 5)}... without the password in the message`, () => {
      assert.throws(
        () => parseEndpointUrl(value, "url"),
        (error: unknown) =>
          error instanceof TypeError && !error.message.includes("s3cret"),
      );
    });
  }
});

describe("isLoopbackHost", () => {
  it("is localhost and the loopback IP literals, as URL gives hostnames", () => {
    for (
      const url of [
        "http://localhost/",
        "http://LOCALHOST:80/",
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://[0:0:0:0:0:0:0:1]/",
      ]
    ) {
      assert.equal(isLoopbackHost(new URL(url).hostname), true, url);
    }
    for (
      const host of [
        "127.0.0.2",
        "localhost.example.com",
        "::1",
        "0.0.0.0",
        "example.com",
      ]
    ) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe("resourceIdentifierKey (MCP canonical URI)", () => {
  const same: [string, string][] = [
    ["HTTPS://MCP.EXAMPLE.COM/mcp", "https://mcp.example.com/mcp"],
    ["https://mcp.example.com:443/mcp", "https://mcp.example.com/mcp"],
    ["http://localhost:80/mcp", "http://localhost/mcp"],
    ["https://mcp.example.com:/mcp", "https://mcp.example.com/mcp"],
    ["https://mcp.example.com", "https://mcp.example.com/"],
    ["https://mcp.example.com?x=1", "https://mcp.example.com/?x=1"],
    ["https://[::1]:443/mcp", "https://[::1]/mcp"],
    ["HTTPS://User@Host.Example/mcp", "https://User@host.example/mcp"],
  ];
  for (const [a, b] of same) {
    it(`keys ${a} as ${b}`, () => {
      assert.equal(resourceIdentifierKey(a), resourceIdentifierKey(b));
      assert.equal(resourceIdentifierKey(a), b);
    });
  }

  const different: [string, string][] = [
    ["https://mcp.example.com/mcp", "https://mcp.example.com/MCP"],
    ["https://mcp.example.com/mcp", "https://mcp.example.com/mcp/"],
    ["https://mcp.example.com/mcp", "https://mcp.example.com/a/../mcp"],
    ["https://mcp.example.com/mcp", "https://mcp.example.com/%6Dcp"],
    ["https://mcp.example.com/mcp", "https://mcp.example.com:8443/mcp"],
    ["https://mcp.example.com/mcp", "http://mcp.example.com/mcp"],
    ["https://mcp.example.com:80/mcp", "https://mcp.example.com/mcp"],
    ["https://mcp.example.com/mcp?a=1", "https://mcp.example.com/mcp?A=1"],
    ["api://default", "API://default/"],
    ["urn:example:mcp", "URN:example:mcp"],
  ];
  for (const [a, b] of different) {
    it(`keeps ${a} and ${b} apart`, () => {
      assert.notEqual(resourceIdentifierKey(a), resourceIdentifierKey(b));
    });
  }

  it("lower-cases only scheme and host of a URI of another scheme", () => {
    assert.equal(resourceIdentifierKey("API://Default"), "api://default");
    assert.equal(resourceIdentifierKey("my-api"), "my-api");
  });
});
