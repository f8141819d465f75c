// src/dev/_options.ts: createDevAuthorizationServer's options, refused at
// construction with a TypeError that says what to write.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createDevAuthorizationServer } from "../../src/dev/mod.ts";
import { ISSUER, RESOURCE, send } from "./_flow.ts";

describe("createDevAuthorizationServer: options", () => {
  const base = {
    issuer: ISSUER,
    resource: RESOURCE,
    scopesSupported: ["read"],
    warn: false as const,
  };

  it("refuses an unknown option, naming the allowed ones", async () => {
    await assert.rejects(
      createDevAuthorizationServer({ ...base, scope: ["x"] } as never),
      (error: unknown) =>
        error instanceof TypeError &&
        /^Unknown createDevAuthorizationServer option "scope", expected one of "issuer", "resource", "scopesSupported"/
          .test(error.message),
    );
  });

  it("suggests the option a typo meant", async () => {
    await assert.rejects(
      createDevAuthorizationServer({ ...base, scopeSupported: [] } as never),
      (error: unknown) =>
        error instanceof TypeError &&
        /option "scopeSupported" \(did you mean "scopesSupported"\?\)/
          .test(error.message),
    );
  });

  it("refuses no options object at all, saying what to pass", async () => {
    await assert.rejects(
      createDevAuthorizationServer(undefined as never),
      (error: unknown) =>
        error instanceof TypeError &&
        /expects an options object with issuer, resource and scopesSupported/
          .test(error.message),
    );
  });

  for (
    const [label, options, pattern] of [
      ["no issuer", { ...base, issuer: undefined }, /"issuer" is required/],
      [
        "no resource",
        { ...base, resource: undefined },
        /"resource" is required/,
      ],
      ["no scopes", { ...base, scopesSupported: undefined }, /scopesSupported/],
      [
        "a malformed scope",
        { ...base, scopesSupported: ["a b"] },
        /scopesSupported/,
      ],
      [
        "an issuer with a query",
        { ...base, issuer: `${ISSUER}?x=1` },
        /"issuer" must not have a query/,
      ],
      [
        "an issuer with a fragment",
        { ...base, issuer: `${ISSUER}#x` },
        /"issuer" must not have a fragment/,
      ],
      [
        "an issuer with credentials",
        { ...base, issuer: "http://user:pw@127.0.0.1:9/oauth" },
        /"issuer" must not contain credentials/,
      ],
      [
        "an issuer ending in /",
        { ...base, issuer: `${ISSUER}/` },
        /must not end with "\/"/,
      ],
      [
        "a resource with a fragment",
        { ...base, resource: `${RESOURCE}#x` },
        /fragment/,
      ],
      [
        "a resource that is not a URL",
        { ...base, resource: ["mcp"] },
        /"resource" must be an absolute URL/,
      ],
      [
        "an unknown approval",
        { ...base, approval: "yes" },
        /"approval" must be "auto"/,
      ],
      [
        "a zero token lifetime",
        { ...base, accessTokenTtl: 0 },
        /accessTokenTtl/,
      ],
      [
        "a token lifetime over a day",
        { ...base, accessTokenTtl: 86_401 },
        /"accessTokenTtl" must be an integer of seconds from 1 to 86400/,
      ],
      [
        "a code lifetime over ten minutes",
        { ...base, codeTtl: 601 },
        /"codeTtl" must be an integer of seconds from 1 to 600/,
      ],
      [
        "a fractional metadata timeout",
        { ...base, clientMetadataTimeout: 1.5 },
        /"clientMetadataTimeout" must be an integer of milliseconds from 1 to 60000/,
      ],
      [
        "an empty subject",
        { ...base, subject: "" },
        /"subject" must be a non-empty string/,
      ],
      [
        "an allowNonLoopback that is not a boolean",
        { ...base, allowNonLoopback: "yes" },
        /"allowNonLoopback" must be true or false/,
      ],
      [
        "a fetch that is not a function",
        { ...base, fetch: "x" },
        /"fetch" must be a function/,
      ],
      [
        "a warn that is neither a function nor false",
        { ...base, warn: true },
        /"warn" must be a function/,
      ],
    ] as const
  ) {
    it(`refuses ${label}`, async () => {
      await assert.rejects(
        createDevAuthorizationServer(options as never),
        (error: unknown) =>
          error instanceof TypeError && pattern.test(error.message),
      );
    });
  }

  it("serves loopback hosts only unless allowNonLoopback is true", async () => {
    for (const issuer of ["https://auth.example.com", "https://127.0.0.2/x"]) {
      await assert.rejects(
        createDevAuthorizationServer({ ...base, issuer }),
        (error: unknown) =>
          error instanceof TypeError &&
          /allowNonLoopback: true/.test(error.message),
      );
    }
    const dev = await createDevAuthorizationServer({
      ...base,
      issuer: "https://auth.example.com",
      allowNonLoopback: true,
    });
    assert.equal(dev.issuer, "https://auth.example.com");
  });

  it("takes http only on a loopback host, even with allowNonLoopback", async () => {
    await assert.rejects(
      createDevAuthorizationServer({
        ...base,
        issuer: "http://devbox:8000/oauth",
        allowNonLoopback: true,
      }),
      (error: unknown) =>
        error instanceof TypeError &&
        /"issuer" must use https \(http only on localhost\)/.test(
          error.message,
        ),
    );
    for (const issuer of ["http://localhost:9/oauth", "http://[::1]:9/oauth"]) {
      const dev = await createDevAuthorizationServer({ ...base, issuer });
      assert.equal(dev.issuer, issuer);
    }
  });

  it("normalizes the resources and drops repeats", async () => {
    const dev = await createDevAuthorizationServer({
      ...base,
      resource: [new URL(RESOURCE), RESOURCE, "http://127.0.0.1:9"],
    });
    assert.deepEqual(dev.resources, [RESOURCE, "http://127.0.0.1:9/"]);
    assert.ok(Object.isFrozen(dev.resources));
  });

  it("calls the clock it is given without a receiver", async () => {
    const receivers: unknown[] = [];
    const options = {
      ...base,
      now(this: unknown) {
        receivers.push(this);
        return Date.now();
      },
    };
    const dev = await createDevAuthorizationServer(options);
    await send(dev, "/oauth/register", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        redirect_uris: ["http://127.0.0.1:7777/callback"],
        token_endpoint_auth_method: "none",
      }),
    });
    assert.ok(receivers.length > 0);
    assert.ok(receivers.every((receiver) => receiver === undefined));
  });
});
