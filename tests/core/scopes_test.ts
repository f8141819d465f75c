import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  closeScopes,
  compileHierarchy,
  holdsAll,
  holdsAllOf,
  unmetScopes,
} from "../../src/core/scopes.ts";

describe("compileHierarchy()", () => {
  it("maps each broad scope to the scopes it implies directly", () => {
    const compiled = compileHierarchy({ admin: ["write"], write: ["read"] });
    assert.deepEqual([...compiled], [["admin", ["write"]], ["write", [
      "read",
    ]]]);
  });

  it("takes a snapshot: later changes to the caller's object are not followed", () => {
    const hierarchy: Record<string, string[]> = { admin: ["write"] };
    const compiled = compileHierarchy(hierarchy);
    hierarchy.admin!.push("root");
    hierarchy.guest = ["read"];
    assert.deepEqual(compiled.get("admin"), ["write"]);
    assert.equal(compiled.has("guest"), false);
    assert.ok(Object.isFrozen(compiled.get("admin")));
  });

  it("refuses inherited entries and a Map: they would silently imply nothing", () => {
    const hierarchy = Object.create({ inherited: ["x"] });
    hierarchy.own = ["y"];
    for (const value of [hierarchy, new Map([["admin", ["read"]]])]) {
      assert.throws(() => compileHierarchy(value), {
        name: "TypeError",
        message:
          "scopeHierarchy must be an object mapping a scope to the scopes it implies, got a Map, a class instance or an object inheriting its entries (write it as an object literal)",
      });
    }
    // Own keys only: an inherited "constructor" is not a scope.
    assert.deepEqual([...compileHierarchy({ own: ["y"] }).keys()], ["own"]);
  });

  it("accepts an empty hierarchy", () => {
    assert.equal(compileHierarchy({}).size, 0);
  });

  for (
    const [label, value] of [
      ["null", null],
      ["an array", [["a", ["b"]]]],
      ["a string", "admin"],
      ["a number", 7],
    ] as const
  ) {
    it(`refuses ${label}, saying what to write`, () => {
      assert.throws(
        () => compileHierarchy(value),
        (error: unknown) =>
          error instanceof TypeError &&
          /scopeHierarchy must be an object mapping a scope to the scopes it implies/
            .test(error.message),
      );
    });
  }

  it("refuses a value that is not an array, naming its key", () => {
    assert.throws(
      () => compileHierarchy({ admin: "write" }),
      /scopeHierarchy\["admin"\] must be an array of scope strings, got "write"/,
    );
  });

  it("refuses an invalid scope as a key or in a list (RFC 6749 §3.3)", () => {
    for (
      const bad of [{ "a b": ["c"] }, { a: ["b c"] }, { a: [""] }, { a: [7] }, {
        a: ['"q"'],
      }]
    ) {
      assert.throws(() => compileHierarchy(bad), /RFC 6749 §3\.3/);
    }
  });
});

describe("closeScopes()", () => {
  const hierarchy = compileHierarchy({
    admin: ["write"],
    write: ["read"],
    other: ["x"],
  });

  it("is the token's own scopes without a hierarchy", () => {
    assert.deepEqual([...closeScopes(["b", "a", "b"], undefined)], ["b", "a"]);
    assert.deepEqual([...closeScopes(["a"], compileHierarchy({}))], ["a"]);
  });

  it("adds what each scope implies, transitively", () => {
    assert.deepEqual([...closeScopes(["admin"], hierarchy)].sort(), [
      "admin",
      "read",
      "write",
    ]);
    assert.deepEqual([...closeScopes(["read"], hierarchy)], ["read"]);
  });

  it("terminates on cycles, self-loops included", () => {
    const cyclic = compileHierarchy({ a: ["b"], b: ["c"], c: ["a", "c"] });
    assert.deepEqual([...closeScopes(["b"], cyclic)].sort(), ["a", "b", "c"]);
  });

  it("ignores entries that are not strings, and a list that is not an array", () => {
    assert.deepEqual([...closeScopes(["a", 7, null, {}], hierarchy)], ["a"]);
    assert.equal(closeScopes("admin", hierarchy).size, 0);
    assert.equal(closeScopes(undefined, hierarchy).size, 0);
  });
});

describe("holdsAll()", () => {
  const hierarchy = compileHierarchy({ admin: ["write"], write: ["read"] });

  it("is true when the token's own list holds every required scope", () => {
    assert.equal(holdsAll(["a", "b", "c"], ["c", "a"], undefined), true);
    assert.equal(holdsAll(["a"], [], undefined), true);
  });

  it("is false when one scope is missing", () => {
    assert.equal(holdsAll(["a"], ["a", "b"], undefined), false);
  });

  it("counts the scopes a hierarchy implies", () => {
    assert.equal(holdsAll(["admin"], ["read", "write"], hierarchy), true);
    assert.equal(holdsAll(["write"], ["admin"], hierarchy), false);
  });

  it("is false for a scope list that is not an array", () => {
    assert.equal(holdsAll("a", ["a"], undefined), false);
    assert.equal(holdsAll(undefined, ["a"], hierarchy), false);
  });

  it("does not take a scope string for its characters", () => {
    assert.equal(holdsAll(["files:read"], ["files"], undefined), false);
  });
});

describe("holdsAllOf()", () => {
  it("is true exactly when the set holds every required scope", () => {
    const granted = new Set(["a", "b"]);
    assert.equal(holdsAllOf(granted, ["a", "b"]), true);
    assert.equal(holdsAllOf(granted, []), true);
    assert.equal(holdsAllOf(granted, ["a", "c"]), false);
  });
});

describe("unmetScopes()", () => {
  it("lists the required scopes the set lacks, in their order", () => {
    assert.deepEqual(unmetScopes(new Set(["b"]), ["c", "b", "a"]), ["c", "a"]);
    assert.deepEqual(unmetScopes(new Set(["a"]), ["a"]), []);
  });
});
