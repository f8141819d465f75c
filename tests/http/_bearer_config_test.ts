// src/http/_bearer_config.ts: the options of bearerAuth and withBearerAuth,
// validated and compiled once into a frozen Config.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { TokenVerifier } from "../../mod.ts";
import { compileConfig, resourceKey } from "../../src/http/_bearer_config.ts";
import type { AuthScheme } from "../../src/http/scheme.ts";

const RESOURCE = "https://mcp.example.com/mcp";
const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

function verifier(description: Record<string, unknown> = {}): TokenVerifier {
  return {
    verifyToken: () => Promise.reject(new Error("unused")),
    ...description,
  } as TokenVerifier;
}

const compile = (options: Record<string, unknown>) =>
  compileConfig("bearerAuth", { verifier: verifier(), ...options });

const scheme: AuthScheme = {
  name: "DPoP",
  required: false,
  challengeParams: { algs: "ES256" },
  readToken: () => undefined,
  confirm: (_request, token) => token,
};

describe("resourceKey", () => {
  it("ignores scheme and host case and a default port, nothing else", () => {
    const key = resourceKey(new URL(RESOURCE));
    assert.equal(resourceKey(new URL("HTTPS://MCP.Example.com:443/mcp")), key);
    assert.notEqual(resourceKey(new URL("https://mcp.example.com/MCP")), key);
    assert.notEqual(
      resourceKey(new URL("https://mcp.example.com:8443/mcp")),
      key,
    );
    assert.notEqual(resourceKey(new URL("https://mcp.example.com/mcp/")), key);
  });
});

describe("compileConfig", () => {
  it("compiles the defaults into a frozen config", () => {
    const v = verifier();
    const config = compileConfig("bearerAuth", { verifier: v });
    assert.equal(Object.isFrozen(config), true);
    assert.equal(Object.isFrozen(config.requiredScopes), true);
    assert.equal(config.verifier, v);
    assert.deepEqual(config.requiredScopes, []);
    assert.deepEqual(config.challengeScopes, []);
    assert.equal(config.optional, false);
    assert.equal(config.resource, undefined);
    assert.equal(config.hierarchy, undefined);
    assert.equal(config.toleranceMs, 0);
    assert.equal(config.now, Date.now);
    assert.equal(config.scheme, undefined);
    assert.equal(config.decisions, undefined);
    assert.deepEqual(config.challenge.schemes.map((s) => s.name), ["Bearer"]);
  });

  it("refuses what is not an options object, and unknown keys, naming the owner", () => {
    for (const value of [undefined, null, "x", []]) {
      assert.throws(
        () => compileConfig("withBearerAuth", value),
        (error: unknown) =>
          error instanceof TypeError &&
          /^withBearerAuth expects an options object with a verifier/.test(
            error.message,
          ),
      );
    }
    assert.throws(
      () => compile({ requiredScope: ["mcp"] }),
      (error: unknown) =>
        error instanceof TypeError &&
        error.message.includes('Unknown bearerAuth option "requiredScope"') &&
        error.message.includes('did you mean "requiredScopes"?'),
    );
  });

  it("needs a verifier with a verifyToken method", () => {
    for (const v of [undefined, null, {}, { verifyToken: "no" }, () => {}]) {
      assert.throws(
        () => compileConfig("bearerAuth", { verifier: v }),
        /bearerAuth needs a verifier with a verifyToken\(token\) method/,
      );
    }
  });

  it("takes only a scheme object for dpop, saying how to make one", () => {
    assert.equal(compile({ dpop: scheme }).scheme, scheme);
    assert.deepEqual(
      compile({ dpop: scheme }).challenge.schemes.map((s) => s.name),
      ["Bearer", "DPoP"],
    );
    for (const dpop of [true, {}, { ...scheme, confirm: undefined }]) {
      assert.throws(
        () => compile({ dpop }),
        /bearerAuth option "dpop" takes the object dpopScheme\(\) makes.*dpop: dpopScheme\(/,
      );
    }
  });

  it("names the required and the verifier's own valid scopes in challenges", () => {
    const config = compileConfig("bearerAuth", {
      verifier: verifier({ requiredScopes: ["b", "a"] }),
      requiredScopes: ["mcp", "a"],
    });
    assert.deepEqual(config.requiredScopes, ["mcp", "a"].sort());
    assert.deepEqual(config.challengeScopes, ["a", "b", "mcp"]);
    // A verifier's description that is not valid scopes is ignored.
    for (const requiredScopes of ["a", ["bad scope"], [1]]) {
      assert.deepEqual(
        compileConfig("bearerAuth", {
          verifier: verifier({ requiredScopes }),
          requiredScopes: ["mcp"],
        }).challengeScopes,
        ["mcp"],
      );
    }
    assert.throws(() => compile({ requiredScopes: ["bad scope"] }), TypeError);
  });

  it("derives the metadata URL from resource, and refuses another (RFC 9728 §3.1)", () => {
    const config = compile({ resource: RESOURCE });
    assert.equal(config.resource, resourceKey(new URL(RESOURCE)));
    assert.equal(
      config.challenge.resourceMetadata,
      `resource_metadata="${METADATA}"`,
    );
    assert.equal(
      compile({ resource: RESOURCE, resourceMetadataUrl: METADATA }).challenge
        .resourceMetadata,
      `resource_metadata="${METADATA}"`,
    );
    assert.throws(
      () =>
        compile({
          resource: RESOURCE,
          resourceMetadataUrl:
            "https://mcp.example.com/.well-known/oauth-protected-resource",
        }),
      (error: unknown) =>
        error instanceof TypeError &&
        error.message.includes('bearerAuth option "resourceMetadataUrl"') &&
        error.message.includes(METADATA) &&
        error.message.includes("leave resourceMetadataUrl out"),
    );
  });

  it("refuses a resource the verifier's audiences do not include (RFC 8707)", () => {
    assert.throws(
      () =>
        compileConfig("bearerAuth", {
          verifier: verifier({ audiences: false }),
          resource: RESOURCE,
        }),
      /skips it \(audience: false\): set the verifier's audience to "https:\/\/mcp\.example\.com\/mcp"/,
    );
    assert.throws(
      () =>
        compileConfig("bearerAuth", {
          verifier: verifier({
            audiences: ["https://other.example.com/mcp", 1],
          }),
          resource: RESOURCE,
        }),
      /is not an audience the verifier accepts: give the verifier audience/,
    );
    // Audiences compare as resources: host case and default port aside.
    compileConfig("bearerAuth", {
      verifier: verifier({ audiences: ["https://MCP.example.com:443/mcp"] }),
      resource: RESOURCE,
    });
  });

  it("trusts a verifier that does not describe its audiences, or whose description throws", () => {
    const throwing = {
      verifyToken: () => Promise.reject(new Error("unused")),
      get audiences(): never {
        throw new Error("no");
      },
      get requiredScopes(): never {
        throw new Error("no");
      },
    };
    const config = compileConfig("bearerAuth", {
      verifier: throwing,
      resource: RESOURCE,
    });
    assert.equal(config.resource, resourceKey(new URL(RESOURCE)));
    assert.deepEqual(config.challengeScopes, []);
    compile({ resource: RESOURCE });
  });

  it("refuses a resource that is not an https URL", () => {
    for (const resource of ["not a url", "http://mcp.example.com/mcp", 1]) {
      assert.throws(
        () => compile({ resource }),
        /bearerAuth option "resource"/,
      );
    }
  });

  it("reads clockTolerance in seconds, and refuses a negative or non-number one", () => {
    assert.equal(compile({ clockTolerance: 30 }).toleranceMs, 30_000);
    for (const clockTolerance of [-1, "5", NaN]) {
      assert.throws(
        () => compile({ clockTolerance }),
        /bearerAuth option "clockTolerance" must be .* of seconds/,
      );
    }
  });

  it("validates optional, now, onError, realm and scopeHierarchy", () => {
    const now = () => 1;
    const config = compile({ optional: true, now, realm: "api" });
    assert.equal(config.optional, true);
    assert.equal(config.now(), 1);
    assert.equal(config.challenge.realm, 'realm="api"');
    assert.ok(compile({ scopeHierarchy: { admin: ["read"] } }).hierarchy);
    assert.throws(() => compile({ optional: "yes" }), /"optional"/);
    assert.throws(() => compile({ now: 5 }), /"now"/);
    assert.throws(() => compile({ onError: "log" }), /"onError"/);
    assert.throws(() => compile({ realm: "caf\u00e9" }), /"realm"/);
    assert.throws(() => compile({ scopeHierarchy: 1 }), /scopeHierarchy/);
  });

  it("calls onError and now without a receiver", () => {
    const seen: unknown[] = [];
    const config = compile({
      now: function (this: unknown) {
        seen.push(this);
        return 0;
      },
      onError: function (this: unknown) {
        seen.push(this);
      },
    });
    config.now();
    config.onError(new Error("x"));
    assert.deepEqual(seen, [undefined, undefined]);
  });
});
