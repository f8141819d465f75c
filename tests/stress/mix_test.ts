import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { Issuer } from "../../stress/issuer.ts";
import { createKeys } from "../../stress/keys.ts";
import { MIX, type MixContext, type MixEntry, pick } from "../../stress/mix.ts";
import { prng } from "../../stress/clock.ts";

const BASE = "http://127.0.0.1:9";

async function context(): Promise<MixContext> {
  const keys = await createKeys();
  const random = prng(1);
  return {
    base: BASE,
    issuer: new Issuer(`${BASE}/mcp`, keys.k1, random),
    keys,
    random,
  };
}

const tokenOf = (request: Request) =>
  request.headers.get("authorization")?.split(" ")[1] ?? "";

describe("MIX", () => {
  it("names each kind once, with a positive weight", () => {
    const kinds = MIX.map(([, kind]) => kind);
    assert.equal(new Set(kinds).size, kinds.length);
    assert.ok(MIX.every(([weight]) => weight > 0));
  });

  // The replay maker sends its first use over the network: the stress run
  // itself covers it.
  const offline = MIX.filter(([, kind]) => kind !== "DPoP replayed proof");
  for (const [, kind, make] of offline) {
    it(`"${kind}" builds a POST of that kind to the endpoint`, async () => {
      const ctx = await context();
      const planned = await make(ctx);
      assert.equal(planned.kind, kind);
      assert.equal(planned.request.method, "POST");
      assert.ok(planned.request.url.startsWith(`${BASE}/mcp`));
      assert.equal(
        planned.request.headers.get("accept"),
        "application/json, text/event-stream",
      );
      const expectsAllow = kind === "valid" || kind === "valid (reused)" ||
        kind === "valid, JWKS down at cold start" || kind === "DPoP valid";
      assert.equal(planned.expect, expectsAllow ? "allow" : "deny");
      if (expectsAllow) assert.ok(planned.kid !== undefined);
    });
  }

  it("hostile kinds carry what they claim", async () => {
    const ctx = await context();
    const make = (kind: string) =>
      MIX.find(([, k]) => k === kind)![2](ctx).then((p) => p.request);
    const none = tokenOf(await make("alg none"));
    assert.equal(decodeProtectedHeader(none).alg, "none");
    const expired = tokenOf(await make("expired"));
    assert.ok(decodeJwt(expired).exp! < Date.now() / 1_000);
    const forged = tokenOf(await make("forged (attacker key, real kid)"));
    assert.equal(decodeProtectedHeader(forged).kid, "k1");
    assert.equal(decodeJwt(forged).scope, "mcp:tools admin");
    assert.equal(
      tokenOf(await make("over-long (20 KiB)")).length,
      20 * 1024,
    );
    assert.equal((await make("missing")).headers.get("authorization"), null);
    const bound = await make("DPoP-bound token as Bearer");
    assert.match(bound.headers.get("authorization")!, /^Bearer /);
    assert.deepEqual(decodeJwt(tokenOf(bound)).cnf, { jkt: ctx.keys.dpopJkt });
    const stolen = await make("DPoP stolen token (thief's proof)");
    assert.match(stolen.headers.get("authorization")!, /^DPoP /);
    const proofKey = decodeProtectedHeader(stolen.headers.get("dpop")!).jwk;
    assert.equal(proofKey?.x, ctx.keys.dpopThief.jwk.x);
  });

  it("valid tokens follow the issuer's rotation", async () => {
    const ctx = await context();
    const valid = MIX.find(([, k]) => k === "valid")![2];
    assert.equal((await valid(ctx)).kid, "k1");
    ctx.issuer.signWith(ctx.keys.k2);
    const planned = await valid(ctx);
    assert.equal(planned.kid, "k2");
    assert.equal(decodeProtectedHeader(tokenOf(planned.request)).kid, "k2");
  });
});

describe("pick()", () => {
  const make = (name: string) => () => Promise.reject(new Error(name));
  const mix: MixEntry[] = [[1, "a", make("a")], [3, "b", make("b")]];

  it("picks by weight", () => {
    assert.equal(pick(mix, () => 0), mix[0]![2]);
    assert.equal(pick(mix, () => 0.24), mix[0]![2]);
    assert.equal(pick(mix, () => 0.25), mix[1]![2]);
    assert.equal(pick(mix, () => 0.999), mix[1]![2]);
  });
});
