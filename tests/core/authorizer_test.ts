import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  anyOf,
  type AuthCheck,
  type AuthContext,
  AuthorizationError,
  AuthorizationUnavailableError,
  Authorizer,
  type Component,
  InsufficientScopeError,
  requireRoles,
  requireScopes,
  restrictTag,
} from "../../mod.ts";
import { recorder, token, tool } from "../_helpers.ts";

const names = (components: Component[]) => components.map((c) => c.name);
const roles = requireRoles(["ops"], { extract: (claims) => claims.roles });

async function rejection(
  promise: Promise<unknown>,
): Promise<AuthorizationError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(
      error instanceof AuthorizationError,
      `not an AuthorizationError: ${error}`,
    );
    return error;
  }
  assert.fail("expected a denial");
}

describe("Authorizer.filter()", () => {
  const components = [
    tool("a"),
    tool("b", { tags: ["admin"] }),
    tool("c", { auth: requireScopes("write") }),
    { kind: "prompt" as const, name: "d" },
    tool("e", { tags: ["admin"], auth: requireScopes("write") }),
  ];

  it("keeps the components that pass own auth and every layer, in order", async () => {
    const authorizer = new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
    });
    assert.deepEqual(
      names(await authorizer.filter(token(["write"]), components)),
      [
        "a",
        "c",
        "d",
      ],
    );
    assert.deepEqual(
      names(await authorizer.filter(token(["write", "admin"]), components)),
      ["a", "b", "c", "d", "e"],
    );
  });

  it("keeps everything without layers or own auth", async () => {
    const plain = [tool("x"), tool("y")];
    assert.deepEqual(await new Authorizer().filter(undefined, plain), plain);
  });

  it("returns the very component objects given", async () => {
    const [first] = await new Authorizer().filter(undefined, components);
    assert.equal(first, components[0]);
  });

  it("drops a component whose check throws AuthorizationError, keeping the rest", async () => {
    const authorizer = new Authorizer({
      layers: [(ctx: AuthContext) => {
        if (ctx.component.name === "b") throw new AuthorizationError();
        return true;
      }],
    });
    assert.deepEqual(
      names(
        await authorizer.filter(token([]), [tool("a"), tool("b"), tool("c")]),
      ),
      [
        "a",
        "c",
      ],
    );
  });

  it("drops a component whose check throws anything else, and reports it", async () => {
    const { errors, onError } = recorder();
    const authorizer = new Authorizer({
      onError,
      layers: [(ctx: AuthContext) => {
        if (ctx.component.name === "b") throw new Error("db down");
        return true;
      }],
    });
    assert.deepEqual(
      names(await authorizer.filter(token([]), [tool("a"), tool("b")])),
      ["a"],
    );
    assert.equal(errors.length, 1);
  });

  it("keeps order when some checks are async", async () => {
    const authorizer = new Authorizer({
      layers: [
        (ctx: AuthContext) =>
          ctx.component.name === "slow"
            ? new Promise<boolean>((resolve) =>
              setTimeout(() => resolve(true), 5)
            )
            : ctx.component.name !== "hidden",
      ],
    });
    const list = [tool("a"), tool("slow"), tool("hidden"), tool("b")];
    assert.deepEqual(names(await authorizer.filter(token([]), list)), [
      "a",
      "slow",
      "b",
    ]);
  });

  it("drops malformed components instead of failing the list", async () => {
    const { onError } = recorder();
    const authorizer = new Authorizer({ onError });
    const list = [tool("a"), { kind: "gadget", name: "x" } as never, tool("b")];
    assert.deepEqual(names(await authorizer.filter(token([]), list)), [
      "a",
      "b",
    ]);
  });

  it("reads any iterable of components", async () => {
    function* gen() {
      yield tool("a");
      yield tool("b", { tags: ["admin"] });
    }
    const authorizer = new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
    });
    assert.deepEqual(names(await authorizer.filter(token([]), gen())), ["a"]);
  });

  it("lists nothing, and reports, when the component list throws while read", async () => {
    const { errors, onError } = recorder();
    function* broken() {
      yield tool("a");
      throw new Error("registry unavailable");
    }
    const authorizer = new Authorizer({ onError });
    assert.deepEqual(await authorizer.filter(token([]), broken()), []);
    assert.equal(errors.length, 1);
  });

  it("applies the scope hierarchy to every context", async () => {
    const authorizer = new Authorizer({
      layers: [requireScopes("read")],
      scopeHierarchy: { write: ["read"] },
    });
    assert.deepEqual(
      names(await authorizer.filter(token(["write"]), [tool("a")])),
      ["a"],
    );
  });

  it("computes the token's scope set once per call, shared by every context", async () => {
    const seen = new Set<ReadonlySet<string>>();
    const authorizer = new Authorizer({
      layers: [(ctx: AuthContext) => (seen.add(ctx.grantedScopes), true)],
    });
    await authorizer.filter(token(["a"]), [tool("a"), tool("b"), tool("c")]);
    assert.equal(seen.size, 1);
  });
});

describe("Authorizer.authorize()", () => {
  it("allows a component that passes own auth and every layer", async () => {
    const authorizer = new Authorizer({ layers: [requireScopes("mcp")] });
    await authorizer.authorize(
      token(["mcp", "w"]),
      tool("a", { auth: requireScopes("w") }),
    );
  });

  it("gives the same error for an unknown component and one its own auth denies", async () => {
    const authorizer = new Authorizer();
    const unknown = await rejection(authorizer.authorize(token([]), undefined));
    const denied = await rejection(
      authorizer.authorize(
        token([]),
        tool("secret", { auth: requireScopes("root") }),
      ),
    );
    assert.equal(unknown.constructor, AuthorizationError);
    assert.equal(denied.constructor, AuthorizationError);
    assert.equal(unknown.message, denied.message);
    assert.match(unknown.message, /not found or not authorized/);
  });

  it("hides own auth's scope shortfall and thrown errors behind the same error", async () => {
    const authorizer = new Authorizer({ onError: () => {} });
    const throwsScope = tool("x", {
      auth: () => {
        throw new InsufficientScopeError(["root"]);
      },
    });
    const throwsOther = tool("y", {
      auth: () => {
        throw new Error("internal detail");
      },
    });
    const unknown = await rejection(authorizer.authorize(token([]), undefined));
    for (const component of [throwsScope, throwsOther]) {
      const error = await rejection(authorizer.authorize(token([]), component));
      assert.equal(error.constructor, AuthorizationError);
      assert.equal(error.message, unknown.message);
    }
  });

  it("checks own auth before any layer", async () => {
    let layerRan = false;
    const authorizer = new Authorizer({ layers: [() => (layerRan = true)] });
    await rejection(
      authorizer.authorize(token([]), tool("x", { auth: () => false })),
    );
    assert.equal(layerRan, false);
  });

  it("throws InsufficientScopeError naming a layer's unmet scopes", async () => {
    const authorizer = new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin", "audit"] })],
    });
    const error = await rejection(
      authorizer.authorize(token(["audit"]), tool("wipe", { tags: ["admin"] })),
    );
    assert.ok(error instanceof InsufficientScopeError);
    assert.deepEqual(error.requiredScopes, ["admin"]);
  });

  it("widens the shortfall across following scope-only layers", async () => {
    const authorizer = new Authorizer({
      layers: [requireScopes("b"), requireScopes("a"), [
        requireScopes("c"),
        requireScopes("d"),
      ]],
    });
    const error = await rejection(
      authorizer.authorize(token(["d"]), tool("x")),
    );
    assert.ok(error instanceof InsufficientScopeError);
    assert.deepEqual(error.requiredScopes, ["a", "b", "c"]);
  });

  it("stops widening at the first layer holding an opaque check", async () => {
    const authorizer = new Authorizer({
      layers: [
        requireScopes("a"),
        requireScopes("b"),
        [requireScopes("c"), roles],
        requireScopes(
          "d",
        ),
      ],
    });
    const error = await rejection(authorizer.authorize(token([]), tool("x")));
    assert.ok(error instanceof InsufficientScopeError);
    assert.deepEqual(error.requiredScopes, ["a", "b"]);
  });

  it("throws a plain AuthorizationError naming no scope for an opaque denial", async () => {
    const authorizer = new Authorizer({
      layers: [[requireScopes("secret-scope"), roles]],
    });
    const error = await rejection(authorizer.authorize(token([]), tool("x")));
    assert.equal(error.constructor, AuthorizationError);
    assert.doesNotMatch(error.message, /secret-scope/);
    assert.equal("requiredScopes" in error, false);
  });

  it("answers an opaque layer denial exactly as an unknown component", async () => {
    const authorizer = new Authorizer({ layers: [roles] });
    const hidden = await rejection(authorizer.authorize(token([]), tool("x")));
    const unknown = await rejection(authorizer.authorize(token([]), undefined));
    assert.equal(hidden.constructor, unknown.constructor);
    assert.equal(hidden.message, unknown.message);
  });

  it("keeps the hierarchy it was built with, whatever the caller changes later", async () => {
    const hierarchy: Record<string, string[]> = { admin: ["write"] };
    const authorizer = new Authorizer({
      layers: [requireScopes("write")],
      scopeHierarchy: hierarchy,
    });
    await authorizer.authorize(token(["admin"]), tool("x"));
    delete hierarchy.admin;
    await authorizer.authorize(token(["admin"]), tool("x"));
    // A new Authorizer reads the hierarchy as it is now.
    const later = new Authorizer({
      layers: [requireScopes("write")],
      scopeHierarchy: hierarchy,
    });
    await rejection(later.authorize(token(["admin"]), tool("x")));
  });

  it("throws a plain AuthorizationError without a token", async () => {
    const authorizer = new Authorizer({ layers: [requireScopes("a")] });
    const error = await rejection(authorizer.authorize(undefined, tool("x")));
    assert.equal(error.constructor, AuthorizationError);
  });

  it("passes tool-call arguments to checks", async () => {
    const ownerOnly: AuthCheck = (ctx) =>
      ctx.arguments?.owner === ctx.token?.claims.sub;
    const authorizer = new Authorizer({ layers: [ownerOnly] });
    const t = token([], { sub: "ann" });
    await authorizer.authorize(t, tool("edit"), {
      arguments: { owner: "ann" },
    });
    await rejection(
      authorizer.authorize(t, tool("edit"), { arguments: { owner: "bob" } }),
    );
  });

  it("lets a layer's own AuthorizationError through unchanged", async () => {
    const custom = new InsufficientScopeError(["step-up"], {
      message: "Need step-up",
    });
    const authorizer = new Authorizer({
      layers: [() => {
        throw custom;
      }],
    });
    assert.equal(
      await rejection(authorizer.authorize(token([]), tool("x"))),
      custom,
    );
  });

  it("denies when a layer throws anything else, without leaking its message", async () => {
    const authorizer = new Authorizer({
      onError: () => {},
      layers: [() => {
        throw new Error("password=hunter2");
      }],
    });
    const error = await rejection(authorizer.authorize(token([]), tool("x")));
    assert.doesNotMatch(error.message, /hunter2/);
  });

  it("applies the scope hierarchy and names only the narrower scope", async () => {
    const authorizer = new Authorizer({
      layers: [anyOf(requireScopes("files:read"))],
      scopeHierarchy: { "files:write": ["files:read"] },
    });
    await authorizer.authorize(token(["files:write"]), tool("read"));
    const error = await rejection(
      authorizer.authorize(token([]), tool("read")),
    );
    assert.deepEqual((error as InsufficientScopeError).requiredScopes, [
      "files:read",
    ]);
  });

  it("challenges every scope the call requires, held ones too (RFC 6750 §3), beside requiredScopes", async () => {
    // The MCP 2025-11-25 client replaces its scopes with the challenge's: a
    // challenge naming only "admin" would cost it "mcp" and "write".
    const authorizer = new Authorizer({
      layers: [
        requireScopes("mcp"),
        restrictTag("admin", { scopes: ["admin"] }),
      ],
    });
    const error = await rejection(
      authorizer.authorize(
        token(["mcp", "write", "unrelated"]),
        tool("purge", { tags: ["admin"], auth: requireScopes("write") }),
      ),
    );
    assert.ok(error instanceof InsufficientScopeError);
    assert.deepEqual(error.requiredScopes, ["admin"]);
    assert.deepEqual(error.challengeScopes, ["admin", "mcp", "write"]);
    assert.equal(error.message, "Insufficient scope. Required: admin");
  });

  it("challenges the narrower scopes checks name, never the broader ones held", async () => {
    const authorizer = new Authorizer({
      layers: [requireScopes("files:read"), requireScopes("admin")],
      scopeHierarchy: { "files:write": ["files:read"] },
    });
    const error = await rejection(
      authorizer.authorize(token(["files:write"]), tool("x")),
    );
    assert.ok(error instanceof InsufficientScopeError);
    assert.deepEqual(error.challengeScopes, ["admin", "files:read"]);
  });

  it("challenges held scopes only up to the first opaque layer after the shortfall", async () => {
    const ops = token(["a", "c"], { roles: ["ops"] });
    const authorizer = new Authorizer({
      layers: [
        requireScopes("a"),
        roles,
        requireScopes("b"),
        requireScopes("c"),
        roles,
        requireScopes("d"),
      ],
    });
    const error = await rejection(authorizer.authorize(ops, tool("x")));
    assert.ok(error instanceof InsufficientScopeError);
    assert.deepEqual(error.requiredScopes, ["b"]);
    assert.deepEqual(error.challengeScopes, ["a", "b", "c"]);
  });

  it("challenges only the nearest branch of an anyOf, not its alternatives", async () => {
    const authorizer = new Authorizer({
      layers: [
        anyOf(requireScopes("read"), requireScopes("root")),
        anyOf(
          requireScopes("write", "audit"),
          requireScopes("admin", "x", "y"),
        ),
      ],
    });
    const error = await rejection(
      authorizer.authorize(token(["read", "audit"]), tool("x")),
    );
    assert.ok(error instanceof InsufficientScopeError);
    assert.deepEqual(error.requiredScopes, ["write"]);
    assert.deepEqual(error.challengeScopes, ["audit", "read", "write"]);
  });

  it("challenges only the missing scopes of a user's scope-aware check without requiredScopes", async () => {
    const custom = Object.assign(
      (ctx: AuthContext) => ctx.grantedScopes.has("z"),
      {
        missingScopes: (ctx: AuthContext) =>
          ctx.grantedScopes.has("z") ? [] : ["z"],
      },
    );
    const { errors, onError } = recorder();
    const hostile = Object.assign(() => true, {
      missingScopes: () => [],
      requiredScopes: () => ["bad scope"],
    });
    const authorizer = new Authorizer({
      layers: [hostile, requireScopes("a"), custom],
      onError,
    });
    const error = await rejection(
      authorizer.authorize(token(["a"]), tool("x")),
    );
    assert.ok(error instanceof InsufficientScopeError);
    assert.deepEqual(error.challengeScopes, ["a", "z"]);
    // A requiredScopes that returns anything but scope tokens is reported.
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /requiredScopes\(\) must return/);
  });

  it("treats a malformed component like an unknown one", async () => {
    const { onError } = recorder();
    const authorizer = new Authorizer({ onError });
    const unknown = await rejection(authorizer.authorize(token([]), undefined));
    const malformed = await rejection(
      authorizer.authorize(token([]), { kind: "x", name: "y" } as never),
    );
    assert.equal(malformed.message, unknown.message);
  });
});

describe("new Authorizer()", () => {
  const bad: [string, unknown, RegExp][] = [
    [
      'a misspelt "layers" (which would load no layer)',
      { layer: [requireScopes("admin")] },
      /Unknown Authorizer option "layer" \(did you mean "layers"\?\), expected one of "layers", "scopeHierarchy", "onError"/,
    ],
    [
      "a misspelt onError",
      { onErorr: () => {} },
      /Unknown Authorizer option "onErorr" \(did you mean "onError"\?\)/,
    ],
    [
      "an unknown option",
      { layers: [], debug: true },
      /Unknown Authorizer option "debug", expected one of/,
    ],
    [
      "options that are a number",
      123,
      /Authorizer expects an options object such as \{ layers: \[\.\.\.\] \}, got "123"/,
    ],
    ["options that are null", null, /Authorizer expects an options object/],
    [
      "options that are a list of layers",
      [requireScopes("a")],
      /Authorizer expects an options object/,
    ],
    [
      "layers that are not an array",
      { layers: requireScopes("a") },
      /must be an array/,
    ],
    [
      "a layer that is not a function",
      { layers: ["admin"] },
      /layer 0 must be a function/,
    ],
    ["a check in a layer that is not a function", {
      layers: [[requireScopes("a"), 1]],
    }, /layer 0, check 1, must be a function/],
    [
      "a malformed hierarchy",
      { scopeHierarchy: { a: "b" } },
      /must be an array/,
    ],
    [
      "an onError that is not a function",
      { onError: "log" },
      /option "onError" must be a function/,
    ],
  ];
  for (const [label, options, message] of bad) {
    it(`throws a TypeError for ${label}`, () => {
      assert.throws(
        () => new Authorizer(options as never),
        (error: unknown) =>
          error instanceof TypeError && message.test(error.message),
      );
    });
  }

  it("does not follow later changes to the caller's layer list", async () => {
    const layers: AuthCheck[] = [() => true];
    const authorizer = new Authorizer({ layers });
    layers.push(() => false);
    await authorizer.authorize(token([]), tool("x"));
  });

  it("accepts no options, and undefined", async () => {
    for (const authorizer of [new Authorizer(), new Authorizer(undefined)]) {
      await authorizer.authorize(token([]), tool("x"));
    }
  });

  it("calls onError without a receiver", async () => {
    const receivers: unknown[] = [];
    const authorizer = new Authorizer({
      layers: [() => {
        throw new Error("x");
      }],
      onError(this: unknown) {
        receivers.push(this);
      },
    });
    await authorizer.filter(token([]), [tool("a")]);
    assert.deepEqual(receivers, [undefined]);
  });
});

describe("Authorizer with an onError that throws", () => {
  const throwing = () => {
    throw new Error("logger down");
  };

  it("still lists nothing when the component list cannot be read", async () => {
    const authorizer = new Authorizer({ onError: throwing });
    const unreadable = {
      [Symbol.iterator]() {
        throw new Error("gone");
      },
    };
    assert.deepEqual(
      await authorizer.filter(token([]), unreadable as never),
      [],
    );
  });

  it("still drops a malformed component and keeps the rest", async () => {
    const authorizer = new Authorizer({ onError: throwing });
    const kept = await authorizer.filter(token([]), [
      { kind: "gadget", name: "x" } as never,
      tool("b"),
    ]);
    assert.deepEqual(kept.map((c) => c.name), ["b"]);
  });

  it("still answers a malformed component as an unknown one", async () => {
    const authorizer = new Authorizer({ onError: throwing });
    const error = await rejection(
      authorizer.authorize(token([]), { kind: "x", name: "y" } as never),
    );
    assert.equal(error.constructor, AuthorizationError);
  });

  it("still denies a layer that throws", async () => {
    const authorizer = new Authorizer({
      layers: [() => {
        throw new Error("x");
      }],
      onError: throwing,
    });
    assert.deepEqual(await authorizer.filter(token([]), [tool("a")]), []);
    const error = await rejection(authorizer.authorize(token([]), tool("a")));
    assert.equal(error.constructor, AuthorizationError);
  });
});

describe("Authorizer.authorize() and AuthorizationUnavailableError", () => {
  const unavailable = () =>
    Promise.reject(
      new AuthorizationUnavailableError("PDP down", { retryAfter: 3 }),
    );

  it("lets it through from a component's own auth and from a layer", async () => {
    for (
      const [authorizer, component] of [
        [new Authorizer(), tool("x", { auth: unavailable })],
        [
          new Authorizer(),
          tool("x", { auth: [requireScopes("mcp"), unavailable] }),
        ],
        [new Authorizer({ layers: [unavailable] }), tool("x")],
        [
          new Authorizer({ layers: [requireScopes("mcp"), [unavailable]] }),
          tool("x"),
        ],
      ] as const
    ) {
      const error = await rejection(
        authorizer.authorize(token(["mcp"]), component),
      );
      assert.ok(error instanceof AuthorizationUnavailableError);
      assert.equal(error.retryAfter, 3);
    }
  });

  it("still answers not found for an unknown component and any other failure", async () => {
    const authorizer = new Authorizer({ onError: () => {} });
    for (
      const component of [
        undefined,
        tool("x", { auth: () => Promise.reject(new Error("boom")) }),
        tool("x", { auth: () => false }),
      ]
    ) {
      const error = await rejection(authorizer.authorize(token([]), component));
      assert.equal(error.constructor, AuthorizationError);
    }
  });

  it("hides the component in a list", async () => {
    const authorizer = new Authorizer({ layers: [unavailable] });
    assert.deepEqual(await authorizer.filter(token([]), [tool("x")]), []);
    const own = new Authorizer();
    assert.deepEqual(
      await own.filter(token([]), [tool("x", { auth: unavailable })]),
      [],
    );
  });
});
