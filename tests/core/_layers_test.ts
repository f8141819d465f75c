// The Authorizer's layers (src/core/_layers.ts): the `layers` option
// compiled, and the "layers" engine of authorize: own auth hides, the
// first layer short of scopes steps up naming what later scope-only layers
// need too, anything else reads as an unknown component.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  type AuthCheck,
  AuthorizationError,
  AuthorizationUnavailableError,
  type Component,
  InsufficientScopeError,
  requireScopes,
} from "../../mod.ts";
import {
  authorizeLayers,
  compileLayers,
  componentShape,
} from "../../src/core/_layers.ts";
import { tracker } from "../../src/core/runner.ts";
import type { LayerNote } from "../../src/core/step_up.ts";
import { token, tool } from "../_helpers.ts";

class NotFound extends AuthorizationError {}

/** Runs authorizeLayers; what it threw (or undefined), and what was reported. */
async function run(
  tok: AccessToken | undefined,
  component: Component | undefined,
  layers: unknown[],
  more: { arguments?: Record<string, unknown>; note?: LayerNote } = {},
) {
  const reported: [unknown, AuthCheck][] = [];
  const report = (error: unknown, check: AuthCheck) =>
    void reported.push([error, check]);
  const tracked = tracker(report);
  let thrown: unknown;
  try {
    await authorizeLayers(
      tok,
      component,
      { arguments: more.arguments },
      compileLayers(layers),
      () => new Set(tok?.scopes ?? []),
      report,
      tracked,
      () => new NotFound("Unknown tool"),
      more.note,
    );
  } catch (error) {
    thrown = error;
  }
  return { thrown, reported, masked: tracked.masked };
}

describe("compileLayers()", () => {
  it("is empty without the option", () => {
    assert.deepEqual(compileLayers(undefined), []);
  });

  it("makes each layer a frozen list, a single check a list of one", () => {
    const a = requireScopes("a");
    const b = requireScopes("b");
    const layers = compileLayers([a, [a, b]]);
    assert.deepEqual(layers, [[a], [a, b]]);
    assert.ok(Object.isFrozen(layers));
    assert.ok(layers.every((layer) => Object.isFrozen(layer)));
  });

  it("refuses a value that is not an array", () => {
    assert.throws(() => compileLayers(requireScopes("a")), {
      name: "TypeError",
      message:
        /^Authorizer option "layers" must be an array of checks or check lists, got /,
    });
  });

  it("names the layer, and the check within a list, that is not a function", () => {
    assert.throws(() => compileLayers([requireScopes("a"), "admin"]), {
      name: "TypeError",
      message:
        /^Authorizer layer 1 must be a function \(ctx\) => boolean, got /,
    });
    assert.throws(() => compileLayers([[requireScopes("a"), null]]), {
      name: "TypeError",
      message:
        /^Authorizer layer 0, check 1, must be a function \(ctx\) => boolean, got /,
    });
  });
});

describe("componentShape", () => {
  it("denies, under a name a minifier cannot change", () => {
    assert.equal(componentShape.name, "invalidComponent");
    assert.equal(componentShape(undefined as never), false);
  });
});

describe("authorizeLayers()", () => {
  const alice = token(["read"], { sub: "alice" });

  it("allows when own auth and every layer pass", async () => {
    const { thrown } = await run(
      alice,
      tool("t", { auth: requireScopes("read") }),
      [requireScopes("read"), () => true],
    );
    assert.equal(thrown, undefined);
  });

  it("answers not found for an unknown component", async () => {
    const { thrown, reported } = await run(alice, undefined, []);
    assert.ok(thrown instanceof NotFound);
    assert.equal(reported.length, 0);
  });

  it("answers not found, never a step-up, when own auth lacks a scope", async () => {
    const { thrown } = await run(
      alice,
      tool("t", { auth: requireScopes("admin") }),
      [],
    );
    assert.ok(thrown instanceof NotFound);
  });

  it("reports a malformed component as invalidComponent and hides it", async () => {
    const { thrown, reported } = await run(
      alice,
      { kind: "widget", name: "t" } as unknown as Component,
      [],
    );
    assert.ok(thrown instanceof NotFound);
    assert.equal(reported.length, 1);
    assert.equal(reported[0]![1], componentShape);
  });

  it("rethrows an unavailable engine from own auth instead of not found", async () => {
    const down: AuthCheck = () =>
      Promise.reject(new AuthorizationUnavailableError("pdp down"));
    const { thrown } = await run(alice, tool("t", { auth: down }), []);
    assert.ok(thrown instanceof AuthorizationUnavailableError);
  });

  it("steps up on a layer short of scopes, naming later scope-only layers' needs", async () => {
    const { thrown } = await run(alice, tool("t"), [
      requireScopes("read"),
      requireScopes("write"),
      requireScopes("admin"),
    ]);
    assert.ok(thrown instanceof InsufficientScopeError);
    assert.deepEqual(thrown.requiredScopes, ["admin", "write"]);
    // Held scopes of the layers before and own auth stay in the challenge.
    assert.deepEqual(thrown.challengeScopes, ["admin", "read", "write"]);
  });

  it("names nothing beyond an opaque layer", async () => {
    const { thrown } = await run(alice, tool("t"), [
      requireScopes("write"),
      () => true,
      requireScopes("admin"),
    ]);
    assert.ok(thrown instanceof InsufficientScopeError);
    assert.deepEqual(thrown.requiredScopes, ["write"]);
  });

  it("keeps own auth's scopes in the challenge", async () => {
    const { thrown } = await run(
      alice,
      tool("t", { auth: requireScopes("read") }),
      [requireScopes("write")],
    );
    assert.ok(thrown instanceof InsufficientScopeError);
    assert.deepEqual(thrown.requiredScopes, ["write"]);
    assert.deepEqual(thrown.challengeScopes, ["read", "write"]);
  });

  it("answers not found for a layer denying for another reason", async () => {
    const { thrown } = await run(alice, tool("t"), [() => false]);
    assert.ok(thrown instanceof NotFound);
  });

  it("answers not found, not a step-up, when a layer's check threw", async () => {
    const { thrown, reported, masked } = await run(alice, tool("t"), [[
      requireScopes("write"),
      () => {
        throw new Error("boom");
      },
    ]]);
    assert.ok(thrown instanceof NotFound, String(thrown));
    assert.equal(masked, true);
    assert.equal((reported[0]![0] as Error).message, "boom");
  });

  it("hands the arguments to the checks", async () => {
    const { thrown } = await run(alice, tool("t"), [
      ((ctx) => ctx.arguments?.path === "/ok") as AuthCheck,
    ], { arguments: { path: "/ok" } });
    assert.equal(thrown, undefined);
  });

  it("notes the layer that decided", async () => {
    const note: LayerNote = { layer: undefined };
    await run(alice, tool("t"), [() => true, () => false, () => true], {
      note,
    });
    assert.equal(note.layer, 1);
  });
});
