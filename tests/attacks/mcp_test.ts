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
          assert.deepEqual(
            ran.names.filter((name) => !name.startsWith("list:")),
            ["complete:greet"],
          );
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
