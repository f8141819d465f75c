// Attacks on the stacks as users deploy them, over real HTTP on 127.0.0.1:
// the Hono and mcp-handler examples (served here on every runtime), the
// Workers example and a Worker fronted by @cloudflare/workers-oauth-provider
// (in workerd through Miniflare: Deno only, they are bundled with `deno
// bundle`), and the README's edge-function samples. A hostile client sends
// no token, forged, expired, foreign and narrowed tokens, step-up calls,
// hidden and missing tools, batches, huge and malformed bodies, wrong
// content types and methods, and reads the metadata: every answer is a
// denial where one belongs, never a 500, and names nothing it should not.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createHonoExample } from "../../examples/hono/server.ts";
import { createMcpHandlerExample } from "../../examples/mcp-handler/server.ts";
import type { StackApp, StackAppOptions } from "../../examples/_stack.ts";
import { handler as edgeFunction } from "../../examples/edge_function.ts";
import { handler as dpopEdgeFunction } from "../../examples/dpop_edge_function.ts";
import { serve } from "../_serve.ts";

const DENO = typeof Deno !== "undefined";
const WORKERD = !DENO && "bundles the Worker with Deno and runs workerd";
const TIMEOUT_MS = 20_000;

/** A stack being attacked. */
interface Target {
  mcpUrl: URL;
  metadataUrl: URL;
  issuer: string;
  /** A token for `scopes`, as its authorization server issues one. */
  token(scopes: string[]): Promise<string>;
  /** Its development server's own minting, where the test holds it. */
  mint?: (options: { scopes: string[]; expiresIn?: number }) => Promise<
    string
  >;
  /** Whether this stack's MCP answers are its own withBearerAuth's. */
  ownAuth: boolean;
  close(): Promise<void>;
}

interface Stack {
  name: string;
  skip: string | false;
  start(): Promise<Target>;
}

// -- helpers ---------------------------------------------------------------

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-")
    .replace(/\//g, "_").replace(/=+$/, "");
}

async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(verifier),
  );
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

/** RFC 9728 -> RFC 8414 discovery, as a client does it from the 401. */
async function authorizationServer(
  metadataUrl: URL,
): Promise<Record<string, string>> {
  const prm = await (await fetch(metadataUrl)).json();
  const issuer = new URL(prm.authorization_servers[0]);
  const path = issuer.pathname === "/" ? "" : issuer.pathname;
  const response = await fetch(
    new URL(`/.well-known/oauth-authorization-server${path}`, issuer),
  );
  assert.equal(response.status, 200);
  return await response.json();
}

/**
 * A token from the stack's authorization server, by the authorization code
 * flow a client runs (registration, PKCE S256, RFC 8707 resource), with
 * the scopes and resource the attacker picks.
 */
async function oauthToken(
  metadataUrl: URL,
  options: { scopes: string[]; resource: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const as = await authorizationServer(metadataUrl);
  const redirectUri = "http://127.0.0.1:9/callback";
  const registered = await fetch(as.registration_endpoint!, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "edge attacker",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    }),
  });
  assert.equal(registered.status, 201, await registered.clone().text());
  const { client_id } = await registered.json();
  const { verifier, challenge } = await pkce();
  const authorize = new URL(as.authorization_endpoint!);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id,
    redirect_uri: redirectUri,
    scope: options.scopes.join(" "),
    state: "s1",
    code_challenge: challenge,
    code_challenge_method: "S256",
    resource: options.resource,
  }).toString();
  const redirected = await fetch(authorize, { redirect: "manual" });
  await redirected.body?.cancel();
  const location = redirected.headers.get("location");
  const code = location === null
    ? null
    : new URL(location, authorize).searchParams.get("code");
  if (code === null) {
    return { status: redirected.status, body: { location } };
  }
  const exchanged = await fetch(as.token_endpoint!, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      client_id,
      code_verifier: verifier,
      resource: options.resource,
    }),
  });
  return { status: exchanged.status, body: await exchanged.json() };
}

async function flowToken(target: URL, mcp: URL, scopes: string[]) {
  const { status, body } = await oauthToken(target, {
    scopes,
    resource: mcp.href,
  });
  assert.equal(status, 200, JSON.stringify(body));
  return body.access_token as string;
}

/** An in-process example served on this runtime. */
function servedExample(
  create: (options: StackAppOptions) => Promise<StackApp>,
): () => Promise<Target> {
  return async () => {
    let handler: (request: Request) => Promise<Response> = () =>
      Promise.resolve(new Response(null, { status: 503 }));
    const served = await serve((request) => handler(request));
    const app = await create({ origin: served.origin, warn: false });
    handler = app.handler;
    return {
      mcpUrl: app.mcpUrl,
      metadataUrl: app.metadataUrl,
      issuer: app.dev.issuer,
      ownAuth: true,
      token: (scopes) => app.dev.mintAccessToken({ scopes }),
      mint: (options) => app.dev.mintAccessToken(options),
      async close() {
        await served.close();
        await app.close();
      },
    };
  };
}

const STACKS: Stack[] = [
  { name: "hono", skip: false, start: servedExample(createHonoExample) },
  {
    name: "mcp-handler",
    skip: false,
    start: servedExample(createMcpHandlerExample),
  },
  {
    name: "workers (example:workers)",
    skip: WORKERD,
    async start() {
      const { startDemoTask } = await import("../dev/_demo_process.ts");
      const task = await startDemoTask({}, "example:workers");
      const mcpUrl = task.mcpUrl;
      const metadataUrl = new URL(
        "/.well-known/oauth-protected-resource/mcp",
        mcpUrl,
      );
      return {
        mcpUrl,
        metadataUrl,
        issuer: new URL("/oauth", mcpUrl).href,
        ownAuth: true,
        token: (scopes) => flowToken(metadataUrl, mcpUrl, scopes),
        close: () => task.stop(),
      };
    },
  },
  {
    name: "workers-oauth-provider",
    skip: WORKERD,
    async start() {
      const { bundleWorker, startWorker } = await import("../_workerd.ts");
      const worker = await startWorker({
        script: await bundleWorker(
          new URL("../adapters/_oauth_provider_worker.ts", import.meta.url),
        ),
        kvNamespaces: ["OAUTH_KV"],
      });
      const mcpUrl = new URL("/mcp", worker.origin);
      const metadataUrl = new URL(
        "/.well-known/oauth-protected-resource/mcp",
        worker.origin,
      );
      // The first request fixes the Worker's origin (see the Worker).
      await (await fetch(metadataUrl)).body?.cancel();
      return {
        mcpUrl,
        metadataUrl,
        // The provider's issuer is its origin, without a trailing slash.
        issuer: worker.origin,
        ownAuth: false,
        token: (scopes) => flowToken(metadataUrl, mcpUrl, scopes),
        close: () => worker.stop(),
      };
    },
  },
];

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON-RPC messages of a JSON or SSE answer. */
  messages: Record<string, unknown>[];
}

async function send(
  url: URL | string,
  init: RequestInit = {},
): Promise<Answer> {
  const response = await fetch(url, {
    ...init,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  // A server that answers before reading a huge upload may close the
  // connection under the rest of it: the status and headers are the answer.
  const text = await response.text().catch(() => "");
  const type = response.headers.get("content-type") ?? "";
  let messages: Record<string, unknown>[] = [];
  if (type.startsWith("text/event-stream")) {
    messages = text.split("\n").filter((line) => line.startsWith("data:"))
      .map((line) => JSON.parse(line.slice(5)));
  } else if (type.startsWith("application/json") && text !== "") {
    try {
      const value = JSON.parse(text);
      messages = (Array.isArray(value) ? value : [value]).filter((m) =>
        typeof m === "object" && m !== null
      );
    } catch {
      messages = [];
    }
  }
  return { status: response.status, headers: response.headers, text, messages };
}

const JSON_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-11-25",
};

function call(name: unknown, args: Record<string, unknown> = {}, id = 1) {
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name, arguments: args },
  };
}

function post(
  target: Target,
  token: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return send(target.mcpUrl, {
    method: "POST",
    headers: {
      ...JSON_HEADERS,
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The notes the stack holds now, as a read token lists them. */
async function notesOf(target: Target, token: string): Promise<string> {
  const answer = await post(target, token, call("list_notes"));
  assert.equal(answer.status, 200);
  const result = answer.messages[0]?.result as {
    content: { text: string }[];
  };
  return result.content.map((part) => part.text).join("\n");
}

/** The challenge parameters of a WWW-Authenticate (one challenge). */
function challenge(header: string | null): Record<string, string> {
  assert.ok(header !== null, "no WWW-Authenticate");
  const params: Record<string, string> = {};
  for (const match of header.matchAll(/([a-z_]+)="([^"]*)"/g)) {
    params[match[1]!] = match[2]!;
  }
  return params;
}

function assertNoSecret(answer: Answer, ...secrets: string[]): void {
  const all = [answer.text, ...answer.headers.values()].join("\n");
  for (const secret of secrets) {
    assert.ok(!all.includes(secret), "the answer carries a secret");
  }
  assert.doesNotMatch(answer.text, /\n\s+at |file:\/\/|node_modules/);
}

/** A JWT an attacker signs with their own key, as the stack's issuer. */
async function forged(
  target: Target,
  claims: Record<string, unknown> = {},
): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = await exportJWK(publicKey);
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({
    scope: "read write admin",
    client_id: "attacker",
    roles: ["auditor"],
    ...claims,
  })
    .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "dev", jwk })
    .setIssuer(target.issuer)
    .setAudience(target.mcpUrl.href)
    .setSubject("dev-user")
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .setJti(crypto.randomUUID())
    .sign(privateKey);
}

// -- the suite, once per stack -----------------------------------------------

for (const stack of STACKS) {
  describe(`attacks on the ${stack.name} stack over HTTP`, () => {
    const skip = stack.skip;
    let target: Target;
    let read: string;
    let write: string;
    before(async () => {
      if (skip) return;
      target = await stack.start();
      read = await target.token(["read"]);
      write = await target.token(["read", "write"]);
    });
    after(async () => {
      await target?.close();
    });

    const assertAuthenticate = (answer: Answer, error?: string) => {
      assert.equal(answer.status, 401);
      const params = challenge(answer.headers.get("www-authenticate"));
      assert.equal(params.error, error);
      assert.equal(params.resource_metadata, target.metadataUrl.href);
      if (target.ownAuth) {
        assert.equal(answer.headers.get("cache-control"), "no-store");
      }
      assert.equal(answer.messages.some((m) => "result" in m), false);
    };

    it("answers a call without a token 401 naming the metadata", {
      skip,
    }, async () => {
      assertAuthenticate(await post(target, undefined, call("list_notes")));
    });

    it("answers a garbage token 401 invalid_token and never echoes it", {
      skip,
    }, async () => {
      const garbage = "not-a-token-CANARY-1234";
      const answer = await post(target, garbage, call("list_notes"));
      assertAuthenticate(answer, "invalid_token");
      assertNoSecret(answer, garbage);
    });

    it("answers a JWT signed with an attacker's key (jwk header) 401", {
      skip,
    }, async () => {
      const token = await forged(target);
      const answer = await post(target, token, call("export_notes"));
      assertAuthenticate(answer, "invalid_token");
      assertNoSecret(answer, token);
    });

    it("answers an alg none token with the issuer's claims 401", {
      skip,
    }, async () => {
      const encode = (value: unknown) =>
        base64url(new TextEncoder().encode(JSON.stringify(value)));
      const now = Math.floor(Date.now() / 1000);
      const token = `${encode({ alg: "none", typ: "at+jwt" })}.${
        encode({
          iss: target.issuer,
          aud: target.mcpUrl.href,
          sub: "dev-user",
          client_id: "x",
          scope: "read write admin",
          iat: now,
          exp: now + 600,
        })
      }.`;
      assertAuthenticate(
        await post(target, token, call("list_notes")),
        "invalid_token",
      );
    });

    it(
      "takes no token from the query string or a form body (RFC 6750 §2.3, MCP)",
      {
        skip,
      },
      async () => {
        const url = new URL(target.mcpUrl);
        url.searchParams.set("access_token", read);
        const query = await send(url, {
          method: "POST",
          headers: JSON_HEADERS,
          body: JSON.stringify(call("list_notes")),
        });
        assertNoSecret(query, read);
        if (target.ownAuth) {
          // bearerAuth refuses a query token outright (never accepted).
          assert.equal(query.status, 400);
          assert.equal(JSON.parse(query.text).error, "invalid_request");
        } else {
          assert.equal(query.status, 401);
        }
        const form = await send(target.mcpUrl, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ access_token: read }),
        });
        assert.equal(form.status, 401);
        assertNoSecret(form, read);
      },
    );

    it("answers a token of another scheme or two tokens with no pass", {
      skip,
    }, async () => {
      for (
        const authorization of [
          `Basic ${btoa(`dev-user:${read}`)}`,
          `Bearer ${read}, Bearer ${write}`,
          `Bearer  ${read} extra`,
        ]
      ) {
        const answer = await post(target, undefined, call("list_notes"), {
          authorization,
        });
        assert.ok(
          answer.status === 400 || answer.status === 401,
          `${authorization.slice(0, 12)}: ${answer.status}`,
        );
        assertNoSecret(answer, read, write);
      }
    });

    it(
      "answers a read token's write call 403 insufficient_scope, no-store, and runs nothing",
      {
        skip,
      },
      async () => {
        const marker = `canary-${crypto.randomUUID()}`;
        const answer = await post(
          target,
          read,
          call("add_note", { text: marker }),
        );
        assert.equal(answer.status, 403);
        const params = challenge(answer.headers.get("www-authenticate"));
        assert.equal(params.error, "insufficient_scope");
        assert.ok(params.scope!.split(" ").includes("write"), params.scope);
        assert.equal(params.resource_metadata, target.metadataUrl.href);
        assert.equal(answer.headers.get("cache-control"), "no-store");
        assertNoSecret(answer, read, marker);
        assert.doesNotMatch(await notesOf(target, read), new RegExp(marker));
      },
    );

    it("answers a layer shortfall (admin tag) 403 naming admin", {
      skip,
    }, async () => {
      const answer = await post(target, write, call("delete_all_notes"));
      assert.equal(answer.status, 403);
      const params = challenge(answer.headers.get("www-authenticate"));
      assert.equal(params.error, "insufficient_scope");
      assert.ok(params.scope!.split(" ").includes("admin"), params.scope);
      assert.equal(params.resource_metadata, target.metadataUrl.href);
      assert.equal(answer.headers.get("cache-control"), "no-store");
    });

    it("runs no step-up call smuggled in a batch behind an allowed one", {
      skip,
    }, async () => {
      const marker = `batch-${crypto.randomUUID()}`;
      const answer = await post(target, read, [
        call("list_notes", {}, 1),
        call("add_note", { text: marker }, 2),
      ]);
      assert.notEqual(answer.status, 500);
      assert.equal(
        answer.messages.some((m) => m.id === 2 && "result" in m),
        false,
      );
      assert.doesNotMatch(await notesOf(target, read), new RegExp(marker));
    });

    it(
      "answers a hidden tool and a missing one with the same whole JSON-RPC error",
      {
        skip,
      },
      async () => {
        for (const token of [read, write]) {
          const hidden = await post(target, token, call("export_notes"));
          const missing = await post(target, token, call("no_such_tool_x"));
          assert.equal(hidden.status, 200);
          assert.equal(hidden.status, missing.status);
          assert.equal(
            hidden.headers.get("content-type"),
            missing.headers.get("content-type"),
          );
          assert.equal(hidden.headers.get("www-authenticate"), null);
          assert.equal(missing.headers.get("www-authenticate"), null);
          assert.deepEqual(hidden.messages, missing.messages);
          assert.equal(hidden.messages.length, 1);
          const error = hidden.messages[0]!.error as { code: number };
          assert.equal(error.code, -32602);
          assert.doesNotMatch(hidden.text, /export_notes|auditor|role/);
        }
      },
    );

    it("answers a hidden tool and a missing one alike inside a batch", {
      skip,
    }, async () => {
      const hidden = await post(target, read, [
        call("whoami", {}, 1),
        call("export_notes", {}, 2),
      ]);
      const missing = await post(target, read, [
        call("whoami", {}, 1),
        call("no_such_tool_x", {}, 2),
      ]);
      assert.equal(hidden.status, missing.status);
      assert.deepEqual(hidden.messages, missing.messages);
      assert.doesNotMatch(hidden.text, /export_notes/);
    });

    it("lists no hidden tool to any token", { skip }, async () => {
      const answer = await post(target, write, {
        jsonrpc: "2.0",
        id: 3,
        method: "tools/list",
        params: {},
      });
      assert.equal(answer.status, 200);
      const { tools } = answer.messages[0]!.result as {
        tools: { name: string }[];
      };
      assert.deepEqual(
        tools.map((tool) => tool.name).sort(),
        ["add_note", "delete_all_notes", "list_notes", "whoami"],
      );
    });

    it(
      "answers a tool name that is not a string as a JSON-RPC error, never 500",
      {
        skip,
      },
      async () => {
        for (const name of [5, null, {}, ["add_note"], "add_note\u0000"]) {
          const answer = await post(target, read, call(name, { text: "x" }));
          assert.ok(
            answer.status < 500,
            `${JSON.stringify(name)}: ${answer.status}`,
          );
          assert.equal(
            answer.messages.some((m) =>
              "result" in m && !(m.result as { isError?: boolean }).isError
            ),
            false,
            JSON.stringify(name),
          );
        }
      },
    );

    it(
      "serves RFC 9728 metadata naming the URL used, its issuer, CORS, no token echo",
      {
        skip,
      },
      async () => {
        const answer = await send(target.metadataUrl, {
          headers: {
            authorization: `Bearer ${read}`,
            origin: "http://evil.test",
          },
        });
        assert.equal(answer.status, 200);
        const document = JSON.parse(answer.text);
        assert.equal(document.resource, target.mcpUrl.href);
        assert.deepEqual(document.authorization_servers, [target.issuer]);
        // RFC 8414 §3.3: the issuer its metadata names is the one listed.
        const as = await authorizationServer(target.metadataUrl);
        assert.equal(as.issuer, target.issuer);
        // Readable from any origin (ours: "*"; the provider reflects the
        // origin), never with credentials.
        assert.ok(
          ["*", "http://evil.test"].includes(
            answer.headers.get("access-control-allow-origin")!,
          ),
        );
        if (target.ownAuth) {
          assert.equal(answer.headers.get("access-control-allow-origin"), "*");
        }
        assert.notEqual(
          answer.headers.get("access-control-allow-credentials"),
          "true",
        );
        assertNoSecret(answer, read);
      },
    );

    it(
      "answers OPTIONS, HEAD and GET on /mcp without a token with no MCP and no 500",
      {
        skip,
      },
      async () => {
        for (const method of ["HEAD", "GET", "DELETE", "PUT"]) {
          const answer = await send(target.mcpUrl, {
            method,
            headers: { accept: "text/event-stream" },
          });
          assertAuthenticate(answer);
        }
        const options = await send(target.mcpUrl, {
          method: "OPTIONS",
          headers: {
            origin: "http://evil.test",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
          },
        });
        assert.ok(options.status < 500, String(options.status));
        assert.equal(options.messages.length <= 1, true);
        assert.equal(options.messages.some((m) => "result" in m), false);
      },
    );

    it("answers a GET with a token without 500 (a stream or 405)", {
      skip,
    }, async () => {
      // A stateless transport may hold a GET stream open without sending
      // its headers (Bun.serve waits for the first chunk): the client gives
      // up after a while; what matters is that no 500 and no result came.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 1_000);
      try {
        const response = await fetch(target.mcpUrl, {
          headers: {
            authorization: `Bearer ${read}`,
            accept: "text/event-stream",
            "mcp-protocol-version": "2025-11-25",
          },
          signal: controller.signal,
        });
        assert.ok(
          response.status === 200 || response.status === 405 ||
            response.status === 400,
          String(response.status),
        );
        controller.abort();
        await response.body?.cancel().catch(() => {});
      } catch (error) {
        assert.equal(controller.signal.aborted, true, String(error));
      } finally {
        clearTimeout(timer);
      }
    });

    it("answers a huge body without a token 401 without reading it", {
      skip,
    }, async () => {
      const answer = await post(
        target,
        undefined,
        JSON.stringify(call("list_notes", { pad: "x".repeat(6_000_000) })),
      );
      assertAuthenticate(answer);
    });

    it("answers a step-up call in a 6 MB body 403 or 413, never runs it", {
      skip,
    }, async () => {
      const marker = `huge-${crypto.randomUUID()}`;
      const answer = await post(
        target,
        read,
        JSON.stringify(
          call("add_note", { text: marker, pad: "x".repeat(6_000_000) }),
        ),
      );
      assert.ok(
        answer.status === 403 || answer.status === 413,
        String(answer.status),
      );
      assertNoSecret(answer, read, marker);
      assert.doesNotMatch(await notesOf(target, read), new RegExp(marker));
    });

    it("refuses a body over 4 MiB with a token with 413", {
      skip,
    }, async () => {
      const answer = await post(
        target,
        write,
        JSON.stringify(call("whoami", { pad: "x".repeat(6_000_000) })),
      );
      assertNoSecret(answer, write);
      if (stack.name === "mcp-handler") {
        // Not bounded here: mcp-handler hands the body to SDK v2's
        // transport, which reads it whole; its platform bounds it (Vercel:
        // 4.5 MB). Answered, never a 500.
        assert.equal(answer.status, 200);
        return;
      }
      assert.equal(answer.status, 413);
    });

    it("answers malformed JSON 400 with a JSON-RPC parse error, no stack", {
      skip,
    }, async () => {
      for (const body of ["{not json", "\uFEFF{", "[", '{"jsonrpc":']) {
        const answer = await post(target, read, body);
        assert.equal(answer.status, 400, body);
        assert.equal(
          (answer.messages[0]?.error as { code: number }).code,
          -32700,
        );
        assertNoSecret(answer, read);
      }
    });

    it("answers JSON that is no JSON-RPC request with a 4xx, never 500", {
      skip,
    }, async () => {
      for (const body of ["null", '"x"', "42", "{}", "[]", "[1,2]"]) {
        const answer = await post(target, read, body);
        assert.ok(
          answer.status >= 200 && answer.status < 500,
          `${body}: ${answer.status}`,
        );
        assert.equal(answer.messages.some((m) => "result" in m), false, body);
      }
    });

    it(
      "answers a wrong content type 415 and runs nothing",
      { skip },
      async () => {
        const marker = `type-${crypto.randomUUID()}`;
        for (
          const type of ["text/plain", "application/x-www-form-urlencoded"]
        ) {
          const answer = await post(
            target,
            write,
            call("add_note", { text: marker }),
            { "content-type": type },
          );
          assert.equal(answer.status, 415, type);
        }
        assert.doesNotMatch(await notesOf(target, read), new RegExp(marker));
      },
    );

    it("answers a step-up call 403 whatever the Accept header asks for", {
      skip,
    }, async () => {
      for (
        const accept of ["application/json", "text/event-stream", "*/*", ""]
      ) {
        const answer = await post(
          target,
          read,
          call("add_note", { text: "a" }),
          {
            accept,
          },
        );
        assert.ok(
          answer.status === 403 || answer.status === 406,
          `${accept}: ${answer.status}`,
        );
        assert.equal(answer.messages.some((m) => "result" in m), false);
      }
    });

    it(
      "binds nothing to a session id: another token's id neither helps nor hurts",
      {
        skip,
      },
      async () => {
        const sessionId = crypto.randomUUID();
        const none = await post(target, undefined, call("list_notes"), {
          "mcp-session-id": sessionId,
        });
        assertAuthenticate(none);
        const stepUp = await post(
          target,
          read,
          call("add_note", { text: "s" }),
          {
            "mcp-session-id": sessionId,
          },
        );
        assert.equal(stepUp.status, 403);
        const initialize = await post(target, write, {
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-11-25",
            capabilities: {},
            clientInfo: { name: "a", version: "1" },
          },
        });
        assert.equal(initialize.status, 200);
        const issued = initialize.headers.get("mcp-session-id");
        const reused = await post(
          target,
          read,
          call("add_note", { text: "reuse" }),
          issued === null ? {} : { "mcp-session-id": issued },
        );
        assert.ok(
          reused.status === 403 || reused.status === 404,
          String(reused.status),
        );
        assert.equal(reused.messages.some((m) => "result" in m), false);
      },
    );
  });
}

// -- what only the dev-token stacks can mint ----------------------------------

for (const stack of STACKS.slice(0, 2)) {
  describe(`attacks on the ${stack.name} stack with minted tokens`, () => {
    let target: Target;
    let other: Target;
    before(async () => {
      target = await stack.start();
      other = await STACKS[1 - STACKS.indexOf(stack)]!.start();
    });
    after(async () => {
      await target?.close();
      await other?.close();
    });

    it("answers a valid token of another stack (issuer, key, audience) 401", async () => {
      const foreign = await other.token(["read", "write", "admin"]);
      const answer = await post(target, foreign, call("whoami"));
      assert.equal(answer.status, 401);
      assert.equal(
        challenge(answer.headers.get("www-authenticate")).error,
        "invalid_token",
      );
      assertNoSecret(answer, foreign);
    });

    it("answers an expired token 401 invalid_token", async () => {
      const short = await target.mint!({ scopes: ["read"], expiresIn: 1 });
      assert.equal((await post(target, short, call("list_notes"))).status, 200);
      // A one-second token, and no clock tolerance by default: wait it out.
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const answer = await post(target, short, call("list_notes"));
      assert.equal(answer.status, 401);
      const params = challenge(answer.headers.get("www-authenticate"));
      assert.equal(params.error, "invalid_token");
      assert.equal(params.resource_metadata, target.metadataUrl.href);
      assertNoSecret(answer, short);
    });
  });
}

// -- workers-oauth-provider: what its own grants allow -------------------------

describe("attacks on workers-oauth-provider grants", () => {
  const skip = WORKERD;
  let target: Target;
  before(async () => {
    if (skip) return;
    target = await STACKS[3]!.start();
  });
  after(async () => {
    await target?.close();
  });

  it("issues no token for another resource, or one the API refuses", {
    skip,
  }, async () => {
    const other = new URL("/other-mcp", target.mcpUrl).href;
    const { status, body } = await oauthToken(target.metadataUrl, {
      scopes: ["read", "admin"],
      resource: other,
    });
    // The provider refuses the resource at /authorize (parseAuthRequest
    // throws; the test's stand-in consent page lets that be its 500): no
    // code, no token.
    assert.notEqual(status, 200);
    assert.equal(body.access_token, undefined);
  });

  it("lets no prop named scope widen a narrowed grant", { skip }, async () => {
    // The Worker stores props { scope: "admin" } for every grant.
    const read = await target.token(["read"]);
    const whoami = await post(target, read, call("whoami"));
    assert.equal(whoami.status, 200);
    const result = whoami.messages[0]!.result as {
      content: { text: string }[];
    };
    assert.match(result.content[0]!.text, / with scopes "read"$/);
    const admin = await post(target, read, call("delete_all_notes"));
    assert.equal(admin.status, 403);
    assert.ok(
      challenge(admin.headers.get("www-authenticate")).scope!.includes("admin"),
    );
  });

  it("answers a grant for an unknown scope only with a denial", {
    skip,
  }, async () => {
    const { status, body } = await oauthToken(target.metadataUrl, {
      scopes: ["root"],
      resource: target.mcpUrl.href,
    });
    if (status !== 200) {
      assert.equal(body.access_token, undefined);
      return;
    }
    const token = body.access_token as string;
    const answer = await post(target, token, call("list_notes"));
    assert.ok(
      answer.status === 401 || answer.status === 403,
      String(answer.status),
    );
    assert.equal(answer.messages.some((m) => "result" in m), false);
    assertNoSecret(answer, token);
  });

  it("answers a revoked-looking token (one byte changed) 401", {
    skip,
  }, async () => {
    const read = await target.token(["read"]);
    const last = read.at(-1) === "a" ? "b" : "a";
    const altered = read.slice(0, -1) + last;
    const answer = await post(target, altered, call("list_notes"));
    assert.equal(answer.status, 401);
    assertNoSecret(answer, altered, read);
  });
});

// -- the README's edge functions, served over HTTP ----------------------------

describe('attacks on the README\'s "Edge function in 15 lines"', () => {
  let origin: string;
  let close: () => Promise<void>;
  before(async () => {
    const served = await serve(edgeFunction);
    origin = served.origin;
    close = () => served.close();
  });
  after(async () => {
    await close?.();
  });
  const get = (path: string, headers: Record<string, string> = {}) =>
    send(`${origin}${path}`, { headers });

  it("refuses a token of another case, with a suffix, or in the query", async () => {
    for (
      const authorization of [
        "Bearer DEV-TOKEN",
        "Bearer dev-token2",
        "Bearer dev-toke",
        "Bearer dev-token.",
      ]
    ) {
      const answer = await get("/mcp", { authorization });
      assert.notEqual(answer.status, 200, authorization);
    }
    const query = await get("/mcp?access_token=dev-token");
    assert.equal(query.status, 400);
    assertNoSecret(query, "dev-token");
  });

  it("guards every path but the metadata, and the metadata leaks nothing", async () => {
    for (
      const path of ["/", "/mcp/", "/.well-known/oauth-protected-resource"]
    ) {
      const answer = await get(path);
      assert.equal(answer.status, 401, path);
    }
    const metadata = await get("/.well-known/oauth-protected-resource/mcp", {
      authorization: "Bearer dev-token",
    });
    assert.equal(metadata.status, 200);
    assertNoSecret(metadata, "dev-token");
    const head = await send(
      `${origin}/.well-known/oauth-protected-resource/mcp`,
      { method: "HEAD" },
    );
    assert.equal(head.status, 200);
    assert.equal(head.text, "");
  });

  it("never answers 500 to methods, bodies and headers it does not expect", async () => {
    for (const method of ["OPTIONS", "PUT", "DELETE", "PATCH"]) {
      const answer = await send(`${origin}/mcp`, {
        method,
        headers: { authorization: "Bearer dev-token" },
      });
      assert.ok(answer.status < 500, `${method}: ${answer.status}`);
    }
    const form = await send(`${origin}/mcp`, {
      method: "POST",
      headers: {
        authorization: "Bearer dev-token",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "access_token=dev-token",
    });
    assert.equal(form.status, 400);
  });
});

describe('attacks on the README\'s "DPoP-protected edge function"', () => {
  const metadataUrl =
    "http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp";
  let origin: string;
  let close: () => Promise<void>;
  before(async () => {
    const served = await serve(dpopEdgeFunction);
    origin = served.origin;
    close = () => served.close();
  });
  after(async () => {
    await close?.();
  });

  async function proof(
    token: string,
    claims: Record<string, unknown> = {},
  ): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const digest = await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(token),
    );
    return await new SignJWT({
      htm: "POST",
      htu: "http://127.0.0.1:8000/mcp",
      ath: base64url(new Uint8Array(digest)),
      jti: crypto.randomUUID(),
      iat: Math.floor(Date.now() / 1000),
      ...claims,
    })
      .setProtectedHeader({
        alg: "ES256",
        typ: "dpop+jwt",
        jwk: await exportJWK(publicKey),
      })
      .sign(privateKey);
  }

  const mcp = (headers: Record<string, string>) =>
    send(`${origin}/mcp`, { method: "POST", headers, body: "{}" });

  it("challenges no token with DPoP only, naming the metadata, no-store", async () => {
    const answer = await mcp({});
    assert.equal(answer.status, 401);
    const header = answer.headers.get("www-authenticate")!;
    assert.match(header, /^DPoP /);
    assert.doesNotMatch(header, /Bearer/);
    assert.equal(challenge(header).algs, "ES256 EdDSA");
    assert.equal(challenge(header).resource_metadata, metadataUrl);
    assert.equal(answer.headers.get("cache-control"), "no-store");
  });

  it("refuses a plain Bearer token (a stolen one) before any verification", async () => {
    const answer = await mcp({ authorization: "Bearer stolen-CANARY" });
    assert.ok(
      answer.status === 400 || answer.status === 401,
      String(answer.status),
    );
    assert.match(answer.headers.get("www-authenticate")!, /^DPoP /);
    assertNoSecret(answer, "stolen-CANARY");
  });

  it("refuses a DPoP token without a proof, with two proofs, or a proof for another URL", async () => {
    const token = "eyJ.stolen.CANARY";
    const none = await mcp({ authorization: `DPoP ${token}` });
    assert.ok(none.status === 400 || none.status === 401, String(none.status));
    const two = await mcp({
      authorization: `DPoP ${token}`,
      dpop: `${await proof(token)}, ${await proof(token)}`,
    });
    assert.ok(two.status === 400 || two.status === 401, String(two.status));
    for (
      const claims of [
        { htu: "http://127.0.0.1:8000/other" },
        { htm: "GET" },
        { ath: "AAAA" },
        { iat: Math.floor(Date.now() / 1000) - 3600 },
      ]
    ) {
      const answer = await mcp({
        authorization: `DPoP ${token}`,
        dpop: await proof(token, claims),
      });
      assert.ok(
        answer.status === 400 || answer.status === 401,
        `${JSON.stringify(claims)}: ${answer.status}`,
      );
      assert.match(answer.headers.get("www-authenticate")!, /^DPoP /);
      assertNoSecret(answer, token);
    }
  });

  it("serves metadata requiring DPoP-bound tokens (RFC 9728 §2)", async () => {
    const answer = await send(
      `${origin}/.well-known/oauth-protected-resource/mcp`,
    );
    assert.equal(answer.status, 200);
    const document = JSON.parse(answer.text);
    assert.equal(document.dpop_bound_access_tokens_required, true);
    assert.deepEqual(document.dpop_signing_alg_values_supported, [
      "ES256",
      "EdDSA",
    ]);
  });
});
