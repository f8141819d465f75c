import { describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import {
  allOf,
  anyOf,
  type AuthCheck,
  AuthorizationError,
  Authorizer,
  InsufficientScopeError,
  requireScopes,
  runAuthChecks,
  runAuthChecksWithShortfall,
  type ScopeAwareCheck,
} from "../../mod.ts";
import { ctxFor, recorder, token, tool } from "../_helpers.ts";

describe("anyOf()", () => {
  const yes: AuthCheck = () => true;
  const no: AuthCheck = () => false;

  it("allows when any branch allows and stops at the first allow", async () => {
    let calls = 0;
    const counted: AuthCheck = () => (calls++, true);
    assert.equal(await anyOf(no, counted, counted)(ctxFor([])), true);
    assert.equal(calls, 1);
  });

  it("denies when every branch denies", async () => {
    assert.equal(
      await anyOf(no, () => Promise.resolve(false))(ctxFor([])),
      false,
    );
  });

  it("counts a branch's masked error as that branch's denial", async () => {
    const { errors, onError } = recorder();
    const broken: AuthCheck = () => {
      throw new Error("db down");
    };
    assert.equal(
      await runAuthChecks(anyOf(broken, yes), ctxFor([]), { onError }),
      true,
    );
    assert.equal(
      await runAuthChecks(anyOf(broken, no), ctxFor([]), { onError }),
      false,
    );
    assert.equal(errors.length, 2);
  });

  it("propagates the first AuthorizationError when no branch allows", async () => {
    const first = new AuthorizationError("first");
    const second = new AuthorizationError("second");
    const check = anyOf(
      () => {
        throw first;
      },
      () => Promise.reject(second),
      no,
    );
    await assert.rejects(runAuthChecks(check, ctxFor([])), (e) => e === first);
  });

  it("ignores an AuthorizationError when a later branch allows", async () => {
    const check = anyOf(() => {
      throw new AuthorizationError();
    }, yes);
    assert.equal(await runAuthChecks(check, ctxFor([])), true);
  });

  it("is scope-aware when every branch is: the smallest shortfall, first on a tie", () => {
    const check = anyOf(
      requireScopes("a", "b"),
      requireScopes("c"),
      requireScopes("d"),
    );
    assert.deepEqual(check.missingScopes(ctxFor([])), ["c"]);
    assert.deepEqual(check.missingScopes(ctxFor(["a"])), ["b"]);
  });

  it("requires only the branch it names a shortfall for: the first satisfied, else the nearest", () => {
    const check = anyOf(
      requireScopes("a", "b"),
      requireScopes("c", "d", "e"),
      requireScopes("f", "g"),
    );
    // Nearest: a b (one short); alternatives are never requirements.
    assert.deepEqual(check.missingScopes(ctxFor(["a"])), ["b"]);
    assert.deepEqual(check.requiredScopes?.(ctxFor(["a"])), ["a", "b"]);
    // Satisfied by the third branch: its scopes are the ones to keep.
    assert.deepEqual(check.requiredScopes?.(ctxFor(["a", "f", "g"])), [
      "f",
      "g",
    ]);
    // A user's branch without requiredScopes counts by its shortfall.
    const custom: ScopeAwareCheck = Object.assign(() => false, {
      missingScopes: () => ["z"],
    });
    assert.deepEqual(anyOf(custom).requiredScopes?.(ctxFor([])), ["z"]);
  });

  it("reports no shortfall when any branch is satisfied", () => {
    const check = anyOf(requireScopes("a"), requireScopes("b"));
    assert.deepEqual(check.missingScopes(ctxFor(["b"])), []);
  });

  it("is opaque when any branch is opaque", () => {
    const check = anyOf(requireScopes("a"), yes);
    assert.equal("missingScopes" in check, false);
  });

  it("throws a TypeError with no branch or a non-function branch", () => {
    assert.throws(() => anyOf(), /anyOf\(\) needs at least one check/);
    assert.throws(() => anyOf(yes, "no" as never), /position 1/);
  });
});

describe("allOf()", () => {
  it("is the AND of its branches, stopping at the first denial", async () => {
    let calls = 0;
    const check = allOf(() => false, () => (calls++, true));
    assert.equal(await check(ctxFor([])), false);
    assert.equal(calls, 0);
    assert.equal(
      await allOf(() => true, () => Promise.resolve(true))(ctxFor([])),
      true,
    );
  });

  it("has missingScopes equal to the union of its branches", () => {
    const check = allOf(requireScopes("a", "b"), requireScopes("b", "c"));
    assert.deepEqual(check.missingScopes(ctxFor(["b"])).sort(), ["a", "c"]);
  });

  it("has requiredScopes equal to the union of its branches'", () => {
    const check = allOf(requireScopes("a", "b"), requireScopes("b", "c"));
    assert.deepEqual(check.requiredScopes?.(ctxFor(["b"])).sort(), [
      "a",
      "b",
      "c",
    ]);
    const nested = anyOf(allOf(requireScopes("r"), requireScopes("w")));
    assert.deepEqual(nested.requiredScopes?.(ctxFor(["r"])), ["r", "w"]);
  });

  it("composes inside anyOf", async () => {
    const check = anyOf(
      allOf(requireScopes("r"), requireScopes("w")),
      requireScopes("admin"),
    );
    assert.equal(await check(ctxFor(["r", "w"])), true);
    assert.equal(await check(ctxFor(["admin"])), true);
    assert.equal(await check(ctxFor(["r"])), false);
    assert.deepEqual(check.missingScopes(ctxFor(["r"])), ["w"]);
  });

  it("propagates an AuthorizationError from a branch", async () => {
    const error = new InsufficientScopeError(["x"]);
    const check = allOf(() => {
      throw error;
    });
    await assert.rejects(runAuthChecks(check, ctxFor([])), (e) => e === error);
  });

  it("reports masked branch errors to the runner's onError", async () => {
    const { errors, onError } = recorder();
    const check = allOf(() => {
      throw new Error("x");
    });
    assert.equal(await runAuthChecks(check, ctxFor([]), { onError }), false);
    assert.equal(errors.length, 1);
  });

  it("throws a TypeError with no branch", () => {
    assert.throws(() => allOf(), /allOf\(\) needs at least one check/);
  });
});

/** Runs `body` with console.warn recorded, restoring it after. */
async function withWarnings(
  body: (warnings: unknown[][]) => Promise<void> | void,
): Promise<void> {
  const warnings: unknown[][] = [];
  const warn = mock.method(console, "warn", (...args: unknown[]) => {
    warnings.push(args);
  });
  try {
    await body(warnings);
  } finally {
    warn.mock.restore();
  }
}

const boom = new Error("db down");
const broken = function brokenBranch(): boolean {
  throw boom;
};
const brokenLater = async function brokenLater(): Promise<boolean> {
  await Promise.resolve();
  throw boom;
};

describe("combinators and the reporter", () => {
  for (
    const [name, make] of [
      ["anyOf", () => anyOf(broken, () => false)],
      ["allOf", () => allOf(() => true, broken)],
    ] as const
  ) {
    it(`${name} under a runner reports a branch error to its onError, not the default`, async () => {
      await withWarnings(async (warnings) => {
        const { errors, onError } = recorder();
        assert.equal(
          await runAuthChecks(make(), ctxFor([]), { onError }),
          false,
        );
        assert.deepEqual(errors, [boom]);
        assert.equal(warnings.length, 0);
      });
    });

    it(`${name} called directly reports a branch error to the default warning`, async () => {
      await withWarnings(async (warnings) => {
        assert.equal(await make()(ctxFor([])), false);
        assert.equal(warnings.length, 1);
        assert.match(String(warnings[0]![0]), /"brokenBranch" failed/);
        assert.equal(warnings[0]![1], boom);
      });
    });
  }

  it("reports a nested combinator's branch error to the runner's onError", async () => {
    await withWarnings(async (warnings) => {
      const { errors, onError } = recorder();
      const check = anyOf(allOf(() => true, anyOf(broken)), () => false);
      assert.equal(await runAuthChecks(check, ctxFor([]), { onError }), false);
      assert.deepEqual(errors, [boom]);
      assert.equal(warnings.length, 0);
    });
  });

  it("reports an async branch's rejection to the runner's onError", async () => {
    await withWarnings(async (warnings) => {
      const { errors, onError } = recorder();
      const check = anyOf(brokenLater, () => Promise.resolve(true));
      assert.equal(await runAuthChecks(check, ctxFor([]), { onError }), true);
      assert.deepEqual(errors, [boom]);
      assert.equal(warnings.length, 0);
    });
  });

  it("keeps interleaved runs apart: each error reaches its own run's onError", async () => {
    const first = recorder();
    const second = recorder();
    const failing = (error: Error): AuthCheck => async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      throw error;
    };
    const one = new Error("one");
    const two = new Error("two");
    const ctx = ctxFor([]);
    const results = await Promise.all([
      runAuthChecks(anyOf(failing(one), broken), ctx, {
        onError: first.onError,
      }),
      runAuthChecks(allOf(() => true, failing(two)), ctx, {
        onError: second.onError,
      }),
    ]);
    assert.deepEqual(results, [false, false]);
    assert.deepEqual(first.errors, [one, boom]);
    assert.deepEqual(second.errors, [two]);
  });

  it("reaches the run's onError from a combinator a custom check calls", async () => {
    const { errors, onError } = recorder();
    const inner = anyOf(broken);
    const wrapper: AuthCheck = (ctx) => inner(ctx);
    assert.equal(await runAuthChecks(wrapper, ctxFor([]), { onError }), false);
    assert.deepEqual(errors, [boom]);
  });

  it("reports to the Authorizer's onError when the Authorizer runs it", async () => {
    await withWarnings(async (warnings) => {
      const { errors, onError } = recorder();
      const authorizer = new Authorizer({
        layers: [anyOf(broken, () => true)],
        onError,
      });
      const own = tool("own", { auth: allOf(broken) });
      const kept = await authorizer.filter(token([]), [tool("a"), own]);
      assert.deepEqual(kept.map((c) => c.name), ["a"]);
      await authorizer.authorize(token([]), tool("b"));
      assert.deepEqual(errors, [boom, boom, boom]);
      assert.equal(warnings.length, 0);
    });
  });

  it("leaves a context built by hand reporting to the default after a run", async () => {
    const ctx = ctxFor([]);
    await runAuthChecks(anyOf(broken), ctx, { onError: () => {} });
    await withWarnings(async (warnings) => {
      assert.equal(await anyOf(broken)(ctx), false);
      assert.equal(warnings.length, 1);
    });
  });

  it("makes a scope-aware combinator opaque when one of its branches threw", async () => {
    // A branch that throws when run but claims a shortfall when asked: the
    // run must not trust the claim, so no step-up is suggested.
    const liar = Object.assign(broken.bind(null), {
      missingScopes: () => ["z"],
    }) as ScopeAwareCheck;
    const check = allOf(requireScopes("a"), liar);
    const { errors, onError } = recorder();
    assert.deepEqual(
      await runAuthChecksWithShortfall(check, ctxFor(["a"]), { onError }),
      { authorized: false, missingScopes: [] },
    );
    assert.deepEqual(errors, [boom]);
    const authorizer = new Authorizer({ layers: [check], onError });
    const error = await authorizer.authorize(token(["a"]), tool("t")).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof AuthorizationError);
    assert.equal(error instanceof InsufficientScopeError, false);
    assert.equal(errors.length, 2);
  });
});
