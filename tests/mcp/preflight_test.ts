// The guard's preflight over real HTTP on 127.0.0.1, on every stack it
// serves (SDK v2 createMcpHandler, the 1.x Web-standard transport, the 1.x
// Node transport from an IncomingMessage, read by the preflight or parsed
// beforehand): the RFC 6750 403 step-up, each check run once, every stepUp
// policy, batches, and what passes through untouched.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Client,
  InsufficientScopeError as ClientInsufficientScopeError,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import {
  type AuthCheck,
  AuthorizationError,
  Authorizer,
  requireRoles,
  requireScopes,
  restrictTag,
  type StepUpPolicy,
} from "../../mod.ts";
import {
  type Build,
  call,
  messages,
  post,
  seen,
  STACKS,
  type Started,
  type StartOptions,
} from "./_stacks.ts";

const METADATA = "http://127.0.0.1/.well-known/oauth-protected-resource/mcp";
const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});
const roles = requireRoles(["ops"], { extract: (claims) => claims.roles });

/** How many times the counting check ran. */
let counted = 0;
const counting: AuthCheck = () => {
  counted++;
  return true;
};

class Unavailable extends AuthorizationError {
  readonly retryAfter = 7;
  constructor() {
    super("PDP down");
    (this as { code: string }).code = "ERR_AUTHORIZATION_UNAVAILABLE";
  }
}

/** A layer asking a policy engine that is down for the tool "down". */
const policyEngine: AuthCheck = (ctx) => {
  if (ctx.component.name === "down") throw new Unavailable();
  return true;
};

/** The notes server: one of each kind of obstacle. */
function notes(stepUp: StepUpPolicy = "layers"): Build {
  const authorizer = new Authorizer({
    layers: [restrictTag("admin", { scopes: ["admin"] }), policyEngine],
    stepUp,
  });
  return (guard) => {
    const guarded = guard({ authorizer });
    guarded.tool("read_notes", { auth: counting }, () => text("notes"));
    guarded.tool(
      "add_note",
      { auth: [requireScopes("write"), counting] },
      () => text("added"),
    );
    guarded.tool("purge", { tags: ["admin"] }, () => text("purged"));
    guarded.tool("ops", { auth: roles }, () => text("ops"));
    guarded.tool("down", {}, () => text("never"));
    guarded.tool(
      "owned",
      { auth: ((ctx) => ctx.arguments?.owner === "ann") as AuthCheck },
      () => text("owned"),
    );
    guarded.prompt("audit", { tags: ["admin"] }, () => ({ messages: [] }));
    guarded.resource(
      "secret",
      "file:///secret.txt",
      { tags: ["admin"] },
      (uri: URL) => ({ contents: [{ uri: uri.href, text: "secret" }] }),
    );
    return guarded;
  };
}

const running: Started[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((started) => started.close()));
});

async function json(response: Response): Promise<Record<string, unknown>> {
  return JSON.parse(await response.text());
}

const withMetadata: StartOptions = {
  preflight: { resourceMetadataUrl: METADATA },
};

for (const stack of STACKS) {
  const start = async (build: Build, options?: StartOptions) => {
    const started = await stack.start(build, options);
    running.push(started);
    return started.url;
  };

  describe(`preflight over HTTP: ${stack.name}`, () => {
    it("answers a layer's scope shortfall with the RFC 6750 403 challenge", async () => {
      const url = await start(notes(), withMetadata);
      const response = await post(url, call("purge"), "Bearer writer");
      assert.equal(response.status, 403);
      assert.equal(
        response.headers.get("www-authenticate"),
        `Bearer error="insufficient_scope", error_description="Insufficient scope", scope="admin", resource_metadata="${METADATA}"`,
      );
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.deepEqual(await json(response), {
        error: "insufficient_scope",
        error_description: "Insufficient scope",
      });
    });

    it("answers resources/read and prompts/get shortfalls with 403 too", async () => {
      const url = await start(notes(), withMetadata);
      for (
        const message of [
          { method: "prompts/get", params: { name: "audit" } },
          { method: "resources/read", params: { uri: "file:///secret.txt" } },
        ]
      ) {
        const response = await post(
          url,
          { jsonrpc: "2.0", id: 3, ...message },
          "Bearer reader",
        );
        await response.body?.cancel();
        assert.equal(response.status, 403, message.method);
        assert.match(
          response.headers.get("www-authenticate") ?? "",
          /scope="admin"/,
        );
      }
    });

    it("runs a call's checks exactly once per HTTP request", async () => {
      const url = await start(notes());
      counted = 0;
      const response = await post(url, call("read_notes"), "Bearer reader");
      assert.equal(response.status, 200);
      assert.match(await response.text(), /notes/);
      assert.equal(counted, 1);
      counted = 0;
      const added = await post(url, call("add_note"), "Bearer writer");
      assert.match(await added.text(), /added/);
      assert.equal(counted, 1);
    });

    it("runs each call of a batch once, and refuses the batch for one shortfall", async () => {
      const url = await start(notes());
      counted = 0;
      const batch = await post(
        url,
        [
          call("read_notes", {}, 1),
          call("add_note", {}, 2),
        ],
        "Bearer writer",
        { "mcp-protocol-version": "2025-03-26" },
      );
      const answers = await messages(batch) as { id: number }[];
      assert.deepEqual(answers.map((answer) => answer.id).sort(), [1, 2]);
      assert.equal(counted, 2);
      const refused = await post(
        url,
        [
          call("read_notes", {}, 1),
          call("purge", {}, 2),
        ],
        "Bearer writer",
        { "mcp-protocol-version": "2025-03-26" },
      );
      await refused.body?.cancel();
      assert.equal(refused.status, 403);
    });

    it("decides each call on its own arguments", async () => {
      const url = await start(notes());
      const ann = await post(
        url,
        call("owned", { owner: "ann" }),
        "Bearer reader",
      );
      assert.match(await ann.text(), /owned/);
      const bob = await post(
        url,
        call("owned", { owner: "bob" }),
        "Bearer reader",
      );
      assert.match(await bob.text(), /Tool not found or not authorized/);
    });

    it("answers unknown and hidden tools identically, in dispatch", async () => {
      const url = await start(notes());
      const unknown = await seen(
        await post(url, call("nope"), "Bearer reader"),
      );
      const hidden = await seen(await post(url, call("ops"), "Bearer reader"));
      assert.deepEqual(hidden, unknown);
      assert.equal((unknown as { status: number }).status, 200);
    });

    it("answers a check that could not decide with 503 and Retry-After", async () => {
      const url = await start(notes());
      const response = await post(url, call("down"), "Bearer reader");
      assert.equal(response.status, 503);
      assert.equal(response.headers.get("retry-after"), "7");
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.equal((await json(response)).error, "temporarily_unavailable");
    });

    it('with stepUp "always", lists and steps up an own-auth shortfall', async () => {
      const url = await start(notes("always"), withMetadata);
      const listed = await post(
        url,
        { jsonrpc: "2.0", id: 1, method: "tools/list" },
        "Bearer reader",
      );
      const { result } = await messages(listed) as {
        result: { tools: { name: string }[] };
      };
      assert.deepEqual(result.tools.map((tool) => tool.name), [
        "read_notes",
        "add_note",
        "purge",
      ]);
      const response = await post(url, call("add_note"), "Bearer reader");
      await response.body?.cancel();
      assert.equal(response.status, 403);
      assert.match(
        response.headers.get("www-authenticate") ?? "",
        /scope="write"/,
      );
      // An opaque denial still reads as unknown.
      assert.deepEqual(
        await seen(await post(url, call("ops"), "Bearer reader")),
        await seen(await post(url, call("nope"), "Bearer reader")),
      );
    });

    it('with stepUp "never", answers unknown, hidden and scope-short byte for byte alike', async () => {
      const url = await start(notes("never"), withMetadata);
      const unknown = await seen(
        await post(url, call("nope"), "Bearer reader"),
      );
      for (const name of ["purge", "add_note", "ops"]) {
        assert.deepEqual(
          await seen(await post(url, call(name), "Bearer reader")),
          unknown,
          name,
        );
      }
    });

    it("lets the SDK answer a malformed body, as without the preflight", {
      skip: !stack.reads && "the body is parsed before the preflight",
    }, async () => {
      const guardedUrl = await start(notes());
      const bareUrl = await start(notes(), { bare: true });
      for (const body of ["{not json", "", "[1,"]) {
        assert.deepEqual(
          await seen(await post(guardedUrl, body, "Bearer reader")),
          await seen(await post(bareUrl, body, "Bearer reader")),
          JSON.stringify(body),
        );
      }
    });

    it("refuses a body over maxBodySize with 413", {
      skip: !stack.reads && "the body is parsed before the preflight",
    }, async () => {
      const url = await start(notes(), { preflight: { maxBodySize: 64 } });
      const response = await post(
        url,
        call("read_notes", { pad: "x".repeat(200) }),
        "Bearer reader",
      );
      assert.equal(response.status, 413);
      assert.equal(
        (await json(response) as { error: { code: number } }).error.code,
        -32000,
      );
    });

    it(
      "refuses a streamed body over maxBodySize with 413, answered on the same connection",
      {
        skip: !stack.reads && "the body is parsed before the preflight",
      },
      async () => {
        const url = await start(notes(), { preflight: { maxBodySize: 64 } });
        const chunk = new TextEncoder().encode("x".repeat(50));
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent++ < 4) controller.enqueue(chunk);
            else controller.close();
          },
        });
        const response = await fetch(url, {
          method: "POST",
          headers: {
            authorization: "Bearer reader",
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body,
          duplex: "half",
        } as RequestInit);
        assert.equal(response.status, 413);
        await response.body?.cancel();
      },
    );

    it("answers the step-up on DPoP for a DPoP client", async () => {
      const url = await start(notes(), withMetadata);
      const response = await post(url, call("purge"), "DPoP writer");
      await response.body?.cancel();
      assert.equal(response.status, 403);
      assert.equal(
        response.headers.get("www-authenticate"),
        `Bearer resource_metadata="${METADATA}", DPoP error="insufficient_scope", error_description="Insufficient scope", scope="admin", resource_metadata="${METADATA}"`,
      );
    });

    it("gives the SDK Client the 403 it steps up on", async () => {
      const url = await start(notes(), withMetadata);
      const client = new Client({ name: "preflight", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(url, {
          requestInit: { headers: { Authorization: "Bearer writer" } },
        }),
      );
      try {
        const error = await client.callTool({ name: "purge" }).then(
          () => assert.fail("expected a 403"),
          (error: unknown) => error,
        );
        assert.ok(
          error instanceof ClientInsufficientScopeError,
          `expected InsufficientScopeError, got ${error}`,
        );
        assert.equal(error.requiredScope, "admin");
        assert.equal(error.resourceMetadataUrl?.href, METADATA);
        const read = await client.callTool({ name: "read_notes" });
        assert.deepEqual(read.content, [{ type: "text", text: "notes" }]);
      } finally {
        await client.close();
      }
    });
  });
}
