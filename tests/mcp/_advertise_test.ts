// What checks advertise in tools/list (src/mcp/_advertise.ts): a check with
// an advertise(component) method adds x-... keywords to a listed tool's
// inputSchema, from its own auth and from the layers; the AuthZEN check
// advertises its declared mappings (COAZ-MCP x-authzen-mapping).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AuthCheck,
  Authorizer,
  type Component,
  requireScopes,
} from "../../mod.ts";
import { authzenCheck, compileMappings } from "../../src/authzen/mod.ts";
import { advertisedTools } from "../../src/mcp/_advertise.ts";
import { SDKS, text, tokenWith } from "./_sdks.ts";

/** A check allowing everything that advertises what `say` returns. */
function advertiser(say: (component: Component) => unknown): AuthCheck {
  return Object.assign(() => true, { advertise: say });
}

const item = (name: string) => ({
  name,
  inputSchema: { type: "object", properties: { q: { type: "string" } } },
});

describe("advertisedTools()", () => {
  it("adds a check's x- keywords to a copy of the schema, own auth first, then layers", () => {
    const layer = advertiser(() => ({ "x-layer": 1, "x-both": "layer" }));
    const own = advertiser((c) => ({ "x-own": c.name, "x-both": "own" }));
    const decorate = advertisedTools(new Authorizer({ layers: [layer] }));
    const original = item("search");
    const sent = decorate(original, {
      kind: "tool",
      name: "search",
      auth: own,
    });
    assert.deepEqual(sent, {
      name: "search",
      inputSchema: {
        type: "object",
        properties: { q: { type: "string" } },
        "x-own": "search",
        "x-both": "own",
        "x-layer": 1,
      },
    });
    // The SDK's item is untouched.
    assert.deepEqual(original, item("search"));
  });

  it("never replaces a keyword, never adds one that is not an extension", () => {
    const decorate = advertisedTools(new Authorizer());
    const sneaky = advertiser(() => ({
      type: "string",
      properties: {},
      required: ["q"],
      "x-ok": true,
    }));
    const schema = {
      type: "object",
      properties: { q: { type: "string" } },
      "x-ok": "the server's own",
    };
    const sent = decorate(
      { name: "t", inputSchema: schema },
      { kind: "tool", name: "t", auth: sneaky },
    );
    assert.deepEqual(sent, { name: "t", inputSchema: schema });
  });

  it("adds nothing for a check that throws, answers garbage or non-JSON, or is hostile", () => {
    const hostile = new Proxy(() => true, {
      get() {
        throw new Error("trap");
      },
    });
    const checks = [
      advertiser(() => {
        throw new Error("broken");
      }),
      advertiser(() => "x-string"),
      advertiser(() => ({ "x-big": 1n })),
      advertiser(() =>
        new Proxy({}, {
          ownKeys() {
            throw new Error("trap");
          },
        })
      ),
      hostile as AuthCheck,
      requireScopes("a"),
    ];
    const decorate = advertisedTools(new Authorizer({ layers: checks }));
    const original = item("t");
    assert.equal(
      decorate(original, { kind: "tool", name: "t", auth: checks }),
      original,
    );
  });

  it("leaves an item without an object inputSchema as it is", () => {
    const decorate = advertisedTools(
      new Authorizer({ layers: [advertiser(() => ({ "x-a": 1 }))] }),
    );
    for (const odd of [{ name: "t" }, { name: "t", inputSchema: "x" }, "t"]) {
      assert.equal(decorate(odd, { kind: "tool", name: "t" }), odd);
    }
  });

  it("sends plain JSON, detached from the check's objects", () => {
    const value = { nested: { n: 1 } };
    const decorate = advertisedTools(
      new Authorizer({ layers: [advertiser(() => ({ "x-v": value }))] }),
    );
    const sent = decorate(item("t"), { kind: "tool", name: "t" }) as {
      inputSchema: Record<string, { nested: { n: number } }>;
    };
    value.nested.n = 2;
    assert.equal(sent.inputSchema["x-v"]!.nested.n, 1);
  });
});

// Listable: a list has no arguments, so the expression guards for them.
const transferMapping = {
  evaluation: {
    action: { name: "transfer" },
    resource: {
      type: "account",
      id: "$has(params.arguments) ? params.arguments.from : 'any'",
    },
  },
};

/** A stand-in PDP that allows everything. */
const allowAll = (url: string, init: RequestInit) => {
  if (init.body === undefined) {
    return Promise.resolve(new Response(null, { status: 404 }));
  }
  const body = JSON.parse(String(init.body));
  return Promise.resolve(
    url.endsWith("/evaluations")
      ? Response.json({
        evaluations: body.evaluations.map(() => ({ decision: true })),
      })
      : Response.json({ decision: true }),
  );
};

for (const sdk of SDKS) {
  describe(`tools/list advertises declared AuthZEN mappings, SDK ${sdk.name}`, () => {
    const token = { ...tokenWith([]), claims: { sub: "alice" } };

    it("in the inputSchema of the tools whose own auth declares one", async () => {
      const check = authzenCheck({
        pdp: "https://pdp.example.com",
        fetch: allowAll,
        mappings: await compileMappings({ transfer: transferMapping }),
      });
      const server = sdk.server();
      const guarded = sdk.guardServer(server, { authorizer: new Authorizer() });
      guarded.tool("transfer", { auth: check }, () => text("ok"));
      guarded.tool("search", { auth: check }, () => text("ok"));
      guarded.tool("plain", {}, () => text("ok"));
      const tools = await sdk.listTools(server, token);
      const schemas = Object.fromEntries(
        tools.map((t) => [t.name, t.inputSchema as Record<string, unknown>]),
      );
      assert.deepEqual(Object.keys(schemas), ["transfer", "search", "plain"]);
      assert.deepEqual(schemas.transfer!["x-authzen-mapping"], transferMapping);
      assert.equal(schemas.transfer!.type, "object");
      assert.equal("x-authzen-mapping" in schemas.search!, false);
      assert.equal("x-authzen-mapping" in schemas.plain!, false);
    });

    it("and for a check in a layer", async () => {
      const check = authzenCheck({
        pdp: "https://pdp.example.com",
        fetch: allowAll,
        mappings: await compileMappings({ transfer: transferMapping }),
      });
      const server = sdk.server();
      const guarded = sdk.guardServer(server, {
        authorizer: new Authorizer({ layers: [check] }),
      });
      guarded.tool("transfer", {}, () => text("ok"));
      const [listed] = await sdk.listTools(server, token);
      assert.deepEqual(
        (listed!.inputSchema as Record<string, unknown>)["x-authzen-mapping"],
        transferMapping,
      );
    });

    it("never for a tool the token may not use (it is not listed)", async () => {
      const server = sdk.server();
      const guarded = sdk.guardServer(server, { authorizer: new Authorizer() });
      guarded.tool("secret", {
        auth: [requireScopes("admin"), advertiser(() => ({ "x-a": 1 }))],
      }, () => text("ok"));
      assert.deepEqual(await sdk.listTools(server, token), []);
    });
  });
}
