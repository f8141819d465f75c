// Taking an McpServer over (src/mcp/_takeover.ts), on both SDK majors: the
// server's own registration methods lead to the guard, the ones that would
// bypass it throw, and a server some guard already holds (this copy of the
// library or another) is refused.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Authorizer, restrictTag } from "../../mod.ts";
import { SDK_V2 } from "../../src/mcp/_sdk.ts";
import { SDK_V1 } from "../../src/mcp/_sdk_v1.ts";
import { assertInstalled } from "../../src/mcp/_takeover.ts";
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

for (const sdk of SDKS) {
  describe(`taking an McpServer over, ${sdk.name}`, () => {
    it("guards what is registered on the server itself", async () => {
      const server = sdk.server() as { registerTool: LooseRegister };
      sdk.guardServer(server, { authorizer: adminOnly() });
      server.registerTool("open", {}, () => text("o"));
      server.registerTool("purge", { tags: ["admin"] }, () => text("p"));
      assert.deepEqual(await toolNames(sdk, server, tokenWith([])), ["open"]);
    });

    it("refuses a server another copy of the library already guards", () => {
      const server = sdk.server();
      Object.defineProperty(server, Symbol.for("@mcp-authz/core.guarded"), {
        value: true,
      });
      throwsTypeError(
        () => sdk.guardServer(server),
        /^This McpServer is already guarded$/,
      );
    });

    it("marks the server without adding an enumerable key", () => {
      const server = sdk.server();
      const before = Object.keys(server);
      sdk.guardServer(server);
      assert.deepEqual(Object.keys(server), before);
      throwsTypeError(() => sdk.guardServer(server), /already guarded/);
    });
  });
}

type LooseRegister = (name: string, config: unknown, cb: unknown) => unknown;

describe("taking a 1.x McpServer over", () => {
  it("makes every deprecated registration method throw", () => {
    const sdk = SDKS.find((s) => s.name.startsWith("1.x"))!;
    const server = sdk.server() as Record<string, (...args: unknown[]) => void>;
    sdk.guardServer(server);
    for (
      const [method, instead] of [
        ["tool", "registerTool"],
        ["resource", "registerResource"],
        ["prompt", "registerPrompt"],
      ] as const
    ) {
      throwsTypeError(
        () => server[method]!("x", () => text("x")),
        new RegExp(
          `^A guarded McpServer registers with ${instead}\\(\\) or the guard's ${method}\\(\\), not the deprecated ${method}\\(\\)$`,
        ),
      );
    }
  });
});

describe("an McpServer of the other SDK major", () => {
  const [v2, v1] = SDKS as [Sdk, Sdk];
  for (
    const [guard, other, entry, sdkName] of [
      [v2, v1, "@mcp-authz/core/mcp/v1", "@modelcontextprotocol/sdk"],
      [v1, v2, "@mcp-authz/core/mcp", "@modelcontextprotocol/server"],
    ] as const
  ) {
    it(`is refused at once by the ${guard.name} guard, naming ${entry}`, () => {
      for (
        const [callee, attempt] of [
          ["guardServer()", guard.guardServer],
          ["new GuardedServer()", guard.newGuardedServer],
        ] as const
      ) {
        const server = other.server() as { registerTool: LooseRegister };
        throwsTypeError(
          () => attempt(server),
          new RegExp(
            `^${
              callee.replace(/[()]/g, "\\$&")
            } from "@mcp-authz/core/mcp(/v1)?" guards an McpServer of ".+", but this one is from ${sdkName} .+: use the one from "${entry}" instead$`,
          ),
        );
        // Left untouched: the right guard still takes it.
        other.guardServer(server);
        server.registerTool("t", {}, () => text("t"));
      }
    });
  }
});

describe("assertInstalled()", () => {
  it("undoes and refuses a registration whose handlers bypassed the guard", () => {
    for (const binding of [SDK_V2, SDK_V1]) {
      let removed = 0;
      assertInstalled(
        new Set(["tools/list", "tools/call"]),
        [
          "tools/list",
          "tools/call",
        ],
        () => removed++,
        binding,
      );
      assert.equal(removed, 0);
      assert.throws(
        () =>
          assertInstalled(new Set(["tools/list"]), [
            "tools/list",
            "tools/call",
          ], () => {
            removed++;
            throw new Error("remove failed too");
          }, binding),
        (error: unknown) =>
          error instanceof Error &&
          error.message ===
            `guardServer() could not guard "tools/call": this version of ${binding.name} is not supported`,
      );
      assert.equal(removed, 1);
    }
  });
});
