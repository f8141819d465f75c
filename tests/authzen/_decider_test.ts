// What authzenCheck does with a context (src/authzen/_decider.ts), against
// a real Cerbos PDP: build the request, verify its subject, answer from the
// cache or the PDP, one round trip per list, and no decision without one
// (an outage throws after a report; a bad mapping denies after a report).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  type AuthCheck,
  AuthContext,
  AuthorizationUnavailableError,
  type Component,
} from "../../mod.ts";
import { seeded } from "../../src/core/context.ts";
import { Decider } from "../../src/authzen/_decider.ts";
import { authzenConfig } from "../../src/authzen/_options.ts";
import { compileMappings } from "../../src/authzen/mod.ts";
import { PdpError } from "../../src/authzen/_client.ts";
import { MappingError } from "../../src/authzen/_mapping.ts";
import { type Cerbos, needsCerbos, startCerbos } from "./_cerbos.ts";
import {
  alice,
  closedPort,
  counting,
  rejection,
  root,
  tool,
} from "./_helpers.ts";

const skip = needsCerbos;
const check: AuthCheck = () => false;

/** Contexts whose masked errors go to `reported`. */
function reporting() {
  const reported: [unknown, AuthCheck][] = [];
  // `null`: no token (an explicit undefined would take the default).
  const ctx = (
    component: Component,
    token: AccessToken | null = alice,
    args?: Record<string, unknown>,
  ) =>
    AuthContext[seeded](
      { token: token ?? undefined, component, arguments: args },
      undefined,
      (error, by) => void reported.push([error, by]),
    );
  return { reported, ctx };
}

/** A decider of `options` whose requests are counted. */
function deciderOf(pdp: string, options: Record<string, unknown> = {}) {
  const wire = counting();
  const decider = new Decider(
    authzenConfig({ pdp, fetch: wire.fetch, ...options }),
    check,
  );
  const evaluations = () =>
    wire.posts().reduce(
      (n, call) =>
        n +
        ((call.body as { evaluations?: unknown[] }).evaluations?.length ?? 1),
      0,
    );
  return { decider, wire, evaluations };
}

describe("Decider on a real Cerbos PDP", () => {
  let cerbos: Cerbos | undefined;
  before(async () => {
    if (needsCerbos === false) cerbos = await startCerbos();
  });
  after(async () => {
    await cerbos?.stop();
  });
  const pdp = () => cerbos!.url;

  describe("one()", () => {
    it("decides with the PDP: allow and deny", { skip }, async () => {
      const { decider } = deciderOf(pdp(), { cache: false });
      const { ctx, reported } = reporting();
      assert.equal(await decider.one(ctx(tool("public_echo"))), true);
      assert.equal(await decider.one(ctx(tool("admin_wipe"))), false);
      assert.equal(await decider.one(ctx(tool("admin_wipe"), root)), true);
      assert.deepEqual(reported, []);
    });

    it("answers a repeated decision from the cache", { skip }, async () => {
      const { decider, evaluations } = deciderOf(pdp());
      const { ctx } = reporting();
      assert.equal(await decider.one(ctx(tool("admin_wipe"))), false);
      assert.equal(await decider.one(ctx(tool("admin_wipe"))), false);
      assert.equal(await decider.one(ctx(tool("public_echo"))), true);
      assert.equal(await decider.one(ctx(tool("public_echo"))), true);
      assert.equal(evaluations(), 2);
    });

    it(
      "denies without a token, reporting nothing and asking nobody",
      { skip },
      async () => {
        const { decider, wire } = deciderOf(pdp());
        const { ctx, reported } = reporting();
        assert.equal(await decider.one(ctx(tool("public_echo"), null)), false);
        assert.deepEqual(reported, []);
        assert.equal(wire.posts().length, 0);
      },
    );

    it("denies and reports a mapping function that throws, asking nobody", {
      skip,
    }, async () => {
      const { decider, wire } = deciderOf(pdp(), {
        resource: () => {
          throw new Error("mapping bug");
        },
      });
      const { ctx, reported } = reporting();
      assert.equal(await decider.one(ctx(tool("public_echo"))), false);
      assert.equal(reported.length, 1);
      const [error, by] = reported[0]!;
      assert.ok(error instanceof MappingError);
      assert.equal(
        error.message,
        "AuthZEN mapping error: a mapping function threw",
      );
      assert.equal((error.cause as Error).message, "mapping bug");
      assert.equal(by, check);
      assert.equal(wire.posts().length, 0);
    });

    it(
      "denies a subject that is not the token's, asking nobody",
      { skip },
      async () => {
        const { decider, wire } = deciderOf(pdp(), {
          subject: () => ({ type: "identity", id: "root" }),
        });
        const { ctx, reported } = reporting();
        assert.equal(await decider.one(ctx(tool("admin_wipe"))), false);
        assert.match(
          (reported[0]![0] as Error).message,
          /subject\.id is not the token's "sub" claim/,
        );
        assert.equal(wire.posts().length, 0);
      },
    );

    it(
      "sends another subject under subjectClaim: false",
      { skip },
      async () => {
        const { decider } = deciderOf(pdp(), {
          subjectClaim: false,
          subject: () => ({ type: "identity", id: "root" }),
        });
        const { ctx } = reporting();
        assert.equal(await decider.one(ctx(tool("admin_wipe"))), true);
      },
    );

    it(
      "asks every evaluation of a declared mapping; all must allow",
      { skip },
      async () => {
        const mappings = await compileMappings({
          both: {
            evaluations: {
              action: { name: "tools/call" },
              evaluations: [
                { resource: { type: "tool", id: "public_echo" } },
                { resource: { type: "tool", id: "$params.arguments.other" } },
              ],
            },
          },
        });
        const { decider, evaluations } = deciderOf(pdp(), {
          mappings,
          cache: false,
        });
        const { ctx } = reporting();
        assert.equal(
          await decider.one(ctx(tool("both"), alice, { other: "public_b" })),
          true,
        );
        assert.equal(
          await decider.one(ctx(tool("both"), alice, { other: "admin_x" })),
          false,
        );
        assert.equal(evaluations(), 4);
      },
    );
  });

  describe("many()", () => {
    it("decides a list in one round trip, each distinct evaluation once", {
      skip,
    }, async () => {
      const { decider, wire, evaluations } = deciderOf(pdp(), {
        cache: false,
      });
      const { ctx } = reporting();
      const decisions = await decider.many([
        ctx(tool("public_a")),
        ctx(tool("admin_b")),
        ctx(tool("public_a")),
        ctx(tool("public_c")),
      ]);
      assert.deepEqual(decisions, [true, false, true, true]);
      assert.equal(wire.posts().length, 1);
      assert.equal(evaluations(), 3);
    });

    it("is empty for an empty list, asking nobody", { skip }, async () => {
      const { decider, wire } = deciderOf(pdp());
      assert.deepEqual(await decider.many([]), []);
      assert.equal(wire.calls.length, 0);
    });

    it(
      "denies the contexts it cannot map and decides the others",
      { skip },
      async () => {
        const { decider } = deciderOf(pdp(), {
          resource: (c: AuthContext) =>
            c.component.name === "broken"
              ? { type: "tool" }
              : { type: "tool", id: c.component.name },
        });
        const { ctx, reported } = reporting();
        const decisions = await decider.many([
          ctx(tool("public_a")),
          ctx(tool("broken")),
          ctx(tool("public_b"), null),
        ]);
        assert.deepEqual(decisions, [true, false, false]);
        // The missing id is reported; the missing token is not.
        assert.equal(reported.length, 1);
        assert.match((reported[0]![0] as Error).message, /resource\.id/);
      },
    );

    it("asks only for what the cache does not hold", { skip }, async () => {
      const { decider, evaluations } = deciderOf(pdp());
      const { ctx } = reporting();
      assert.equal(await decider.one(ctx(tool("public_a"))), true);
      const decisions = await decider.many([
        ctx(tool("public_a")),
        ctx(tool("admin_b")),
      ]);
      assert.deepEqual(decisions, [true, false]);
      assert.equal(evaluations(), 2);
    });
  });
});

describe("Decider without a PDP", () => {
  it("one() throws AuthorizationUnavailableError after reporting why, and caches nothing", async () => {
    const { decider, wire } = deciderOf(await closedPort(), {
      timeoutMs: 2000,
    });
    const { ctx, reported } = reporting();
    for (let i = 0; i < 2; i++) {
      const error = await rejection(decider.one(ctx(tool("public_echo"))));
      assert.ok(error instanceof AuthorizationUnavailableError);
      assert.ok(error.cause instanceof PdpError);
    }
    assert.equal(reported.length, 2);
    assert.ok(reported[0]![0] instanceof PdpError);
    assert.equal(reported[0]![1], check);
    // Nothing remembered: the second decision asked again.
    assert.equal(wire.posts().length, 2);
  });

  it("many() denies every context and reports once for the list", async () => {
    const { decider } = deciderOf(await closedPort());
    const { ctx, reported } = reporting();
    const decisions = await decider.many([
      ctx(tool("public_a")),
      ctx(tool("public_b")),
      ctx(tool("public_c")),
    ]);
    assert.deepEqual(decisions, [false, false, false]);
    assert.equal(reported.length, 1);
    assert.ok(reported[0]![0] instanceof PdpError);
  });

  it("a deny beats a failure among one context's evaluations", async () => {
    // One evaluation is denied, the other never gets an answer.
    const mappings = await compileMappings({
      both: {
        evaluations: {
          action: { name: "tools/call" },
          evaluations: [
            // The failure first: the deny that follows still decides.
            { resource: { type: "tool", id: "broken" } },
            { resource: { type: "tool", id: "denied" } },
          ],
        },
      },
    });
    const pdp = "http://127.0.0.1:9";
    const decider = new Decider(
      authzenConfig({
        pdp,
        mappings,
        cache: false,
        fetch: (_url: string, init: RequestInit) => {
          if (init.body === undefined) {
            return Promise.resolve(new Response(null, { status: 404 }));
          }
          const body = JSON.parse(String(init.body));
          return Promise.resolve(Response.json({
            evaluations: body.evaluations.map((
              e: { resource: { id: string } },
            ) => e.resource.id === "denied" ? { decision: false } : {}),
          }));
        },
      }),
      check,
    );
    const { ctx, reported } = reporting();
    assert.equal(await decider.one(ctx(tool("both"))), false);
    assert.deepEqual(reported, []);
  });
});
