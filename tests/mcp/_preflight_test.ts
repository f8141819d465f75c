// The decisions made before dispatch: carried by a copy of the token made
// for one request, reused by dispatch only for the same call, never shared
// between requests (a long-lived server serving many at once).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  type AuthCheck,
  Authorizer,
  requireScopes,
} from "../../mod.ts";
import { SDKS, text } from "./_sdks.ts";
import type { AnyGuarded } from "./_stacks.ts";

const TOKEN: AccessToken = {
  token: "t",
  clientId: "app",
  scopes: ["read"],
  claims: {},
};

function rpc(id: unknown, name: string, args?: Record<string, unknown>) {
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: args === undefined ? { name } : { name, arguments: args },
  };
}

interface Raw {
  send(message: unknown, authInfo: unknown): Promise<Record<string, unknown>>;
}

/** Drives a connected server with raw messages, each with its authInfo. */
async function rawClient(
  sdk: (typeof SDKS)[number],
  server: object,
): Promise<Raw> {
  const { InMemoryTransport } = sdk.name.startsWith("v2")
    ? await import("@modelcontextprotocol/server")
    : await import("@modelcontextprotocol/sdk/inMemory.js");
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const waiting = new Map<
    unknown,
    (message: Record<string, unknown>) => void
  >();
  clientSide.onmessage = (message: Record<string, unknown>) => {
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  };
  await clientSide.start();
  await (server as { connect(t: unknown): Promise<void> }).connect(serverSide);
  return {
    send(message, authInfo) {
      const id = (message as { id: unknown }).id;
      const answer = new Promise<Record<string, unknown>>((resolve) =>
        waiting.set(id, resolve)
      );
      return clientSide.send(message as never, { authInfo } as never).then(
        () => answer,
      );
    },
  };
}

for (const sdk of SDKS) {
  describe(`preflight decisions, ${sdk.name}`, () => {
    function guarded(
      checks: AuthCheck[],
      authorizer = new Authorizer(),
    ): AnyGuarded {
      const guard = sdk.guardServer(sdk.server(), {
        authorizer,
      }) as unknown as AnyGuarded;
      guard.tool("owned", { auth: checks }, () => text("owned"));
      guard.tool("write", { auth: requireScopes("write") }, () => text("w"));
      return guard;
    }

    it("carries them on a copy of the token made for the request, invisible to equality", async () => {
      const guard = guarded([() => true]);
      const checked = await guard.preflight({ body: rpc(1, "owned") }, TOKEN);
      assert.notEqual(checked.authInfo, TOKEN);
      assert.deepEqual(checked.authInfo, TOKEN);
      assert.equal(JSON.stringify(checked.authInfo), JSON.stringify(TOKEN));
      assert.deepEqual(Object.keys(TOKEN), [
        "token",
        "clientId",
        "scopes",
        "claims",
      ]);
      // Nothing to decide: the token itself, no copy.
      const listed = await guard.preflight({
        body: { jsonrpc: "2.0", id: 2, method: "tools/list" },
      }, TOKEN);
      assert.equal(listed.authInfo, TOKEN);
      assert.equal(listed.response, undefined);
    });

    it("reuses a decision only for the same call: method, id, component and arguments", async () => {
      let runs = 0;
      const count: AuthCheck = (ctx) => {
        runs++;
        return ctx.arguments?.owner === "ann";
      };
      const guard = guarded([count]);
      const client = await rawClient(sdk, guard.server);
      const checked = await guard.preflight(
        { body: rpc(1, "owned", { owner: "ann" }) },
        TOKEN,
      );
      assert.equal(runs, 1);
      const same = await client.send(
        rpc(1, "owned", { owner: "ann" }),
        checked.authInfo,
      );
      assert.ok(same.result, JSON.stringify(same));
      assert.equal(runs, 1);
      // Another id, other arguments, a copy that lost the decisions: decided anew.
      await client.send(rpc(2, "owned", { owner: "ann" }), checked.authInfo);
      assert.equal(runs, 2);
      const other = await client.send(
        rpc(1, "owned", { owner: "bob" }),
        checked.authInfo,
      );
      assert.ok(other.error, "bob is refused although ann's call was allowed");
      assert.equal(runs, 3);
      await client.send(rpc(1, "owned", { owner: "ann" }), {
        ...checked.authInfo,
      });
      assert.equal(runs, 4);
    });

    it("never lets another guard read them", async () => {
      let runs = 0;
      const one = guarded([() => ++runs > 0]);
      const two = guarded([() => ++runs > 0]);
      const checked = await one.preflight({ body: rpc(1, "owned") }, TOKEN);
      const client = await rawClient(sdk, two.server);
      await client.send(rpc(1, "owned"), checked.authInfo);
      assert.equal(runs, 2);
    });

    it("keeps concurrent requests apart on one long-lived server, whatever their token object", async () => {
      let runs = 0;
      const owner: AuthCheck = async (ctx) => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return ctx.arguments?.owner === "ann";
      };
      const guard = guarded([owner]);
      const client = await rawClient(sdk, guard.server);
      // The same token object and the same JSON-RPC id, as two clients
      // with one cached token would send.
      const [ann, bob] = await Promise.all([
        guard.preflight({ body: rpc(7, "owned", { owner: "ann" }) }, TOKEN),
        guard.preflight({ body: rpc(7, "owned", { owner: "bob" }) }, TOKEN),
      ]);
      assert.notEqual(ann.authInfo, bob.authInfo);
      const annAnswer = await client.send(
        rpc(7, "owned", { owner: "ann" }),
        ann.authInfo,
      );
      const bobAnswer = await client.send(
        rpc(7, "owned", { owner: "bob" }),
        bob.authInfo,
      );
      assert.ok(annAnswer.result);
      assert.ok(bobAnswer.error);
      assert.equal(runs, 2);
    });

    it("decides again when a batch repeats an id", async () => {
      let runs = 0;
      const guard = guarded([() => ++runs > 0]);
      const checked = await guard.preflight({
        body: [rpc(1, "owned"), rpc(1, "owned")],
      }, TOKEN);
      assert.equal(runs, 2);
      const client = await rawClient(sdk, guard.server);
      await client.send(rpc(1, "owned"), checked.authInfo);
      assert.equal(runs, 3);
    });

    it("decides nothing in a batch the SDKs refuse (over 100 messages)", async () => {
      let runs = 0;
      const guard = guarded([() => ++runs > 0]);
      const batch = Array.from({ length: 101 }, (_, i) => rpc(i, "owned"));
      const checked = await guard.preflight({ body: batch }, TOKEN);
      assert.equal(runs, 0);
      assert.equal(checked.authInfo, TOKEN);
    });

    it("carries nothing without a token, and runs nothing for unknown tools", async () => {
      let runs = 0;
      const guard = guarded([() => ++runs > 0]);
      const anonymous = await guard.preflight(
        { body: rpc(1, "owned") },
        undefined,
      );
      assert.equal(anonymous.authInfo, undefined);
      assert.deepEqual(anonymous.sdkOptions, { parsedBody: rpc(1, "owned") });
      assert.equal(runs, 1);
      const unknown = await guard.preflight({ body: rpc(1, "nope") }, TOKEN);
      assert.equal(unknown.authInfo, TOKEN);
      assert.equal(runs, 1);
    });

    it("takes a parsed body with its Authorization header for the scheme", async () => {
      const guard = guarded([() => true], new Authorizer({ stepUp: "always" }));
      const checked = await guard.preflight(
        { body: rpc(1, "write"), authorization: "DPoP t" },
        TOKEN,
      );
      assert.equal(checked.response?.status, 403);
      assert.match(
        checked.response?.headers.get("www-authenticate") ?? "",
        /DPoP error="insufficient_scope"/,
      );
    });

    it("refuses an input it cannot read, saying what it takes", async () => {
      const guard = guarded([() => true]);
      for (const input of [undefined, "body", 42, { json: {} }]) {
        await assert.rejects(
          guard.preflight(input as never, TOKEN),
          /preflight\(\) takes a Request, a Node IncomingMessage, or \{ body, authorization \}/,
        );
      }
    });
  });
}
