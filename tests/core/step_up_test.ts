// The step-up policy of an Authorizer (`stepUp`): what filter keeps and
// authorize throws when only scopes stand between a token and a component.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AuthCheck,
  type AuthContext,
  AuthorizationError,
  Authorizer,
  type Component,
  InsufficientScopeError,
  requireRoles,
  requireScopes,
  restrictTag,
  type ScopeAwareCheck,
  type StepUpPolicy,
} from "../../mod.ts";
import { recorder, token, tool } from "../_helpers.ts";

const names = (components: Component[]) => components.map((c) => c.name);
const roles = requireRoles(["ops"], { extract: (claims) => claims.roles });
const adminTag = restrictTag("admin", { scopes: ["admin"] });

/** What a check of a policy engine throws when it cannot decide. */
class Unavailable extends AuthorizationError {
  constructor() {
    super("PDP down");
    (this as { code: string }).code = "ERR_AUTHORIZATION_UNAVAILABLE";
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

/** What a client could tell apart: class, code, message, scopes. */
async function answer(promise: Promise<unknown>): Promise<unknown> {
  const error = await rejection(promise);
  assert.ok(error instanceof AuthorizationError, String(error));
  return {
    class: error.constructor.name,
    code: error.code,
    message: error.message,
    requiredScopes: (error as Partial<InsufficientScopeError>).requiredScopes,
    challengeScopes: (error as Partial<InsufficientScopeError>)
      .challengeScopes,
  };
}

const components: Component[] = [
  tool("open"),
  tool("write", { auth: requireScopes("write") }),
  tool("purge", { tags: ["admin"] }),
  tool("both", { tags: ["admin"], auth: requireScopes("write") }),
  tool("ops", { auth: roles }),
  tool("ops_write", { auth: [roles, requireScopes("write")] }),
];
const byName = (name: string) => components.find((c) => c.name === name)!;

function authorizer(stepUp?: StepUpPolicy, layers: AuthCheck[] = [adminTag]) {
  return new Authorizer(
    stepUp === undefined ? { layers } : { layers, stepUp },
  );
}

describe('Authorizer stepUp: "layers" (the default)', () => {
  it("hides a layer's shortfall from lists and answers its call with InsufficientScopeError", async () => {
    for (const policy of [undefined, "layers"] as const) {
      const auth = authorizer(policy);
      const reader = token(["read"]);
      assert.deepEqual(names(await auth.filter(reader, components)), ["open"]);
      const error = await rejection(auth.authorize(reader, byName("purge")));
      assert.ok(error instanceof InsufficientScopeError);
      assert.deepEqual(error.requiredScopes, ["admin"]);
    }
  });

  it("answers an own-auth shortfall as an unknown component", async () => {
    const auth = authorizer("layers");
    const reader = token(["read"]);
    assert.deepEqual(
      await answer(auth.authorize(reader, byName("write"))),
      await answer(auth.authorize(reader, undefined)),
    );
  });
});

describe('Authorizer stepUp: "always"', () => {
  it("lists a component whose only obstacle is scopes, own auth or layers", async () => {
    const auth = authorizer("always");
    assert.deepEqual(names(await auth.filter(token(["read"]), components)), [
      "open",
      "write",
      "purge",
      "both",
    ]);
  });

  it("returns the very component objects given, in order", async () => {
    const auth = authorizer("always");
    const kept = await auth.filter(token(["read"]), components);
    assert.equal(kept[1], components[1]);
    assert.equal(kept[3], components[3]);
  });

  it("answers a call with InsufficientScopeError naming every missing scope", async () => {
    const auth = authorizer("always");
    const reader = token(["read"]);
    assert.deepEqual(await answer(auth.authorize(reader, byName("write"))), {
      class: "InsufficientScopeError",
      code: "ERR_INSUFFICIENT_SCOPE",
      message: "Insufficient scope. Required: write",
      requiredScopes: ["write"],
      challengeScopes: ["write"],
    });
    const both = await answer(auth.authorize(reader, byName("both")));
    assert.deepEqual(
      (both as { requiredScopes: string[] }).requiredScopes,
      ["admin", "write"],
    );
  });

  it("names held scopes the checks require in challengeScopes (RFC 6750 §3)", async () => {
    const auth = authorizer("always", [requireScopes("mcp"), adminTag]);
    const error = await rejection(
      auth.authorize(token(["mcp"]), byName("both")),
    );
    assert.ok(error instanceof InsufficientScopeError);
    assert.deepEqual(error.requiredScopes, ["admin", "write"]);
    assert.deepEqual(error.challengeScopes, ["admin", "mcp", "write"]);
  });

  it("hides a component an opaque check denies, and answers it as unknown", async () => {
    const auth = authorizer("always");
    const reader = token(["read"]);
    const listed = names(await auth.filter(reader, components));
    assert.ok(!listed.includes("ops") && !listed.includes("ops_write"));
    const unknown = await answer(auth.authorize(reader, undefined));
    assert.deepEqual(
      await answer(auth.authorize(reader, byName("ops"))),
      unknown,
    );
    assert.deepEqual(
      await answer(auth.authorize(reader, byName("ops_write"))),
      unknown,
    );
  });

  it("runs every layer: an opaque layer after a scope shortfall still hides", async () => {
    // "layers" answers the first shortfall without running the later
    // opaque layer; "always" runs it, so nothing steps up into a wall.
    const layers = [adminTag, roles];
    const reader = token(["read"]);
    const layered = await rejection(
      authorizer("layers", layers).authorize(reader, byName("purge")),
    );
    assert.ok(layered instanceof InsufficientScopeError);
    const always = authorizer("always", layers);
    assert.deepEqual(names(await always.filter(reader, components)), []);
    assert.deepEqual(
      await answer(always.authorize(reader, byName("purge"))),
      await answer(always.authorize(reader, undefined)),
    );
  });

  it("hides scope-gated components from a request without a token", async () => {
    const auth = authorizer("always");
    assert.deepEqual(names(await auth.filter(undefined, components)), [
      "open",
    ]);
    assert.deepEqual(
      await answer(auth.authorize(undefined, byName("write"))),
      await answer(auth.authorize(undefined, undefined)),
    );
  });

  it("allows what passes, and keeps it listed", async () => {
    const auth = authorizer("always");
    const all = token(["write", "admin"], { roles: ["ops"] });
    await auth.authorize(all, byName("both"));
    await auth.authorize(all, byName("ops_write"));
    assert.deepEqual(
      names(await auth.filter(all, components)),
      names(components),
    );
  });

  it("treats a check that throws as opaque, reported, never listed", async () => {
    const { errors, onError } = recorder();
    const broken: ScopeAwareCheck = Object.assign(
      (): boolean => {
        throw new Error("db down");
      },
      { missingScopes: () => ["write"] },
    );
    const auth = new Authorizer({ stepUp: "always", onError });
    const flaky = tool("flaky", { auth: broken });
    assert.deepEqual(await auth.filter(token([]), [flaky]), []);
    assert.deepEqual(
      await answer(auth.authorize(token([]), flaky)),
      await answer(auth.authorize(token([]), undefined)),
    );
    assert.equal(errors.length, 2);
  });

  it("treats a missingScopes that answers garbage as opaque", async () => {
    const { errors, onError } = recorder();
    const liar: ScopeAwareCheck = Object.assign(() => false, {
      missingScopes: () => ["a b"],
    });
    const auth = new Authorizer({ stepUp: "always", onError });
    const odd = tool("odd", { auth: liar });
    assert.deepEqual(await auth.filter(token([]), [odd]), []);
    assert.deepEqual(
      await answer(auth.authorize(token([]), odd)),
      await answer(auth.authorize(token([]), undefined)),
    );
    assert.ok(errors.length >= 1);
  });

  it("works with async scope-aware checks, in order", async () => {
    const slow: ScopeAwareCheck = Object.assign(
      (ctx: AuthContext) =>
        Promise.resolve(ctx.token?.scopes.includes("slow") === true),
      {
        missingScopes: (ctx: AuthContext) =>
          ctx.token?.scopes.includes("slow") ? [] : ["slow"],
      },
    );
    const auth = authorizer("always", [slow]);
    const listed = await auth.filter(token([]), [
      tool("a"),
      tool("b", { auth: roles }),
      tool("c"),
    ]);
    assert.deepEqual(names(listed), ["a", "c"]);
    const error = await rejection(auth.authorize(token([]), tool("a")));
    assert.deepEqual((error as InsufficientScopeError).requiredScopes, [
      "slow",
    ]);
  });

  it("passes the call's arguments to checks", async () => {
    const owner: AuthCheck = (ctx) => ctx.arguments?.owner === "ann";
    const auth = authorizer("always", [owner]);
    await auth.authorize(token([]), tool("a"), { arguments: { owner: "ann" } });
    await assert.rejects(
      auth.authorize(token([]), tool("a"), { arguments: { owner: "bob" } }),
      (error: unknown) =>
        error instanceof AuthorizationError &&
        !(error instanceof InsufficientScopeError),
    );
  });

  it("lets a check's own InsufficientScopeError through", async () => {
    const custom: AuthCheck = () => {
      throw new InsufficientScopeError(["custom"]);
    };
    const auth = authorizer("always", [custom]);
    const error = await rejection(auth.authorize(token([]), tool("a")));
    assert.deepEqual((error as InsufficientScopeError).requiredScopes, [
      "custom",
    ]);
  });

  it("answers a malformed component as an unknown one", async () => {
    const { errors, onError } = recorder();
    const auth = new Authorizer({ stepUp: "always", onError });
    const malformed = { kind: "widget", name: 1 } as unknown as Component;
    assert.deepEqual(
      await answer(auth.authorize(token([]), malformed)),
      await answer(auth.authorize(token([]), undefined)),
    );
    assert.equal(errors.length, 1);
  });
});

describe('Authorizer stepUp: "never"', () => {
  it("hides every denial and answers every one exactly as an unknown component", async () => {
    const auth = authorizer("never");
    const reader = token(["read"]);
    assert.deepEqual(names(await auth.filter(reader, components)), ["open"]);
    const unknown = await answer(auth.authorize(reader, undefined));
    assert.deepEqual(unknown, {
      class: "AuthorizationError",
      code: "ERR_AUTHORIZATION",
      message: "Component not found or not authorized",
      requiredScopes: undefined,
      challengeScopes: undefined,
    });
    for (const component of components.slice(1)) {
      assert.deepEqual(
        await answer(auth.authorize(reader, component)),
        unknown,
        component.name,
      );
    }
  });

  it("turns a check's own InsufficientScopeError into the unknown answer", async () => {
    const custom: AuthCheck = () => {
      throw new InsufficientScopeError(["custom"]);
    };
    const auth = authorizer("never", [custom]);
    assert.deepEqual(
      await answer(auth.authorize(token([]), tool("a"))),
      await answer(auth.authorize(token([]), undefined)),
    );
  });
});

describe("Authorizer stepUp: unavailability", () => {
  for (const policy of ["layers", "always", "never"] as const) {
    it(`lets a layer's AuthorizationUnavailableError through under "${policy}"`, async () => {
      const down: AuthCheck = () => {
        throw new Unavailable();
      };
      const auth = authorizer(policy, [down]);
      const error = await rejection(auth.authorize(token([]), tool("a")));
      assert.ok(error instanceof Unavailable, String(error));
    });
  }
  for (const policy of ["always", "never"] as const) {
    it(`lets an own check's AuthorizationUnavailableError through under "${policy}"`, async () => {
      const down: AuthCheck = () => {
        throw new Unavailable();
      };
      const error = await rejection(
        authorizer(policy, []).authorize(token([]), tool("a", { auth: down })),
      );
      if (policy === "always") assert.ok(error instanceof Unavailable);
      else {
        // "never" rides on the default engine, whose own-auth errors read
        // as unknown on this branch (AuthZEN lets them through).
        assert.ok(error instanceof AuthorizationError);
      }
    });
  }
});

describe("new Authorizer({ stepUp })", () => {
  for (const value of ["sometimes", "Always", true, 1, null]) {
    it(`refuses stepUp: ${JSON.stringify(value)}, naming the choices`, () => {
      assert.throws(
        () => new Authorizer({ stepUp: value as never }),
        (error: unknown) =>
          error instanceof TypeError &&
          /Authorizer option "stepUp" must be one of "layers", "always", "never", got/
            .test(error.message),
      );
    });
  }

  it('suggests "stepUp" for a misspelt key', () => {
    assert.throws(
      () => new Authorizer({ stepup: "always" } as never),
      /Unknown Authorizer option "stepup" \(did you mean "stepUp"\?\)/,
    );
  });
});
