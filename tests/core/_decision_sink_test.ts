// The decision sink (src/core/_decision_sink.ts): the onDecision options
// compiled once, the redactor that can never lose an event, and the readers
// of identity and component fields that never throw.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  compileDecisions,
  componentFields,
  DECISION_OPTION_NAMES,
  decisionEvent,
  identityOf,
  NO_DETAILS,
  scopeList,
} from "../../src/core/_decision_sink.ts";
import type { AccessToken, DecisionEvent } from "../../mod.ts";

const allow: DecisionEvent = decisionEvent({
  operation: "authorize",
  outcome: "allow",
});

/** A sink that records what reaches `onDecision`. */
function recording(more: Record<string, unknown> = {}) {
  const events: unknown[] = [];
  const sink = compileDecisions("Authorizer", {
    onDecision: (event: unknown) => void events.push(event),
    ...more,
  });
  assert.ok(sink !== undefined);
  return { events, sink };
}

describe("DECISION_OPTION_NAMES", () => {
  it("names the three decision options, frozen", () => {
    assert.deepEqual(DECISION_OPTION_NAMES, [
      "onDecision",
      "redactDecision",
      "listDecisions",
    ]);
    assert.ok(Object.isFrozen(DECISION_OPTION_NAMES));
  });
});

describe("compileDecisions()", () => {
  it("returns undefined without onDecision", () => {
    assert.equal(compileDecisions("Authorizer", {}), undefined);
  });

  it("refuses redactDecision or listDecisions without onDecision, naming the fix", () => {
    assert.throws(
      () => compileDecisions("Authorizer", { redactDecision: () => ({}) }),
      {
        name: "TypeError",
        message:
          'Authorizer option "redactDecision" only applies to decision events: add onDecision: (event) => ... beside it',
      },
    );
    assert.throws(
      () => compileDecisions("guardServer", { listDecisions: "each" }),
      {
        name: "TypeError",
        message:
          'guardServer option "listDecisions" only applies to decision events: add onDecision: (event) => ... beside it',
      },
    );
  });

  it("refuses a listDecisions other than summary or each", () => {
    for (const value of ["Each", true, 1]) {
      assert.throws(
        () =>
          compileDecisions("Authorizer", {
            onDecision: () => {},
            listDecisions: value,
          }),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message.startsWith(
            'Authorizer option "listDecisions" must be "summary" or "each", got ',
          ),
      );
    }
  });

  it("refuses an onDecision or redactDecision that is not a function", () => {
    assert.throws(
      () => compileDecisions("Authorizer", { onDecision: "log" }),
      /Authorizer option "onDecision" must be a function/,
    );
    assert.throws(
      () =>
        compileDecisions("Authorizer", {
          onDecision: () => {},
          redactDecision: {},
        }),
      /Authorizer option "redactDecision" must be a function/,
    );
  });

  it("sets each and redacts from the options, and is frozen", () => {
    const plain = recording().sink;
    assert.equal(plain.each, false);
    assert.equal(plain.redacts, false);
    assert.ok(Object.isFrozen(plain));
    assert.equal(recording({ listDecisions: "summary" }).sink.each, false);
    const full = recording({
      listDecisions: "each",
      redactDecision: (e: DecisionEvent) => e,
    }).sink;
    assert.equal(full.each, true);
    assert.equal(full.redacts, true);
  });

  it("hands the event to onDecision, called without a receiver", () => {
    let receiver: unknown = "unset";
    const seen: unknown[] = [];
    const sink = compileDecisions("Authorizer", {
      onDecision: function (this: unknown, event: unknown) {
        receiver = this;
        seen.push(event);
      },
    })!;
    sink.emit(allow, NO_DETAILS);
    assert.deepEqual(seen, [allow]);
    assert.equal(receiver, undefined);
  });

  it("delivers what the redactor returns, given the event and the details", () => {
    const given: unknown[] = [];
    const { events, sink } = recording({
      redactDecision: (event: DecisionEvent, details: unknown) => {
        given.push(event, details);
        return { ...event, name: "redacted" };
      },
    });
    const details = Object.freeze({ arguments: { path: "/secret" } });
    sink.emit(allow, details);
    assert.deepEqual(given, [allow, details]);
    assert.deepEqual(events, [{ ...allow, name: "redacted" }]);
  });

  it("keeps the event as built when the redactor throws or returns no object", () => {
    const answers: unknown[] = [
      undefined,
      null,
      "text",
      42,
      [allow],
      Promise.resolve({ ...allow, name: "late" }),
      { then: () => {} },
    ];
    for (const answer of answers) {
      const { events, sink } = recording({ redactDecision: () => answer });
      sink.emit(allow, NO_DETAILS);
      assert.equal(events.length, 1, `redactor answering ${String(answer)}`);
      assert.equal(events[0], allow);
    }
    const { events, sink } = recording({
      redactDecision: () => {
        throw new Error("redactor broke");
      },
    });
    sink.emit(allow, NO_DETAILS);
    assert.deepEqual(events, [allow]);
  });

  it("swallows what onDecision throws or rejects", async () => {
    const sync = compileDecisions("Authorizer", {
      onDecision: () => {
        throw new Error("logger down");
      },
    })!;
    assert.doesNotThrow(() => sync.emit(allow, NO_DETAILS));
    const async = compileDecisions("Authorizer", {
      onDecision: () => Promise.reject(new Error("logger down")),
    })!;
    assert.doesNotThrow(() => async.emit(allow, NO_DETAILS));
    // An unhandled rejection would fail the test run here.
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
});

describe("decisionEvent()", () => {
  it("keeps only the defined fields, in audit-line order, frozen", () => {
    const event = decisionEvent({
      requestId: 7,
      subject: "alice",
      clientId: "app",
      status: 403,
      hidden: undefined,
      missingScopes: ["write"],
      name: "wipe",
      kind: "tool",
      reason: "insufficient_scope",
      outcome: "deny",
      operation: "authorize",
      uri: undefined,
    });
    assert.deepEqual(Object.keys(event), [
      "operation",
      "outcome",
      "reason",
      "kind",
      "name",
      "missingScopes",
      "status",
      "clientId",
      "subject",
      "requestId",
    ]);
    assert.equal(event.requestId, 7);
    assert.ok(Object.isFrozen(event));
    assert.ok(!("uri" in event) && !("hidden" in event));
  });

  it("keeps falsy values that are defined", () => {
    const event = decisionEvent({
      operation: "filter",
      outcome: "allow",
      shown: 0,
      hidden: 0,
      layer: 0,
      requestId: "",
    });
    assert.deepEqual(event, {
      operation: "filter",
      outcome: "allow",
      layer: 0,
      shown: 0,
      hidden: 0,
      requestId: "",
    });
  });
});

describe("identityOf()", () => {
  const token = (fields: Record<string, unknown>) =>
    fields as unknown as AccessToken;

  it("reads clientId and sub when they are strings", () => {
    assert.deepEqual(
      identityOf(token({ clientId: "app", claims: { sub: "alice" } })),
      { clientId: "app", subject: "alice" },
    );
  });

  it("drops fields that are not strings", () => {
    assert.deepEqual(
      identityOf(token({ clientId: 42, claims: { sub: { id: "alice" } } })),
      { clientId: undefined, subject: undefined },
    );
    assert.deepEqual(identityOf(token({ clientId: "app" })), {
      clientId: "app",
      subject: undefined,
    });
  });

  it("names nobody for no token, null, or one whose getters throw", () => {
    const nobody = { clientId: undefined, subject: undefined };
    assert.deepEqual(identityOf(undefined), nobody);
    assert.deepEqual(identityOf(null as unknown as AccessToken), nobody);
    const hostile = token({
      get clientId() {
        throw new Error("boom");
      },
    });
    assert.deepEqual(identityOf(hostile), nobody);
    const proxy = new Proxy({}, {
      get() {
        throw new Error("boom");
      },
    }) as AccessToken;
    assert.deepEqual(identityOf(proxy), nobody);
  });
});

describe("componentFields()", () => {
  const nothing = { kind: undefined, name: undefined, uri: undefined };

  it("reads kind, name and uri of a registered component", () => {
    assert.deepEqual(
      componentFields({ kind: "resource", name: "readme", uri: "file:///r" }),
      { kind: "resource", name: "readme", uri: "file:///r" },
    );
    for (const kind of ["tool", "resourceTemplate", "prompt"]) {
      assert.equal(componentFields({ kind, name: "x" }).kind, kind);
    }
  });

  it("drops an unknown kind and fields that are not strings", () => {
    assert.deepEqual(
      componentFields({ kind: "Tool", name: 1, uri: new URL("file:///r") }),
      nothing,
    );
  });

  it("reads nothing from a non-object or one whose getters throw", () => {
    for (const value of [undefined, null, "tool", 1]) {
      assert.deepEqual(componentFields(value), nothing);
    }
    const hostile = {
      kind: "tool",
      get name() {
        throw new Error("boom");
      },
    };
    assert.deepEqual(componentFields(hostile), nothing);
  });
});

describe("scopeList()", () => {
  it("copies the strings of an array, frozen", () => {
    const scopes = ["read", 1, null, "write"];
    const list = scopeList(scopes);
    assert.deepEqual(list, ["read", "write"]);
    assert.ok(Object.isFrozen(list));
    scopes.push("admin");
    assert.deepEqual(list, ["read", "write"]);
  });

  it("is undefined for anything but an array, or a hostile one", () => {
    assert.equal(scopeList("read write"), undefined);
    assert.equal(scopeList(undefined), undefined);
    const hostile = new Proxy(["read"], {
      get(target, key) {
        if (key === "filter") throw new Error("boom");
        return Reflect.get(target, key);
      },
    });
    assert.equal(scopeList(hostile), undefined);
  });
});
