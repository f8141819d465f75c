// The Authorizer's decision events (src/core/_decision_watch.ts): exactly one
// per `authorize` and per `filter`, on every path, with what decided.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AuthCheck,
  AuthorizationError,
  AuthorizationUnavailableError,
  Authorizer,
  type AuthorizerOptions,
  type Component,
  type DecisionDetails,
  type DecisionEvent,
  InsufficientScopeError,
  requireRoles,
  requireScopes,
  restrictTag,
} from "../../mod.ts";
import { token, tool } from "../_helpers.ts";

/** An Authorizer whose events (and the details behind them) are recorded. */
function watched(options: AuthorizerOptions = {}) {
  const events: DecisionEvent[] = [];
  const details: DecisionDetails[] = [];
  const authorizer = new Authorizer({
    onError: () => {},
    ...options,
    onDecision: (event) => void events.push(event),
    redactDecision: (event, withheld) => {
      details.push(withheld);
      return event;
    },
  });
  return { authorizer, events, details };
}

const alice = token(["mcp"], { sub: "alice" });
const boom = (message: string): AuthCheck => () => {
  throw new Error(message);
};
/** A check asking a policy engine that is down. */
const down: AuthCheck = () =>
  Promise.reject(new AuthorizationUnavailableError("pdp down"));
const who = { clientId: "client", subject: "alice" };

describe("Authorizer.authorize() decision events", () => {
  const cases: {
    title: string;
    options?: AuthorizerOptions;
    component: Component | undefined;
    expected: DecisionEvent;
  }[] = [
    {
      title: "an allowed call",
      component: tool("echo"),
      expected: {
        operation: "authorize",
        outcome: "allow",
        kind: "tool",
        name: "echo",
        clientId: "client",
        subject: "alice",
      },
    },
    {
      title: "an unknown component",
      component: undefined,
      expected: {
        operation: "authorize",
        outcome: "hidden",
        reason: "unknown_component",
        clientId: "client",
        subject: "alice",
      },
    },
    {
      title: "a denial by the component's own auth",
      component: tool("vault", { auth: requireScopes("vault") }),
      expected: {
        operation: "authorize",
        outcome: "hidden",
        reason: "opaque_denial",
        kind: "tool",
        name: "vault",
        layer: "component",
        clientId: "client",
        subject: "alice",
      },
    },
    {
      title: "a masked error in the component's own auth",
      component: tool("vault", { auth: boom("db down") }),
      expected: {
        operation: "authorize",
        outcome: "hidden",
        reason: "masked_error",
        kind: "tool",
        name: "vault",
        layer: "component",
        clientId: "client",
        subject: "alice",
      },
    },
    {
      title: "a scope shortfall in a layer, widened by the next",
      options: {
        layers: [
          requireScopes("mcp"),
          restrictTag("admin", { scopes: ["admin"] }),
          requireScopes("audit"),
        ],
      },
      component: tool("reset", { tags: ["admin"] }),
      expected: {
        operation: "authorize",
        outcome: "step-up",
        reason: "insufficient_scope",
        kind: "tool",
        name: "reset",
        missingScopes: ["admin", "audit"],
        layer: 1,
        clientId: "client",
        subject: "alice",
      },
    },
    {
      title: "an opaque layer",
      options: {
        layers: [
          requireScopes("mcp"),
          requireRoles(["editor"], { extract: (claims) => claims.roles }),
        ],
      },
      component: tool("edit"),
      expected: {
        operation: "authorize",
        outcome: "hidden",
        reason: "opaque_denial",
        kind: "tool",
        name: "edit",
        layer: 1,
        clientId: "client",
        subject: "alice",
      },
    },
    {
      title: "a layer that throws (masked)",
      options: { layers: [requireScopes("mcp"), boom("policy engine down")] },
      component: tool("edit"),
      expected: {
        operation: "authorize",
        outcome: "hidden",
        reason: "masked_error",
        kind: "tool",
        name: "edit",
        layer: 1,
        clientId: "client",
        subject: "alice",
      },
    },
    {
      title: "a layer that throws its own AuthorizationError",
      options: {
        layers: [() => {
          throw new AuthorizationError("Outside office hours");
        }],
      },
      component: tool("edit"),
      expected: {
        operation: "authorize",
        outcome: "deny",
        reason: "opaque_denial",
        kind: "tool",
        name: "edit",
        layer: 0,
        clientId: "client",
        subject: "alice",
      },
    },
    {
      title: "an async layer that throws InsufficientScopeError",
      options: {
        layers: [
          () => true,
          () => Promise.reject(new InsufficientScopeError(["files:write"])),
        ],
      },
      component: {
        kind: "resource",
        name: "readme",
        uri: "file:///readme",
      },
      expected: {
        operation: "authorize",
        outcome: "step-up",
        reason: "insufficient_scope",
        kind: "resource",
        name: "readme",
        uri: "file:///readme",
        missingScopes: ["files:write"],
        layer: 1,
        clientId: "client",
        subject: "alice",
      },
    },
  ];

  // The step-up policies, and an engine that could not decide.
  cases.push(
    {
      title: 'stepUp "always": an own-auth shortfall',
      options: { stepUp: "always" },
      component: tool("vault", { auth: requireScopes("vault") }),
      expected: {
        operation: "authorize",
        outcome: "step-up",
        reason: "insufficient_scope",
        kind: "tool",
        name: "vault",
        missingScopes: ["vault"],
        layer: "component",
        ...who,
      },
    },
    {
      title: 'stepUp "always": own auth and a layer short, the first named',
      options: {
        stepUp: "always",
        layers: [
          requireScopes("mcp"),
          restrictTag("admin", { scopes: ["admin"] }),
        ],
      },
      component: tool("reset", {
        tags: ["admin"],
        auth: requireScopes("write"),
      }),
      expected: {
        operation: "authorize",
        outcome: "step-up",
        reason: "insufficient_scope",
        kind: "tool",
        name: "reset",
        missingScopes: ["admin", "write"],
        layer: "component",
        ...who,
      },
    },
    {
      title: 'stepUp "always": a layer short, then an opaque one',
      options: {
        stepUp: "always",
        layers: [
          restrictTag("admin", { scopes: ["admin"] }),
          requireRoles(["editor"], { extract: (claims) => claims.roles }),
        ],
      },
      component: tool("reset", { tags: ["admin"] }),
      expected: {
        operation: "authorize",
        outcome: "hidden",
        reason: "opaque_denial",
        kind: "tool",
        name: "reset",
        layer: 1,
        ...who,
      },
    },
    {
      title: 'stepUp "never": a layer\'s shortfall reads as an opaque denial',
      options: {
        stepUp: "never",
        layers: [
          requireScopes("mcp"),
          restrictTag("admin", { scopes: ["admin"] }),
        ],
      },
      component: tool("reset", { tags: ["admin"] }),
      expected: {
        operation: "authorize",
        outcome: "hidden",
        reason: "opaque_denial",
        kind: "tool",
        name: "reset",
        layer: 1,
        ...who,
      },
    },
    {
      title: 'stepUp "never": an unknown component',
      options: { stepUp: "never" },
      component: undefined,
      expected: {
        operation: "authorize",
        outcome: "hidden",
        reason: "unknown_component",
        ...who,
      },
    },
    ...(["layers", "always", "never"] as const).flatMap((stepUp) => [
      {
        title: `stepUp "${stepUp}": a layer that could not decide`,
        options: { stepUp, layers: [requireScopes("mcp"), down] },
        component: tool("search"),
        expected: {
          operation: "authorize" as const,
          outcome: "unavailable" as const,
          reason: "unavailable" as const,
          kind: "tool" as const,
          name: "search",
          layer: 1,
          ...who,
        },
      },
      {
        title: `stepUp "${stepUp}": own auth that could not decide`,
        options: { stepUp },
        component: tool("search", { auth: down }),
        expected: {
          operation: "authorize" as const,
          outcome: "unavailable" as const,
          reason: "unavailable" as const,
          kind: "tool" as const,
          name: "search",
          layer: "component" as const,
          ...who,
        },
      },
    ]),
  );

  for (const { title, options, component, expected } of cases) {
    it(`emits exactly one event for ${title}`, async () => {
      const { authorizer, events } = watched(options);
      const outcome = await authorizer.authorize(alice, component).then(
        () => "allowed",
        (error: Error) => error.constructor.name,
      );
      assert.deepEqual(events, [expected]);
      assert.ok(Object.isFrozen(events[0]));
      // The decision itself is what it always was.
      const plain = await new Authorizer({ onError: () => {}, ...options })
        .authorize(alice, component).then(
          () => "allowed",
          (error: Error) => error.constructor.name,
        );
      assert.equal(outcome, plain);
    });
  }

  it("names no one for an unauthenticated request", async () => {
    const { authorizer, events } = watched();
    await authorizer.authorize(undefined, tool("echo"));
    assert.deepEqual(events, [
      { operation: "authorize", outcome: "allow", kind: "tool", name: "echo" },
    ]);
  });

  it("says hidden for a malformed component", async () => {
    const { authorizer, events } = watched();
    await assert.rejects(
      authorizer.authorize(alice, { kind: "x", name: 1 } as never),
      AuthorizationError,
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]!.outcome, "hidden");
  });

  it("hands redactDecision the token, the arguments and the masked errors", async () => {
    const failure = new Error("db down");
    const { authorizer, details } = watched({
      layers: [() => {
        throw failure;
      }],
    });
    const args = { path: "/etc/shadow" };
    await assert.rejects(
      authorizer.authorize(alice, tool("read"), { arguments: args }),
    );
    assert.equal(details.length, 1);
    assert.equal(details[0]!.token, alice);
    assert.equal(details[0]!.arguments, args);
    assert.deepEqual(details[0]!.errors, [failure]);
  });

  it("hands the listener what redactDecision returns", async () => {
    const seen: unknown[] = [];
    const authorizer = new Authorizer({
      onDecision: (event) => void seen.push(event),
      redactDecision: (event, { arguments: args }) => ({
        ...event,
        requestId: String(args?.trace),
      }),
    });
    await authorizer.authorize(undefined, tool("t"), {
      arguments: { trace: "abc" },
    });
    assert.deepEqual(seen, [{
      operation: "authorize",
      outcome: "allow",
      kind: "tool",
      name: "t",
      requestId: "abc",
    }]);
  });

  for (
    const [what, redact] of [
      ["throws", () => {
        throw new Error("redactor bug");
      }],
      ["returns nothing", () => undefined],
      ["returns a promise", () => Promise.resolve({ leaked: true })],
    ] as const
  ) {
    it(`hands the event unchanged when redactDecision ${what}`, async () => {
      const seen: unknown[] = [];
      const authorizer = new Authorizer({
        onDecision: (event) => void seen.push(event),
        redactDecision: redact as never,
      });
      await authorizer.authorize(undefined, tool("t"));
      assert.deepEqual(seen, [{
        operation: "authorize",
        outcome: "allow",
        kind: "tool",
        name: "t",
      }]);
    });
  }

  it("decides the same when the listener throws or rejects", async () => {
    for (
      const onDecision of [
        () => {
          throw new Error("logger down");
        },
        () => Promise.reject(new Error("logger down")),
      ]
    ) {
      const authorizer = new Authorizer({
        layers: [restrictTag("admin", { scopes: ["admin"] })],
        onDecision,
      });
      await authorizer.authorize(alice, tool("echo"));
      await assert.rejects(
        authorizer.authorize(alice, tool("reset", { tags: ["admin"] })),
        InsufficientScopeError,
      );
    }
  });

  it("calls the listener without a receiver", async () => {
    const receivers: unknown[] = [];
    const authorizer = new Authorizer({
      onDecision: function (this: unknown) {
        receivers.push(this);
      },
    });
    await authorizer.authorize(undefined, tool("t"));
    assert.deepEqual(receivers, [undefined]);
  });
});

describe("Authorizer.filter() decision events", () => {
  const layers = [restrictTag("admin", { scopes: ["admin"] })];
  const tools = [
    tool("a"),
    tool("b", { tags: ["admin"] }),
    tool("c", { auth: () => Promise.resolve(false) }),
    tool("d"),
  ];

  it("emits one event per list, counting what it showed and hid", async () => {
    const { authorizer, events } = watched({ layers });
    const kept = await authorizer.filter(alice, tools);
    assert.deepEqual(kept.map((t) => t.name), ["a", "d"]);
    assert.deepEqual(events, [{
      operation: "filter",
      outcome: "allow",
      shown: 2,
      hidden: 2,
      clientId: "client",
      subject: "alice",
    }]);
  });

  for (
    const [stepUp, shown] of [
      ["layers", ["a", "d"]],
      ["always", ["a", "b", "e", "d"]],
      ["never", ["a", "d"]],
    ] as const
  ) {
    it(`stepUp "${stepUp}": one event per list, counting what the policy shows`, async () => {
      const { authorizer, events } = watched({ layers, stepUp });
      const listed = [...tools, tool("e", { auth: requireScopes("write") })];
      // "d" last: the list keeps its order whatever the policy shows.
      listed.push(listed.splice(3, 1)[0]!);
      const kept = await authorizer.filter(alice, listed);
      assert.deepEqual(kept.map((t) => t.name), shown);
      assert.deepEqual(events, [{
        operation: "filter",
        outcome: "allow",
        shown: shown.length,
        hidden: listed.length - shown.length,
        ...who,
      }]);
    });
  }

  it("counts any iterable, a generator included", async () => {
    const { authorizer, events } = watched({ layers });
    function* generate() {
      yield* tools;
    }
    assert.equal((await authorizer.filter(alice, generate())).length, 2);
    assert.equal((await authorizer.filter(alice, new Set(tools))).length, 2);
    assert.deepEqual(events.map((e) => [e.shown, e.hidden]), [[2, 2], [2, 2]]);
  });

  it("says hidden (masked_error) when the list itself throws", async () => {
    const { authorizer, events } = watched({ layers });
    function* broken() {
      yield tool("a");
      throw new Error("registry down");
    }
    assert.deepEqual(await authorizer.filter(alice, broken()), []);
    assert.deepEqual(events, [{
      operation: "filter",
      outcome: "hidden",
      reason: "masked_error",
      shown: 0,
      hidden: 1,
      clientId: "client",
      subject: "alice",
    }]);
  });

  it('with listDecisions: "each", also one event per component, in order', async () => {
    const events: DecisionEvent[] = [];
    const authorizer = new Authorizer({
      layers,
      onDecision: (event) => void events.push(event),
      listDecisions: "each",
    });
    await authorizer.filter(undefined, tools);
    assert.deepEqual(events, [
      { operation: "filter", outcome: "allow", kind: "tool", name: "a" },
      { operation: "filter", outcome: "hidden", kind: "tool", name: "b" },
      { operation: "filter", outcome: "hidden", kind: "tool", name: "c" },
      { operation: "filter", outcome: "allow", kind: "tool", name: "d" },
      { operation: "filter", outcome: "allow", shown: 2, hidden: 2 },
    ]);
  });

  it("emits nothing and decides the same without a listener", async () => {
    const kept = await new Authorizer({ layers }).filter(alice, tools);
    assert.deepEqual(kept.map((t) => t.name), ["a", "d"]);
  });
});

describe("new Authorizer() decision options", () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    [
      "an onDecision that is not a function",
      { onDecision: "console.log" },
      /^Authorizer option "onDecision" must be a function, got "console\.log"$/,
    ],
    [
      "a misspelt onDecision",
      { onDecisions: () => {} },
      /^Unknown Authorizer option "onDecisions" \(did you mean "onDecision"\?\)/,
    ],
    [
      "a redactDecision without onDecision",
      { redactDecision: (e: unknown) => e },
      /^Authorizer option "redactDecision" only applies to decision events: add onDecision: \(event\) => \.\.\. beside it$/,
    ],
    [
      "a listDecisions without onDecision",
      { listDecisions: "each" },
      /^Authorizer option "listDecisions" only applies to decision events/,
    ],
    [
      "an unknown listDecisions",
      { onDecision: () => {}, listDecisions: "all" },
      /^Authorizer option "listDecisions" must be "summary" or "each", got "all"$/,
    ],
    [
      "a redactDecision that is not a function",
      { onDecision: () => {}, redactDecision: {} },
      /^Authorizer option "redactDecision" must be a function/,
    ],
  ];
  for (const [what, options, message] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(() => new Authorizer(options as AuthorizerOptions), {
        name: "TypeError",
        message,
      });
    });
  }
});
