// Attacks on the MCP guard (`@mcp-authz/core/mcp`, `./mcp/v1`), driven
// through the real SDKs: raw JSON-RPC over each SDK's in-memory linked
// transport (so whole error objects are compared, not what a Client makes
// of them), SDK Clients, and the Streamable HTTP stacks of tests/mcp.
//
// The rule under attack: a component the token may not use is
// indistinguishable from one that does not exist (unless the step-up policy
// chosen reveals it), nothing the guard did not decide on runs, and no
// input makes it answer 500, hang, or leak.
import { describe, it } from "node:test";
import { createServer } from "node:http";
import { type AddressInfo, connect } from "node:net";
import assert from "node:assert/strict";
import * as z from "zod";
import {
  completable as completableV2,
  InMemoryTransport as InMemoryTransportV2,
  McpServer as McpServerV2,
  ResourceTemplate as ResourceTemplateV2,
} from "@modelcontextprotocol/server";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport as InMemoryTransportV1 } from "@modelcontextprotocol/sdk/inMemory.js";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import {
  McpServer as McpServerV1,
  ResourceTemplate as ResourceTemplateV1,
} from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/server/completable"
import { completable as completableV1 } from "@modelcontextprotocol/sdk/server/completable.js";
import {
  type AccessToken,
  type AuthCheck,
  type AuthContext,
  Authorizer,
  type DecisionEvent,
  requireScopes,
  restrictTag,
  type StepUpPolicy,
} from "../../mod.ts";
import * as v2 from "../../src/mcp/mod.ts";
import * as v1 from "../../src/mcp/mod_v1.ts";
import { serve } from "../_serve.ts";
import {
  type Build,
  call,
  messages,
  post,
  STACKS,
  type Started,
} from "../mcp/_stacks.ts";

// ---------------------------------------------------------------------------
// Helpers

type Json = Record<string, unknown>;

interface RawTransport {
  onmessage?: (message: unknown) => void;
  start(): Promise<void>;
  send(message: unknown, options?: object): Promise<void>;
  close(): Promise<void>;
}

/** One SDK major, driven as plain JavaScript would (no type to stop a typo). */
interface AttackSdk {
  name: string;
  server(): object;
  guard(server: object, options?: unknown): Loose;
  Template: new (uriTemplate: string, callbacks: object) => object;
  completable(schema: unknown, complete: () => string[]): unknown;
  /** A prompt's `argsSchema` for one string argument `topic`. */
  promptArgs(topic: unknown): unknown;
  pair(): [RawTransport, RawTransport];
  /** A JSON-RPC error message as this SDK's error class sends it. */
  wire(message: string): string;
}

interface Loose {
  readonly server: object;
  tool(name: unknown, config: unknown, handler: unknown): Handle;
  prompt(name: unknown, config: unknown, handler: unknown): Handle;
  resource(name: unknown, uri: unknown, config: unknown, read: unknown): Handle;
}

interface Handle {
  enabled: boolean;
  enable(): void;
  disable(): void;
  remove(): void;
  update(updates: Record<string, unknown>): void;
}

const SDKS: readonly AttackSdk[] = [
  {
    name: "v2",
    server: () => new McpServerV2({ name: "x", version: "1.0.0" }),
    guard: (server, options) =>
      v2.guardServer(server as never, options as never) as unknown as Loose,
    Template: ResourceTemplateV2 as never,
    completable: (schema, complete) =>
      completableV2(schema as never, complete as never),
    promptArgs: (topic) => z.object({ topic: topic as z.ZodString }),
    wire: (message) => message,
    pair: () =>
      InMemoryTransportV2.createLinkedPair() as unknown as [
        RawTransport,
        RawTransport,
      ],
  },
  {
    name: "1.x",
    server: () => new McpServerV1({ name: "x", version: "1.0.0" }),
    guard: (server, options) =>
      v1.guardServer(server as never, options as never) as unknown as Loose,
    Template: ResourceTemplateV1 as never,
    completable: (schema, complete) =>
      completableV1(schema as never, complete as never),
    promptArgs: (topic) => ({ topic }),
    wire: (message) => `MCP error -32602: ${message}`,
    pair: () =>
      InMemoryTransportV1.createLinkedPair() as unknown as [
        RawTransport,
        RawTransport,
      ],
  },
];

const tokenWith = (scopes: string[], token = "opaque"): AccessToken => ({
  token,
  clientId: "app",
  scopes,
  claims: { sub: "mallory" },
});

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

/** A raw JSON-RPC session with a server, every message carrying `token`. */
interface Session {
  /** Sends a request and resolves to its response message (or "timeout"). */
  rpc(method: string, params?: unknown, id?: unknown): Promise<Json>;
  /** Sends any message; resolves once it is sent. */
  raw(message: unknown): Promise<void>;
  /** Every message received so far. */
  readonly received: Json[];
  close(): Promise<void>;
}

let nextId = 1000;

async function session(
  sdk: AttackSdk,
  server: object,
  token: AccessToken | undefined,
): Promise<Session> {
  const [client, serverSide] = sdk.pair();
  const received: Json[] = [];
  const waiting = new Map<string, (message: Json) => void>();
  client.onmessage = (message) => {
    // As a wire carries it (the in-memory pair passes objects as they are).
    const json = JSON.parse(JSON.stringify(message)) as Json;
    received.push(json);
    const key = JSON.stringify(json.id);
    const resolve = waiting.get(key);
    if (resolve !== undefined && ("result" in json || "error" in json)) {
      waiting.delete(key);
      resolve(json);
    }
  };
  await (server as { connect(t: unknown): Promise<void> }).connect(serverSide);
  await client.start();
  const raw = (message: unknown) =>
    client.send(message, token === undefined ? {} : { authInfo: token });
  const rpc = (method: string, params?: unknown, id: unknown = nextId++) =>
    new Promise<Json>((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(JSON.stringify(id));
        resolve({ timeout: true });
      }, 3000);
      waiting.set(JSON.stringify(id), (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      const message: Json = { jsonrpc: "2.0", id, method };
      if (params !== undefined) message.params = params;
      raw(message).catch(() => {});
    });
  const init = await rpc("initialize", {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "attacker", version: "1.0.0" },
  });
  assert.ok("result" in init, JSON.stringify(init));
  await raw({ jsonrpc: "2.0", method: "notifications/initialized" });
  return { rpc, raw, received, close: () => client.close() };
}

async function using<T>(
  opened: Promise<Session>,
  use: (s: Session) => Promise<T>,
): Promise<T> {
  const s = await opened;
  try {
    return await use(s);
  } finally {
    await s.close();
  }
}

/** Counts what ran: which handlers, callbacks and completers. */
class Ran {
  readonly names: string[] = [];
  mark(name: string): void {
    this.names.push(name);
  }
  has(name: string): boolean {
    return this.names.includes(name);
  }
}

const SECRET = "s3cr3t-hunter2";
const LEAK = /s3cr3t|hunter2|stack|at [A-Za-z]+ \(|\.ts:\d+/;

const hasTag = (ctx: AuthContext, tag: string): boolean =>
  [...(ctx.component.tags ?? [])].includes(tag);

// ---------------------------------------------------------------------------
// 1. Hidden vs missing: the same request to two servers, one holding a
// component the token may not use, the other without it, gets the same
// JSON-RPC message back, for every kind and every policy that does not
// reveal it; the lists are the same too.

interface Hiding {
  label: string;
  /** The policies under which this hiding reveals nothing. */
  policies: readonly StepUpPolicy[];
  /** The server-wide layers. */
  layers: AuthCheck[];
  /** What the hidden component is registered with. */
  config: Json;
}

const HIDINGS: readonly Hiding[] = [
  {
    label: "its own opaque check",
    policies: ["layers", "always", "never"],
    layers: [],
    config: { auth: () => false },
  },
  {
    label: "its own scope check",
    policies: ["layers", "never"],
    layers: [],
    config: { auth: requireScopes("admin") },
  },
  {
    label: "a layer's opaque check on its tag",
    policies: ["layers", "always", "never"],
    layers: [(ctx) => !hasTag(ctx, "secret")],
    config: { tags: ["secret"] },
  },
  {
    label: "a layer's scope check on its tag",
    policies: ["never"],
    layers: [restrictTag("admin", { scopes: ["admin"] })],
    config: { tags: ["admin"] },
  },
];

/** Registers the public components, and the hidden ones when `hidden`. */
function populate(
  sdk: AttackSdk,
  guarded: Loose,
  ran: Ran,
  hidden: Json | undefined,
): void {
  const topic = (label: string) =>
    sdk.completable(z.string(), () => {
      ran.mark(`complete:${label}`);
      return [`${label}-suggestion`];
    });
  guarded.tool("open", {}, () => text("open"));
  guarded.prompt(
    "greet",
    { argsSchema: sdk.promptArgs(topic("greet")) },
    () => ({
      messages: [],
    }),
  );
  guarded.resource("readme", "file:///readme", {}, (uri: URL) => ({
    contents: [{ uri: uri.href, text: "readme" }],
  }));
  guarded.resource(
    "docs",
    new sdk.Template("docs://{page}", {
      list: () => ({ resources: [{ uri: "docs://intro", name: "intro" }] }),
      complete: { page: () => ["intro"] },
    }),
    {},
    (uri: URL) => ({ contents: [{ uri: uri.href, text: "docs" }] }),
  );
  if (hidden === undefined) return;
  guarded.tool("purge", { ...hidden, description: "Purge" }, () => {
    ran.mark("tool:purge");
    return text(SECRET);
  });
  guarded.prompt(
    "audit",
    { ...hidden, argsSchema: sdk.promptArgs(topic("audit")) },
    () => {
      ran.mark("prompt:audit");
      return { messages: [] };
    },
  );
  guarded.resource("payroll", "file:///payroll", hidden, () => {
    ran.mark("resource:payroll");
    return { contents: [{ uri: "file:///payroll", text: SECRET }] };
  });
  guarded.resource(
    "vault",
    new sdk.Template("vault://{id}", {
      list: () => {
        ran.mark("list:vault");
        return { resources: [{ uri: "vault://1", name: SECRET }] };
      },
      complete: {
        id: () => {
          ran.mark("complete:vault");
          return [SECRET];
        },
      },
    }),
    hidden,
    () => {
      ran.mark("template:vault");
      return { contents: [{ uri: "vault://1", text: SECRET }] };
    },
  );
}

/** The requests an attacker sends, each compared on both servers. */
const PROBES: readonly [string, string, Json | undefined][] = [
  ["call the hidden tool", "tools/call", { name: "purge", arguments: {} }],
  ["get the hidden prompt", "prompts/get", { name: "audit", arguments: {} }],
  ["read the hidden resource", "resources/read", { uri: "file:///payroll" }],
  ["read through the hidden template", "resources/read", { uri: "vault://1" }],
  ["complete the hidden prompt", "completion/complete", {
    ref: { type: "ref/prompt", name: "audit" },
    argument: { name: "topic", value: "" },
  }],
  ["complete the hidden template", "completion/complete", {
    ref: { type: "ref/resource", uri: "vault://{id}" },
    argument: { name: "id", value: "" },
  }],
  ["complete the hidden fixed resource", "completion/complete", {
    ref: { type: "ref/resource", uri: "file:///payroll" },
    argument: { name: "x", value: "" },
  }],
  ["list tools", "tools/list", undefined],
  ["list prompts", "prompts/list", undefined],
  ["list resources", "resources/list", undefined],
  ["list templates", "resources/templates/list", undefined],
  ["list tools with a cursor", "tools/list", { cursor: "purge" }],
  ["list resources with a cursor", "resources/list", { cursor: "vault://1" }],
  // What the token may use still works, on both servers.
  ["call the open tool", "tools/call", { name: "open", arguments: {} }],
  ["complete the open prompt", "completion/complete", {
    ref: { type: "ref/prompt", name: "greet" },
    argument: { name: "topic", value: "" },
  }],
  ["read through the open template", "resources/read", { uri: "docs://intro" }],
];

async function answers(
  sdk: AttackSdk,
  options: unknown,
  hidden: Json | undefined,
  ran: Ran,
): Promise<Json[]> {
  const server = sdk.server();
  populate(sdk, sdk.guard(server, options), ran, hidden);
  return await using(session(sdk, server, tokenWith(["mcp"])), async (s) => {
    const out: Json[] = [];
    let id = 1;
    for (const [, method, params] of PROBES) {
      out.push(await s.rpc(method, params, id++));
    }
    return out;
  });
}

for (const sdk of SDKS) {
  describe(`attack: hidden vs missing, SDK ${sdk.name}`, () => {
    for (const hiding of HIDINGS) {
      for (const policy of hiding.policies) {
        it(`cannot tell a component hidden by ${hiding.label} from a missing one (stepUp "${policy}")`, async () => {
          const options = {
            authorizer: new Authorizer({
              layers: hiding.layers,
              stepUp: policy,
              onError: () => {},
            }),
          };
          const ran = new Ran();
          const withHidden = await answers(sdk, options, hiding.config, ran);
          const without = await answers(sdk, options, undefined, new Ran());
          for (let i = 0; i < PROBES.length; i++) {
            assert.deepEqual(
              withHidden[i],
              without[i],
              `${PROBES[i]![0]} answered differently`,
            );
            assert.ok(!("timeout" in withHidden[i]!), PROBES[i]![0]);
          }
          // The calls were refused as not found, none of it ran or leaked.
          for (const answer of withHidden.slice(0, 7)) {
            assert.equal((answer.error as Json)?.code, -32602);
          }
          // Its list callback included: it never runs for a caller who
          // may not list it.
          assert.deepEqual(ran.names, ["complete:greet"]);
          const [listed, , resources, templates] = withHidden.slice(7, 11);
          assert.deepEqual(
            (listed!.result as { tools: Json[] }).tools.map((t) => t.name),
            ["open"],
          );
          assert.deepEqual(
            (resources!.result as { resources: Json[] }).resources.map((r) =>
              r.uri
            ),
            ["file:///readme", "docs://intro"],
          );
          assert.deepEqual(
            (templates!.result as { resourceTemplates: Json[] })
              .resourceTemplates.map((t) => t.name),
            ["docs"],
          );
          const [call, complete, read] = withHidden.slice(-3);
          assert.deepEqual(
            (call!.result as Json).content,
            text("open").content,
          );
          assert.deepEqual((complete!.result as Json).completion, {
            values: ["greet-suggestion"],
            total: 1,
            hasMore: false,
          });
          assert.equal(
            ((read!.result as { contents: Json[] }).contents[0])!.text,
            "docs",
          );
          assert.doesNotMatch(JSON.stringify(withHidden), LEAK);
        });
      }
    }
  });
}

// ---------------------------------------------------------------------------
// 2. Templates: which one a URI reaches is the SDK's choice (the first that
// matches, in the order its object lists them); the guard must decide on
// that same template, never on one the SDK will not serve.

const readAs = (ran: Ran, label: string, body: string) => (uri: URL) => {
  ran.mark(label);
  return { contents: [{ uri: uri.href, text: body }] };
};

for (const sdk of SDKS) {
  describe(`attack: templates and completions, SDK ${sdk.name}`, () => {
    for (const name of ["0", "7", "42"]) {
      it(`never serves a hidden template named "${name}" for a URI an earlier allowed catch-all matches`, async () => {
        const server = sdk.server();
        const guarded = sdk.guard(server);
        const ran = new Ran();
        guarded.resource(
          "files",
          new sdk.Template("files://{+path}", { list: undefined }),
          {},
          readAs(ran, "files", "public"),
        );
        guarded.resource(
          name,
          new sdk.Template("files://vault/{id}", { list: undefined }),
          { auth: () => false },
          readAs(ran, "vault", SECRET),
        );
        await using(session(sdk, server, tokenWith([])), async (s) => {
          const answer = await s.rpc("resources/read", {
            uri: "files://vault/1",
          }, 1);
          assert.deepEqual(answer, {
            jsonrpc: "2.0",
            id: 1,
            error: {
              code: -32602,
              message: sdk.wire("Resource not found or not authorized"),
              data: { uri: "files://vault/1" },
            },
          });
          // Elsewhere the catch-all still serves.
          const open = await s.rpc("resources/read", { uri: "files://a" }, 2);
          assert.equal(
            (open.result as { contents: Json[] }).contents[0]!.text,
            "public",
          );
        });
        assert.deepEqual(ran.names, ["files"]);
      });
    }

    it("decides on the allowed template the SDK serves, when a hidden named one matches too but comes later", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      // "3" is listed before "vault" by the SDK's object: it is the one
      // served, so it is the one decided on.
      guarded.resource(
        "vault",
        new sdk.Template("files://vault/{id}", { list: undefined }),
        { auth: () => false },
        readAs(ran, "vault", SECRET),
      );
      guarded.resource(
        "3",
        new sdk.Template("files://{+path}", { list: undefined }),
        {},
        readAs(ran, "files", "public"),
      );
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const answer = await s.rpc("resources/read", {
          uri: "files://vault/1",
        });
        assert.equal(
          (answer.result as { contents: Json[] }).contents[0]!.text,
          "public",
        );
      });
      assert.deepEqual(ran.names, ["files"]);
    });

    it("never completes for a hidden template named like an index that shares an allowed template's URI template", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      guarded.resource(
        "open",
        new sdk.Template("notes://{id}", {
          list: undefined,
          complete: { id: () => (ran.mark("complete:open"), ["1"]) },
        }),
        {},
        readAs(ran, "open", "open"),
      );
      guarded.resource(
        "9",
        new sdk.Template("notes://{id}", {
          list: undefined,
          complete: { id: () => (ran.mark("complete:9"), [SECRET]) },
        }),
        { auth: () => false },
        readAs(ran, "9", SECRET),
      );
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const complete = await s.rpc("completion/complete", {
          ref: { type: "ref/resource", uri: "notes://{id}" },
          argument: { name: "id", value: "" },
        });
        const read = await s.rpc("resources/read", { uri: "notes://1" });
        assert.equal((complete.error as Json)?.code, -32602);
        assert.equal((read.error as Json)?.code, -32602);
        assert.doesNotMatch(JSON.stringify([complete, read]), LEAK);
      });
      assert.deepEqual(ran.names, []);
    });

    it("never runs a hidden template's list callback: its error cannot fail the list, leak, or tell it exists", async () => {
      const build = (withHidden: boolean, ran: Ran) => {
        const server = sdk.server();
        const guarded = sdk.guard(server, {
          authorizer: new Authorizer({
            layers: [restrictTag("hr", { scopes: ["hr"] })],
          }),
        });
        guarded.resource("readme", "file:///readme", {}, readAs(ran, "r", ""));
        if (withHidden) {
          const hr = guarded.resource(
            "hr",
            new sdk.Template("hr://{id}", {
              list: () => {
                ran.mark("list:hr");
                throw new Error(`db 10.0.0.5 refused ${SECRET}`);
              },
            }),
            { tags: ["hr"] },
            readAs(ran, "hr", SECRET),
          );
          // A replaced template is gated too.
          hr.update({
            template: new sdk.Template("hr://{id}", {
              list: () => {
                ran.mark("list:hr2");
                return { resources: [{ uri: "hr://1", name: SECRET }] };
              },
            }),
          });
        }
        return server;
      };
      const ran = new Ran();
      const answers: Json[] = [];
      for (const withHidden of [true, false]) {
        const server = build(withHidden, ran);
        await using(session(sdk, server, tokenWith(["mcp"])), async (s) => {
          answers.push(await s.rpc("resources/list", undefined, 1));
        });
      }
      assert.deepEqual(answers[0], answers[1]);
      assert.ok("result" in answers[0]!);
      assert.doesNotMatch(JSON.stringify(answers), LEAK);
      assert.deepEqual(ran.names, []);
      // Whoever may list it still sees what it lists.
      const server = build(true, ran);
      await using(session(sdk, server, tokenWith(["hr"])), async (s) => {
        const list = await s.rpc("resources/list");
        assert.deepEqual(
          (list.result as { resources: Json[] }).resources.map((r) => r.uri),
          ["file:///readme", "hr://1"],
        );
      });
      assert.deepEqual(ran.names, ["list:hr2"]);
    });

    it("answers a read of a URI matching only a hidden template as not found, whatever its spelling", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      guarded.resource(
        "vault",
        new sdk.Template("vault://{id}", { list: undefined }),
        { auth: () => false },
        readAs(ran, "vault", SECRET),
      );
      guarded.resource(
        "secret",
        "file:///secret",
        { auth: () => false },
        readAs(ran, "secret", SECRET),
      );
      await using(session(sdk, server, tokenWith([])), async (s) => {
        for (
          const uri of [
            "vault://1",
            "VAULT://1",
            "vault://1?x=1",
            "vault://%31",
            "FILE:///secret",
            "file:///secret#x",
            "file:///./secret",
            "file:///a/../secret",
          ]
        ) {
          const answer = await s.rpc("resources/read", { uri }, 1);
          assert.deepEqual(answer.error, {
            code: -32602,
            message: sdk.wire("Resource not found or not authorized"),
            data: { uri },
          }, uri);
        }
      });
      assert.deepEqual(ran.names, []);
    });

    it("answers completion refs of every wrong shape with a JSON-RPC error, running nothing", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      populate(sdk, guarded, ran, { auth: () => false });
      await using(session(sdk, server, tokenWith([])), async (s) => {
        for (
          const ref of [
            null,
            "ref/prompt",
            [],
            { type: "ref/prompt" },
            { type: "ref/prompt", name: ["audit"] },
            { type: "ref/prompt", name: { toString: () => "audit" } },
            { type: "ref/resource", uri: ["vault://{id}"] },
            { type: "ref/resource" },
            { type: "ref/other", name: "audit", uri: "vault://{id}" },
            { type: "ref/prompt", name: "audit", uri: "docs://{page}" },
            { type: "ref/resource", name: "greet", uri: "vault://{id}" },
          ]
        ) {
          const answer = await s.rpc("completion/complete", {
            ref,
            argument: { name: "topic", value: "" },
          });
          assert.ok("error" in answer, JSON.stringify(ref));
          assert.doesNotMatch(JSON.stringify(answer), LEAK);
        }
      });
      assert.deepEqual(ran.names, []);
    });
  });
}

// ---------------------------------------------------------------------------
// 3. Names: only the exact name registered reaches a component, and the
// SDK's own lookups (plain objects) never lend a name a prototype member.

const LOOK_ALIKES: readonly string[] = [
  "Admin",
  "ADMIN",
  "admin ",
  " admin",
  "admin\t",
  "admin\n",
  "admin\u0000",
  "admin\u200b",
  "\u200badmin",
  "ad\u00admin",
  "ａｄｍｉｎ", // fullwidth
  "аdmin", // Cyrillic а
  "admın", // dotless i
  "admi\u006e\u0301",
  "admin/",
  "admin.",
];

const PROTOTYPE_NAMES: readonly string[] = [
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "__defineGetter__",
  "isPrototypeOf",
];

for (const sdk of SDKS) {
  describe(`attack: names, SDK ${sdk.name}`, () => {
    it("answers every look-alike of a hidden tool's and prompt's name exactly as a missing name", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      guarded.tool("admin", { auth: () => false }, () => {
        ran.mark("tool");
        return text(SECRET);
      });
      guarded.prompt("admin", { auth: () => false }, () => {
        ran.mark("prompt");
        return { messages: [] };
      });
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const missingTool = await s.rpc("tools/call", { name: "zzz" }, 1);
        const missingPrompt = await s.rpc("prompts/get", { name: "zzz" }, 1);
        for (const name of [...LOOK_ALIKES, "admin"]) {
          assert.deepEqual(
            await s.rpc("tools/call", { name, arguments: {} }, 1),
            missingTool,
            JSON.stringify(name),
          );
          assert.deepEqual(
            await s.rpc("prompts/get", { name }, 1),
            missingPrompt,
            JSON.stringify(name),
          );
        }
      });
      assert.deepEqual(ran.names, []);
    });

    it("keeps look-alike names apart: an open tool named with a trailing space never opens the hidden one", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      guarded.tool("admin ", {}, () => (ran.mark("open"), text("open")));
      guarded.tool("аdmin", {}, () => (ran.mark("cyrillic"), text("open")));
      guarded.tool("admin", { auth: () => false }, () => {
        ran.mark("hidden");
        return text(SECRET);
      });
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const list = await s.rpc("tools/list");
        assert.deepEqual(
          (list.result as { tools: Json[] }).tools.map((t) => t.name),
          ["admin ", "аdmin"],
        );
        await s.rpc("tools/call", { name: "admin ", arguments: {} });
        await s.rpc("tools/call", { name: "аdmin", arguments: {} });
        const hidden = await s.rpc("tools/call", { name: "admin" });
        assert.equal((hidden.error as Json)?.code, -32602);
      });
      assert.deepEqual(ran.names, ["open", "cyrillic"]);
    });

    it("answers names of Object.prototype members as missing, on every guarded method", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      populate(sdk, guarded, new Ran(), { auth: () => false });
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const missing = {
          tool: await s.rpc("tools/call", { name: "zzz" }, 1),
          prompt: await s.rpc("prompts/get", { name: "zzz" }, 1),
          complete: await s.rpc("completion/complete", {
            ref: { type: "ref/prompt", name: "zzz" },
            argument: { name: "a", value: "" },
          }, 1),
        };
        for (const name of PROTOTYPE_NAMES) {
          assert.deepEqual(
            await s.rpc("tools/call", { name }, 1),
            missing.tool,
            name,
          );
          assert.deepEqual(
            await s.rpc("prompts/get", { name }, 1),
            missing.prompt,
            name,
          );
          assert.deepEqual(
            await s.rpc("completion/complete", {
              ref: { type: "ref/prompt", name },
              argument: { name: "a", value: "" },
            }, 1),
            missing.complete,
            name,
          );
        }
      });
    });

    it("answers a name that is not a string with a JSON-RPC error, never running anything", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      guarded.tool("1", {}, () => (ran.mark("tool:1"), text("x")));
      guarded.tool("null", {}, () => (ran.mark("tool:null"), text("x")));
      guarded.tool("open", {}, () => (ran.mark("tool:open"), text("x")));
      await using(session(sdk, server, tokenWith([])), async (s) => {
        for (
          const name of [1, null, true, ["open"], { name: "open" }, undefined]
        ) {
          const answer = await s.rpc("tools/call", { name, arguments: {} });
          assert.ok("error" in answer, JSON.stringify(name));
        }
      });
      assert.deepEqual(ran.names, []);
    });

    it("refuses to register a component whose name is not a string, or empty", () => {
      const guarded = sdk.guard(sdk.server());
      for (const name of [1, null, undefined, {}, ["a"], ""]) {
        assert.throws(
          () => guarded.tool(name, {}, () => text("x")),
          TypeError,
          JSON.stringify(name),
        );
      }
    });
  });
}

// ---------------------------------------------------------------------------
// 4. Lifecycle: what is registered, renamed, disabled, enabled or removed
// after guardServer (and after a client connected) stays under the guard.

async function callName(s: Session, name: string): Promise<Json> {
  return await s.rpc("tools/call", { name, arguments: {} }, 1);
}

function toolText(answer: Json): unknown {
  return ((answer.result as { content?: Json[] })?.content?.[0])?.text;
}

for (const sdk of SDKS) {
  describe(`attack: components changed after guardServer, SDK ${sdk.name}`, () => {
    it("guards a tool registered after a client connected, through guarded.server.registerTool too", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      guarded.tool("open", {}, () => text("open"));
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const missing = await callName(s, "zzz");
        guarded.tool("late", { auth: () => false }, () => {
          ran.mark("late");
          return text(SECRET);
        });
        (guarded.server as {
          registerTool(n: string, c: object, h: unknown): unknown;
        }).registerTool("later", { auth: () => false }, () => {
          ran.mark("later");
          return text(SECRET);
        });
        assert.deepEqual(await callName(s, "late"), missing);
        assert.deepEqual(await callName(s, "later"), missing);
        const list = await s.rpc("tools/list");
        assert.deepEqual(
          (list.result as { tools: Json[] }).tools.map((t) => t.name),
          ["open"],
        );
      });
      assert.deepEqual(ran.names, []);
    });

    it("keeps a renamed tool's checks on its new name, and answers its old name as missing", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      const hidden = guarded.tool("purge", { auth: () => false }, () => {
        ran.mark("purge");
        return text(SECRET);
      });
      const open = guarded.tool("open", {}, () => text("open"));
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const missing = await callName(s, "zzz");
        hidden.update({ name: "renamed" });
        assert.deepEqual(await callName(s, "renamed"), missing);
        assert.deepEqual(await callName(s, "purge"), missing);
        open.update({ name: "open2" });
        assert.equal(toolText(await callName(s, "open2")), "open");
        assert.deepEqual(await callName(s, "open"), missing);
        // Renamed onto an open tool's name: that name now has its checks.
        hidden.update({ name: "open2" });
        assert.deepEqual(await callName(s, "open2"), missing);
      });
      assert.deepEqual(ran.names, []);
    });

    it("answers a renamed-to-nothing tool (empty name, null) as missing under every name", async () => {
      for (const to of ["", null]) {
        const server = sdk.server();
        const guarded = sdk.guard(server);
        const ran = new Ran();
        const handle = guarded.tool("open", {}, () => {
          ran.mark("open");
          return text("open");
        });
        await using(session(sdk, server, tokenWith([])), async (s) => {
          const missing = await callName(s, "zzz");
          try {
            handle.update({ name: to });
          } catch {
            // The SDK may refuse it: then nothing changed but the call.
          }
          assert.deepEqual(await callName(s, "open"), missing);
          assert.deepEqual(await callName(s, ""), missing);
          assert.deepEqual(await callName(s, "null"), missing);
        });
        assert.deepEqual(ran.names, [], String(to));
      }
    });

    it("answers a disabled tool, prompt, resource and template as missing, and serves them again once enabled", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      const tool = guarded.tool("t", {}, () => (ran.mark("t"), text("t")));
      const prompt = guarded.prompt("p", {}, () => {
        ran.mark("p");
        return { messages: [] };
      });
      const resource = guarded.resource(
        "r",
        "file:///r",
        {},
        readAs(ran, "r", "r"),
      );
      const template = guarded.resource(
        "tp",
        new sdk.Template("tp://{id}", { list: undefined }),
        {},
        readAs(ran, "tp", "tp"),
      );
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const missing = [
          await s.rpc("tools/call", { name: "zzz" }, 1),
          await s.rpc("prompts/get", { name: "zzz" }, 1),
        ];
        const probe = async () => [
          await s.rpc("tools/call", { name: "t" }, 1),
          await s.rpc("prompts/get", { name: "p" }, 1),
          await s.rpc("resources/read", { uri: "file:///r" }, 1),
          await s.rpc("resources/read", { uri: "tp://1" }, 1),
        ];
        for (const handle of [tool, prompt, resource, template]) {
          handle.disable();
        }
        const disabled = await probe();
        assert.deepEqual(disabled[0], missing[0]);
        assert.deepEqual(disabled[1], missing[1]);
        for (const answer of disabled.slice(2)) {
          assert.equal((answer.error as Json)?.code, -32602);
          assert.match(
            String((answer.error as Json)?.message),
            /Resource not found or not authorized$/,
          );
        }
        assert.deepEqual(ran.names, []);
        for (const handle of [tool, prompt, resource, template]) {
          handle.enable();
        }
        for (const answer of await probe()) assert.ok("result" in answer);
      });
      assert.deepEqual(ran.names.sort(), ["p", "r", "t", "tp"]);
    });

    it("answers a removed tool as missing, and a new tool of that name gets its own checks, not the old ones", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      const open = guarded.tool("t", {}, () => (ran.mark("old"), text("old")));
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const missing = await callName(s, "zzz");
        open.remove();
        assert.deepEqual(await callName(s, "t"), missing);
        guarded.tool("t", { auth: () => false }, () => {
          ran.mark("new");
          return text(SECRET);
        });
        assert.deepEqual(await callName(s, "t"), missing);
      });
      assert.deepEqual(ran.names, []);
    });

    it("refuses to register a second tool under a hidden tool's name, and the hidden one stays hidden", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      guarded.tool("purge", { auth: () => false }, () => {
        ran.mark("hidden");
        return text(SECRET);
      });
      assert.throws(() =>
        guarded.tool("purge", {}, () => {
          ran.mark("impostor");
          return text("impostor");
        })
      );
      assert.throws(() =>
        (guarded.server as {
          registerTool(n: string, c: object, h: unknown): unknown;
        }).registerTool("purge", {}, () => {
          ran.mark("impostor2");
          return text("impostor");
        })
      );
      await using(session(sdk, server, tokenWith([])), async (s) => {
        assert.deepEqual(await callName(s, "purge"), await callName(s, "zzz"));
        const list = await s.rpc("tools/list");
        assert.deepEqual((list.result as { tools: Json[] }).tools, []);
      });
      assert.deepEqual(ran.names, []);
    });

    it("shows checks a template's new URI template once it is replaced (update({ template }))", async () => {
      const server = sdk.server();
      const seen: unknown[] = [];
      const guarded = sdk.guard(server, {
        authorizer: new Authorizer({
          // A layer on the URI: nothing under secret:// for this token.
          layers: [(ctx) => {
            seen.push(ctx.component.uri);
            return !String(ctx.component.uri).startsWith("secret://");
          }],
        }),
      });
      const ran = new Ran();
      const handle = guarded.resource(
        "notes",
        new sdk.Template("open://{id}", { list: undefined }),
        {},
        readAs(ran, "notes", SECRET),
      );
      handle.update({
        template: new sdk.Template("secret://{id}", { list: undefined }),
      });
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const read = await s.rpc("resources/read", { uri: "secret://1" });
        assert.equal((read.error as Json)?.code, -32602);
        const templates = await s.rpc("resources/templates/list");
        assert.deepEqual(
          (templates.result as { resourceTemplates: Json[] }).resourceTemplates,
          [],
        );
      });
      assert.deepEqual(ran.names, []);
      assert.ok(seen.every((uri) => uri === "secret://{id}"), String(seen));
    });

    it("shows checks a fixed resource's new name once renamed (update({ name }))", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server, {
        authorizer: new Authorizer({
          layers: [(ctx) => ctx.component.name !== "payroll"],
        }),
      });
      const ran = new Ran();
      const handle = guarded.resource(
        "readme",
        "file:///doc",
        {},
        readAs(ran, "doc", SECRET),
      );
      handle.update({ name: "payroll" });
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const read = await s.rpc("resources/read", { uri: "file:///doc" });
        assert.equal((read.error as Json)?.code, -32602);
        const list = await s.rpc("resources/list");
        assert.deepEqual(
          (list.result as { resources: Json[] }).resources,
          [],
        );
      });
      assert.deepEqual(ran.names, []);
    });

    it("keeps a moved resource's and a replaced template's checks", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      const secret = guarded.resource(
        "secret",
        "file:///secret",
        { auth: () => false },
        readAs(ran, "secret", SECRET),
      );
      const vault = guarded.resource(
        "vault",
        new sdk.Template("vault://{id}", { list: undefined }),
        { auth: () => false },
        readAs(ran, "vault", SECRET),
      );
      await using(session(sdk, server, tokenWith([])), async (s) => {
        secret.update({ uri: "file:///moved" });
        vault.update({
          template: new sdk.Template("open://{id}", { list: undefined }),
        });
        for (const uri of ["file:///moved", "file:///secret", "open://1"]) {
          const answer = await s.rpc("resources/read", { uri }, 1);
          assert.equal((answer.error as Json)?.code, -32602, uri);
        }
      });
      assert.deepEqual(ran.names, []);
    });
  });
}

// ---------------------------------------------------------------------------
// 5. Checks that misbehave: whatever a check throws, returns or never
// settles on, nothing runs, nothing leaks, and the server keeps answering.

const THROWN: readonly [string, () => unknown][] = [
  ["null", () => null],
  ["undefined", () => undefined],
  ["0", () => 0],
  ["a secret string", () => SECRET],
  ["a Symbol", () => Symbol(SECRET)],
  ["a plain object", () => ({ message: SECRET, code: -32000 })],
  ["an Error with a secret", () => new Error(SECRET)],
  ["a TypeError with a cause", () => new TypeError(SECRET, { cause: SECRET })],
  ["an object whose getters throw", () =>
    Object.defineProperty({}, "message", {
      get() {
        throw new Error(SECRET);
      },
    })],
  ["a Proxy that throws on every trap", () =>
    new Proxy({}, {
      get() {
        throw new Error(SECRET);
      },
      getPrototypeOf() {
        throw new Error(SECRET);
      },
      has() {
        throw new Error(SECRET);
      },
      ownKeys() {
        throw new Error(SECRET);
      },
    })],
];

const RETURNED: readonly [string, unknown][] = [
  ["1", 1],
  ['"true"', "true"],
  ["an object", {}],
  ['a thenable resolving "yes"', {
    then: (resolve: (v: unknown) => void) => resolve("yes"),
  }],
  ["a promise resolving 1", Promise.resolve(1)],
  ["a Boolean object", new Boolean(true)],
  ["undefined", undefined],
  ["null", null],
];

for (const sdk of SDKS) {
  describe(`attack: checks that misbehave, SDK ${sdk.name}`, () => {
    for (const [label, value] of THROWN) {
      for (const where of ["layer", "own auth", "async own auth"] as const) {
        it(`answers a check (${where}) throwing ${label} as missing, leaking nothing`, async () => {
          const reported: unknown[] = [];
          const check: AuthCheck = where === "async own auth"
            ? () => Promise.reject(value())
            : () => {
              throw value();
            };
          const server = sdk.server();
          const guarded = sdk.guard(server, {
            authorizer: new Authorizer({
              layers: where === "layer" ? [check] : [],
              onError: (error) => void reported.push(error),
            }),
          });
          const ran = new Ran();
          const config = where === "layer" ? {} : { auth: check };
          guarded.tool("t", config, () => (ran.mark("t"), text(SECRET)));
          guarded.prompt("p", config, () => {
            ran.mark("p");
            return { messages: [] };
          });
          guarded.resource("r", "file:///r", config, readAs(ran, "r", SECRET));
          await using(session(sdk, server, tokenWith(["mcp"])), async (s) => {
            const answers = [
              [
                await s.rpc("tools/call", { name: "t" }, 1),
                await s.rpc("tools/call", { name: "zzz" }, 1),
              ],
              [
                await s.rpc("prompts/get", { name: "p" }, 1),
                await s.rpc("prompts/get", { name: "zzz" }, 1),
              ],
            ];
            for (const [denied, missing] of answers) {
              assert.deepEqual(denied, missing);
            }
            const read = await s.rpc("resources/read", { uri: "file:///r" });
            assert.equal((read.error as Json)?.code, -32602);
            const list = await s.rpc("tools/list");
            assert.deepEqual((list.result as { tools: Json[] }).tools, []);
            assert.doesNotMatch(
              JSON.stringify([answers, read, list]),
              LEAK,
            );
          });
          assert.deepEqual(ran.names, []);
          // Masked, not lost: the server's onError saw each.
          assert.ok(reported.length >= 3);
        });
      }
    }

    for (const [label, value] of RETURNED) {
      it(`denies a check returning ${label} (only true allows)`, async () => {
        const server = sdk.server();
        const guarded = sdk.guard(server, {
          authorizer: new Authorizer({ onError: () => {} }),
        });
        const ran = new Ran();
        guarded.tool("t", { auth: () => value }, () => {
          ran.mark("t");
          return text("ran");
        });
        await using(session(sdk, server, tokenWith([])), async (s) => {
          assert.deepEqual(
            await s.rpc("tools/call", { name: "t" }, 1),
            await s.rpc("tools/call", { name: "zzz" }, 1),
          );
        });
        assert.deepEqual(ran.names, []);
      });
    }

    it("never runs a call whose check never settles, and keeps answering the rest of the session", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      const ran = new Ran();
      let asked = 0;
      guarded.tool("stuck", {
        auth: () => {
          asked++;
          return new Promise<boolean>(() => {});
        },
      }, () => (ran.mark("stuck"), text("ran")));
      guarded.tool("open", {}, () => text("open"));
      await using(session(sdk, server, tokenWith([])), async (s) => {
        await s.raw({
          jsonrpc: "2.0",
          id: "stuck-1",
          method: "tools/call",
          params: { name: "stuck", arguments: {} },
        });
        for (let i = 0; i < 3; i++) {
          assert.equal(toolText(await callName(s, "open")), "open");
        }
        assert.equal(asked, 1);
        assert.ok(!s.received.some((m) => m.id === "stuck-1"));
        // The client gives up: a cancellation leaves nothing running.
        await s.raw({
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: { requestId: "stuck-1", reason: "timeout" },
        });
        assert.equal(toolText(await callName(s, "open")), "open");
      });
      assert.deepEqual(ran.names, []);
    });
  });
}

// ---------------------------------------------------------------------------
// 6. Leaks: a tool's own error, decision events, tokens.

for (const sdk of SDKS) {
  describe(`attack: leaks, SDK ${sdk.name}`, () => {
    it("never puts arguments, a token, a client's URI or a masked error in a decision event", async () => {
      const events: DecisionEvent[] = [];
      const server = sdk.server();
      const guarded = sdk.guard(server, {
        authorizer: new Authorizer({
          layers: [restrictTag("admin", { scopes: ["admin"] })],
          onError: () => {},
        }),
        onDecision: (event: DecisionEvent) => void events.push(event),
      });
      guarded.tool("open", {}, () => text("open"));
      guarded.tool("admin", { tags: ["admin"] }, () => text("admin"));
      guarded.tool("boom", {
        auth: () => {
          throw new Error(`check failed for ${SECRET}`);
        },
      }, () => text("x"));
      guarded.resource(
        "vault",
        new sdk.Template("vault://{id}", { list: undefined }),
        { auth: (ctx: AuthContext) => ctx.arguments?.id === "mine" },
        readAs(new Ran(), "vault", "x"),
      );
      const token = tokenWith(["mcp"], `raw-token-${SECRET}`);
      await using(session(sdk, server, token), async (s) => {
        const args = { password: SECRET, nested: { key: SECRET } };
        for (const name of ["open", "admin", "boom", `missing-${SECRET}`]) {
          await s.rpc("tools/call", { name, arguments: args });
        }
        await s.rpc("resources/read", { uri: `vault://${SECRET}` });
        await s.rpc("resources/read", { uri: `file:///x?token=${SECRET}` });
        await s.rpc("prompts/get", { name: SECRET, arguments: args });
        await s.rpc("tools/list");
      });
      assert.deepEqual(events.map((e) => `${e.operation} ${e.reason}`), [
        "tools/call undefined",
        "tools/call insufficient_scope",
        "tools/call masked_error",
        "tools/call unknown_component",
        "resources/read opaque_denial",
        "resources/read unknown_component",
        "tools/list undefined",
      ]);
      const logged = JSON.stringify(events);
      assert.doesNotMatch(logged, /s3cr3t|hunter2|raw-token|password/);
      assert.ok(events.every((event) => !("arguments" in event)));
      assert.ok(events.some((e) => e.outcome === "step-up"));
    });

    it("answers the same whatever a decision listener or redactor throws, rejects with or never settles on", async () => {
      const listeners = [
        () => {
          throw new Error(SECRET);
        },
        () => Promise.reject(new Error(SECRET)),
        () => new Promise(() => {}),
      ];
      for (const onDecision of listeners) {
        for (
          const redactDecision of [
            undefined,
            () => {
              throw new Error(SECRET);
            },
            () => ({
              operation: "tools/call",
              outcome: "allow",
              leaked: SECRET,
            }),
          ]
        ) {
          const server = sdk.server();
          const guarded = sdk.guard(server, {
            onDecision,
            ...(redactDecision === undefined ? {} : { redactDecision }),
          });
          const ran = new Ran();
          guarded.tool("open", {}, () => (ran.mark("open"), text("open")));
          guarded.tool("purge", { auth: () => false }, () => {
            ran.mark("purge");
            return text(SECRET);
          });
          await using(session(sdk, server, tokenWith([])), async (s) => {
            assert.equal(toolText(await callName(s, "open")), "open");
            assert.deepEqual(
              await callName(s, "purge"),
              await callName(s, "zzz"),
            );
            const list = await s.rpc("tools/list");
            assert.deepEqual(
              (list.result as { tools: Json[] }).tools.map((t) => t.name),
              ["open"],
            );
            assert.doesNotMatch(JSON.stringify(s.received), LEAK);
          });
          assert.deepEqual(ran.names, ["open"]);
        }
      }
    });

    it("gives a tool handler's own error to the SDK (isError result), never as a denial, and the allow event holds nothing of it", async () => {
      const events: DecisionEvent[] = [];
      const server = sdk.server();
      const guarded = sdk.guard(server, {
        onDecision: (event: DecisionEvent) => void events.push(event),
      });
      guarded.tool("boom", {}, () => {
        throw new Error(`db password ${SECRET}`);
      });
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const answer = await s.rpc("tools/call", { name: "boom" });
        // The handler is the server's own code; the SDK reports its error
        // as a tool result. The guard neither masks nor rewrites it.
        assert.equal((answer.result as Json)?.isError, true);
        assert.equal(answer.error, undefined);
      });
      const call = events.find((e) => e.operation === "tools/call");
      assert.equal(call?.outcome, "allow");
      assert.doesNotMatch(JSON.stringify(events), LEAK);
    });
  });
}

// ---------------------------------------------------------------------------
// 7. Over Streamable HTTP, on every stack the preflight serves: batches
// mixing what may and may not run, and hostile bodies.

/** What ran on the HTTP servers (one guard per request: module-level). */
const httpRan = new Ran();

/** The server of each request: open, hidden, arguments-bound, step-up. */
const attackServer: Build = (guard) => {
  const guarded = guard({
    authorizer: new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
      onError: () => {},
    }),
  });
  guarded.tool("open", {}, () => (httpRan.mark("open"), text("open")));
  guarded.tool("purge", { auth: () => false }, () => {
    httpRan.mark("purge");
    return text(SECRET);
  });
  guarded.tool("owned", {
    auth: (ctx: AuthContext) => ctx.arguments?.owner === "ann",
  }, () => (httpRan.mark("owned"), text("owned")));
  guarded.tool("admin", { tags: ["admin"] }, () => {
    httpRan.mark("admin");
    return text("admin");
  });
  return guarded;
};

const BATCHING = { "mcp-protocol-version": "2025-03-26" };

async function errorsById(response: Response): Promise<Map<unknown, Json>> {
  const answers = await messages(response);
  const list = (Array.isArray(answers) ? answers : [answers]) as Json[];
  return new Map(list.map((answer) => [answer.id, answer]));
}

const withoutId = (answer: Json | undefined): Json => {
  const { id: _, ...rest } = answer ?? {};
  return rest;
};

/** A raw JSON POST, body as text. */
function postText(
  url: URL,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return post(url, body, "Bearer reader", headers);
}

for (const stack of STACKS) {
  describe(`attack: over HTTP, ${stack.name}`, () => {
    async function started<T>(use: (url: URL) => Promise<T>): Promise<T> {
      const server: Started = await stack.start(attackServer);
      httpRan.names.length = 0;
      try {
        return await use(server.url);
      } finally {
        await server.close();
      }
    }

    /** Asserts the server still serves a plain call after an attack. */
    async function stillServes(url: URL): Promise<void> {
      const after = await post(url, call("open"), "Bearer reader");
      assert.equal(after.status, 200);
      assert.match(await after.text(), /"open"/);
    }

    it("answers a batch's hidden call exactly as its missing one, running only the allowed call", async () => {
      await started(async (url) => {
        const response = await post(
          url,
          [
            call("open", {}, 1),
            call("purge", {}, 2),
            call("missing", {}, 3),
            call("owned", { owner: "bob" }, 4),
          ],
          "Bearer reader",
          BATCHING,
        );
        assert.equal(response.status, 200);
        const byId = await errorsById(response);
        assert.match(JSON.stringify(byId.get(1)), /"open"/);
        assert.deepEqual(withoutId(byId.get(2)), withoutId(byId.get(3)));
        assert.deepEqual(withoutId(byId.get(4)), withoutId(byId.get(3)));
        assert.equal((byId.get(3)!.error as Json).code, -32602);
        assert.deepEqual(httpRan.names, ["open"]);
      });
    });

    it("decides each of two batched calls sharing an id on its own arguments", async () => {
      await started(async (url) => {
        const response = await post(
          url,
          [
            call("owned", { owner: "ann" }, 1),
            call("owned", { owner: "bob" }, 1),
            call("open", {}, "x"),
            call("purge", {}, "x"),
          ],
          "Bearer reader",
          BATCHING,
        );
        assert.notEqual(response.status, 500);
        await response.body?.cancel();
        assert.ok(!httpRan.has("purge"));
        assert.ok(httpRan.names.filter((n) => n === "owned").length <= 1);
      });
    });

    it("refuses a whole batch holding one scope shortfall with the 403, before anything runs", async () => {
      await started(async (url) => {
        const response = await post(
          url,
          [
            call("open", {}, 1),
            call("admin", {}, 2),
          ],
          "Bearer reader",
          BATCHING,
        );
        await response.body?.cancel();
        assert.equal(response.status, 403);
        assert.match(
          response.headers.get("www-authenticate") ?? "",
          /^Bearer error="insufficient_scope", error_description="Insufficient scope", scope="admin"$/,
        );
        assert.deepEqual(httpRan.names, []);
      });
    });

    it("runs nothing hidden in a batch over the preflight's bound (101 calls)", async () => {
      await started(async (url) => {
        const batch = Array.from(
          { length: 101 },
          (_, i) => call(i % 2 === 0 ? "purge" : "open", {}, i),
        );
        const response = await post(url, batch, "Bearer reader", BATCHING);
        assert.notEqual(response.status, 500);
        assert.doesNotMatch(await response.text(), LEAK);
        assert.ok(!httpRan.has("purge"));
      });
    });

    it("never runs a call without a token, and never answers it 500", async () => {
      await started(async (url) => {
        for (const name of ["open", "purge", "admin"]) {
          const response = await post(url, call(name), undefined);
          assert.ok(response.status < 500, `${response.status} for ${name}`);
          assert.doesNotMatch(await response.text(), LEAK);
        }
        assert.ok(!httpRan.has("purge") && !httpRan.has("admin"));
      });
    });

    it("never runs a tools/call sent as a notification (no id), hidden or not", async () => {
      await started(async (url) => {
        for (const name of ["purge", "open", "admin"]) {
          const response = await post(url, {
            jsonrpc: "2.0",
            method: "tools/call",
            params: { name, arguments: {} },
          }, "Bearer reader");
          await response.body?.cancel();
          assert.equal(response.status, 202, name);
        }
        assert.deepEqual(httpRan.names, []);
        await stillServes(url);
      });
    });

    it("answers hostile ids with a JSON-RPC error or nothing, never a 500, never running the hidden call", async () => {
      await started(async (url) => {
        for (
          const id of [
            null,
            {},
            [],
            true,
            1.5,
            1e308,
            -0,
            "",
            "x".repeat(10_000),
          ]
        ) {
          const response = await post(
            url,
            call("purge", {}, id as never),
            "Bearer reader",
          );
          assert.notEqual(response.status, 500, JSON.stringify(id));
          assert.doesNotMatch(await response.text(), LEAK);
        }
        assert.deepEqual(httpRan.names, []);
        await stillServes(url);
      });
    });

    it("answers params of every wrong shape without a 500, running nothing", async () => {
      await started(async (url) => {
        for (const params of ["purge", ["purge"], 1, null, true]) {
          const response = await post(url, {
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params,
          }, "Bearer reader");
          assert.notEqual(response.status, 500, JSON.stringify(params));
          assert.doesNotMatch(await response.text(), LEAK);
        }
        for (
          const args of ["x", [1], 1, null, { owner: ["ann"] }, {
            owner: { toString: "ann" },
          }]
        ) {
          const response = await post(
            url,
            call("owned", args as never),
            "Bearer reader",
          );
          assert.notEqual(response.status, 500, JSON.stringify(args));
          await response.body?.cancel();
        }
        assert.deepEqual(httpRan.names, []);
      });
    });

    it("lets no __proto__ or constructor key name a hidden tool or forge an argument", async () => {
      await started(async (url) => {
        const bodies = [
          `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"__proto__":{"name":"purge"},"arguments":{}}}`,
          `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"owned","arguments":{"__proto__":{"owner":"ann"}}}}`,
          `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"owned","arguments":{"constructor":{"prototype":{"owner":"ann"}}}}}`,
          `{"jsonrpc":"2.0","id":1,"method":"tools/call","__proto__":{"params":{"name":"purge"}}}`,
          `{"__proto__":{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"purge"}}}`,
          `[{"__proto__":{"method":"tools/call"},"jsonrpc":"2.0","id":1,"method":"ping"}]`,
        ];
        for (const body of bodies) {
          const response = await postText(url, body, BATCHING);
          assert.notEqual(response.status, 500, body);
          assert.doesNotMatch(await response.text(), LEAK);
        }
        assert.deepEqual(httpRan.names, []);
        // Nothing was polluted.
        assert.equal(({} as Json).owner, undefined);
        assert.equal(({} as Json).name, undefined);
        await stillServes(url);
      });
    });

    it("decides a duplicated key as the SDK reads it (the last one)", async () => {
      await started(async (url) => {
        for (
          const body of [
            `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"open","name":"purge","arguments":{}}}`,
            `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"owned","arguments":{"owner":"ann","owner":"bob"}}}`,
            `{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/call","params":{"name":"purge"}}`,
          ]
        ) {
          const response = await postText(url, body);
          assert.notEqual(response.status, 500);
          assert.match(await response.text(), /not found or not authorized/);
        }
        assert.deepEqual(httpRan.names, []);
      });
    });

    it("answers deeply nested arguments and params without a 500 or a crash", async () => {
      await started(async (url) => {
        for (const depth of [1_000, 100_000]) {
          const nested = "[".repeat(depth) + "]".repeat(depth);
          for (
            const body of [
              `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"purge","arguments":{"a":${nested}}}}`,
              `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"owned","arguments":{"owner":${nested}}}}`,
              `{"jsonrpc":"2.0","id":${nested},"method":"tools/call","params":{"name":"purge"}}`,
              `${
                "[".repeat(depth)
              }{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"purge"}}${
                "]".repeat(depth)
              }`,
            ]
          ) {
            const response = await postText(url, body, BATCHING);
            assert.notEqual(response.status, 500, `${depth}`);
            assert.doesNotMatch(await response.text(), LEAK);
          }
        }
        assert.deepEqual(httpRan.names, []);
        await stillServes(url);
      });
    });

    it("answers a body over 4 MiB with 413, with or without a Content-Length", {
      // The body parser before it (express.json()) owns the bound there.
      skip: !stack.reads && "the body is parsed before the preflight",
    }, async () => {
      await started(async (url) => {
        const big = JSON.stringify(
          call("purge", { pad: "x".repeat(4 * 1024 * 1024 + 10) }),
        );
        const declared = await postText(url, big);
        await declared.body?.cancel();
        assert.equal(declared.status, 413);
        const bytes = new TextEncoder().encode(big);
        let status: number | undefined;
        try {
          const chunked = await fetch(url, {
            method: "POST",
            headers: {
              authorization: "Bearer reader",
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
            },
            body: new ReadableStream({
              start(controller) {
                for (let i = 0; i < bytes.length; i += 65536) {
                  controller.enqueue(bytes.subarray(i, i + 65536));
                }
                controller.close();
              },
            }),
            duplex: "half",
          } as RequestInit);
          await chunked.body?.cancel();
          status = chunked.status;
        } catch {
          // node:http answers the 413 and resets the upload it stopped
          // reading: the client may see the reset before the answer.
          assert.ok(stack.name.includes("Node"), "only node:http resets");
        }
        if (status !== undefined) assert.equal(status, 413);
        assert.deepEqual(httpRan.names, []);
        await stillServes(url);
      });
    });

    it("answers bodies that are not JSON-RPC as the SDK does, never a 500", {
      skip: !stack.reads && "the body parser before it answers those",
    }, async () => {
      await started(async (url) => {
        for (
          const body of [
            "",
            "{",
            "null",
            "[]",
            "1",
            '"tools/call"',
            "\ufeff" + JSON.stringify(call("purge")),
            JSON.stringify({ ...call("purge"), method: "Tools/Call" }),
            JSON.stringify({ ...call("purge"), jsonrpc: "1.0" }),
            JSON.stringify([{
              jsonrpc: "2.0",
              method: "notifications/initialized",
            }]),
          ]
        ) {
          const response = await postText(url, body, BATCHING);
          assert.ok(response.status < 500, `${response.status} for ${body}`);
          assert.doesNotMatch(await response.text(), LEAK);
        }
        for (
          const type of [
            "text/plain, application/json",
            "application/json, text/plain",
            "APPLICATION/JSON; charset=utf-8",
            "application/jsonx",
          ]
        ) {
          const response = await postText(url, JSON.stringify(call("purge")), {
            "content-type": type,
          });
          assert.ok(response.status < 500, `${response.status} for ${type}`);
          assert.doesNotMatch(await response.text(), LEAK);
        }
        assert.deepEqual(httpRan.names, []);
      });
    });
  });
}

// ---------------------------------------------------------------------------
// 8. Options and registrations: a mistake never leaves a component open.

for (const sdk of SDKS) {
  describe(`attack: wrong options, SDK ${sdk.name}`, () => {
    it("refuses guard options of every wrong shape with a TypeError saying what to write", () => {
      const authorizer = new Authorizer();
      const throwing = Object.defineProperty({}, "authorizer", {
        enumerable: true,
        get() {
          throw new Error(SECRET);
        },
      });
      class Options {
        authorizer = authorizer;
      }
      for (
        const options of [
          authorizer,
          { authorizer: { layers: [() => false] } },
          { authoriser: authorizer },
          { layers: [() => false] },
          new Options(),
          "authorizer",
          [authorizer],
          { authorizer, onDecision: "log" },
          new Proxy({ authorizer }, {
            ownKeys: () => ["authorizer", "extra"],
            getOwnPropertyDescriptor: () => ({
              enumerable: true,
              configurable: true,
              value: authorizer,
            }),
          }),
        ]
      ) {
        assert.throws(
          () => sdk.guard(sdk.server(), options),
          (error: unknown) =>
            error instanceof TypeError &&
            /guardServer/.test(error.message) &&
            !LEAK.test(error.message),
          String(options),
        );
      }
      assert.throws(() => sdk.guard(sdk.server(), throwing));
    });

    it("takes a null-prototype options object", async () => {
      const options = Object.assign(Object.create(null), {
        authorizer: new Authorizer({ layers: [() => false] }),
      });
      const server = sdk.server();
      const guarded = sdk.guard(server, options);
      guarded.tool("t", {}, () => text("ran"));
      await using(session(sdk, server, tokenWith([])), async (s) => {
        assert.equal((await callName(s, "t")).error !== undefined, true);
      });
    });

    it("refuses a registration whose auth or tags are not what the guard reads, never registering it open", () => {
      const guarded = sdk.guard(sdk.server());
      for (
        const config of [
          { auth: "admin" },
          { auth: true },
          { auth: null },
          { auth: [requireScopes("a"), "b"] },
          { auth: [, requireScopes("a")] },
          { tags: "admin" },
          { tags: ["admin", 1] },
          { tags: { admin: true } },
          { Tags: ["admin"] },
          { AUTH: requireScopes("admin") },
        ]
      ) {
        assert.throws(
          () => guarded.tool("t", config, () => text("x")),
          TypeError,
          JSON.stringify(config),
        );
      }
    });

    it("refuses authorization keys the guard does not read (scopes, roles, checks ...), naming auth", async () => {
      const server = sdk.server();
      const guarded = sdk.guard(server);
      for (
        const key of [
          "scope",
          "scopes",
          "Scopes",
          "requiredScopes",
          "requireScopes",
          "roles",
          "check",
          "checks",
          "authorize",
          "authorization",
          "permissions",
        ]
      ) {
        assert.throws(
          () => guarded.tool("t", { [key]: ["admin"] }, () => text("x")),
          (error: unknown) =>
            error instanceof TypeError &&
            error.message.includes(`"${key}"`) &&
            /write "auth"/.test(error.message),
          key,
        );
      }
      // None of them was registered.
      await using(session(sdk, server, tokenWith([])), async (s) => {
        const list = await s.rpc("tools/list");
        assert.ok(
          "error" in list ||
            (list.result as { tools: Json[] }).tools.length === 0,
        );
      });
    });
  });
}

// ---------------------------------------------------------------------------
// 9. A client that goes away mid-body: the preflight resolves (a 400),
// never rejects, so a node:http handler awaiting it (README) never crashes
// its process on an unhandled rejection.

/** Sends headers and part of a body to 127.0.0.1:`port`, then hangs up. */
function abortMidBody(port: number, chunked: boolean): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
          "Content-Type: application/json\r\nAuthorization: Bearer reader\r\n" +
          (chunked
            ? 'Transfer-Encoding: chunked\r\n\r\n5\r\n{"jso'
            : 'Content-Length: 1000\r\n\r\n{"jsonrpc"'),
      );
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 50);
    });
    socket.on("error", () => resolve());
  });
}

/** Waits (bounded) until `outcomes` holds `count` entries. */
async function settled(outcomes: string[], count: number): Promise<void> {
  for (let i = 0; i < 100 && outcomes.length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const guardOf = (sdkName: "v1" | "v2", options?: v2.GuardOptions) =>
  sdkName === "v1"
    ? v1.guardServer(new McpServerV1({ name: "x", version: "1.0.0" }), options)
    : v2.guardServer(
      new McpServerV2({ name: "x", version: "1.0.0" }),
      options,
    );

describe("attack: a client aborting mid-body", () => {
  for (const sdkName of ["v1", "v2"] as const) {
    it(`resolves the preflight of an aborted node:http upload with a 400, never a rejection (${sdkName})`, async () => {
      const outcomes: string[] = [];
      const server = createServer((req, res) => {
        guardOf(sdkName).preflight(req, tokenWith([]), undefined).then(
          (checked) => {
            outcomes.push(`resolved ${checked.response?.status}`);
            res.destroy();
          },
          (error) => {
            outcomes.push(`rejected ${String(error)}`);
            res.destroy();
          },
        );
      });
      await new Promise<void>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve())
      );
      try {
        const { port } = server.address() as AddressInfo;
        await abortMidBody(port, false);
        await abortMidBody(port, true);
        await settled(outcomes, 2);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      assert.deepEqual(outcomes, ["resolved 400", "resolved 400"]);
    });

    it(`resolves the preflight of an aborted Web Request upload, never a rejection (${sdkName})`, async () => {
      const outcomes: string[] = [];
      const served = await serve(async (request) => {
        try {
          const checked = await guardOf(sdkName).preflight(
            request,
            tokenWith([]),
          );
          outcomes.push(`resolved ${checked.response?.status}`);
        } catch (error) {
          outcomes.push(`rejected ${String(error)}`);
        }
        return new Response(null, { status: 204 });
      });
      try {
        const port = Number(new URL(served.origin).port);
        await abortMidBody(port, false);
        await abortMidBody(port, true);
        await settled(outcomes, 2);
      } finally {
        await served.close();
      }
      // A runtime may drop the request before the handler runs: what ran
      // must have resolved, with the 400.
      for (const outcome of outcomes) assert.equal(outcome, "resolved 400");
    });
  }

  it("answers a body stream that fails mid-way with a JSON-RPC 400, leaking nothing of its error", async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"jsonrpc"'));
        controller.error(new Error(SECRET));
      },
    });
    const request = new Request("http://127.0.0.1/mcp", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    const checked = await guardOf("v2").preflight(request, tokenWith([]));
    assert.equal(checked.response?.status, 400);
    assert.equal(checked.response?.headers.get("cache-control"), "no-store");
    const body = await checked.response!.text();
    assert.deepEqual(JSON.parse(body), {
      jsonrpc: "2.0",
      error: {
        code: -32700,
        message: "Parse error: the request body could not be read",
      },
      id: null,
    });
    assert.doesNotMatch(body, LEAK);
  });
});

describe("attack: the preflight's parsed-body input with hostile headers and bodies", () => {
  for (const sdkName of ["v1", "v2"] as const) {
    it(`answers every Authorization header and body shape without throwing (${sdkName})`, async () => {
      const authorizations = [
        undefined,
        null,
        "",
        "Bearer",
        "DPoP",
        "dpop x",
        "bEaReR x",
        "Basic dXNlcjpwYXNz",
        "Bearer  x  y",
        `Bearer ${"x".repeat(100_000)}`,
        'Bearer x", error="invalid',
      ];
      const bodies: unknown[] = [
        call("admin"),
        [call("admin"), call("open", {}, 2)],
        Object.create(null),
        { method: "tools/call", id: 1, params: Object.create(null) },
        {
          method: "tools/call",
          id: 1,
          params: { name: "admin", arguments: [] },
        },
        { jsonrpc: "2.0", id: 1, method: "resources/read", params: { uri: 7 } },
        Array.from({ length: 1000 }, () => call("admin")),
        null,
        "x",
        42,
      ];
      let challenged = 0;
      for (const authorization of authorizations) {
        for (const body of bodies) {
          const guarded = guardOf(sdkName, {
            authorizer: new Authorizer({
              layers: [restrictTag("admin", { scopes: ["admin"] })],
            }),
          }) as unknown as Loose & {
            preflight: v2.GuardedServer["preflight"];
          };
          guarded.tool("admin", { tags: ["admin"] }, () => text(SECRET));
          guarded.tool("open", {}, () => text("open"));
          const checked = await guarded.preflight(
            { body, authorization } as never,
            tokenWith(["mcp"]),
          );
          const status = checked.response?.status;
          assert.ok(
            status === undefined || status === 403 || status === 401,
            `${status} for ${String(authorization).slice(0, 20)}`,
          );
          if (checked.response !== undefined) {
            challenged++;
            const challenge =
              checked.response.headers.get("www-authenticate") ??
                "";
            assert.doesNotMatch(challenge, /invalid"|\n/);
            assert.equal(
              checked.response.headers.get("cache-control"),
              "no-store",
            );
            assert.doesNotMatch(await checked.response.text(), LEAK);
          }
        }
      }
      // Every header with each of the three bodies that step up.
      assert.equal(challenged, authorizations.length * 3);
    });
  }
});
