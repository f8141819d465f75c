// Declared mappings compiled (src/authzen/_cel.ts): the envelope rules of
// COAZ-MCP, `$` CEL expressions over params and token, `$$` literals, a
// trailing `.?field` left out when missing, and results that must be JSON.
// Messages name the expression and where it is, never a value.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AuthContext, type Component } from "../../mod.ts";
import { compileMapping } from "../../src/authzen/_cel.ts";
import { MappingError } from "../../src/authzen/_mapping.ts";
import { alice, tokenOf, tool } from "./_helpers.ts";

function ctxOf(
  args: Record<string, unknown> | undefined,
  component: Component = tool("transfer"),
  token: AuthContext["token"] = alice,
): AuthContext {
  return new AuthContext({ token, component, arguments: args });
}

/** A one-evaluation mapping whose resource is `resource`. */
function withResource(resource: unknown) {
  return {
    evaluation: { action: { name: "call" }, resource },
  };
}

/** The resource an `evaluation` mapping builds for `args`. */
function resourceOf(resource: unknown, args?: Record<string, unknown>) {
  const [evaluation] = compileMapping("t", withResource(resource))
    .evaluations(ctxOf(args), "sub");
  return evaluation!.resource;
}

/** Asserts `fn` throws a MappingError with exactly `message`. */
function mappingError(fn: () => unknown, message: string) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof MappingError, String(error));
    assert.equal(error.message, `AuthZEN mapping error: ${message}`);
    return true;
  });
}

describe("compileMapping(): the envelope", () => {
  const where = 'compileMappings: mappings["t"]';

  it("takes exactly one of evaluation or evaluations", () => {
    for (
      const mapping of [{}, { evaluation: {}, evaluations: {} }, { eval: {} }]
    ) {
      assert.throws(() => compileMapping("t", mapping), {
        name: "TypeError",
        message:
          `${where} must have exactly one key, "evaluation" or "evaluations"`,
      });
    }
    assert.throws(() => compileMapping("t", "x"), {
      name: "TypeError",
      message: `${where} must be an object`,
    });
    assert.throws(() => compileMapping("t", { evaluation: [] }), {
      name: "TypeError",
      message: `${where}.evaluation must be an object`,
    });
  });

  it("wants a non-empty evaluations list whose entries carry no subject", () => {
    for (const body of [{}, { evaluations: [] }, { evaluations: {} }]) {
      assert.throws(() => compileMapping("t", { evaluations: body }), {
        name: "TypeError",
        message: `${where}.evaluations.evaluations must be a non-empty array`,
      });
    }
    assert.throws(
      () =>
        compileMapping("t", {
          evaluations: {
            evaluations: [{ action: { name: "a" } }, {
              subject: { id: "root" },
            }],
          },
        }),
      {
        name: "TypeError",
        message:
          `${where}.evaluations.evaluations[1] must be an object without a subject (the top-level subject applies to all)`,
      },
    );
  });

  it("refuses an expression that does not parse, naming where", () => {
    assert.throws(() => compileMapping("t", withResource({ id: "$(((" })), {
      name: "TypeError",
      message:
        `${where}.evaluation.resource.id is not a valid CEL expression: "((("`,
    });
  });

  it("refuses optional selection inside an expression", () => {
    assert.throws(
      () => compileMapping("t", withResource({ id: "$token.?a.b + 'x'" })),
      /uses optional selection \(\.\?\) inside an expression; only a trailing "x\.\?field" is supported/,
    );
    assert.throws(
      () => compileMapping("t", withResource({ id: "$token.?a.?b" })),
      /uses optional selection/,
    );
  });

  it("refuses values that are not JSON", () => {
    for (const value of [undefined, Number.POSITIVE_INFINITY, () => 1, 1n]) {
      assert.throws(
        () => compileMapping("t", withResource({ id: value })),
        {
          name: "TypeError",
          message:
            `${where}.evaluation.resource.id must be JSON (a string, number, boolean, null, array or object)`,
        },
      );
    }
  });

  it("refuses a template nested too deeply", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 20; i++) deep = { d: deep };
    assert.throws(
      () => compileMapping("t", withResource(deep)),
      /is nested too deeply/,
    );
  });
});

describe("compileMapping(): evaluating a call", () => {
  it("evaluates `$` expressions over params and token; `$$` is a literal `$`", () => {
    const resource = resourceOf({
      type: "$$account",
      id: "$params.arguments.from",
      properties: {
        tool: "$params.name",
        tenant: "$token.tenant",
        size: "$params.arguments.amount > 10 ? 'big' : 'small'",
        plain: "no dollar",
        n: 3,
        on: true,
        none: null,
        list: ["$token.sub", "$$x"],
      },
    }, { from: "acct-1", amount: 50 });
    assert.deepEqual(resource, {
      type: "$account",
      id: "acct-1",
      properties: {
        tool: "transfer",
        tenant: "acme",
        size: "big",
        plain: "no dollar",
        n: 3,
        on: true,
        none: null,
        list: ["alice", "$x"],
      },
    });
  });

  it("leaves a trailing `.?field` out when missing, keeps it when present", () => {
    const mapping = withResource({
      type: "account",
      id: "a",
      properties: { note: "$params.arguments.?note" },
    });
    const compiled = compileMapping("t", mapping);
    assert.deepEqual(
      compiled.evaluations(ctxOf({}), "sub")[0]!.resource.properties,
      {},
    );
    assert.deepEqual(
      compiled.evaluations(ctxOf({ note: "hi" }), "sub")[0]!.resource
        .properties,
      { note: "hi" },
    );
  });

  it("refuses an absent optional field inside a list", () => {
    mappingError(
      () =>
        resourceOf({
          type: "a",
          id: "a",
          properties: { l: ["$params.arguments.?gone"] },
        }, {}),
      "evaluation.resource.properties.l[0] is absent",
    );
  });

  it("fails on a missing field, naming the expression and not the values", () => {
    assert.throws(
      () =>
        resourceOf({ type: "a", id: "$params.arguments.from" }, { to: "x" }),
      (error: unknown) => {
        assert.ok(error instanceof MappingError);
        assert.equal(
          error.message,
          'AuthZEN mapping error: expression "$params.arguments.from" at evaluation.resource.id failed',
        );
        assert.ok(!error.message.includes('"x"'));
        return true;
      },
    );
  });

  it("converts integers to numbers and refuses what JSON cannot hold", () => {
    assert.deepEqual(
      resourceOf({ type: "a", id: "a", properties: { n: "$1 + 2" } }),
      { type: "a", id: "a", properties: { n: 3 } },
    );
    assert.deepEqual(
      resourceOf({ type: "a", id: "a", properties: { n: "$7u" } }).properties,
      { n: 7 },
    );
    mappingError(
      () =>
        resourceOf({
          type: "a",
          id: "a",
          properties: { n: "$9007199254740993" },
        }),
      "evaluation.resource.properties.n is an integer too large for JSON",
    );
    mappingError(
      () => resourceOf({ type: "a", id: "a", properties: { b: "$b'abc'" } }),
      "evaluation.resource.properties.b is not a JSON value",
    );
    mappingError(
      () => resourceOf({ type: "a", id: "a", properties: { f: "$1.0 / 0.0" } }),
      "evaluation.resource.properties.f is not finite",
    );
    mappingError(
      () => resourceOf({ type: "a", id: "a", properties: { m: "${1: 'x'}" } }),
      "evaluation.resource.properties.m has a key that is not a string",
    );
  });

  it("keeps a `__proto__` key from the arguments as a key", () => {
    // Deno has no __proto__ setter; Node and Bun do: there, a plain
    // assignment of this key would replace the prototype.
    const args = JSON.parse('{"meta": {"__proto__": {"admin": true}}}');
    const resource = resourceOf({
      type: "a",
      id: "a",
      properties: "$params.arguments.meta",
    }, args);
    const props = resource.properties as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(props), Object.prototype);
    assert.ok(Object.hasOwn(props, "__proto__"));
    assert.equal((props as { admin?: unknown }).admin, undefined);
  });

  it("keeps a `__proto__` key of a CEL map literal as a key", () => {
    const resource = resourceOf({
      type: "a",
      id: "a",
      properties: "${'__proto__': {'admin': true}}",
    });
    const props = resource.properties as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(props), Object.prototype);
    assert.deepEqual(Object.keys(props), ["__proto__"]);
    assert.equal((props as { admin?: unknown }).admin, undefined);
  });

  it("binds params.uri for a resource and params.name for a tool", () => {
    const mapping = withResource({ type: "r", id: "$params.uri" });
    const ctx = ctxOf(undefined, {
      kind: "resource",
      name: "readme",
      uri: "file:///readme.md",
    });
    assert.equal(
      compileMapping("t", mapping).evaluations(ctx, "sub")[0]!.resource.id,
      "file:///readme.md",
    );
    mappingError(
      () =>
        compileMapping("t", withResource({ type: "r", id: "$params.uri" }))
          .evaluations(ctxOf(undefined), "sub"),
      'expression "$params.uri" at evaluation.resource.id failed',
    );
  });
});

describe("compileMapping(): the subject", () => {
  const mapping = (subject: unknown) => ({
    evaluation: {
      ...(subject === undefined ? {} : { subject }),
      action: { name: "call" },
      resource: { type: "tool", id: "t" },
    },
  });

  it("defaults to the identity of the subject-identity claim", () => {
    const [evaluation] = compileMapping("t", mapping(undefined))
      .evaluations(ctxOf(undefined), "sub");
    assert.deepEqual(evaluation!.subject, { type: "identity", id: "alice" });
    assert.deepEqual(evaluation!.action, { name: "call" });
    assert.equal(evaluation!.context, undefined);
  });

  it("keeps a declared subject's properties, filling type and id", () => {
    const [evaluation] = compileMapping(
      "t",
      mapping({ properties: { tenant: "$token.tenant" } }),
    ).evaluations(ctxOf(undefined), "sub");
    assert.deepEqual(evaluation!.subject, {
      type: "identity",
      id: "alice",
      properties: { tenant: "acme" },
    });
  });

  it("fills no id under subjectClaim: false", () => {
    mappingError(
      () =>
        compileMapping("t", mapping(undefined)).evaluations(
          ctxOf(undefined),
          false,
        ),
      "subject.id must be a non-empty string",
    );
  });

  it("refuses a subject that is not an object", () => {
    mappingError(
      () =>
        compileMapping("t", mapping("$token.sub")).evaluations(
          ctxOf(undefined),
          "sub",
        ),
      "subject must be an object",
    );
  });

  it("reads no claims from a token whose claims are not an object", () => {
    const token = { ...tokenOf("alice"), claims: "x" as never };
    mappingError(
      () =>
        compileMapping("t", mapping({ id: "$token.sub" })).evaluations(
          ctxOf(undefined, tool("t"), token),
          false,
        ),
      'expression "$token.sub" at evaluation.subject.id failed',
    );
  });
});

describe("compileMapping(): an evaluations envelope", () => {
  it("applies top-level defaults to each entry, never overriding the subject", () => {
    const compiled = compileMapping("t", {
      evaluations: {
        action: { name: "read" },
        resource: { type: "file", id: "default" },
        context: { via: "mcp" },
        evaluations: [
          { resource: { type: "file", id: "$params.arguments.a" } },
          { action: { name: "write" }, context: { via: "other" } },
        ],
      },
    });
    const evaluations = compiled.evaluations(ctxOf({ a: "one" }), "sub");
    const subject = { type: "identity", id: "alice" };
    assert.deepEqual(evaluations, [
      {
        subject,
        action: { name: "read" },
        resource: { type: "file", id: "one" },
        context: { via: "mcp" },
      },
      {
        subject,
        action: { name: "write" },
        resource: { type: "file", id: "default" },
        context: { via: "other" },
      },
    ]);
  });

  it("refuses an entry left without a resource by the defaults", () => {
    const compiled = compileMapping("t", {
      evaluations: {
        action: { name: "read" },
        evaluations: [{ resource: { type: "file", id: "f" } }, {}],
      },
    });
    mappingError(
      () => compiled.evaluations(ctxOf({}), "sub"),
      "resource must be an object",
    );
  });
});
