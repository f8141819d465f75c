// One suite for every framework example: its app served on this runtime
// (Deno, Bun or Node) and driven end to end by the SDK clients v2 and 1.x
// (tests/examples/_stack_flows.ts), plus, on Deno, `deno task
// example:<stack>` started as a user starts it. Every stack passes every
// check: the policy is stackAuthorizer (`stepUp: "always"`), and the guard's
// preflight answers each scope shortfall with the 403 the clients follow.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { StackApp, StackAppOptions } from "../../examples/_stack.ts";
import { serve } from "../_serve.ts";
import { type DemoProcess, startDemoTask } from "../dev/_demo_process.ts";
import { assertDiscoverable } from "../dev/_sdk_flows.ts";
import {
  assertLoggedInForRead,
  assertSteppedUp,
  HIDDEN,
  login,
  rawCall,
  READABLE,
  SDKS,
  type Session,
  STEP_UP_TOOLS,
} from "./_stack_flows.ts";

/** A stack being served, wherever it runs. */
export interface ServedStack {
  /** Its MCP endpoint. */
  mcpUrl: URL;
  /** Stops it. */
  close(): Promise<void>;
}

export interface StackSuite {
  /** e.g. `examples/hono (Hono + @hono/mcp)` */
  title: string;
  /** The `deno task` that starts the example. */
  task: string;
  /** Builds the app as a fetch handler, served here on this runtime. */
  create?(options: StackAppOptions): Promise<StackApp>;
  /** Or serves the app itself (Express: node:http on a free port). */
  listen?(
    options: { port: number } & Omit<StackAppOptions, "origin">,
  ): Promise<ServedStack>;
  /**
   * Or the stack is only ever served by its task (Workers: bundled into
   * workerd): the checks run against `deno task <task>`, started once.
   */
  servedByTask?: true;
  /** Why the whole suite cannot run on this runtime, when it cannot. */
  skip?: string | false;
  /** What else the task must print, checked on its output. */
  printed?(output: string): void;
}

/** `deno task <task>` as a user starts it, checked as printed. */
function assertStartedAsPrinted(suite: StackSuite, started: DemoProcess): void {
  const output = started.output();
  suite.printed?.(output);
  assert.match(output, /DEVELOPMENT authorization server/);
  assert.match(
    output,
    /mcp-inspector --cli http:\/\/127\.0\.0\.1:\d+\/mcp/,
  );
  assert.doesNotMatch(output, /legacy behavior/);
}

export function describeStack(suite: StackSuite): void {
  describe(`${suite.title}, end to end with the SDK clients`, () => {
    const skip = suite.skip ?? false;
    let app: ServedStack;
    let task: DemoProcess | undefined;
    before(async () => {
      if (skip) return;
      if (suite.servedByTask === true) {
        task = await startDemoTask({}, suite.task);
        app = { mcpUrl: task.mcpUrl, close: () => task!.stop() };
        return;
      }
      if (suite.listen !== undefined) {
        app = await suite.listen({ port: 0, warn: false });
        return;
      }
      // The app is built once the port (its origin) is known.
      let handler: (request: Request) => Promise<Response> = () =>
        Promise.resolve(new Response(null, { status: 503 }));
      const served = await serve((request) => handler(request));
      let built: StackApp;
      try {
        built = await suite.create!({ origin: served.origin, warn: false });
      } catch (error) {
        await served.close();
        throw error;
      }
      handler = built.handler;
      app = {
        mcpUrl: built.mcpUrl,
        async close() {
          await served.close();
          await built.close();
        },
      };
    });
    after(async () => {
      await app?.close();
    });

    /** Runs `check` with a fresh logged-in session of `sdk`. */
    const withSession = (sdk: (typeof SDKS)[number]) =>
    async (
      check: (session: Session) => Promise<void> | void,
    ): Promise<void> => {
      const session = await login(sdk, app.mcpUrl);
      try {
        await check(session);
      } finally {
        await session.close();
      }
    };

    it("advertises an issuer whose RFC 8414 metadata names itself", {
      skip,
    }, async () => {
      await assertDiscoverable(app.mcpUrl);
    });

    for (const sdk of SDKS) {
      const session = withSession(sdk);

      it(
        `SDK ${sdk}: logs in for read through the development authorization server`,
        {
          skip,
        },
        async () => {
          await session((s) => assertLoggedInForRead(s, app.mcpUrl));
        },
      );

      it(
        `SDK ${sdk}: lists the tools the token may use, never the hidden one`,
        {
          skip,
        },
        async () => {
          await session(async (s) => {
            const names = await s.listTools();
            for (const name of READABLE) assert.ok(names.includes(name), name);
            assert.ok(!names.includes(HIDDEN), `${HIDDEN} is listed`);
          });
        },
      );

      it(
        `SDK ${sdk}: lists the scope-only tools a step-up unlocks (stepUp: "always")`,
        { skip },
        async () => {
          await session(async (s) => {
            assert.deepEqual(await s.listTools(), [
              "list_notes",
              ...STEP_UP_TOOLS,
              "whoami",
            ]);
          });
        },
      );

      it(`SDK ${sdk}: calls an allowed tool with the token's identity`, {
        skip,
      }, async () => {
        await session(async (s) => {
          assert.equal(
            await s.callTool("whoami"),
            `${s.provider.registered[0]} with scopes "read"`,
          );
        });
      });

      it(
        `SDK ${sdk}: own auth shortfall: 403, steps up to write, the call succeeds`,
        { skip },
        async () => {
          await session(async (s) => {
            const added = await s.callTool("add_note", { text: `from ${sdk}` });
            assert.match(added, /^added note #\d+$/);
            assertSteppedUp(s, "write");
          });
        },
      );

      it(
        `SDK ${sdk}: layer shortfall: 403, steps up to admin, the call succeeds`,
        { skip },
        async () => {
          await session(async (s) => {
            const deleted = await s.callTool("delete_all_notes");
            assert.match(deleted, /^deleted \d+ notes$/);
            assertSteppedUp(s, "admin");
          });
        },
      );

      it(
        `SDK ${sdk}: answers an unknown tool and a hidden tool byte for byte alike`,
        {
          skip,
        },
        async () => {
          await session(async (s) => {
            const token = s.accessToken();
            const unknown = await rawCall(app.mcpUrl, token, "no_such_tool");
            const hidden = await rawCall(app.mcpUrl, token, HIDDEN);
            assert.deepEqual(hidden, unknown);
            assert.equal(unknown.status, 200);
            assert.match(unknown.body, /"code":-32602/);
            assert.match(unknown.body, /not found or not authorized/);
            assert.doesNotMatch(unknown.body, /no_such_tool|export_notes/);
          });
        },
      );
    }

    it(
      `\`deno task ${suite.task}\` starts as printed and serves the SDK clients`,
      {
        skip: skip || typeof Deno === "undefined" &&
            `spawns \`deno task ${suite.task}\``,
      },
      async () => {
        // A stack served by its task was started so already: check that one.
        if (task !== undefined) return assertStartedAsPrinted(suite, task);
        const started = await startDemoTask({}, suite.task);
        try {
          assertStartedAsPrinted(suite, started);
          for (const sdk of SDKS) {
            const s = await login(sdk, started.mcpUrl);
            try {
              assertLoggedInForRead(s, started.mcpUrl);
              assert.match(await s.callTool("list_notes"), /no notes/);
            } finally {
              await s.close();
            }
          }
        } finally {
          await started.stop();
        }
      },
    );
  });
}
