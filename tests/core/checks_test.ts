import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  AuthContext,
  requireRoles,
  requireScopes,
  restrictTag,
  runAuthChecks,
} from "../../mod.ts";
import { ctxFor, recorder, token, tool } from "../_helpers.ts";

describe("requireScopes()", () => {
  it("allows a token holding every scope", () => {
    assert.equal(requireScopes("a", "b")(ctxFor(["b", "a", "c"])), true);
  });

  it("denies a token missing one scope and names only that one", () => {
    const check = requireScopes("a", "b");
    const ctx = ctxFor(["a"]);
    assert.equal(check(ctx), false);
    assert.deepEqual(check.missingScopes(ctx), ["b"]);
  });

  it("denies without a token and reports no shortfall", () => {
    const check = requireScopes("a");
    assert.equal(check(ctxFor(undefined)), false);
    assert.deepEqual(check.missingScopes(ctxFor(undefined)), []);
  });

  it("is satisfied by a broader scope under the hierarchy", () => {
    const ctx = ctxFor(["files:write"], tool("t"), {
      "files:write": ["files:read"],
    });
    assert.equal(requireScopes("files:read")(ctx), true);
  });

  it("names the narrower scope required, never its broader parent", () => {
    const ctx = ctxFor([], tool("t"), { "files:write": ["files:read"] });
    assert.deepEqual(requireScopes("files:read").missingScopes(ctx), [
      "files:read",
    ]);
  });

  it("names every scope it requires in requiredScopes, held or not, never a broader parent", () => {
    const check = requireScopes("files:read", "admin");
    const ctx = ctxFor(["files:write"], tool("t"), {
      "files:write": ["files:read"],
    });
    assert.deepEqual(check.missingScopes(ctx), ["admin"]);
    assert.deepEqual(check.requiredScopes?.(ctx), ["admin", "files:read"]);
    assert.deepEqual(check.requiredScopes?.(ctxFor(undefined)), [
      "admin",
      "files:read",
    ]);
  });

  it("matches scopes exactly, not by prefix or case", () => {
    assert.equal(
      requireScopes("files:read")(ctxFor(["files:rea", "FILES:READ"])),
      false,
    );
  });

  it("does not let a later mutation of the argument list change the check", () => {
    const scopes = ["a"];
    const check = requireScopes(...scopes);
    scopes.push("b");
    assert.equal(check(ctxFor(["a"])), true);
  });

  it("returns a frozen check named after its scopes", () => {
    const check = requireScopes("b", "a");
    assert.ok(Object.isFrozen(check));
    assert.equal(check.name, "requireScopes(a b)");
  });

  const bad: [string, unknown[]][] = [
    ["no scope", []],
    ["a number", [1]],
    ["an empty string", [""]],
    ["a space", ["a b"]],
    ["a quote", ['a"']],
    ["a backslash", ["a\\b"]],
    ["a non-ASCII character", ["é"]],
  ];
  for (const [label, scopes] of bad) {
    it(`throws a TypeError for ${label}`, () => {
      assert.throws(() => requireScopes(...(scopes as string[])), TypeError);
    });
  }
});

describe("restrictTag()", () => {
  const check = restrictTag("admin", { scopes: ["admin"] });

  it("allows a component without the tag, even without a token", () => {
    assert.equal(check(ctxFor(undefined, tool("echo"))), true);
    assert.deepEqual(check.missingScopes(ctxFor([], tool("echo"))), []);
  });

  it("denies a tagged component to a token without the scopes", () => {
    const ctx = ctxFor(["user"], tool("wipe", { tags: ["admin"] }));
    assert.equal(check(ctx), false);
    assert.deepEqual(check.missingScopes(ctx), ["admin"]);
  });

  it("denies a tagged component without a token and names no scope", () => {
    const ctx = ctxFor(undefined, tool("wipe", { tags: ["admin"] }));
    assert.equal(check(ctx), false);
    assert.deepEqual(check.missingScopes(ctx), []);
  });

  it("requires its scopes of tagged components only (requiredScopes)", () => {
    const check = restrictTag("admin", { scopes: ["admin", "audit"] });
    const tagged = tool("wipe", { tags: ["admin"] });
    assert.deepEqual(check.requiredScopes?.(ctxFor(["audit"], tagged)), [
      "admin",
      "audit",
    ]);
    assert.deepEqual(check.requiredScopes?.(ctxFor(["audit"], tool("t"))), []);
  });

  it("allows a tagged component to a token with every scope", () => {
    const both = restrictTag("admin", { scopes: ["admin", "audit"] });
    assert.equal(
      both(ctxFor(["audit", "admin"], tool("w", { tags: ["admin"] }))),
      true,
    );
    assert.equal(
      both(ctxFor(["admin"], tool("w", { tags: ["admin"] }))),
      false,
    );
  });

  const malformedTags: [string, unknown][] = [
    ["a string", "admin"],
    ["a plain object", { admin: true }],
    ["a number", 1],
  ];
  for (const [label, tags] of malformedTags) {
    it(`denies, even to a full token, when tags are ${label}`, async () => {
      const { errors, onError } = recorder();
      const component = tool("w", { tags: tags as never });
      for (const scopes of [undefined, [], ["admin"]]) {
        assert.equal(
          await runAuthChecks(check, ctxFor(scopes, component), { onError }),
          false,
        );
      }
      assert.ok(errors.every((e) => e instanceof TypeError));
    });
  }

  it("reads tags given as a Set", () => {
    assert.equal(
      check(ctxFor([], tool("w", { tags: new Set(["admin"]) }))),
      false,
    );
    assert.equal(
      check(ctxFor([], tool("w", { tags: new Set(["other"]) }))),
      true,
    );
  });

  it("throws a TypeError without scopes, saying what to pass", () => {
    assert.throws(
      () => restrictTag("admin", undefined as never),
      /expects \{ scopes: \[\.\.\.\] \}/,
    );
    assert.throws(() => restrictTag("admin", { scopes: [] }), TypeError);
    assert.throws(
      () => restrictTag("admin", { scopes: [3 as never] }),
      TypeError,
    );
  });

  it("refuses a misspelt option, naming the right one", () => {
    assert.throws(
      () => restrictTag("admin", { scope: ["admin"] } as never),
      (error: unknown) =>
        error instanceof TypeError &&
        /Unknown restrictTag option "scope" \(did you mean "scopes"\?\)/.test(
          error.message,
        ),
    );
    assert.throws(
      () => restrictTag("admin", { scopes: ["admin"], extra: 1 } as never),
      /Unknown restrictTag option "extra", expected one of "scopes"/,
    );
  });

  it("refuses options that are not an object", () => {
    for (const options of [null, 7, "admin", ["admin"]]) {
      assert.throws(
        () => restrictTag("admin", options as never),
        /restrictTag expects \{ scopes: \[\.\.\.\] \}/,
      );
    }
  });

  it("throws a TypeError for a tag that is not a non-empty string", () => {
    assert.throws(() => restrictTag("", { scopes: ["a"] }), TypeError);
    assert.throws(() => restrictTag(7 as never, { scopes: ["a"] }), TypeError);
  });
});

describe("requireRoles()", () => {
  const roles = (claims: Record<string, unknown>) => claims.roles;
  const withRoles = (value: unknown) =>
    new AuthContext({
      token: token([], { roles: value }),
      component: tool("t"),
    });

  it("allows a token holding every role", async () => {
    const check = requireRoles(["a", "b"], { extract: roles });
    assert.equal(await runAuthChecks(check, withRoles(["b", "a"])), true);
    assert.equal(
      await runAuthChecks(check, withRoles(new Set(["a", "b"]))),
      true,
    );
  });

  it("denies a token missing one role", () => {
    assert.equal(
      requireRoles(["a", "b"], { extract: roles })(withRoles(["a"])),
      false,
    );
  });

  it("treats a bare string as one role, not characters", () => {
    assert.equal(
      requireRoles(["admin"], { extract: roles })(withRoles("admin")),
      true,
    );
    assert.equal(
      requireRoles(["a", "d"], { extract: roles })(withRoles("ad")),
      false,
    );
    assert.equal(
      requireRoles(["a"], { extract: roles })(withRoles("ab")),
      false,
    );
  });

  it("reads any iterable of strings", () => {
    const check = requireRoles(["x"], { extract: roles });
    assert.equal(check(withRoles(new Map([["x", 1]]).keys())), true);
  });

  const malformed: [string, unknown][] = [
    ["absent", undefined],
    ["null", null],
    ["a number", 42],
    ["an object", { admin: true }],
  ];
  for (const [label, value] of malformed) {
    it(`denies plainly when the claim is ${label}`, async () => {
      const { errors, onError } = recorder();
      const check = requireRoles(["admin"], { extract: roles });
      assert.equal(
        await runAuthChecks(check, withRoles(value), { onError }),
        false,
      );
      assert.equal(errors.length, 0);
    });
  }

  it("denies plainly when extract throws a TypeError on an absent claim", async () => {
    const { errors, onError } = recorder();
    const check = requireRoles(["admin"], {
      extract: (claims) => (claims.realm as { roles: string[] }).roles,
    });
    assert.equal(
      await runAuthChecks(check, withRoles(undefined), { onError }),
      false,
    );
    assert.equal(errors.length, 0);
  });

  it("masks any other exception from extract as an error", async () => {
    const { errors, onError } = recorder();
    const check = requireRoles(["admin"], {
      extract: () => {
        throw new RangeError("boom");
      },
    });
    assert.equal(
      await runAuthChecks(check, withRoles(["admin"]), { onError }),
      false,
    );
    assert.equal(errors.length, 1);
  });

  it("denies without a token", () => {
    assert.equal(
      requireRoles(["a"], { extract: roles })(ctxFor(undefined)),
      false,
    );
  });

  it("is opaque: it has no missingScopes", () => {
    assert.equal(
      "missingScopes" in requireRoles(["a"], { extract: roles }),
      false,
    );
  });

  it("refuses a misspelt option, naming the right one", () => {
    assert.throws(
      () => requireRoles(["a"], { extrct: roles } as never),
      (error: unknown) =>
        error instanceof TypeError &&
        /Unknown requireRoles option "extrct" \(did you mean "extract"\?\)/
          .test(error.message),
    );
    assert.throws(
      () => requireRoles(["a"], null as never),
      /requireRoles expects \{ extract\(claims\) \}/,
    );
  });

  it("calls extract without a receiver", () => {
    let receiver: unknown = "unset";
    const check = requireRoles(["a"], {
      extract(this: unknown, claims) {
        receiver = this;
        return claims.roles;
      },
    });
    assert.equal(check(withRoles(["a"])), true);
    assert.equal(receiver, undefined);
  });

  it("throws a TypeError for an empty role list, a bad role or no extract", () => {
    assert.throws(
      () => requireRoles([], { extract: roles }),
      /non-empty array of roles/,
    );
    assert.throws(() => requireRoles([""], { extract: roles }), TypeError);
    assert.throws(
      () => requireRoles([1 as never], { extract: roles }),
      TypeError,
    );
    assert.throws(
      () => requireRoles(["a"], {} as never),
      /needs \{ extract\(claims\) \}/,
    );
  });
});
