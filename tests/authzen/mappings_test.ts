// Declared mappings (src/authzen/mappings.ts, _cel.ts): CEL expressions over
// params and token, compiled once by compileMappings, deciding on a real
// Cerbos PDP, and advertised by the check.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { AuthorizationUnavailableError, Authorizer } from "../../mod.ts";
import {
  authzenCheck,
  type AuthzenCheckOptions,
  type AuthzenMapping,
  AuthzenMappings,
  compileMappings,
} from "../../src/authzen/mod.ts";
import { type Cerbos, needsCerbos, startCerbos } from "./_cerbos.ts";
import { alice, counting, messages, recorder, tool } from "./_helpers.ts";

const skip = needsCerbos;

const transferMapping = {
  evaluation: {
    subject: {
      id: "$token.sub",
      properties: { tenant: "$token.tenant" },
    },
    action: { name: "transfer" },
    resource: {
      type: "account",
      id: "$params.arguments.from",
      properties: {
        sensitivity: "$params.arguments.amount > 10000 ? 'high' : 'standard'",
      },
    },
    context: { agent: "$token.?client_id", note: "$$literal" },
  },
} as const satisfies AuthzenMapping;

/** A stand-in PDP that allows everything and keeps what it was sent. */
function recordingPdp() {
  const bodies: unknown[] = [];
  return {
    bodies,
    fetch: (url: string, init: RequestInit) => {
      if (init.body === undefined) {
        return Promise.resolve(new Response(null, { status: 404 }));
      }
      const body = JSON.parse(String(init.body));
      bodies.push(body);
      return Promise.resolve(
        url.endsWith("/evaluations")
          ? Response.json({
            evaluations: body.evaluations.map(() => ({ decision: true })),
          })
          : Response.json({ decision: true }),
      );
    },
  };
}

describe("declared mappings on a real Cerbos PDP", () => {
  let cerbos: Cerbos | undefined;
  before(async () => {
    if (needsCerbos === false) cerbos = await startCerbos();
  });
  after(async () => {
    await cerbos?.stop();
  });

  function authorizerWith(
    options: Partial<AuthzenCheckOptions>,
    onError?: (error: unknown) => void,
  ) {
    const check = authzenCheck({ pdp: cerbos!.url, ...options });
    return { check, authorizer: new Authorizer({ layers: [check], onError }) };
  }

  it("applies a declared CEL mapping to its tool", { skip }, async () => {
    const wire = counting();
    const { errors, onError } = recorder();
    const { authorizer } = authorizerWith({
      fetch: wire.fetch,
      cache: false,
      mappings: await compileMappings({ transfer_funds: transferMapping }),
    }, onError);
    const transfer = tool("transfer_funds");
    await authorizer.authorize(alice, transfer, {
      arguments: { from: "acme-1", amount: 500 },
    });
    assert.deepEqual(wire.posts()[0]!.body, {
      subject: {
        type: "identity",
        id: "alice",
        properties: { tenant: "acme" },
      },
      action: { name: "transfer" },
      resource: {
        type: "account",
        id: "acme-1",
        properties: { sensitivity: "standard" },
      },
      // No client_id claim: the optional field is left out.
      context: { note: "$literal" },
    });
    for (
      const args of [
        { from: "acme-1", amount: 20000 },
        { from: "globex-1", amount: 1 },
      ]
    ) {
      await assert.rejects(
        authorizer.authorize(alice, transfer, { arguments: args }),
        (error) => !(error instanceof AuthorizationUnavailableError),
      );
    }
    // Other tools keep the default mapping.
    await authorizer.authorize(alice, tool("public_x"));
    // In a list there are no arguments: the expression fails, the tool is hidden.
    assert.deepEqual(await authorizer.filter(alice, [transfer]), []);
    assert.match(
      messages(errors),
      /expression "\$params\.arguments\.from" at evaluation\.resource\.id failed/,
    );
  });

  it(
    "sends an evaluations mapping as one batch, allowing only when all allow",
    {
      skip,
    },
    async () => {
      const wire = counting();
      const resource = (id: string) => ({
        resource: {
          type: "account",
          id,
          properties: { sensitivity: "standard" },
        },
      });
      const { authorizer } = authorizerWith({
        fetch: wire.fetch,
        cache: false,
        mappings: await compileMappings({
          move: {
            evaluations: {
              subject: {
                type: "identity",
                id: "$token.sub",
                properties: { tenant: "$token.tenant" },
              },
              action: { name: "transfer" },
              evaluations: [
                resource("$params.arguments.from"),
                resource("$params.arguments.to"),
              ],
            },
          },
        }),
      });
      await authorizer.authorize(alice, tool("move"), {
        arguments: { from: "acme-1", to: "acme-2" },
      });
      await assert.rejects(
        authorizer.authorize(alice, tool("move"), {
          arguments: { from: "acme-1", to: "globex-2" },
        }),
      );
      assert.deepEqual(
        wire.posts().map((call) => call.url.split("/").at(-1)),
        ["evaluations", "evaluations"],
      );
    },
  );
});

describe("compileMappings()", () => {
  it("refuses malformed mappings and bad expressions, saying where", async () => {
    for (
      const [mapping, message] of [
        [{}, /exactly one key/],
        [{ evaluation: {}, evaluations: {} }, /exactly one key/],
        [
          { evaluation: { action: { name: "$1 +" } } },
          /mappings\["t"\]\.evaluation\.action\.name is not a valid CEL expression/,
        ],
        [{ evaluation: { context: { a: "$a.?b.c" } } }, /optional selection/],
        [{ evaluations: { evaluations: [] } }, /non-empty array/],
        [
          {
            evaluations: {
              evaluations: [{ subject: { type: "identity", id: "mallory" } }],
            },
          },
          /without a subject/,
        ],
        [{ evaluation: { action: { name: () => "x" } } }, /must be JSON/],
        [{ evaluation: { n: Number.NaN } }, /must be JSON/],
      ] as const
    ) {
      await assert.rejects(
        compileMappings({ t: mapping as never }),
        (error) => error instanceof TypeError && message.test(error.message),
        JSON.stringify(mapping),
      );
    }
    await assert.rejects(compileMappings(null as never), TypeError);
    await assert.rejects(compileMappings([] as never), TypeError);
  });

  it("compiles a private copy: later changes to the caller's object change nothing", async () => {
    const mapping = structuredClone(transferMapping) as {
      evaluation: { action: { name: string } };
    };
    const mappings = await compileMappings({ transfer: mapping });
    mapping.evaluation.action.name = "something else";
    const pdp = recordingPdp();
    const check = authzenCheck({
      pdp: "https://pdp.example.com",
      fetch: pdp.fetch,
      mappings,
    });
    await new Authorizer({ layers: [check] }).authorize(
      alice,
      tool("transfer"),
      { arguments: { from: "acme-1", amount: 1 } },
    );
    assert.deepEqual(
      (pdp.bodies[0] as { action: unknown }).action,
      { name: "transfer" },
    );
    assert.deepEqual(check.advertise(tool("transfer")), {
      "x-authzen-mapping": transferMapping,
    });
    assert.deepEqual(mappings.tools, ["transfer"]);
    assert.ok(Object.isFrozen(mappings));
  });

  it("keeps argument keys such as __proto__ as keys, never as a prototype", async () => {
    const pdp = recordingPdp();
    const check = authzenCheck({
      pdp: "https://pdp.example.com",
      fetch: pdp.fetch,
      mappings: await compileMappings({
        echo: {
          evaluation: {
            action: { name: "echo" },
            resource: {
              type: "tool",
              id: "echo",
              properties: "$params.arguments",
            },
          },
        },
      }),
    });
    const args = JSON.parse('{"__proto__": {"admin": true}, "n": 1}');
    await new Authorizer({ layers: [check] }).authorize(alice, tool("echo"), {
      arguments: args,
    });
    const sent = pdp.bodies[0] as { resource: { properties: object } };
    assert.deepEqual(Object.keys(sent.resource.properties), [
      "__proto__",
      "n",
    ]);
    // Sent as a key: the PDP sees it (and nothing was polluted here).
    assert.equal(({} as { admin?: unknown }).admin, undefined);
  });

  it("never puts a call's arguments in what it reports", async () => {
    const { errors, onError } = recorder();
    const check = authzenCheck({
      pdp: "https://pdp.example.com",
      fetch: recordingPdp().fetch,
      mappings: await compileMappings({
        t: {
          evaluation: {
            action: { name: "t" },
            resource: {
              type: "tool",
              id: "t",
              properties: "$params.arguments",
            },
          },
        },
      }),
    });
    const authorizer = new Authorizer({ layers: [check], onError });
    await assert.rejects(
      authorizer.authorize(alice, tool("t"), {
        // Not JSON: a value CEL cannot turn into one.
        arguments: { "secret-argument-key": new Uint8Array([1]) },
      }),
    );
    assert.equal(errors.length, 1);
    assert.doesNotMatch(messages(errors), /secret-argument-key/);
  });
});

describe("authzenCheck option mappings", () => {
  it("takes only what compileMappings returns", async () => {
    assert.throws(
      () =>
        authzenCheck({
          pdp: "https://pdp.example.com",
          mappings: { t: transferMapping } as never,
        }),
      /option "mappings" must be what compileMappings returns/,
    );
    assert.ok(
      authzenCheck({
        pdp: "https://pdp.example.com",
        mappings: await compileMappings({}),
      }),
    );
    assert.ok(new AuthzenMappings().tools.length === 0);
  });

  it("advertises a declared mapping for its tool only", async () => {
    const check = authzenCheck({
      pdp: "https://pdp.example.com",
      mappings: await compileMappings({ transfer: transferMapping }),
    });
    const first = check.advertise(tool("transfer"));
    assert.deepEqual(first, { "x-authzen-mapping": transferMapping });
    // A fresh copy each time: a caller changing it changes nothing.
    (first!["x-authzen-mapping"] as { evaluation: unknown }).evaluation = 1;
    assert.deepEqual(check.advertise(tool("transfer")), {
      "x-authzen-mapping": transferMapping,
    });
    assert.equal(check.advertise(tool("search")), undefined);
    assert.equal(
      check.advertise({ kind: "prompt", name: "transfer" }),
      undefined,
    );
  });
});
