// The framework stacks over real HTTP (Deno.serve on 127.0.0.1, fetch),
// one McpServer per request as stateless servers do, 50 tools, a token that
// may use all: per stack, the guarded server against the same server
// unguarded, both behind the same adapter; and each adapter against its
// nearest alternative (a hand-written Hono middleware around bearerAuth;
// mcp-handler's own withMcpAuth with the same verifier).
// Run: deno run -A bench/stacks_bench.ts --loop (interleaved rounds,
// medians: steadier on a shared machine). It runs the same loop under
// `deno bench` (so `deno task bench` includes it): driven by Deno.bench,
// the mcp-handler routes opened a connection per request and ran the
// process out of file descriptors (about 19,000 sockets in 6 s, Deno 2.9.6;
// not under the loop, nor in bench/mcp_http_bench.ts).
import { Hono, type MiddlewareHandler } from "hono";
import { StreamableHTTPTransport } from "@hono/mcp";
import { McpServer as McpServerV1 } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  createMcpHandler,
  withMcpAuth as mcpHandlerWithMcpAuth,
} from "mcp-handler";
import type { McpServer } from "@modelcontextprotocol/server";
import {
  type AccessToken,
  Authorizer,
  bearerAuth,
  requireScopes,
  restrictTag,
  StaticTokenVerifier,
} from "../mod.ts";
import { guardServer } from "../src/mcp/mod.ts";
import { guardServer as guardServerV1 } from "../src/mcp/mod_v1.ts";
import { mcpBearerAuth } from "../src/adapters/mod_hono.ts";
import { withMcpAuth } from "../src/adapters/mod_mcp_handler.ts";

const TOOLS = 50;
const verifier = new StaticTokenVerifier({
  tokens: {
    "bench-token": { clientId: "bench", scopes: ["read", "write", "admin"] },
  },
});
const auth = { verifier, requiredScopes: ["read"] };
const authorizer = new Authorizer({
  layers: [restrictTag("admin", { scopes: ["admin"] })],
});
const text = () => ({ content: [{ type: "text" as const, text: "ok" }] });

// Checks are made once, outside the per-request factory (as README
// advises): a check is a frozen function, the same for every request.
const write = requireScopes("write");

/** Tool i's guard configuration: every fifth admin-tagged, every other write. */
function config(
  i: number,
): { tags?: string[]; auth?: typeof write } {
  return i % 5 === 0 ? { tags: ["admin"] } : i % 2 === 0 ? { auth: write } : {};
}

function toolsV1(server: McpServerV1, guarded: boolean): void {
  const guard = guarded ? guardServerV1(server, { authorizer }) : undefined;
  for (let i = 0; i < TOOLS; i++) {
    if (guard) guard.tool(`tool_${i}`, config(i), text);
    else server.registerTool(`tool_${i}`, {}, text);
  }
}

function toolsV2(server: McpServer, guarded: boolean): void {
  const guard = guarded ? guardServer(server, { authorizer }) : undefined;
  for (let i = 0; i < TOOLS; i++) {
    if (guard) guard.tool(`tool_${i}`, config(i), text);
    else server.registerTool(`tool_${i}`, {}, text);
  }
}

// A Hono middleware written by hand around bearerAuth: what mcpBearerAuth
// replaces.
function handWritten(): MiddlewareHandler<
  { Variables: { auth: AccessToken } }
> {
  const authenticate = bearerAuth(auth);
  return async (c, next) => {
    const token = await authenticate(c.req.raw);
    if (token instanceof Response) return token;
    c.set("auth", token!);
    await next();
  };
}

const hono = new Hono();
for (
  const [path, middleware, guarded] of [
    ["/hono/plain", mcpBearerAuth(auth), false],
    ["/hono/guarded", mcpBearerAuth(auth), true],
    ["/hono/hand", handWritten(), true],
  ] as const
) {
  hono.post(path, middleware as MiddlewareHandler, async (c) => {
    const server = new McpServerV1({ name: "bench", version: "1.0.0" });
    toolsV1(server, guarded);
    const transport = new StreamableHTTPTransport({ enableJsonResponse: true });
    await server.connect(transport);
    return await transport.handleRequest(c) ?? c.body(null, 202);
  });
}

const plainHandler = createMcpHandler((server) => toolsV2(server, false));
const guardedHandler = createMcpHandler((server) => toolsV2(server, true));
const routes = new Map<string, (request: Request) => Promise<Response>>([
  ["/mcp-handler/plain", withMcpAuth(plainHandler, auth)],
  ["/mcp-handler/guarded", withMcpAuth(guardedHandler, auth)],
  [
    "/mcp-handler/theirs",
    mcpHandlerWithMcpAuth(
      guardedHandler,
      (_request, bearer) =>
        bearer === undefined ? undefined : verifier.verifyToken(bearer),
      { required: true, requiredScopes: ["read"] },
    ),
  ],
]);

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen() {},
}, (request) => {
  const { pathname } = new URL(request.url);
  const route = routes.get(pathname);
  return route === undefined ? hono.fetch(request) : route(request);
});
const origin = `http://127.0.0.1:${server.addr.port}`;

const LIST = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
const CALL = JSON.stringify({
  jsonrpc: "2.0",
  id: 2,
  method: "tools/call",
  params: { name: "tool_1", arguments: {} },
});

async function post(path: string, body: string): Promise<void> {
  const response = await fetch(`${origin}${path}`, {
    method: "POST",
    headers: {
      authorization: "Bearer bench-token",
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-06-18",
    },
    body,
  });
  const text = await response.text();
  if (response.status !== 200 || !text.includes('"result"')) {
    throw new Error(`${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
  }
}

// Fail fast (and warm up) before measuring.
for (
  const path of [...routes.keys(), "/hono/plain", "/hono/guarded", "/hono/hand"]
) {
  await post(path, LIST);
  await post(path, CALL);
}

interface Case {
  name: string;
  group: string;
  baseline?: boolean;
  fn: () => Promise<void>;
}

const cases: Case[] = [];
for (
  const [stack, what] of [
    ["hono", "@hono/mcp, SDK 1.x"],
    ["mcp-handler", "mcp-handler, SDK v2"],
  ] as const
) {
  for (
    const [method, body] of [["tools/list", LIST], [
      "tools/call",
      CALL,
    ]] as const
  ) {
    const group = `${stack} ${method}`;
    cases.push({
      name: `${method}, unguarded (${what})`,
      group,
      baseline: true,
      fn: () => post(`/${stack}/plain`, body),
    }, {
      name: `${method}, guarded (${what})`,
      group,
      fn: () => post(`/${stack}/guarded`, body),
    });
  }
}
cases.push({
  name: "tools/list, hand-written bearerAuth middleware",
  group: "hono adapter",
  baseline: true,
  fn: () => post("/hono/hand", LIST),
}, {
  name: "tools/list, mcpBearerAuth",
  group: "hono adapter",
  fn: () => post("/hono/guarded", LIST),
}, {
  name: "tools/list, mcp-handler's own withMcpAuth",
  group: "mcp-handler adapter",
  baseline: true,
  fn: () => post("/mcp-handler/theirs", LIST),
}, {
  name: "tools/list, withMcpAuth of @mcp-authz/core/mcp-handler",
  group: "mcp-handler adapter",
  fn: () => post("/mcp-handler/guarded", LIST),
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Interleaved rounds (every case sees the same load; a shared machine's
 * spikes hit all alike), the median of each case's batches.
 */
async function loop(rounds: number, batch: number): Promise<void> {
  for (const group of [...new Set(cases.map((c) => c.group))]) {
    const members = cases.filter((c) => c.group === group);
    const samples = new Map<Case, number[]>(members.map((c) => [c, []]));
    for (const c of members) for (let i = 0; i < batch; i++) await c.fn();
    for (let round = 0; round < rounds; round++) {
      for (const c of members) {
        const start = performance.now();
        for (let i = 0; i < batch; i++) await c.fn();
        samples.get(c)!.push(((performance.now() - start) * 1e3) / batch);
      }
    }
    const base = median(samples.get(members.find((c) => c.baseline)!)!);
    console.log(`\n${group}`);
    for (const c of members) {
      const us = median(samples.get(c)!);
      console.log(
        `  ${c.name.padEnd(56)} ${us.toFixed(0).padStart(6)} µs/request  ${
          (us / base).toFixed(2)
        }x baseline`,
      );
    }
  }
}

await loop(15, 100);
await server.shutdown();
