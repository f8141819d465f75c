import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AuthContext } from "../../mod.ts";
import {
  carrying,
  type ErrorReporter,
  holdsScopes,
  reporter,
  seeded,
  warnOnError,
} from "../../src/core/context.ts";
import { ctxFor, token, tool } from "../_helpers.ts";

describe("AuthContext", () => {
  it("exposes the component as tool only when it is a tool", () => {
    const asTool = new AuthContext({ component: tool("t") });
    const prompt = new AuthContext({
      component: { kind: "prompt", name: "p" },
    });
    assert.equal(asTool.tool?.name, "t");
    assert.equal(prompt.tool, undefined);
  });

  it("keeps token, component and arguments as given", () => {
    const args = { path: "/a" };
    const t = token(["read"]);
    const component = tool("read_file");
    const ctx = new AuthContext({ token: t, component, arguments: args });
    assert.equal(ctx.token, t);
    assert.equal(ctx.component, component);
    assert.equal(ctx.arguments, args);
  });

  it("leaves arguments undefined when listing", () => {
    assert.equal(ctxFor(["read"]).arguments, undefined);
  });

  it("has no granted scopes without a token", () => {
    assert.equal(ctxFor(undefined).grantedScopes.size, 0);
  });

  it("grants exactly the token's scopes without a hierarchy", () => {
    assert.deepEqual([...ctxFor(["b", "a"]).grantedScopes].sort(), ["a", "b"]);
  });

  it("closes granted scopes under the hierarchy, transitively", () => {
    const ctx = ctxFor(["admin"], tool("t"), {
      admin: ["write"],
      write: ["read"],
      unrelated: ["other"],
    });
    assert.deepEqual([...ctx.grantedScopes].sort(), ["admin", "read", "write"]);
  });

  it("terminates on a cyclic hierarchy", () => {
    const ctx = ctxFor(["a"], tool("t"), { a: ["b"], b: ["c"], c: ["a"] });
    assert.deepEqual([...ctx.grantedScopes].sort(), ["a", "b", "c"]);
  });

  it("computes grantedScopes once per context", () => {
    const ctx = ctxFor(["a"], tool("t"), { a: ["b"] });
    assert.equal(ctx.grantedScopes, ctx.grantedScopes);
  });

  it("ignores non-string scopes in a token", () => {
    const ctx = new AuthContext({
      token: { ...token([]), scopes: ["ok", 7, null] as unknown as string[] },
      component: tool("t"),
    });
    assert.deepEqual([...ctx.grantedScopes], ["ok"]);
  });

  it("grants nothing when a token's scopes are not an array", () => {
    const ctx = new AuthContext({
      token: { ...token([]), scopes: "admin" as unknown as string[] },
      component: tool("t"),
    });
    assert.equal(ctx.grantedScopes.size, 0);
  });

  it("does not treat inherited object keys as hierarchy entries", () => {
    const ctx = ctxFor(["constructor", "toString"], tool("t"), {});
    assert.deepEqual([...ctx.grantedScopes].sort(), [
      "constructor",
      "toString",
    ]);
  });

  const badComponents: [string, unknown][] = [
    ["no component", undefined],
    ["null", null],
    ["unknown kind", { kind: "widget", name: "w" }],
    ["missing name", { kind: "tool" }],
  ];
  for (const [label, component] of badComponents) {
    it(`rejects ${label} with a TypeError`, () => {
      assert.throws(
        () => new AuthContext({ component: component as never }),
        (error: unknown) =>
          error instanceof TypeError &&
          /AuthContext needs a component/.test(error.message),
      );
    });
  }

  const badHierarchies: [string, unknown, RegExp][] = [
    ["an array", [], /scopeHierarchy must be an object/],
    ["a string", "admin", /scopeHierarchy must be an object/],
    [
      "a non-array value",
      { admin: "write" },
      /scopeHierarchy\["admin"\] must be an array/,
    ],
    ["a non-string scope", { admin: [1] }, /RFC 6749/],
    ["a scope with a space", { admin: ["a b"] }, /RFC 6749/],
    ["an empty key", { "": ["a"] }, /RFC 6749/],
  ];
  for (const [label, hierarchy, message] of badHierarchies) {
    it(`rejects a hierarchy that is ${label}`, () => {
      assert.throws(
        () => ctxFor(["a"], tool("t"), hierarchy as never),
        (error: unknown) =>
          error instanceof TypeError && message.test(error.message),
      );
    });
  }
});

describe("AuthContext internals (the core's protocol)", () => {
  it("shows no own keys and writes only token, component and arguments as JSON", () => {
    const ctx = AuthContext[seeded](
      { token: token(["a"]), component: tool("t") },
      new Set(["a"]),
      () => {},
    );
    // Read-only getters over private fields: nothing to reassign or to see.
    assert.deepEqual(Object.keys(ctx), []);
    assert.deepEqual(Object.getOwnPropertySymbols(ctx), []);
    assert.equal(ctx.component.name, "t");
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(ctx))), [
      "token",
      "component",
    ]);
  });

  it("[holdsScopes] answers as grantedScopes does, with or without a hierarchy", () => {
    const hierarchy = { admin: ["write"] };
    const cases: [string[] | undefined, string[], boolean][] = [
      [["a", "b"], ["a", "b"], true],
      [["a"], ["a", "b"], false],
      [["admin"], ["write"], true],
      [["write"], ["admin"], false],
      [undefined, [], false],
      [undefined, ["a"], false],
    ];
    for (const [scopes, required, expected] of cases) {
      for (const h of [undefined, hierarchy]) {
        const ctx = ctxFor(scopes, tool("t"), h);
        const viaSet = scopes !== undefined &&
          required.every((s) => ctx.grantedScopes.has(s));
        const fresh = ctxFor(scopes, tool("t"), h);
        assert.equal(fresh[holdsScopes](required), viaSet);
        assert.equal(ctx[holdsScopes](required), viaSet);
        if (h !== undefined) assert.equal(viaSet, expected);
      }
    }
  });

  it("[seeded] shares the scope set it is given and carries the reporter", () => {
    const granted = new Set(["a", "implied"]);
    const report: ErrorReporter = () => {};
    const ctx = AuthContext[seeded](
      { token: token(["a"]), component: tool("t"), arguments: { x: 1 } },
      granted,
      report,
    );
    assert.equal(ctx.grantedScopes, granted);
    assert.equal(ctx[holdsScopes](["implied"]), true);
    assert.equal(ctx[reporter], report);
    assert.deepEqual(ctx.arguments, { x: 1 });
  });

  it("[seeded] validates the component like the constructor", () => {
    assert.throws(
      () =>
        AuthContext[seeded](
          { component: { kind: "x" } as never },
          new Set(),
          () => {},
        ),
      /AuthContext needs a component/,
    );
  });

  it("a context built by hand carries the default warning", () => {
    assert.equal(ctxFor([])[reporter], warnOnError);
  });

  it("[carrying] keeps a context that already carries the reporter", () => {
    const ctx = ctxFor(["a"]);
    assert.equal(AuthContext[carrying](ctx, warnOnError), ctx);
  });

  it("[carrying] copies a context for another reporter, sharing its data", () => {
    const ctx = ctxFor(["admin"], tool("t"), { admin: ["write"] });
    const set = ctx.grantedScopes;
    const report: ErrorReporter = () => {};
    const copy = AuthContext[carrying](ctx, report);
    assert.notEqual(copy, ctx);
    assert.ok(copy instanceof AuthContext);
    assert.equal(copy.token, ctx.token);
    assert.equal(copy.component, ctx.component);
    assert.equal(copy.arguments, ctx.arguments);
    assert.equal(copy.grantedScopes, set);
    assert.equal(copy[reporter], report);
    assert.equal(ctx[reporter], warnOnError);
  });

  it("[carrying] keeps the hierarchy when the scope set was not built yet", () => {
    const ctx = ctxFor(["admin"], tool("t"), { admin: ["write"] });
    const copy = AuthContext[carrying](ctx, () => {});
    assert.equal(copy[holdsScopes](["write"]), true);
  });

  it("[carrying] returns a value that is not an AuthContext as given", () => {
    const plain = { token: undefined, component: tool("t") } as never;
    assert.equal(AuthContext[carrying](plain, () => {}), plain);
    assert.equal(AuthContext[carrying](null as never, () => {}), null);
  });
});
