// src/http/_step_up.ts: the hidden per-request sink between withBearerAuth
// and an SDK binding that decides a scope shortfall inside the handler.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { AccessToken } from "../../mod.ts";
import { reportStepUp, withStepUpSink } from "../../src/http/_step_up.ts";

const TOKEN: AccessToken = Object.freeze({
  token: "t",
  clientId: "c",
  scopes: ["read"],
  claims: { sub: "ann" },
  extra: Object.freeze({ tenant: "a" }),
});

describe("withStepUpSink", () => {
  it("copies the token and its extra, leaving the original untouched", () => {
    const { token, stepUp } = withStepUpSink(TOKEN);
    assert.notEqual(token, TOKEN);
    assert.notEqual(token.extra, TOKEN.extra);
    assert.deepEqual(token, TOKEN);
    assert.deepEqual(stepUp, { scopes: undefined });
    assert.deepEqual(Object.getOwnPropertySymbols(TOKEN.extra), []);
  });

  it("hides the sink from keys, JSON and spreads", () => {
    const { token } = withStepUpSink(TOKEN);
    assert.deepEqual(Object.keys(token.extra!), ["tenant"]);
    assert.equal(JSON.stringify(token.extra), '{"tenant":"a"}');
    const symbols = Object.getOwnPropertySymbols(token.extra);
    assert.equal(symbols.length, 1);
    const descriptor = Object.getOwnPropertyDescriptor(
      token.extra,
      symbols[0]!,
    );
    assert.equal(descriptor?.enumerable, false);
    assert.equal(descriptor?.writable, false);
    // A spread copy carries no sink.
    assert.deepEqual(Object.getOwnPropertySymbols({ ...token.extra }), []);
  });

  it("gives a token without extra a fresh extra holding the sink", () => {
    const { extra: _, ...bare } = TOKEN;
    const { token, stepUp } = withStepUpSink(bare);
    assert.deepEqual(Object.keys(token.extra!), []);
    reportStepUp(token, ["write"]);
    assert.deepEqual(stepUp.scopes, ["write"]);
  });

  it("makes a separate sink per call", () => {
    const one = withStepUpSink(TOKEN);
    const two = withStepUpSink(TOKEN);
    reportStepUp(one.token, ["write"]);
    assert.deepEqual(one.stepUp.scopes, ["write"]);
    assert.equal(two.stepUp.scopes, undefined);
  });
});

describe("reportStepUp", () => {
  it("records the first shortfall, as a copy, and ignores later ones", () => {
    const { token, stepUp } = withStepUpSink(TOKEN);
    const scopes = ["write"];
    reportStepUp(token, scopes);
    scopes.push("admin");
    reportStepUp(token, ["other"]);
    assert.deepEqual(stepUp.scopes, ["write"]);
  });

  it("reaches the sink through a copy that shares extra", () => {
    const { token, stepUp } = withStepUpSink(TOKEN);
    reportStepUp({ ...token, clientId: "copy" }, ["write"]);
    assert.deepEqual(stepUp.scopes, ["write"]);
  });

  it("does nothing for a copy whose extra was spread", () => {
    const { token, stepUp } = withStepUpSink(TOKEN);
    reportStepUp({ ...token, extra: { ...token.extra } }, ["write"]);
    assert.equal(stepUp.scopes, undefined);
  });

  it("ignores anything without a sink, hostile values included", () => {
    const hostile = new Proxy({}, {
      get() {
        throw new Error("trap");
      },
    });
    const throwingExtra = {
      get extra(): never {
        throw new Error("getter");
      },
    };
    for (
      const authInfo of [
        undefined,
        null,
        "token",
        42,
        {},
        { extra: null },
        { extra: "x" },
        TOKEN,
        hostile,
        throwingExtra,
        { extra: hostile },
      ]
    ) {
      assert.doesNotThrow(() => reportStepUp(authInfo, ["write"]));
    }
  });
});
