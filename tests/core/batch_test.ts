// The batch hook (src/core/batch.ts): Authorizer.filter asks a check with a
// decideMany method once per list, and a failing batch denies all of it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  anyOf,
  type AuthContext,
  AuthorizationUnavailableError,
  Authorizer,
  type BatchCheck,
  isBatchCheck,
  requireScopes,
} from "../../mod.ts";
import { recorder, token, tool } from "../_helpers.ts";

/** A batch check allowing `allowed` names, recording each call. */
function engine(
  allowed: readonly string[],
  decideMany?: (contexts: readonly AuthContext[]) => unknown,
) {
  const batches: string[][] = [];
  const singles: string[] = [];
  const check: BatchCheck = Object.assign(
    function engineCheck(ctx: AuthContext) {
      singles.push(ctx.component.name);
      return Promise.resolve(allowed.includes(ctx.component.name));
    },
    {
      decideMany(contexts: readonly AuthContext[]) {
        batches.push(contexts.map((ctx) => ctx.component.name));
        return (decideMany?.(contexts) ??
          Promise.resolve(
            contexts.map((ctx) => allowed.includes(ctx.component.name)),
          )) as Promise<readonly boolean[]>;
      },
    },
  );
  return { check, batches, singles };
}

const names = (components: { name: string }[]) => components.map((c) => c.name);

describe("batch checks in Authorizer.filter()", () => {
  it("asks a layer's batch check once for the whole list, in order", async () => {
    const { check, batches, singles } = engine(["a", "c"]);
    const authorizer = new Authorizer({
      layers: [requireScopes("mcp"), check],
    });
    const tools = ["a", "b", "c", "d"].map((name) => tool(name));
    const visible = await authorizer.filter(token(["mcp"]), tools);
    assert.deepEqual(names(visible), ["a", "c"]);
    assert.deepEqual(batches, [["a", "b", "c", "d"]]);
    assert.deepEqual(singles, []);
  });

  it("batches a check in the components' own auth, after the sync checks", async () => {
    const { check, batches } = engine(["a", "b", "c"]);
    const authorizer = new Authorizer();
    const tools = [
      tool("a", { auth: [requireScopes("mcp"), check] }),
      tool("b", { auth: check }),
      tool("plain"),
      tool("c", { auth: [requireScopes("other"), check] }),
    ];
    const visible = await authorizer.filter(token(["mcp"]), tools);
    assert.deepEqual(names(visible), ["a", "b", "plain"]);
    // c never reached the engine: its scope check denied first.
    assert.deepEqual(batches, [["a", "b"]]);
  });

  it("batches the same own auth again in the next list, and denies a malformed one", async () => {
    const { check, batches } = engine(["a", "b"]);
    const auth = [requireScopes("mcp"), check];
    const authorizer = new Authorizer({ onError: () => {} });
    const tools = [tool("a", { auth }), tool("b", { auth: check })];
    for (let round = 0; round < 2; round++) {
      const visible = await authorizer.filter(token(["mcp"]), [
        ...tools,
        tool("null", { auth: null as never }),
        tool("text", { auth: "check" as never }),
      ]);
      assert.deepEqual(names(visible), ["a", "b"]);
    }
    assert.deepEqual(batches, [["a", "b"], ["a", "b"]]);
  });

  it("shares one call between own auth and a layer in the same round", async () => {
    const { check, batches } = engine(["a", "b"]);
    const authorizer = new Authorizer({ layers: [check] });
    const tools = [
      tool("a", { auth: check }),
      tool("b"),
      tool("c", { auth: [requireScopes("nope"), check] }),
    ];
    const visible = await authorizer.filter(token([]), tools);
    assert.deepEqual(names(visible), ["a", "b"]);
    // a twice (own auth, then the layer once that batch settled), b once.
    assert.deepEqual(batches, [["a", "b"], ["a"]]);
  });

  it("decides contexts that reach the check after an async check, later", async () => {
    const { check, batches } = engine(["a", "b"]);
    const slow = () => Promise.resolve(true);
    const authorizer = new Authorizer({ layers: [slow, check] });
    const visible = await authorizer.filter(token([]), [
      tool("a"),
      tool("b"),
      tool("c"),
    ]);
    assert.deepEqual(names(visible), ["a", "b"]);
    assert.deepEqual(batches.flat().sort(), ["a", "b", "c"]);
  });

  it("allows only exactly true", async () => {
    const { check } = engine(
      [],
      (contexts) =>
        Promise.resolve(contexts.map((_, i) => [true, "true", 1, {}, null][i])),
    );
    const authorizer = new Authorizer({ layers: [check] });
    const tools = ["a", "b", "c", "d", "e"].map((name) => tool(name));
    assert.deepEqual(names(await authorizer.filter(token([]), tools)), ["a"]);
  });

  it("denies the whole batch, reported once, when decideMany fails", async () => {
    const hostile = new Proxy([true, true], {
      get(target, key) {
        if (key === "1") throw new Error("trap");
        return Reflect.get(target, key);
      },
    });
    for (
      const decideMany of [
        () => Promise.reject(new Error("engine down")),
        () => Promise.resolve([true]), // too few
        () => Promise.resolve([true, true, true]), // too many
        () => Promise.resolve("yes"),
        () => {
          throw new Error("sync throw");
        },
        () => ({
          get then() {
            throw new Error("hostile thenable");
          },
        }),
        // The first answer is true, the second throws: neither is kept.
        () => Promise.resolve(hostile),
      ]
    ) {
      const { check } = engine(["a", "b"], decideMany);
      const { errors, onError } = recorder();
      const authorizer = new Authorizer({ layers: [check], onError });
      assert.deepEqual(
        await authorizer.filter(token([]), [tool("a"), tool("b")]),
        [],
      );
      assert.equal(errors.length, 1, String(decideMany));
    }
  });

  it("denies without a report when decideMany rejects with an AuthorizationError", async () => {
    const { check } = engine(
      ["a"],
      () => Promise.reject(new AuthorizationUnavailableError()),
    );
    const { errors, onError } = recorder();
    const authorizer = new Authorizer({ layers: [check], onError });
    assert.deepEqual(await authorizer.filter(token([]), [tool("a")]), []);
    assert.equal(errors.length, 0);
  });

  it("hands decideMany contexts that carry the Authorizer's onError", async () => {
    const broken = () => {
      throw new Error("inner check broke");
    };
    const { check } = engine([], async (contexts) => {
      // A combinator evaluated inside decideMany reports where the list does.
      const inner = anyOf(broken);
      return await Promise.all(contexts.map((ctx) => inner(ctx)));
    });
    const { errors, onError } = recorder();
    const authorizer = new Authorizer({ layers: [check], onError });
    assert.deepEqual(await authorizer.filter(token([]), [tool("a")]), []);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /inner check broke/);
  });

  it("hands decideMany a frozen list", async () => {
    let frozen: boolean | undefined;
    const { check } = engine(["a"], (contexts) => {
      frozen = Object.isFrozen(contexts);
      return Promise.resolve(contexts.map(() => true));
    });
    await new Authorizer({ layers: [check] }).filter(token([]), [tool("a")]);
    assert.equal(frozen, true);
  });

  it("keeps separate lists apart", async () => {
    const { check, batches } = engine(["a", "b"]);
    const authorizer = new Authorizer({ layers: [check] });
    const [first, second] = await Promise.all([
      authorizer.filter(token([]), [tool("a"), tool("x")]),
      authorizer.filter(token([]), [tool("b")]),
    ]);
    assert.deepEqual(names(first), ["a"]);
    assert.deepEqual(names(second), ["b"]);
    assert.deepEqual(batches, [["a", "x"], ["b"]]);
  });

  it("calls the check itself, not decideMany, on authorize", async () => {
    const { check, batches, singles } = engine(["a"]);
    const authorizer = new Authorizer({ layers: [check] });
    await authorizer.authorize(token([]), tool("a"));
    assert.deepEqual(singles, ["a"]);
    assert.deepEqual(batches, []);
  });
});

describe("isBatchCheck()", () => {
  it("is true for a function with a decideMany method only", () => {
    assert.equal(isBatchCheck(engine([]).check), true);
    assert.equal(isBatchCheck(requireScopes("a")), false);
    assert.equal(isBatchCheck({ decideMany() {} }), false);
    assert.equal(
      isBatchCheck(Object.assign(() => true, { decideMany: true })),
      false,
    );
    assert.equal(isBatchCheck(undefined), false);
    // Inherited is not enough: only an own method is looked for.
    const inherited = Object.setPrototypeOf(() => true, {
      decideMany: () => Promise.resolve([]),
    });
    assert.equal(isBatchCheck(inherited), false);
  });

  it("is false for a value whose property cannot be read", () => {
    const hostile = new Proxy(() => true, {
      get() {
        throw new Error("trap");
      },
    });
    assert.equal(isBatchCheck(hostile), false);
  });
});
