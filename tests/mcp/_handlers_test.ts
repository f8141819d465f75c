// The guarded handlers (src/mcp/_handlers.ts) in front of a stand-in for the
// SDK's own, with a real Authorizer, the real index and both SDK bindings:
// what reaches the SDK handler, what comes back, and what is refused.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AccessToken,
  Authorizer,
  type Component,
  requireScopes,
  restrictTag,
} from "../../mod.ts";
import type { Handler, SdkBinding } from "../../src/mcp/_binding.ts";
import {
  guardedHandler,
  type GuardScope,
  listGate,
} from "../../src/mcp/_handlers.ts";
import {
  ComponentRegistry,
  type Entry,
  producing,
  type TemplateHandle,
} from "../../src/mcp/_registry.ts";
import { SDK_V2 } from "../../src/mcp/_sdk.ts";
import {
  type GuardedKind,
  notFound as notFoundDenial,
} from "../../src/mcp/_denial.ts";
import { SDK_V1 } from "../../src/mcp/_sdk_v1.ts";

function tokenWith(scopes: string[]): AccessToken {
  return { token: "opaque", clientId: "app", scopes, claims: {} };
}

/** A handle as the SDKs make one, enabled unless told otherwise. */
function handle(enabled = true) {
  return { enabled, update() {}, remove() {} };
}

function entry(component: Component, enabled = true): Entry {
  return { component: Object.freeze(component), handle: handle(enabled) };
}

function templateEntry(name: string, uriTemplate: string): Entry {
  const pattern = new RegExp(
    `^${uriTemplate.replace(/\{(\w+)\}/g, "(?<$1>[^/]+)")}$`,
  );
  return {
    component: Object.freeze({
      kind: "resourceTemplate",
      name,
      uri: uriTemplate,
      tags: new Set(["admin"]),
    }),
    handle: {
      ...handle(),
      resourceTemplate: {
        uriTemplate: {
          match: (uri: string) => pattern.exec(uri)?.groups,
          toString: () => uriTemplate,
        },
      },
    } as TemplateHandle,
  };
}

function scopeFor(binding: SdkBinding): GuardScope {
  const registry = new ComponentRegistry();
  registry.addTool("open", entry({ kind: "tool", name: "open" }));
  registry.addTool(
    "write",
    entry({ kind: "tool", name: "write", auth: requireScopes("write") }),
  );
  registry.addTool(
    "purge",
    entry({ kind: "tool", name: "purge", tags: new Set(["admin"]) }),
  );
  registry.addTool("off", entry({ kind: "tool", name: "off" }, false));
  registry.addPrompt("greet", entry({ kind: "prompt", name: "greet" }));
  registry.addResource(
    "file:///readme",
    entry({ kind: "resource", name: "readme", uri: "file:///readme" }),
  );
  registry.addTemplate(
    "users",
    templateEntry("users", "file:///users/{id}") as Entry<TemplateHandle>,
  );
  return Object.freeze({
    authorizer: new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
      onError: () => {},
    }),
    binding,
    registry,
  });
}

/** A `ctx` carrying `token` where `binding`'s SDK puts `authInfo`. */
function ctxWith(binding: SdkBinding, token: AccessToken | undefined) {
  return binding === SDK_V2 ? { http: { authInfo: token } } : {
    authInfo: token,
  };
}

/** A stand-in for the SDK's handler: records its calls, returns `result`. */
function sdkHandler(result: unknown) {
  const calls: unknown[][] = [];
  const handler: Handler = (request, ctx) => {
    calls.push([request, ctx]);
    return result;
  };
  return { handler, calls };
}

async function rejection(
  promise: unknown,
): Promise<{ code?: unknown; message: string; data?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: unknown; message: string; data?: unknown };
  }
  assert.fail("expected a rejection");
}

for (const binding of [SDK_V2, SDK_V1]) {
  const guard = scopeFor(binding);
  /** The error the SDK sends for an unknown (or hidden) component. */
  const notFound = (kind: GuardedKind) => {
    const error = binding.error(notFoundDenial(kind)) as Error & {
      code?: unknown;
    };
    return { code: error.code, message: error.message };
  };
  const shortfall = binding.error({
    code: -32602,
    message: "Insufficient scope. Required: admin",
  }).message;
  const call = (
    method: string,
    result: unknown,
    params: Record<string, unknown>,
    token: AccessToken | undefined,
  ) => {
    const sdk = sdkHandler(result);
    const ctx = ctxWith(binding, token);
    const request = { method, params };
    const answer = guardedHandler(method, sdk.handler, guard)(request, ctx);
    return { answer, calls: sdk.calls, request, ctx };
  };

  describe(`guarded list handlers, ${binding.name}`, () => {
    it("keeps only what the token may use and was registered through the guard, in order", async () => {
      const tools = ["purge", "open", "direct", "write", "off"].map((name) => ({
        name,
        description: name,
      }));
      const { answer } = call(
        "tools/list",
        {
          tools,
          nextCursor: "c",
        },
        {},
        tokenWith(["write"]),
      );
      const listed = await answer as Record<string, unknown>;
      assert.deepEqual(listed.tools, [tools[1], tools[3], tools[4]]);
      assert.equal(listed.nextCursor, "c");
      // Per-token results never go to a shared cache (2026-07-28 only).
      assert.equal(
        listed.cacheScope,
        binding.cacheScope ? "private" : undefined,
      );
    });

    it("lists a resource by its URI, a template's listed resources by the template that listed them, templates by name", async () => {
      // What the SDK lists from the admin-tagged "users" template: the
      // resources its list callback yields, with the template's metadata.
      const users = guard.registry.template("users")!;
      const template = producing(
        {
          get listCallback() {
            return () => ({ resources: [{ uri: "file:///users/7" }] });
          },
        },
        users,
        () => Promise.resolve(true),
      ) as { listCallback(): Promise<{ resources: object[] }> };
      const [listed] = (await template.listCallback()).resources;
      const resources = [
        { uri: "file:///readme" },
        { description: "users", ...listed },
        // Matches the template, but the template did not list it.
        { uri: "file:///users/8" },
        { uri: "file:///elsewhere" },
      ];
      const reader = await call("resources/list", { resources }, {}, undefined)
        .answer as Record<string, unknown>;
      assert.deepEqual(reader.resources, [resources[0]]);
      const admin = await call(
        "resources/list",
        { resources },
        {},
        tokenWith([
          "admin",
        ]),
      ).answer as Record<string, unknown>;
      assert.deepEqual(admin.resources, [resources[0], resources[1]]);
      assert.deepEqual(JSON.parse(JSON.stringify(admin.resources)), [
        { uri: "file:///readme" },
        { description: "users", uri: "file:///users/7" },
      ]);
      const templates = await call(
        "resources/templates/list",
        {
          resourceTemplates: [{ name: "users" }, { name: "other" }],
        },
        {},
        tokenWith(["admin"]),
      ).answer as Record<string, unknown>;
      assert.deepEqual(templates.resourceTemplates, [{ name: "users" }]);
    });

    it("answers an SDK result that is not a list with an empty one", async () => {
      for (const result of [undefined, { tools: "nope" }, ["x"]]) {
        const listed = await call("tools/list", result, {}, undefined)
          .answer as Record<string, unknown>;
        assert.deepEqual(listed.tools, []);
      }
    });
  });

  describe(`guarded call handlers, ${binding.name}`, () => {
    it("calls the SDK handler for an allowed tool, checks seeing its arguments", async () => {
      const seen: unknown[] = [];
      const local = scopeFor(binding);
      local.registry.addTool(
        "echo",
        entry({
          kind: "tool",
          name: "echo",
          auth: (ctx) => (seen.push(ctx.arguments), true),
        }),
      );
      const sdk = sdkHandler({ content: [] });
      const ctx = ctxWith(binding, undefined);
      const request = {
        method: "tools/call",
        params: { name: "echo", arguments: { a: 1 } },
      };
      const result = await guardedHandler("tools/call", sdk.handler, local)(
        request,
        ctx,
      );
      assert.deepEqual(result, { content: [] });
      assert.deepEqual(sdk.calls, [[request, ctx]]);
      await guardedHandler("tools/call", sdk.handler, local)({
        params: { name: "echo", arguments: "not an object" },
      }, ctx);
      assert.deepEqual(seen, [{ a: 1 }, undefined]);
    });

    it("answers unknown, disabled and forbidden tools alike, without calling the SDK", async () => {
      for (const name of ["nope", "off", "purge", 7]) {
        const { answer, calls } = call(
          "tools/call",
          {},
          { name },
          tokenWith([]),
        );
        const error = await rejection(answer);
        if (name === "purge") {
          assert.equal(error.message, shortfall);
          assert.deepEqual(error.data, { requiredScopes: ["admin"] });
        } else {
          assert.deepEqual(
            { code: error.code, message: error.message },
            notFound("Tool"),
          );
        }
        assert.deepEqual(calls, []);
      }
    });

    it("gets an allowed prompt and refuses an unknown one", async () => {
      const allowed = call("prompts/get", { messages: [] }, {
        name: "greet",
      }, undefined);
      assert.deepEqual(await allowed.answer, { messages: [] });
      const unknown = call("prompts/get", {}, { name: "nope" }, undefined);
      assert.deepEqual(
        (await rejection(unknown.answer)).message,
        notFound("Prompt").message,
      );
      assert.deepEqual(unknown.calls, []);
    });

    it("reads through a template, marks a complete read private, leaves input_required alone", async () => {
      const admin = tokenWith(["admin"]);
      const read = call("resources/read", { contents: [] }, {
        uri: "file:///users/7",
      }, admin);
      assert.deepEqual(
        await read.answer,
        binding.cacheScope
          ? { contents: [], cacheScope: "private" }
          : { contents: [] },
      );
      const pending = { resultType: "input_required", inputRequests: {} };
      assert.deepEqual(
        await call("resources/read", pending, { uri: "file:///readme" }, admin)
          .answer,
        pending,
      );
      const denied = call("resources/read", {}, {
        uri: "file:///users/7",
      }, tokenWith(["read"]));
      assert.deepEqual(
        (await rejection(denied.answer)).data,
        { requiredScopes: ["admin"] },
      );
      assert.deepEqual(denied.calls, []);
    });
  });

  describe(`guarded completions, ${binding.name}`, () => {
    it("completes only for a usable prompt or template", async () => {
      const ok = { completion: { values: [] } };
      const admin = tokenWith(["admin"]);
      assert.deepEqual(
        await call("completion/complete", ok, {
          ref: { type: "ref/prompt", name: "greet" },
        }, undefined).answer,
        ok,
      );
      assert.deepEqual(
        await call("completion/complete", ok, {
          ref: { type: "ref/resource", uri: "file:///users/{id}" },
        }, admin).answer,
        ok,
      );
      for (
        const [ref, kind] of [
          [{ type: "ref/prompt", name: "nope" }, "Prompt"],
          // A concrete URI is not the template's name for completions.
          [{ type: "ref/resource", uri: "file:///users/7" }, "Resource"],
          [{ type: "ref/other", name: "greet" }, "Resource"],
          ["ref/prompt", "Resource"],
        ] as const
      ) {
        const { answer, calls } = call("completion/complete", ok, {
          ref,
        }, admin);
        assert.equal(
          (await rejection(answer)).message,
          notFound(kind).message,
        );
        assert.deepEqual(calls, []);
      }
    });

    it("fails closed for a method it does not know", async () => {
      const { answer, calls } = call(
        "tools/other",
        {},
        {},
        tokenWith([
          "admin",
        ]),
      );
      assert.equal(
        (await rejection(answer)).message,
        notFound("Tool").message,
      );
      assert.deepEqual(calls, []);
    });
  });

  describe(`listGate, ${binding.name}`, () => {
    it("lets a template's list callback run only for a caller who may list the template, silently", async () => {
      const events: unknown[] = [];
      const guard = {
        ...scopeFor(binding),
        decisions: {
          each: true,
          redacts: false,
          emit: (event: unknown) => void events.push(event),
        },
      };
      const gate = listGate(guard, guard.registry.template("users")!);
      assert.equal(await gate(ctxWith(binding, tokenWith(["admin"]))), true);
      assert.equal(await gate(ctxWith(binding, tokenWith([]))), false);
      assert.equal(await gate(ctxWith(binding, undefined)), false);
      assert.equal(await gate(undefined), false);
      assert.deepEqual(events, []);
      const throwing = listGate(guard, {
        get component(): Component {
          throw new Error("unreadable");
        },
      } as unknown as Entry);
      assert.equal(
        await throwing(ctxWith(binding, tokenWith(["admin"]))),
        false,
      );
    });
  });
}
