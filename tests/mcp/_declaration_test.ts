// What a registration declares (src/mcp/_declaration.ts), on both SDK
// majors, called as plain JavaScript would: the SDK's own keys pass through
// untouched (they are the SDK's to judge), `tags` and `auth` never reach a
// client, and a near-miss of `tags` or `auth`, which the SDK would ignore
// (leaving an admin tool untagged, hence visible), throws.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Authorizer, requireScopes, restrictTag } from "../../mod.ts";
import { componentOf, declarationOf } from "../../src/mcp/_declaration.ts";
import { SDKS, text, throwsTypeError, tokenWith, toolNames } from "./_sdks.ts";

const adminOnly = () =>
  new Authorizer({ layers: [restrictTag("admin", { scopes: ["admin"] })] });

for (const sdk of SDKS) {
  describe(`registration config, ${sdk.name}`, () => {
    it("passes the SDK's keys through, and keeps tags and auth to itself", async () => {
      const server = sdk.server();
      const guarded = sdk.guardServer(server, { authorizer: adminOnly() });
      guarded.tool("read", {
        title: "Read",
        description: "Reads a note",
        annotations: { readOnlyHint: true },
        _meta: { owner: "notes" },
        // Not an SDK key today; not ours to refuse either.
        task: "x",
        tags: ["public"],
        auth: requireScopes("read"),
      }, () => text("r"));
      const [tool, ...more] = await sdk.listTools(server, tokenWith(["read"]));
      assert.deepEqual(more, []);
      assert.equal(tool?.name, "read");
      assert.equal(tool?.title, "Read");
      assert.equal(tool?.description, "Reads a note");
      assert.deepEqual(tool?.annotations, { readOnlyHint: true });
      assert.deepEqual(tool?._meta, { owner: "notes" });
      assert.equal("tags" in tool!, false);
      assert.equal("auth" in tool!, false);
    });

    it("refuses a near-miss of tags or auth, saying which key to write", async () => {
      const server = sdk.server();
      const guarded = sdk.guardServer(server, { authorizer: adminOnly() });
      for (
        const [key, meant] of [
          ["tag", "tags"],
          ["Tags", "tags"],
          ["TAG", "tags"],
          ["Auth", "auth"],
          ["auths", "auth"],
          ["scopes", "auth"],
          ["requiredScopes", "auth"],
          ["roles", "auth"],
          ["authorization", "auth"],
        ] as const
      ) {
        throwsTypeError(
          () => guarded.tool("purge", { [key]: ["admin"] }, () => text("p")),
          new RegExp(
            `^Tool "purge" config has "${key}", which the guard does not read: write "${meant}"$`,
          ),
        );
      }
      throwsTypeError(
        () =>
          guarded.resource("secrets", "file:///secrets", { tag: ["admin"] }, (
            uri: URL,
          ) => ({ contents: [{ uri: uri.href, text: "s" }] })),
        /^Resource "secrets" config has "tag", .*: write "tags"$/,
      );
      throwsTypeError(
        () =>
          guarded.prompt("audit", { Auth: requireScopes("admin") }, () => ({
            messages: [],
          })),
        /^Prompt "audit" config has "Auth", .*: write "auth"$/,
      );
      // Nothing half-registered: the names are still free, and guarded.
      guarded.tool("purge", { tags: ["admin"] }, () => text("p"));
      guarded.tool("read", {}, () => text("r"));
      assert.deepEqual(await toolNames(sdk, server, tokenWith([])), ["read"]);
    });
  });
}

describe("declarationOf()", () => {
  it("splits tags and auth off, and hands the rest over unchanged", () => {
    const check = requireScopes("x");
    const schema = { type: "object" };
    const { tags, auth, sdkConfig } = declarationOf(
      { tags: ["a"], auth: check, inputSchema: schema, title: "T" },
      "Tool",
      "t",
    );
    assert.deepEqual({ tags, auth }, { tags: ["a"], auth: check });
    assert.deepEqual(sdkConfig, { inputSchema: schema, title: "T" });
    assert.equal(sdkConfig.inputSchema, schema);
  });
});

describe("componentOf()", () => {
  it("builds a frozen component with its own copy of tags and checks", () => {
    const tags = ["admin"];
    const checks = [requireScopes("x")];
    const component = componentOf(
      "tool",
      "t",
      { tags, auth: checks },
      undefined,
      { a: 1 },
    );
    tags.push("public");
    checks.length = 0;
    assert.ok(Object.isFrozen(component));
    assert.deepEqual([...component.tags!], ["admin"]);
    assert.equal((component.auth as unknown[]).length, 1);
    assert.deepEqual(component.meta, { a: 1 });
    assert.equal("uri" in component, false);
    const listed = componentOf(
      "resource",
      "r",
      {},
      "file:///r",
      "not an object",
    );
    assert.equal(listed.uri, "file:///r");
    assert.equal("meta" in listed, false);
  });
});

describe("componentOf() tags", () => {
  it("are a frozen list, each tag once, that no check can add to", () => {
    const component = componentOf(
      "tool",
      "t",
      { tags: ["admin", "ops", "admin"] },
      undefined,
      undefined,
    );
    assert.deepEqual(component.tags, ["admin", "ops"]);
    assert.ok(Object.isFrozen(component.tags));
    assert.throws(() => (component.tags as string[]).push("public"), TypeError);
    const fromSet = componentOf(
      "tool",
      "t",
      { tags: new Set(["a", "b"]) },
      undefined,
      undefined,
    );
    assert.deepEqual(fromSet.tags, ["a", "b"]);
  });
});
