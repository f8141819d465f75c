// The options of guardServer and new GuardedServer (src/mcp/_options.ts),
// called as plain JavaScript would: every mistake that would load no
// layers (admin tools visible) throws a TypeError at construction saying
// what to write, and leaves the server untouched so it can still be guarded.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Authorizer, restrictTag } from "../../mod.ts";
import {
  type Sdk,
  SDKS,
  text,
  throwsTypeError,
  tokenWith,
  toolNames,
} from "./_sdks.ts";

const adminOnly = () =>
  new Authorizer({ layers: [restrictTag("admin", { scopes: ["admin"] })] });

/** Guards `server` the right way and shows what a scope-less token sees. */
async function guardedNames(sdk: Sdk, server: object): Promise<string[]> {
  const guarded = sdk.guardServer(server, { authorizer: adminOnly() });
  guarded.tool("read", {}, () => text("r"));
  guarded.tool("purge", { tags: ["admin"] }, () => text("p"));
  return await toolNames(sdk, server, tokenWith([]));
}

for (const sdk of SDKS) {
  const calls = [
    {
      who: "guardServer",
      call: sdk.guardServer,
      write: "guardServer\\(server, ",
    },
    {
      who: "GuardedServer",
      call: sdk.newGuardedServer,
      write: "new GuardedServer\\(server, ",
    },
  ] as const;

  for (const { who, call, write } of calls) {
    describe(`${who} options, ${sdk.name}`, () => {
      it("refuses an Authorizer passed in place of { authorizer }", async () => {
        const server = sdk.server();
        throwsTypeError(
          () => call(server, adminOnly()),
          new RegExp(
            `^${who} takes the Authorizer as an option: write ${write}\\{ authorizer \\}\\)$`,
          ),
        );
        // Nothing was taken over: the server guards normally afterwards.
        assert.equal(Object.hasOwn(server, "registerTool"), false);
        assert.deepEqual(await guardedNames(sdk, server), ["read"]);
      });

      it("refuses an Authorizer-like object from another copy of the library", () => {
        const foreign = new (class Authorizer {
          authorize() {}
          filter() {}
        })();
        throwsTypeError(
          () => call(sdk.server(), foreign),
          /takes the Authorizer as an option: write .*\{ authorizer \}\)$/,
        );
      });

      it("refuses a misspelt key, naming the one it means", async () => {
        const server = sdk.server();
        throwsTypeError(
          () => call(server, { authoriser: adminOnly() }),
          new RegExp(
            `^Unknown ${who} option "authoriser" \\(did you mean "authorizer"\\?\\), expected one of "authorizer", "onDecision", "redactDecision", "listDecisions"$`,
          ),
        );
        throwsTypeError(
          () => call(server, { authorizer: adminOnly(), layers: [] }),
          new RegExp(`^Unknown ${who} option "layers"`),
        );
        assert.deepEqual(await guardedNames(sdk, server), ["read"]);
      });

      it("refuses Authorizer options in place of an Authorizer", async () => {
        const server = sdk.server();
        throwsTypeError(
          () =>
            call(server, {
              authorizer: {
                layers: [restrictTag("admin", { scopes: ["admin"] })],
              },
            }),
          new RegExp(
            `^${who} option "authorizer" must be an Authorizer: write ${write}\\{ authorizer: new Authorizer\\(\\{ layers \\}\\) \\}\\), got an object$`,
          ),
        );
        throwsTypeError(
          () => call(server, { authorizer: null }),
          /"authorizer" must be an Authorizer: .*, got null$/,
        );
        assert.deepEqual(await guardedNames(sdk, server), ["read"]);
      });

      it("refuses options that are not a plain object", () => {
        const expects = new RegExp(
          `^${who} expects options \\{ authorizer \\}, as in ${write}\\{ authorizer: new Authorizer\\(\\{ layers \\}\\) \\}\\), got `,
        );
        for (
          const [options, got] of [
            [null, "null"],
            ["admin", '"admin"'],
            [[adminOnly()], "an array"],
            [() => adminOnly(), "a function"],
          ] as const
        ) {
          throwsTypeError(
            () => call(sdk.server(), options),
            new RegExp(`${expects.source}${got}$`),
          );
        }
        const fromClass = new (class Options {
          authorizer = adminOnly();
        })();
        throwsTypeError(
          () => call(sdk.server(), fromClass),
          new RegExp(
            `${
              expects.source.slice(0, -", got ".length)
            } \\(a plain object\\), got an instance of Options \\(write the options as an object literal\\)$`,
          ),
        );
      });

      it("takes no options, empty options or a null-prototype object", async () => {
        const bare = sdk.server();
        call(bare).tool("t", {}, () => text("t"));
        assert.deepEqual(await toolNames(sdk, bare, tokenWith([])), ["t"]);
        call(sdk.server(), {});
        const options = Object.assign(Object.create(null), {
          authorizer: adminOnly(),
        });
        const server = sdk.server();
        const guarded = call(server, options);
        guarded.tool("read", {}, () => text("r"));
        guarded.tool("purge", { tags: ["admin"] }, () => text("p"));
        assert.deepEqual(await toolNames(sdk, server, tokenWith([])), ["read"]);
      });

      it("names the call in the message for something that is not an McpServer", () => {
        const callee = who === "guardServer"
          ? "guardServer\\(\\)"
          : "new GuardedServer\\(\\)";
        throwsTypeError(
          () => call({}, { authorizer: adminOnly() }),
          new RegExp(
            `^${callee} needs an McpServer from "@modelcontextprotocol/`,
          ),
        );
      });
    });
  }
}
