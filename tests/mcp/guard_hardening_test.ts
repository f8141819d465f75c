// The guard on both SDK majors, in memory, against what issue 9 found: a
// layer throwing a hostile InsufficientScopeError, a step-up that must name
// the held scopes too, resources/read errors echoing the client's URI, and
// a hidden template whose listed resources a catch-all template must not
// lend its checks to.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  Authorizer,
  requireScopes,
  restrictTag,
} from "../../mod.ts";
import { hostileShortfalls, LEAK } from "./_hostile.ts";
import { type LooseClient, SDKS, text, tokenWith } from "./_sdks.ts";

async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: unknown; message: string; data: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: unknown; message: string; data?: unknown };
    return { code: e.code, message: e.message, data: e.data };
  }
  assert.fail("expected a rejection");
}

async function using<T>(
  client: Promise<LooseClient>,
  use: (client: LooseClient) => Promise<T>,
): Promise<T> {
  const connected = await client;
  try {
    return await use(connected);
  } finally {
    await connected.close();
  }
}

const read = (uri: URL) => ({ contents: [{ uri: uri.href, text: "x" }] });

for (const sdk of SDKS) {
  describe(`guard hardening, ${sdk.name}, in memory`, () => {
    for (const [label, hostile] of hostileShortfalls()) {
      it(`answers a layer throwing ${label} as not found, leaking nothing`, async () => {
        const server = sdk.server();
        const guarded = sdk.guardServer(server, {
          authorizer: new Authorizer({
            layers: [() => {
              throw hostile;
            }],
            onError: () => {},
          }),
        });
        guarded.tool("t", {}, () => text("ran"));
        await using(sdk.connect(server, tokenWith(["mcp"])), async (client) => {
          const denied = await rejection(client.callTool({ name: "t" }));
          const unknown = await rejection(client.callTool({ name: "nope" }));
          assert.deepEqual(denied, unknown);
          assert.equal(denied.code, -32602);
          assert.doesNotMatch(JSON.stringify(denied), LEAK);
        });
      });
    }

    it("asks for every scope the call requires, held ones too, and names the missing ones", async () => {
      const server = sdk.server();
      const guarded = sdk.guardServer(server, {
        authorizer: new Authorizer({
          layers: [
            requireScopes("mcp"),
            restrictTag("admin", { scopes: ["admin"] }),
          ],
        }),
      });
      guarded.tool(
        "purge",
        { tags: ["admin"], auth: requireScopes("notes:write") },
        () => text("purged"),
      );
      const token = tokenWith(["mcp", "notes:write", "other"]);
      await using(sdk.connect(server, token), async (client) => {
        const denied = await rejection(client.callTool({ name: "purge" }));
        assert.equal(denied.code, -32602);
        assert.match(denied.message, /Insufficient scope\. Required: admin$/);
        assert.deepEqual(denied.data, {
          requiredScopes: ["admin", "mcp", "notes:write"],
        });
      });
    });

    it("echoes the URI a refused resources/read sent as data.uri, unknown and hidden alike", async () => {
      const server = sdk.server();
      const guarded = sdk.guardServer(server);
      guarded.resource("open", "file:///open", {}, read);
      guarded.resource("secret", "file:///secret", { auth: () => false }, read);
      guarded.resource(
        "vault",
        new sdk.ResourceTemplate("vault://{id}", { list: undefined }),
        { auth: () => false },
        read,
      );
      await using(sdk.connect(server, tokenWith([])), async (client) => {
        for (
          const uri of [
            "file:///nope?q=1#frag",
            "file:///secret",
            "vault://7",
            "not a uri",
          ]
        ) {
          const denied = await rejection(client.readResource({ uri }));
          assert.deepEqual(denied.data, { uri });
          assert.equal(denied.code, -32602);
          assert.match(denied.message, /Resource not found or not authorized/);
        }
      });
    });

    it("lists a hidden template's resources under its own checks, not a catch-all's registered before it", async () => {
      const server = sdk.server();
      const guarded = sdk.guardServer(server);
      guarded.resource(
        "files",
        new sdk.ResourceTemplate("files://{+path}", {
          list: () => ({
            resources: [{ uri: "files://readme", name: "readme" }],
          }),
        }),
        { description: "Public files" },
        read,
      );
      const hrList = (id: string) => () => ({
        resources: [{ uri: `files://hr/${id}`, name: `salaries-${id}` }],
      });
      const hr = guarded.resource(
        "hr",
        new sdk.ResourceTemplate("files://hr/{id}", { list: hrList("1") }),
        { description: "HR records", auth: requireScopes("hr") },
        read,
      ) as { update(updates: object): void };
      const listed = (token: AccessToken) =>
        using(sdk.connect(server, token), async (client) => {
          const { resources } = await client.listResources();
          return JSON.stringify(resources);
        });
      const stranger = await listed(tokenWith([]));
      assert.match(stranger, /files:\/\/readme/);
      assert.doesNotMatch(stranger, /files:\/\/hr|salaries|HR records/);
      assert.match(await listed(tokenWith(["hr"])), /files:\/\/hr\/1/);
      // A template the handle is given later lists under the same checks.
      hr.update({
        template: new sdk.ResourceTemplate("files://hr/{id}", {
          list: hrList("2"),
        }),
      });
      assert.doesNotMatch(await listed(tokenWith([])), /hr\/|salaries/);
      assert.match(await listed(tokenWith(["hr"])), /files:\/\/hr\/2/);
    });
  });
}
