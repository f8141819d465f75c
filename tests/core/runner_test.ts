import { describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import {
  anyOf,
  type AuthCheck,
  AuthContext,
  AuthorizationError,
  Authorizer,
  InsufficientScopeError,
  requireRoles,
  requireScopes,
  restrictTag,
  runAuthChecks,
  runAuthChecksWithShortfall,
  type ScopeAwareCheck,
  scopeRequirements,
} from "../../mod.ts";
import { ctxFor, recorder, token, tool } from "../_helpers.ts";

const yes: AuthCheck = () => true;
const no: AuthCheck = () => false;

describe("runAuthChecks()", () => {
  it("allows an empty list", async () => {
    assert.equal(await runAuthChecks([], ctxFor(undefined)), true);
  });

  it("accepts a single check as well as a list", async () => {
    assert.equal(await runAuthChecks(yes, ctxFor([])), true);
    assert.equal(await runAuthChecks(no, ctxFor([])), false);
  });

  it("mixes sync and async checks with AND logic", async () => {
    assert.equal(
      await runAuthChecks([yes, () => Promise.resolve(true), yes], ctxFor([])),
      true,
    );
    assert.equal(
      await runAuthChecks([yes, () => Promise.resolve(false), yes], ctxFor([])),
      false,
    );
  });

  it("runs in order and stops at the first denial", async () => {
    const order: number[] = [];
    const checks: AuthCheck[] = [
      () => (order.push(1), true),
      () => Promise.resolve((order.push(2), false)),
      () => (order.push(3), true),
    ];
    assert.equal(await runAuthChecks(checks, ctxFor([])), false);
    assert.deepEqual(order, [1, 2]);
  });

  const notTrue: [string, unknown][] = [
    ["1", 1],
    ['"true"', "true"],
    ["an object", {}],
    ["undefined", undefined],
    ["null", null],
    ["a Boolean object", new Boolean(true)],
  ];
  for (const [label, value] of notTrue) {
    it(`denies a check returning ${label}, and reports it once as a misconfiguration naming the check`, async () => {
      for (
        const [verb, check] of [
          ["returned", () => value as boolean],
          ["resolved to", () => Promise.resolve(value as boolean)],
        ] as const
      ) {
        const isOwner = Object.defineProperty(check, "name", {
          value: "isOwner",
        });
        for (const checks of [isOwner, [yes, isOwner, yes]]) {
          const { errors, onError } = recorder();
          assert.equal(
            await runAuthChecks(checks, ctxFor([]), { onError }),
            false,
          );
          assert.equal(errors.length, 1);
          assert.ok(errors[0] instanceof TypeError);
          assert.match(
            (errors[0] as TypeError).message,
            new RegExp(`^Auth check "isOwner" ${verb} .+, not a boolean`),
          );
        }
      }
    });
  }

  it("reports a non-boolean once under a combinator and an Authorizer, and a plain false never", async () => {
    const { errors, onError } = recorder();
    const sloppy: AuthCheck = () => "true" as never;
    const ctx = ctxFor(["a"]);
    assert.equal(
      await runAuthChecks(anyOf(no, sloppy), ctx, { onError }),
      false,
    );
    assert.equal(await runAuthChecks([no, yes], ctx, { onError }), false);
    assert.equal(
      await runAuthChecks(() => Promise.resolve(false), ctx, { onError }),
      false,
    );
    assert.equal(errors.length, 1);
    const authorizer = new Authorizer({ layers: [sloppy], onError });
    await assert.rejects(
      authorizer.authorize(token(["a"]), tool("x")),
      AuthorizationError,
    );
    assert.deepEqual(await authorizer.filter(token(["a"]), [tool("x")]), []);
    assert.equal(errors.length, 3);
    assert.ok(errors.every((e) => e instanceof TypeError));
  });

  it("propagates an AuthorizationError unchanged and stops the chain", async () => {
    const error = new AuthorizationError("nope");
    let after = false;
    const checks: AuthCheck[] = [() => {
      throw error;
    }, () => (after = true)];
    await assert.rejects(runAuthChecks(checks, ctxFor([])), (e) => e === error);
    assert.equal(after, false);
  });

  it("propagates a rejected InsufficientScopeError unchanged", async () => {
    const error = new InsufficientScopeError(["x"]);
    await assert.rejects(
      runAuthChecks(() => Promise.reject(error), ctxFor([])),
      (e) => e === error,
    );
  });

  const thrown: [string, () => unknown][] = [
    ["an Error", () => new Error("secret connection string")],
    ["null", () => null],
    ["undefined", () => undefined],
    ["a string", () => "secret"],
    ["a number", () => 42],
    ["a revoked proxy", () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }],
  ];
  for (const [label, make] of thrown) {
    it(`masks ${label} thrown by a check: reported, denied, never rethrown`, async () => {
      const { errors, onError } = recorder();
      const value = make();
      const sync: AuthCheck = () => {
        throw value;
      };
      const rejecting: AuthCheck = () => Promise.reject(value);
      assert.equal(await runAuthChecks(sync, ctxFor([]), { onError }), false);
      assert.equal(
        await runAuthChecks(rejecting, ctxFor([]), { onError }),
        false,
      );
      assert.equal(errors.length, 2);
      assert.equal(errors[0], value);
    });
  }

  it("denies a thenable whose then throws", async () => {
    const { errors, onError } = recorder();
    const hostile = {
      then() {
        throw new Error("then exploded");
      },
    };
    assert.equal(
      await runAuthChecks(() => hostile as never, ctxFor([]), { onError }),
      false,
    );
    assert.equal(errors.length, 1);
  });

  it("denies a result whose then getter throws", async () => {
    const { onError } = recorder();
    const hostile = Object.defineProperty({}, "then", {
      get() {
        throw new Error("getter");
      },
    });
    assert.equal(
      await runAuthChecks(() => hostile as never, ctxFor([]), { onError }),
      false,
    );
  });

  it("accepts a custom thenable resolving to true", async () => {
    const thenable = { then: (resolve: (v: boolean) => void) => resolve(true) };
    assert.equal(
      await runAuthChecks(() => thenable as never, ctxFor([])),
      true,
    );
  });

  it("denies a non-function in the list and reports it", async () => {
    const { errors, onError } = recorder();
    assert.equal(
      await runAuthChecks([yes, "x" as never], ctxFor([]), { onError }),
      false,
    );
    assert.ok(errors[0] instanceof TypeError);
  });

  it("survives an onError that throws", async () => {
    const check: AuthCheck = () => {
      throw new Error("x");
    };
    const onError = () => {
      throw new Error("reporter down");
    };
    assert.equal(await runAuthChecks(check, ctxFor([]), { onError }), false);
  });

  it("warns once on the console by default, naming the check", async () => {
    const warn = mock.method(console, "warn", () => {});
    try {
      const failing = function loadPolicy(): boolean {
        throw new Error("x");
      };
      assert.equal(await runAuthChecks(failing, ctxFor([])), false);
      assert.equal(warn.mock.callCount(), 1);
      assert.match(String(warn.mock.calls[0]!.arguments[0]), /loadPolicy/);
    } finally {
      warn.mock.restore();
    }
  });

  it("shows the checks ctx itself without an onError", async () => {
    const ctx = ctxFor(["a"]);
    const seen: unknown[] = [];
    await runAuthChecks([(c) => (seen.push(c), true)], ctx);
    await runAuthChecks((c) => (seen.push(c), true), ctx);
    assert.deepEqual(seen, [ctx, ctx]);
  });

  it("shows the checks a copy of ctx carrying onError, with the same data", async () => {
    const ctx = new AuthContext({
      token: token(["admin"]),
      component: tool("t"),
      arguments: { path: "/a" },
      scopeHierarchy: { admin: ["write"] },
    });
    const seen: AuthContext[] = [];
    const check: AuthCheck = (c) => (seen.push(c), true);
    assert.equal(
      await runAuthChecks([check, check], ctx, { onError: () => {} }),
      true,
    );
    assert.equal(seen[0], seen[1]);
    assert.notEqual(seen[0], ctx);
    assert.equal(seen[0]!.token, ctx.token);
    assert.equal(seen[0]!.component, ctx.component);
    assert.equal(seen[0]!.arguments, ctx.arguments);
    assert.deepEqual([...seen[0]!.grantedScopes].sort(), ["admin", "write"]);
    assert.equal(
      await runAuthChecks(requireScopes("write"), ctx, { onError: () => {} }),
      true,
    );
  });

  it("falls back to the default warning for an onError that is not a function", async () => {
    const warn = mock.method(console, "warn", () => {});
    try {
      const failing: AuthCheck = () => {
        throw new Error("x");
      };
      assert.equal(
        await runAuthChecks(failing, ctxFor([]), { onError: "log" as never }),
        false,
      );
      assert.equal(warn.mock.callCount(), 1);
    } finally {
      warn.mock.restore();
    }
  });

  it("calls every check synchronously when all are synchronous", () => {
    let called = 0;
    void runAuthChecks(
      [() => (called++, true), () => (called++, true)],
      ctxFor([]),
    );
    assert.equal(called, 2);
  });
});

describe("runAuthChecksWithShortfall()", () => {
  const admin = tool("wipe", { tags: ["admin"] });

  it("allows with no shortfall", async () => {
    assert.deepEqual(
      await runAuthChecksWithShortfall([requireScopes("a")], ctxFor(["a"])),
      { authorized: true, missingScopes: [] },
    );
  });

  it("reports the sorted union of unmet scopes across checks", async () => {
    const result = await runAuthChecksWithShortfall(
      [requireScopes("z", "m"), restrictTag("admin", { scopes: ["a", "m"] })],
      ctxFor([], admin),
    );
    assert.deepEqual(result, {
      authorized: false,
      missingScopes: ["a", "m", "z"],
    });
  });

  it("reports no scope when an opaque check denies", async () => {
    const result = await runAuthChecksWithShortfall(
      [requireScopes("a"), no],
      ctxFor([]),
    );
    assert.deepEqual(result, { authorized: false, missingScopes: [] });
  });

  it("reports the shortfall when the opaque checks pass", async () => {
    const result = await runAuthChecksWithShortfall(
      [yes, requireScopes("b"), () => Promise.resolve(true)],
      ctxFor([]),
    );
    assert.deepEqual(result, { authorized: false, missingScopes: ["b"] });
  });

  it("never discloses scopes behind a role check", async () => {
    const roles = requireRoles(["admin"], { extract: (c) => c.roles });
    const result = await runAuthChecksWithShortfall(
      [roles, requireScopes("s")],
      ctxFor([]),
    );
    assert.deepEqual(result.missingScopes, []);
  });

  it("treats a scope-aware check that threw as opaque", async () => {
    const { onError } = recorder();
    const lying = Object.assign(() => {
      throw new Error("x");
    }, { missingScopes: () => ["bogus"] }) as ScopeAwareCheck;
    const result = await runAuthChecksWithShortfall([lying], ctxFor([]), {
      onError,
    });
    assert.deepEqual(result, { authorized: false, missingScopes: [] });
  });

  it("treats a missingScopes returning invalid scopes as opaque", async () => {
    const { onError, errors } = recorder();
    const bad = Object.assign(() => false, {
      missingScopes: () => ['x", error="evil'],
    }) as ScopeAwareCheck;
    const result = await runAuthChecksWithShortfall([bad], ctxFor([]), {
      onError,
    });
    assert.deepEqual(result, { authorized: false, missingScopes: [] });
    assert.equal(errors.length, 1);
  });

  it("reports no scope without a token", async () => {
    const result = await runAuthChecksWithShortfall(
      [requireScopes("a")],
      ctxFor(undefined),
    );
    assert.deepEqual(result, { authorized: false, missingScopes: [] });
  });

  it("propagates an AuthorizationError", async () => {
    const error = new AuthorizationError();
    await assert.rejects(
      runAuthChecksWithShortfall([
        requireScopes("a"),
        () => Promise.reject(error),
      ], ctxFor([])),
      (e) => e === error,
    );
  });
});

describe("scopeRequirements()", () => {
  it("never runs a check", () => {
    let ran = false;
    const spy = Object.assign(() => (ran = true), {
      missingScopes: () => ["a"],
    });
    assert.deepEqual(scopeRequirements([spy as ScopeAwareCheck], ctxFor([])), [
      "a",
    ]);
    assert.equal(ran, false);
  });

  it("returns the sorted union of missing scopes", () => {
    const result = scopeRequirements([
      requireScopes("c", "a"),
      requireScopes("b"),
    ], ctxFor(["c"]));
    assert.deepEqual(result, ["a", "b"]);
  });

  it("returns undefined when any check is opaque", () => {
    assert.equal(
      scopeRequirements([requireScopes("a"), yes], ctxFor([])),
      undefined,
    );
  });

  it("returns an empty list when the token satisfies every check", () => {
    assert.deepEqual(
      scopeRequirements([requireScopes("a")], ctxFor(["a"])),
      [],
    );
  });

  it("returns undefined when missingScopes throws", () => {
    const { onError } = recorder();
    const broken = Object.assign(() => true, {
      missingScopes: () => {
        throw new Error("x");
      },
    }) as ScopeAwareCheck;
    assert.equal(
      scopeRequirements([broken], ctxFor([]), { onError }),
      undefined,
    );
  });
});
