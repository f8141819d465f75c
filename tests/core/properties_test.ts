// Property tests: invariants that must hold for any checks, tokens and components.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  allOf,
  anyOf,
  type AuthCheck,
  AuthContext,
  AuthorizationError,
  Authorizer,
  type Component,
  InsufficientScopeError,
  requireRoles,
  requireScopes,
  restrictTag,
  runAuthChecks,
  runAuthChecksWithShortfall,
} from "../../mod.ts";
import { token } from "../_helpers.ts";

const SCOPES: string[] = ["a", "b", "c", "d"];
const TAGS = ["admin", "beta"] as const;
const quiet = { onError: () => {} };

const scopeSet = fc.uniqueArray(fc.constantFrom(...SCOPES), {
  minLength: 0,
  maxLength: 4,
});
const someScopes = fc.uniqueArray(fc.constantFrom(...SCOPES), {
  minLength: 1,
  maxLength: 3,
});

/** Deterministic, monotone checks built from the library's factories. */
const monotoneCheck: fc.Arbitrary<AuthCheck> =
  fc.letrec<{ check: AuthCheck }>((tie) => ({
    check: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      someScopes.map((s) => requireScopes(...s) as AuthCheck),
      fc.tuple(fc.constantFrom(...TAGS), someScopes).map(([tag, s]) =>
        restrictTag(tag, { scopes: s }) as AuthCheck
      ),
      someScopes.map((s) => {
        const check = requireScopes(...s);
        return ((ctx: AuthContext) => Promise.resolve(check(ctx))) as AuthCheck;
      }),
      fc.array(tie("check"), { minLength: 1, maxLength: 3 }).map((c) =>
        anyOf(...c)
      ),
      fc.array(tie("check"), { minLength: 1, maxLength: 3 }).map((c) =>
        allOf(...c)
      ),
    ),
  })).check;

const component: fc.Arbitrary<Component> = fc.record({
  kind: fc.constantFrom(
    "tool" as const,
    "prompt" as const,
    "resource" as const,
  ),
  name: fc.string({ maxLength: 8 }),
  tags: fc.uniqueArray(fc.constantFrom(...TAGS)),
}).chain((c) =>
  fc.option(fc.array(monotoneCheck, { maxLength: 2 }), { nil: undefined }).map((
    auth,
  ) => auth === undefined ? c : { ...c, auth })
);

const layers = fc.array(
  fc.array(monotoneCheck, { minLength: 1, maxLength: 2 }),
  {
    maxLength: 3,
  },
);

const hierarchy = fc.constantFrom(undefined, { d: ["c"], c: ["b"] }, {
  a: ["b"],
  b: ["a"],
});

/** Anything a hostile or buggy check could return or throw. */
const anything = fc.oneof(
  fc.anything(),
  fc.constant(true),
  fc.constant(false),
  fc.constant(null),
  fc.constant(new Error("boom")),
  fc.constant(new AuthorizationError("deny")),
);

const wildCheck: fc.Arbitrary<AuthCheck> = fc.tuple(
  fc.constantFrom("return", "throw", "resolve", "reject", "thenable-throws"),
  anything,
).map(([how, value]) => (): boolean | Promise<boolean> => {
  switch (how) {
    case "return":
      return value as boolean;
    case "throw":
      throw value;
    case "resolve":
      return Promise.resolve(value as boolean);
    case "reject":
      return Promise.reject(value);
    default:
      return {
        then() {
          throw value;
        },
      } as unknown as Promise<boolean>;
  }
});

async function outcome(
  promise: Promise<unknown>,
): Promise<"allow" | AuthorizationError> {
  try {
    await promise;
    return "allow";
  } catch (error) {
    assert.ok(error instanceof AuthorizationError);
    return error;
  }
}

describe("properties", () => {
  it("the runner never throws anything but AuthorizationError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(wildCheck, monotoneCheck), { maxLength: 5 }),
        async (checks) => {
          const ctx = new AuthContext({
            token: token(["a"]),
            component: { kind: "tool", name: "t" },
          });
          for (const run of [runAuthChecks, runAuthChecksWithShortfall]) {
            try {
              const result = await run(checks, ctx, quiet);
              assert.ok(
                typeof result === "boolean" ||
                  typeof result.authorized === "boolean",
              );
            } catch (error) {
              assert.ok(
                error instanceof AuthorizationError,
                `leaked ${String(error)}`,
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the runner allows only when every check returned exactly true", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant(true), anything), { maxLength: 4 }),
        async (values) => {
          const ctx = new AuthContext({
            component: { kind: "tool", name: "t" },
          });
          const checks = values.map((v) => () => v as boolean);
          const allowed = await runAuthChecks(checks, ctx, quiet).catch(() =>
            false
          );
          assert.equal(allowed, values.every((v) => v === true));
        },
      ),
    );
  });

  it("adding scopes to a token never turns an allow into a deny", async () => {
    await fc.assert(
      fc.asyncProperty(
        layers,
        component,
        scopeSet,
        scopeSet,
        hierarchy,
        async (l, c, base, extra, h) => {
          const authorizer = new Authorizer({
            layers: l,
            scopeHierarchy: h,
            ...quiet,
          });
          const before = await outcome(authorizer.authorize(token(base), c));
          const after = await outcome(
            authorizer.authorize(token([...base, ...extra]), c),
          );
          if (before === "allow") assert.equal(after, "allow");
          const shownBefore =
            (await authorizer.filter(token(base), [c])).length;
          const shownAfter =
            (await authorizer.filter(token([...base, ...extra]), [c])).length;
          assert.ok(shownAfter >= shownBefore);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("filter and authorize always agree on the same token and component", async () => {
    await fc.assert(
      fc.asyncProperty(
        layers,
        component,
        fc.option(scopeSet, { nil: undefined }),
        hierarchy,
        async (l, c, scopes, h) => {
          const authorizer = new Authorizer({
            layers: l,
            scopeHierarchy: h,
            ...quiet,
          });
          const t = scopes === undefined ? undefined : token(scopes);
          const shown = (await authorizer.filter(t, [c])).length === 1;
          const allowed =
            (await outcome(authorizer.authorize(t, c))) === "allow";
          assert.equal(shown, allowed);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a step-up names only scopes the token lacks, and granting them clears that layer", async () => {
    await fc.assert(
      fc.asyncProperty(layers, component, scopeSet, async (l, c, scopes) => {
        const authorizer = new Authorizer({ layers: l, ...quiet });
        const result = await outcome(authorizer.authorize(token(scopes), c));
        if (!(result instanceof InsufficientScopeError)) return;
        for (const scope of result.requiredScopes) {
          assert.ok(!scopes.includes(scope));
        }
        const upgraded = await outcome(
          authorizer.authorize(token([...scopes, ...result.requiredScopes]), c),
        );
        // The union covers the denying layer and every scope-only layer after
        // it, so the upgraded token passes them all.
        if (upgraded instanceof InsufficientScopeError) {
          assert.ok(
            upgraded.requiredScopes.every((s) =>
              !result.requiredScopes.includes(s)
            ),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it("an opaque denial never names a scope", async () => {
    const opaque = requireRoles(["ops"], { extract: (claims) => claims.roles });
    await fc.assert(
      fc.asyncProperty(someScopes, scopeSet, async (picked, held) => {
        // Distinctive names, so that a letter of the message is not a match.
        const required = picked.map((s) => `secret:${s}`);
        const authorizer = new Authorizer({
          layers: [[requireScopes(...required), opaque]],
          ...quiet,
        });
        const result = await outcome(
          authorizer.authorize(token(held), { kind: "tool", name: "t" }),
        );
        assert.ok(result instanceof AuthorizationError);
        assert.ok(!(result instanceof InsufficientScopeError));
        for (const scope of required) {
          assert.ok(!result.message.includes(scope));
        }
      }),
    );
  });
});
