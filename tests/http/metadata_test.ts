import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  protectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
  protectedResourceMetadataUrl,
} from "../../mod.ts";

const RESOURCE = "https://mcp.example.com/mcp";
const WELL_KNOWN =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

describe("protectedResourceMetadataUrl", () => {
  const table: [string | URL, string][] = [
    ["https://mcp.example.com/mcp", WELL_KNOWN],
    [
      "https://mcp.example.com",
      "https://mcp.example.com/.well-known/oauth-protected-resource",
    ],
    [
      "https://mcp.example.com/",
      "https://mcp.example.com/.well-known/oauth-protected-resource",
    ],
    [
      "https://mcp.example.com/a/b/",
      "https://mcp.example.com/.well-known/oauth-protected-resource/a/b/",
    ],
    [
      "https://mcp.example.com:8443/mcp?tenant=1",
      "https://mcp.example.com:8443/.well-known/oauth-protected-resource/mcp?tenant=1",
    ],
    [
      "http://localhost:8000/mcp",
      "http://localhost:8000/.well-known/oauth-protected-resource/mcp",
    ],
    [new URL("https://MCP.Example.com/mcp"), WELL_KNOWN],
  ];
  for (const [resource, expected] of table) {
    it(`inserts the well-known path for ${String(resource)} (RFC 9728 §3.1)`, () => {
      assert.equal(protectedResourceMetadataUrl(resource).href, expected);
    });
  }

  it("keeps origin, path and query around the well-known segment (property)", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), (raw) => {
        const url = new URL(raw.replace(/^http:/, "https:"));
        if (url.username !== "" || url.password !== "") return true;
        const result = protectedResourceMetadataUrl(url);
        const path = url.pathname === "/" ? "" : url.pathname;
        assert.equal(result.origin, url.origin);
        assert.equal(
          result.pathname,
          `/.well-known/oauth-protected-resource${path}`,
        );
        assert.equal(result.search, url.search);
        assert.equal(result.hash, "");
      }),
      { numRuns: 300 },
    );
  });

  for (
    const bad of [
      "/mcp",
      "http://example.com/mcp",
      "https://example.com/mcp#x",
      "https://u:p@example.com/",
    ]
  ) {
    it(`throws TypeError for ${bad}`, () => {
      assert.throws(() => protectedResourceMetadataUrl(bad), TypeError);
    });
  }
});

describe("protectedResourceMetadata", () => {
  const options: ProtectedResourceMetadataOptions = {
    resource: RESOURCE,
    authorizationServers: [
      "https://auth.example.com",
      new URL("https://auth.example.com/tenant"),
    ],
    scopesSupported: ["mcp", "files:read", "mcp"],
    resourceName: "Example MCP",
    resourceDocumentation: "https://docs.example.com/mcp",
    resourcePolicyUri: "https://example.com/policy",
    resourceTosUri: "https://example.com/tos",
  };
  const serve = protectedResourceMetadata(options);
  const document = {
    resource: RESOURCE,
    authorization_servers: [
      "https://auth.example.com",
      "https://auth.example.com/tenant",
    ],
    scopes_supported: ["mcp", "files:read"],
    bearer_methods_supported: ["header"],
    resource_name: "Example MCP",
    resource_documentation: "https://docs.example.com/mcp",
    resource_policy_uri: "https://example.com/policy",
    resource_tos_uri: "https://example.com/tos",
  };

  it("answers GET with the RFC 9728 document, CORS and cache headers", async () => {
    const response = serve(new Request(WELL_KNOWN));
    assert.equal(response.status, 200);
    assert.deepEqual(Object.fromEntries(response.headers), {
      "access-control-allow-origin": "*",
      "cache-control": "public, max-age=3600",
      "content-type": "application/json",
    });
    assert.deepEqual(await response.json(), document);
  });

  it("answers HEAD with the same headers and no body", () => {
    const response = serve(new Request(WELL_KNOWN, { method: "HEAD" }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    assert.equal(response.body, null);
  });

  it("serves the resource exactly as given, without a trailing slash added", async () => {
    const bare = protectedResourceMetadata({
      resource: "https://mcp.example.com",
      authorizationServers: ["https://auth.example.com"],
    });
    const body = await bare(
      new Request(
        "https://mcp.example.com/.well-known/oauth-protected-resource",
      ),
    ).json();
    assert.deepEqual(body, {
      resource: "https://mcp.example.com",
      authorization_servers: ["https://auth.example.com"],
      bearer_methods_supported: ["header"],
    });
  });

  it("honours maxAge", () => {
    const short = protectedResourceMetadata({ ...options, maxAge: 60 });
    assert.equal(
      short(new Request(WELL_KNOWN)).headers.get("cache-control"),
      "public, max-age=60",
    );
  });

  it("answers an OPTIONS preflight with 204, echoing well-formed requested headers", async () => {
    const response = serve(
      new Request(WELL_KNOWN, {
        method: "OPTIONS",
        headers: {
          origin: "https://app.example.com",
          "access-control-request-method": "GET",
          "access-control-request-headers":
            "mcp-protocol-version, authorization",
        },
      }),
    );
    assert.equal(response.status, 204);
    assert.deepEqual(Object.fromEntries(response.headers), {
      "access-control-allow-headers": "mcp-protocol-version, authorization",
      "access-control-allow-methods": "GET, HEAD, OPTIONS",
      "access-control-allow-origin": "*",
      "access-control-max-age": "86400",
      vary: "Access-Control-Request-Headers",
    });
    assert.equal(await response.text(), "");
  });

  it("does not echo malformed requested headers in a preflight", () => {
    const response = serve(
      new Request(WELL_KNOWN, {
        method: "OPTIONS",
        headers: { "access-control-request-headers": 'a b, "c"' },
      }),
    );
    assert.equal(response.status, 204);
    assert.equal(response.headers.get("access-control-allow-headers"), null);
  });

  for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
    it(`answers ${method} with 405 and Allow`, async () => {
      const response = serve(
        new Request(WELL_KNOWN, {
          method,
          body: method === "DELETE" ? null : "x",
        }),
      );
      assert.equal(response.status, 405);
      assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      assert.deepEqual(await response.json(), {
        error: "method_not_allowed",
        error_description: "Use GET",
      });
    });
  }

  const base = {
    resource: RESOURCE,
    authorizationServers: ["https://auth.example.com"],
  };
  const bad: [string, unknown, RegExp][] = [
    [
      "no options",
      undefined,
      /expects an options object with resource and authorizationServers/,
    ],
    [
      "no resource",
      { authorizationServers: ["https://a.example"] },
      /^protectedResourceMetadata option "resource" must be a URL or a string/,
    ],
    [
      "a relative resource",
      { ...base, resource: "/mcp" },
      /^protectedResourceMetadata option "resource" must be an absolute URL, got "\/mcp"$/,
    ],
    ["an http resource off localhost", {
      ...base,
      resource: "http://mcp.example.com/",
    }, /^protectedResourceMetadata option "resource" must use https/],
    ["a resource with a fragment", {
      ...base,
      resource: "https://mcp.example.com/#a",
    }, /^protectedResourceMetadata option "resource" must not have a fragment/],
    ["a resource with an empty fragment", {
      ...base,
      resource: "https://mcp.example.com/#",
    }, /must not have a fragment/],
    ["a resource with whitespace", {
      ...base,
      resource: " https://mcp.example.com/",
    }, /must not contain whitespace/],
    [
      "no authorizationServers",
      { resource: RESOURCE },
      /^protectedResourceMetadata option "authorizationServers" must be a non-empty array/,
    ],
    [
      "empty authorizationServers",
      { ...base, authorizationServers: [] },
      /non-empty array of issuer URLs/,
    ],
    [
      "an authorization server with a query",
      {
        ...base,
        authorizationServers: ["https://a.example/?x=1"],
      },
      /^protectedResourceMetadata option "authorizationServers" must not have a query/,
    ],
    [
      "an http authorization server",
      {
        ...base,
        authorizationServers: ["http://a.example"],
      },
      /^protectedResourceMetadata option "authorizationServers" must use https/,
    ],
    [
      "a bad scope",
      { ...base, scopesSupported: ["a b"] },
      /^protectedResourceMetadata option "scopesSupported" expects scopes to be/,
    ],
    [
      "an empty resourceName",
      { ...base, resourceName: " " },
      /^protectedResourceMetadata option "resourceName" must be a non-empty string/,
    ],
    [
      "a resourceName with LF",
      { ...base, resourceName: "a\nb" },
      /without control characters/,
    ],
    [
      "a relative resourceDocumentation",
      {
        ...base,
        resourceDocumentation: "docs",
      },
      /^protectedResourceMetadata option "resourceDocumentation" must be an absolute URL/,
    ],
    [
      "a negative maxAge",
      { ...base, maxAge: -1 },
      /^protectedResourceMetadata option "maxAge" must be an integer of seconds of at least 0/,
    ],
    [
      "a fractional maxAge",
      { ...base, maxAge: 1.5 },
      /^protectedResourceMetadata option "maxAge" must be an integer of seconds of at least 0/,
    ],
    [
      "an unknown option",
      { ...base, scopes_supported: ["a"] },
      /^Unknown protectedResourceMetadata option "scopes_supported"/,
    ],
    [
      "dpopBoundAccessTokensRequired that is not a boolean",
      { ...base, dpopBoundAccessTokensRequired: "yes" },
      /^protectedResourceMetadata option "dpopBoundAccessTokensRequired" must be true or false/,
    ],
    [
      "a DPoP algorithm that is an HMAC",
      { ...base, dpopSigningAlgValuesSupported: ["ES256", "HS256"] },
      /^protectedResourceMetadata option "dpopSigningAlgValuesSupported" must be an array of asymmetric JWS algorithm names \(RFC 9449 §4.2\)/,
    ],
    [
      "the DPoP algorithm none",
      { ...base, dpopSigningAlgValuesSupported: ["none"] },
      /"dpopSigningAlgValuesSupported" must be an array of asymmetric/,
    ],
    [
      "DPoP algorithms that are a string",
      { ...base, dpopSigningAlgValuesSupported: "ES256" },
      /"dpopSigningAlgValuesSupported" must be an array of asymmetric/,
    ],
  ];
  for (const [name, opts, message] of bad) {
    it(`throws TypeError at construction for ${name}`, () => {
      assert.throws(
        () =>
          protectedResourceMetadata(opts as ProtectedResourceMetadataOptions),
        (error: unknown) =>
          error instanceof TypeError && message.test(error.message),
      );
    });
  }
});

describe("protectedResourceMetadata members and routing (RFC 9728 §2, §3)", () => {
  const base = {
    resource: RESOURCE,
    authorizationServers: ["https://auth.example.com"],
  };

  it("omits members without a value: an empty scopes_supported, a false DPoP requirement (§3.2)", async () => {
    const serve = protectedResourceMetadata({
      ...base,
      scopesSupported: [],
      dpopBoundAccessTokensRequired: false,
      dpopSigningAlgValuesSupported: [],
    });
    assert.deepEqual(await serve(new Request(WELL_KNOWN)).json(), {
      resource: RESOURCE,
      authorization_servers: ["https://auth.example.com"],
      bearer_methods_supported: ["header"],
    });
  });

  it("never advertises offline_access, omitting scopes_supported when nothing else is left", async () => {
    const some = protectedResourceMetadata({
      ...base,
      scopesSupported: ["offline_access", "mcp", "offline_access"],
    });
    assert.deepEqual(
      (await some(new Request(WELL_KNOWN)).json()).scopes_supported,
      ["mcp"],
    );
    const none = protectedResourceMetadata({
      ...base,
      scopesSupported: ["offline_access"],
    });
    assert.ok(
      !("scopes_supported" in await none(new Request(WELL_KNOWN)).json()),
    );
  });

  it("states dpop_bound_access_tokens_required and dpop_signing_alg_values_supported", async () => {
    const serve = protectedResourceMetadata({
      ...base,
      dpopBoundAccessTokensRequired: true,
      dpopSigningAlgValuesSupported: ["ES256", "EdDSA", "ES256"],
    });
    const document = await serve(new Request(WELL_KNOWN)).json();
    assert.equal(document.dpop_bound_access_tokens_required, true);
    assert.deepEqual(document.dpop_signing_alg_values_supported, [
      "ES256",
      "EdDSA",
    ]);
  });

  it("answers only at its own well-known path: 404 elsewhere, whatever the method", async () => {
    const serve = protectedResourceMetadata(base);
    for (
      const url of [
        "https://mcp.example.com/mcp",
        "https://mcp.example.com/.well-known/oauth-protected-resource",
        `${WELL_KNOWN}/`,
        `${WELL_KNOWN}x`,
        "https://mcp.example.com/.well-known/oauth-authorization-server",
      ]
    ) {
      for (const method of ["GET", "POST"]) {
        const response = serve(
          new Request(url, { method, body: method === "POST" ? "x" : null }),
        );
        assert.equal(response.status, 404, `${method} ${url}`);
        assert.equal(response.headers.get("cache-control"), "no-store");
        assert.equal((await response.json()).error, "not_found");
      }
    }
    // Its own path, with a query, is still its own.
    assert.equal(serve(new Request(`${WELL_KNOWN}?x=1`)).status, 200);
  });
});
