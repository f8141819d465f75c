// The SDK v2's pre-dispatch scope-challenge hook, one per guard: it finds
// the component as dispatch does, reuses the preflight's decision, and
// challenges a scope shortfall only.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  type AuthCheck,
  Authorizer,
  type Component,
  restrictTag,
} from "../../mod.ts";
import { challengeHook } from "../../src/mcp/_hook.ts";
import { decide } from "../../src/mcp/_preflight.ts";
import { ComponentRegistry, type Entry } from "../../src/mcp/_registry.ts";
import { SDK_V2 } from "../../src/mcp/_sdk.ts";
import { withStepUpSink } from "../../src/http/_step_up.ts";

function tokenWith(scopes: string[]): AccessToken {
  return { token: "opaque", clientId: "app", scopes, claims: {} };
}

function entry(component: Component, enabled = true): Entry {
  return {
    component: Object.freeze(component),
    handle: { enabled, update() {}, remove() {} },
  };
}

function scopeWith(...entries: Entry[]) {
  const registry = new ComponentRegistry();
  for (const one of entries) registry.addTool(one.component.name, one);
  return Object.freeze({
    authorizer: new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
      onError: () => {},
    }),
    binding: SDK_V2,
    registry,
  });
}

const call = (name: string, args?: Record<string, unknown>, id = 1) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});

describe("challengeHook()", () => {
  it("challenges a scope shortfall, and only that", async () => {
    const hook = challengeHook(scopeWith(
      entry({ kind: "tool", name: "purge", tags: ["admin"] }),
      entry({ kind: "tool", name: "ops", auth: () => false }),
    ));
    assert.deepEqual(
      await hook({ request: call("purge"), authInfo: tokenWith([]) }),
      { scopes: ["admin"], errorDescription: "Insufficient scope" },
    );
    assert.equal(
      await hook({ request: call("purge"), authInfo: tokenWith(["admin"]) }),
      undefined,
    );
    // An opaque denial, an unknown tool, no token, a malformed context:
    // no step-up and never a throw (dispatch answers them as not found).
    assert.equal(
      await hook({ request: call("ops"), authInfo: tokenWith([]) }),
      undefined,
    );
    assert.equal(
      await hook({ request: call("nope"), authInfo: tokenWith([]) }),
      undefined,
    );
    assert.equal(await hook({ request: call("purge") }), undefined);
    assert.equal(await hook(undefined as never), undefined);
    assert.equal(
      await hook({ request: { method: 7 }, authInfo: tokenWith([]) }),
      undefined,
    );
  });

  it("judges the component as the index holds it when the hook runs, with the call's arguments", async () => {
    const seen: unknown[] = [];
    const target = entry({ kind: "tool", name: "t" });
    const hook = challengeHook(scopeWith(target));
    target.component = Object.freeze({
      kind: "tool",
      name: "t",
      auth: ((ctx) => (seen.push(ctx.arguments), true)) as AuthCheck,
      tags: ["admin"],
    });
    assert.deepEqual(
      await hook({ request: call("t", { id: 7 }), authInfo: tokenWith([]) }),
      { scopes: ["admin"], errorDescription: "Insufficient scope" },
    );
    assert.deepEqual(seen, [{ id: 7 }]);
  });

  it("reuses the preflight's decision: its checks do not run again", async () => {
    let runs = 0;
    const counted = entry({
      kind: "tool",
      name: "counted",
      auth: () => ++runs > 0,
    });
    const scope = scopeWith(counted);
    const decided = await decide(scope, call("counted"), tokenWith([]));
    assert.equal(runs, 1);
    const hook = challengeHook(scope);
    assert.equal(
      await hook({ request: call("counted"), authInfo: decided.authInfo }),
      undefined,
    );
    assert.equal(runs, 1);
    // Without the preflight's authInfo, the hook decides.
    await hook({ request: call("counted"), authInfo: tokenWith([]) });
    assert.equal(runs, 2);
  });

  it("tells withBearerAuth's step-up sink the scopes it challenges", async () => {
    const hook = challengeHook(
      scopeWith(entry({ kind: "tool", name: "purge", tags: ["admin"] })),
    );
    const { token, stepUp } = withStepUpSink(tokenWith([]));
    await hook({ request: call("purge"), authInfo: token });
    assert.deepEqual(stepUp.scopes, ["admin"]);
  });
});
