import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidTokenError,
  StaticTokenVerifier,
  type StaticTokenVerifierOptions,
} from "../../mod.ts";

describe("StaticTokenVerifier", () => {
  const make = (now = () => 1_000_000) =>
    new StaticTokenVerifier({
      tokens: {
        "dev-token": {
          clientId: "dev",
          scopes: ["a", "b"],
          claims: { sub: "alice", nested: { x: 1 } },
        },
        "timed": {
          clientId: "dev",
          scopes: [],
          expiresAt: 1_000,
          resource: "https://mcp.example.com/mcp",
        },
      },
      now,
    });

  it("returns an AccessToken for a table token", async () => {
    const token = await make().verifyToken("dev-token");
    assert.deepEqual(token, {
      token: "dev-token",
      clientId: "dev",
      scopes: ["a", "b"],
      claims: { sub: "alice", nested: { x: 1 } },
    });
  });

  it("carries expiresAt and resource", async () => {
    const token = await make(() => 999_999).verifyToken("timed");
    assert.equal(token.expiresAt, 1_000);
    assert.ok(token.resource instanceof URL);
    assert.equal(token.resource.href, "https://mcp.example.com/mcp");
  });

  it("rejects a token at and after its expiresAt by the injected clock", async () => {
    for (const now of [1_000_000, 2_000_000]) {
      await assert.rejects(make(() => now).verifyToken("timed"), {
        name: "InvalidTokenError",
        message: "Token expired",
      });
    }
  });

  it("answers a clock that reads NaN as unavailable, as the verifiers do", async () => {
    await assert.rejects(make(() => NaN).verifyToken("timed"), {
      name: "VerifierUnavailableError",
      message: "Clock unreadable",
    });
  });

  const unknown = [
    "nope",
    "",
    "constructor",
    "__proto__",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "DEV-TOKEN",
    "dev-token ",
  ];
  for (const token of unknown) {
    it(`rejects ${JSON.stringify(token)} with the same InvalidTokenError`, async () => {
      await assert.rejects(make().verifyToken(token), (error: unknown) => {
        assert.ok(error instanceof InvalidTokenError);
        assert.equal(error.message, "Invalid token");
        return true;
      });
    });
  }

  it("rejects a non-string token", async () => {
    await assert.rejects(
      make().verifyToken(undefined as unknown as string),
      InvalidTokenError,
    );
  });

  it("accepts a token named __proto__ only when the table defines it as its own", async () => {
    const tokens = JSON.parse(
      '{"__proto__": {"clientId": "odd", "scopes": []}}',
    );
    const verifier = new StaticTokenVerifier({ tokens });
    assert.equal((await verifier.verifyToken("__proto__")).clientId, "odd");
  });

  it("is unaffected by later changes to the table passed in", async () => {
    const tokens: StaticTokenVerifierOptions["tokens"] = {
      t: { clientId: "c", scopes: ["a"], claims: { role: "user" } },
    };
    const verifier = new StaticTokenVerifier({ tokens });
    tokens.t!.scopes.push("admin");
    tokens.t!.claims!.role = "admin";
    tokens.u = { clientId: "c", scopes: [] };
    const token = await verifier.verifyToken("t");
    assert.deepEqual(token.scopes, ["a"]);
    assert.equal(token.claims.role, "user");
    await assert.rejects(verifier.verifyToken("u"), InvalidTokenError);
  });

  it("hands out scopes that the caller may change without touching the table", async () => {
    const verifier = make();
    (await verifier.verifyToken("dev-token")).scopes.push("admin");
    assert.deepEqual((await verifier.verifyToken("dev-token")).scopes, [
      "a",
      "b",
    ]);
    assert.ok(
      Object.isFrozen((await verifier.verifyToken("dev-token")).claims),
    );
  });

  it("calls the injected clock without a receiver", async () => {
    const receivers: unknown[] = [];
    const verifier = make(function (this: unknown) {
      receivers.push(this);
      return 1_000_000;
    });
    await assert.rejects(verifier.verifyToken("timed"), InvalidTokenError);
    assert.deepEqual(receivers, [undefined]);
  });

  it("accepts the epoch clock built from performance", async () => {
    const verifier = make(() => performance.timeOrigin + performance.now());
    await assert.rejects(verifier.verifyToken("timed"), {
      message: "Token expired",
    });
    assert.equal((await verifier.verifyToken("dev-token")).clientId, "dev");
  });

  it("rejects, never throws, when the injected clock throws", async () => {
    const verifier = make(() => {
      throw new Error("clock broken");
    });
    const pending = verifier.verifyToken("timed");
    assert.ok(pending instanceof Promise);
    await assert.rejects(pending, /clock broken/);
  });

  const bad: [string, unknown, RegExp][] = [
    ["no options", undefined, /expects an options object with a tokens table/],
    ["tokens as an array", { tokens: [] }, /option "tokens" must be an object/],
    [
      "tokens as a Map",
      { tokens: new Map() },
      /option "tokens" must be an object/,
    ],
    [
      "an unknown option",
      { tokens: {}, clock: () => 0 },
      /^Unknown StaticTokenVerifier option "clock"/,
    ],
    [
      "now as a number",
      { tokens: {}, now: 0 },
      /option "now" must be a function/,
    ],
    [
      "now as performance.now, which is no epoch clock",
      { tokens: {}, now: performance.now },
      /^StaticTokenVerifier option "now" must count milliseconds since the epoch, like Date\.now; .*use \(\) => performance\.timeOrigin \+ performance\.now\(\)$/,
    ],
    [
      "a misspelt option",
      { tokens: {}, nwo: () => 0 },
      /^Unknown StaticTokenVerifier option "nwo" \(did you mean "now"\?\), expected one of "tokens", "now"$/,
    ],
    ["a token with a space", {
      tokens: { "a b": { clientId: "c", scopes: [] } },
    }, /must be b64token strings .*got "a b"$/],
    [
      "an empty token",
      { tokens: { "": { clientId: "c", scopes: [] } } },
      /got ""$/,
    ],
    [
      "an entry that is not an object",
      { tokens: { t: "c" } },
      /tokens\["t"\] must be an object with clientId and scopes/,
    ],
    [
      "a missing clientId",
      { tokens: { t: { scopes: [] } } },
      /tokens\["t"\]\.clientId must be a non-empty string/,
    ],
    [
      "missing scopes",
      { tokens: { t: { clientId: "c" } } },
      /\.scopes must be an array of scope strings/,
    ],
    [
      "a bad scope",
      { tokens: { t: { clientId: "c", scopes: ["a b"] } } },
      /RFC 6749 §3\.3\), got "a b"/,
    ],
    ["claims as an array", {
      tokens: { t: { clientId: "c", scopes: [], claims: [] } },
    }, /\.claims must be a plain object/],
    ["claims with a function", {
      tokens: { t: { clientId: "c", scopes: [], claims: { f: () => 1 } } },
    }, /\.claims must hold only JSON-like values/],
    ["expiresAt as a string", {
      tokens: { t: { clientId: "c", scopes: [], expiresAt: "1" } },
    }, /\.expiresAt must be a finite number of seconds since the epoch/],
    [
      "expiresAt past the range of a Date (a token that would never expire)",
      {
        tokens: { t: { clientId: "c", scopes: [], expiresAt: 1e300 } },
      },
      /\.expiresAt must be a finite number of seconds since the epoch, within the range of a Date/,
    ],
    ["a relative resource", {
      tokens: { t: { clientId: "c", scopes: [], resource: "/mcp" } },
    }, /\.resource must be an absolute URL/],
    [
      "an unknown entry property",
      {
        tokens: { t: { clientId: "c", scopes: [], scope: "a" } },
      },
      /^Unknown StaticTokenVerifier tokens\["t"\] option "scope" \(did you mean "scopes"\?\), expected one of "clientId", "scopes"/,
    ],
  ];
  for (const [name, options, message] of bad) {
    it(`throws TypeError at construction for ${name}`, () => {
      assert.throws(
        () => new StaticTokenVerifier(options as StaticTokenVerifierOptions),
        (error: unknown) =>
          error instanceof TypeError && message.test(error.message),
      );
    });
  }
});
