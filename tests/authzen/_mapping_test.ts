// The COAZ-MCP default mapping (src/authzen/_mapping.ts): the request each
// kind of component makes, the strict readers of what mapping functions
// return, and the subject anchoring that keeps a mapping from speaking for
// another identity.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AuthContext, type Component } from "../../mod.ts";
import {
  actionOf,
  contextOf,
  defaultAction,
  defaultContext,
  defaultResource,
  defaultSubject,
  entityOf,
  type Evaluation,
  MappingError,
  NoSubjectError,
  serialize,
  subjectIdOf,
  verifySubject,
} from "../../src/authzen/_mapping.ts";
import { alice, tokenOf, tool } from "./_helpers.ts";

/** A context of `component`, seen by alice unless another token (or none) is given. */
function ctxOf(
  component: Component,
  ...token: [AuthContext["token"]] | []
): AuthContext {
  return new AuthContext({
    token: token.length === 0 ? alice : token[0],
    component,
  });
}

/** Asserts `fn` throws a MappingError with exactly `message`. */
function mappingError(fn: () => unknown, message: string) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof MappingError);
    assert.equal(error.message, `AuthZEN mapping error: ${message}`);
    return true;
  });
}

describe("MappingError and NoSubjectError", () => {
  it("prefix the message and name themselves", () => {
    const error = new MappingError("x", { cause: 1 });
    assert.equal(error.name, "AuthzenMappingError");
    assert.equal(error.cause, 1);
    const none = new NoSubjectError();
    assert.ok(none instanceof MappingError);
    assert.equal(none.name, "AuthzenNoSubjectError");
    assert.equal(
      none.message,
      "AuthZEN mapping error: no token, so no subject",
    );
  });
});

describe("subjectIdOf() and defaultSubject()", () => {
  it("reads the subject-identity claim", () => {
    assert.equal(subjectIdOf(ctxOf(tool("t")), "sub"), "alice");
    assert.equal(subjectIdOf(ctxOf(tool("t")), "tenant"), "acme");
    assert.deepEqual(defaultSubject(ctxOf(tool("t")), "sub"), {
      type: "identity",
      id: "alice",
    });
  });

  it("throws NoSubjectError without a token", () => {
    assert.throws(
      () => subjectIdOf(ctxOf(tool("t"), undefined), "sub"),
      NoSubjectError,
    );
  });

  it("refuses a missing, empty, non-string or inherited claim", () => {
    for (const claims of [{}, { sub: "" }, { sub: 7 }, { sub: ["alice"] }]) {
      mappingError(
        () => subjectIdOf(ctxOf(tool("t"), tokenOf(undefined, claims)), "sub"),
        'the token has no "sub" claim',
      );
    }
    // An inherited claim is not the token's.
    const inherited = Object.create({ sub: "root" }) as Record<string, unknown>;
    mappingError(
      () => subjectIdOf(ctxOf(tool("t"), tokenOf(undefined, inherited)), "sub"),
      'the token has no "sub" claim',
    );
    // A claim named like an Object.prototype member is not a claim.
    mappingError(
      () => subjectIdOf(ctxOf(tool("t")), "toString"),
      'the token has no "toString" claim',
    );
  });
});

describe("defaultAction() and defaultResource()", () => {
  const cases: [Component, string, Record<string, unknown>][] = [
    [tool("echo"), "tools/call", { type: "tool", id: "echo" }],
    [
      { kind: "resource", name: "readme", uri: "file:///readme.md" },
      "resources/read",
      { type: "resource", id: "file:///readme.md" },
    ],
    [
      { kind: "resourceTemplate", name: "user", uri: "file:///users/{id}" },
      "resources/read",
      { type: "resource_template", id: "file:///users/{id}" },
    ],
    [{ kind: "prompt", name: "greet" }, "prompts/get", {
      type: "prompt",
      id: "greet",
    }],
  ];
  for (const [component, action, resource] of cases) {
    it(`maps a ${component.kind}`, () => {
      const ctx = ctxOf(component);
      assert.deepEqual(defaultAction(ctx), { name: action });
      assert.deepEqual(defaultResource(ctx), resource);
    });
  }

  it("falls back to the name for a resource without a URI", () => {
    assert.deepEqual(
      defaultResource(ctxOf({ kind: "resource", name: "readme" })),
      { type: "resource", id: "readme" },
    );
  });

  it("refuses a tool with an empty name", () => {
    mappingError(
      () => defaultResource(ctxOf(tool(""))),
      "the component has no name or URI",
    );
  });

  it("refuses a kind it has no mapping for, inherited names included", () => {
    for (const kind of ["widget", "toString", "__proto__"]) {
      const ctx = { component: { kind, name: "x" } } as unknown as AuthContext;
      mappingError(
        () => defaultAction(ctx),
        "the component kind has no default mapping",
      );
      mappingError(
        () => defaultResource(ctx),
        "the component kind has no default mapping",
      );
    }
  });
});

describe("defaultContext()", () => {
  it("names the client as the agent", () => {
    assert.deepEqual(defaultContext(ctxOf(tool("t"))), { agent: "agent-app" });
  });

  it("is undefined without a token or a client id", () => {
    assert.equal(defaultContext(ctxOf(tool("t"), undefined)), undefined);
    assert.equal(
      defaultContext(ctxOf(tool("t"), { ...alice, clientId: "" })),
      undefined,
    );
  });
});

describe("entityOf()", () => {
  it("keeps type, id and properties only", () => {
    assert.deepEqual(
      entityOf(
        { type: "account", id: "42", properties: { owner: "a" }, extra: 1 },
        "resource",
      ),
      { type: "account", id: "42", properties: { owner: "a" } },
    );
    assert.deepEqual(
      entityOf({ type: "user", id: "a", properties: null }, "subject"),
      { type: "user", id: "a" },
    );
  });

  it("refuses what is not an entity, naming the field", () => {
    mappingError(
      () => entityOf("alice", "subject"),
      "subject must be an object",
    );
    mappingError(
      () => entityOf(null, "resource"),
      "resource must be an object",
    );
    mappingError(
      () => entityOf({ id: "a" }, "subject"),
      "subject.type must be a non-empty string",
    );
    mappingError(
      () => entityOf({ type: "user", id: "" }, "resource"),
      "resource.id must be a non-empty string",
    );
    mappingError(
      () => entityOf({ type: "user", id: 1 }, "resource"),
      "resource.id must be a non-empty string",
    );
    mappingError(
      () => entityOf({ type: "user", id: "a", properties: [] }, "subject"),
      "subject.properties must be an object",
    );
  });
});

describe("actionOf() and contextOf()", () => {
  it("keeps an action's name and properties only", () => {
    assert.deepEqual(actionOf({ name: "read", properties: { a: 1 }, x: 2 }), {
      name: "read",
      properties: { a: 1 },
    });
  });

  it("refuses a malformed action", () => {
    mappingError(() => actionOf("read"), "action must be an object");
    mappingError(() => actionOf({}), "action.name must be a non-empty string");
    mappingError(
      () => actionOf({ name: "r", properties: "p" }),
      "action.properties must be an object",
    );
  });

  it("takes an object or nothing as context", () => {
    assert.equal(contextOf(undefined), undefined);
    assert.equal(contextOf(null), undefined);
    assert.deepEqual(contextOf({ a: 1 }), { a: 1 });
    mappingError(() => contextOf("ctx"), "context must be an object");
    mappingError(() => contextOf([1]), "context must be an object");
  });
});

describe("verifySubject()", () => {
  const evaluation = (id: unknown): Evaluation => ({
    subject: { type: "identity", id },
    action: { name: "tools/call" },
    resource: { type: "tool", id: "t" },
  });

  it("passes the token's own subject", () => {
    assert.doesNotThrow(() =>
      verifySubject(evaluation("alice"), ctxOf(tool("t")), "sub")
    );
  });

  it("refuses another subject, naming the way out", () => {
    mappingError(
      () => verifySubject(evaluation("root"), ctxOf(tool("t")), "sub"),
      'subject.id is not the token\'s "sub" claim (set subjectClaim: false to send another subject)',
    );
  });

  it("refuses any subject without a token", () => {
    assert.throws(
      () =>
        verifySubject(evaluation("alice"), ctxOf(tool("t"), undefined), "sub"),
      NoSubjectError,
    );
  });

  it("checks nothing under subjectClaim: false", () => {
    assert.doesNotThrow(() =>
      verifySubject(evaluation("root"), ctxOf(tool("t"), undefined), false)
    );
  });
});

describe("serialize()", () => {
  it("is the evaluation's JSON", () => {
    const e: Evaluation = {
      subject: { type: "identity", id: "alice" },
      action: { name: "tools/call" },
      resource: { type: "tool", id: "t" },
    };
    assert.equal(serialize(e), JSON.stringify(e));
  });

  it("throws a MappingError for what JSON cannot hold", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    mappingError(
      () =>
        serialize({
          subject: { type: "identity", id: "a" },
          action: { name: "x" },
          resource: { type: "t", id: "t", properties: cyclic },
        }),
      "the request is not JSON",
    );
    mappingError(
      () =>
        serialize({
          subject: { type: "identity", id: "a" },
          action: { name: "x", properties: { n: 1n } },
          resource: { type: "t", id: "t" },
        }),
      "the request is not JSON",
    );
  });
});
