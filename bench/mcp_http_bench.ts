// The guard's cost on a real HTTP server: Deno.serve on 127.0.0.1, one
// McpServer per request (as stateless edge servers run), 50 tools, the
// same withBearerAuth in front of both sides, a token that may use every
// tool (so both list the same 50 and the guard hides nothing), `tools/list`
// and `tools/call` over the 2025 (legacy) Streamable HTTP path. Guarded =
// `guardedMcpHandler` (the preflight reads the body once, checks run once);
// unguarded = `createMcpHandler` as its docs wire it. The same for the 1.x
// SDK's Web-standard transport (a transport per request).
//
// Run: deno bench -A bench/mcp_http_bench.ts
// Or, interleaved blocks timed by the process's CPU clock as well as the
// wall clock, which a shared machine disturbs far less (the figures of
// README): deno run -A bench/mcp_http_bench.ts --loop [--rounds=15]
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer as McpServerV1 } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import process from "node:process";
import {
  type AccessToken,
  Authorizer,
  requireScopes,
  restrictTag,
  StaticTokenVerifier,
  withBearerAuth,
} from "../mod.ts";
import { guardedMcpHandler, guardServer } from "../src/mcp/mod.ts";
import { guardServer as guardServerV1 } from "../src/mcp/mod_v1.ts";

const TOOLS = 50;
const METADATA = "http://127.0.0.1/.well-known/oauth-protected-resource/mcp";
const verifier = new StaticTokenVerifier({
  tokens: { bench: { clientId: "bench", scopes: ["read", "write", "admin"] } },
});
const authorizer = new Authorizer({
  layers: [restrictTag("admin", { scopes: ["admin"] })],
});
const text = () => ({ content: [{ type: "text" as const, text: "ok" }] });

// Checks are made once, outside the per-request factory (as README
// advises): a check is a frozen function, the same for every request.
const write = requireScopes("write");

/** Tool i's guard configuration: every fifth admin-tagged, every other write. */
function configOf(i: number): Record<string, unknown> {
  return i % 5 === 0 ? { tags: ["admin"] } : i % 2 === 0 ? { auth: write } : {};
}

type Register = {
  tool(name: string, config: object, cb: () => unknown): unknown;
};

function register(target: Register): void {
  for (let i = 0; i < TOOLS; i++) target.tool(`tool_${i}`, configOf(i), text);
}

function plainV2(): McpServer {
  const server = new McpServer({ name: "bench", version: "1.0.0" });
  for (let i = 0; i < TOOLS; i++) server.registerTool(`tool_${i}`, {}, text);
  return server;
}

function guardedV2() {
  const guarded = guardServer(
    new McpServer({ name: "bench", version: "1.0.0" }),
    {
      authorizer,
    },
  );
  register(guarded as unknown as Register);
  return guarded;
}

function plainV1(): McpServerV1 {
  const server = new McpServerV1({ name: "bench", version: "1.0.0" });
  for (let i = 0; i < TOOLS; i++) server.registerTool(`tool_${i}`, {}, text);
  return server;
}

function guardedV1() {
  const guarded = guardServerV1(
    new McpServerV1({ name: "bench", version: "1.0.0" }),
    { authorizer },
  );
  register(guarded as unknown as Register);
  return guarded;
}

const behindBearer = (
  handler: (
    request: Request,
    token: AccessToken | undefined,
  ) => Promise<Response>,
) => withBearerAuth(handler, { verifier, resourceMetadataUrl: METADATA });

const unguardedMcp = createMcpHandler(() => plainV2());
const guardedMcp = guardedMcpHandler(guardedV2, {
  preflight: { resourceMetadataUrl: METADATA },
});
const preflightOptions = { resourceMetadataUrl: METADATA };

const routes: Record<string, (request: Request) => Promise<Response>> = {
  "/v2/unguarded": behindBearer((request, token) =>
    unguardedMcp.fetch(request, { authInfo: token! })
  ),
  "/v2/guarded": behindBearer((request, token) =>
    guardedMcp.fetch(request, { authInfo: token })
  ),
  "/v1/unguarded": behindBearer(async (request, token) => {
    const server = plainV1();
    const transport = new WebStandardStreamableHTTPServerTransport({
      enableJsonResponse: true,
    });
    await server.connect(transport);
    return transport.handleRequest(request, { authInfo: token! });
  }),
  "/v1/guarded": behindBearer(async (request, token) => {
    const guarded = guardedV1();
    const checked = await guarded.preflight(request, token, preflightOptions);
    if (checked.response !== undefined) return checked.response;
    const transport = new WebStandardStreamableHTTPServerTransport({
      enableJsonResponse: true,
    });
    await guarded.server.connect(transport);
    return transport.handleRequest(checked.request, checked.sdkOptions);
  }),
};

const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  (request) => {
    const route = routes[new URL(request.url).pathname];
    return route ? route(request) : new Response(null, { status: 404 });
  },
);
const origin = `http://127.0.0.1:${server.addr.port}`;

const LIST = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
const CALL = JSON.stringify({
  jsonrpc: "2.0",
  id: 2,
  method: "tools/call",
  params: { name: "tool_2", arguments: {} },
});
const HEADERS = {
  authorization: "Bearer bench",
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-06-18",
};

async function send(path: string, body: string): Promise<void> {
  const response = await fetch(`${origin}${path}`, {
    method: "POST",
    headers: HEADERS,
    body,
  });
  const text = await response.text();
  if (response.status !== 200 || !text.includes('"result"')) {
    throw new Error(`${path}: ${response.status} ${text.slice(0, 200)}`);
  }
}

// Warm both sides (and check that every route answers) before measuring.
for (let i = 0; i < 200; i++) {
  for (const path of Object.keys(routes)) {
    await send(path, LIST);
    await send(path, CALL);
  }
}

const GROUPS = ["v2", "v1"].flatMap((sdk) =>
  [["tools/list", LIST], ["tools/call", CALL]].map(([kind, body]) => ({
    name: `${sdk} ${kind}, ${TOOLS} tools`,
    sdk,
    body: body!,
  }))
);

if (Deno.args.includes("--loop")) {
  await loop();
  await server.shutdown();
} else {
  for (const { name, sdk, body } of GROUPS) {
    Deno.bench(
      `${name}, unguarded`,
      { group: name, baseline: true },
      async () => {
        await send(`/${sdk}/unguarded`, body);
      },
    );
    Deno.bench(`${name}, guarded (preflight)`, { group: name }, async () => {
      await send(`/${sdk}/guarded`, body);
    });
  }
}

/** The process's CPU time (user + system), in microseconds. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Blocks of requests, unguarded and guarded in turn (the order swapped
 * every round), each block timed by the wall and the process CPU clock:
 * per case the median of its blocks, and the median of the per-round
 * guarded/unguarded ratios.
 */
async function loop(): Promise<void> {
  const rounds = Number(
    Deno.args.find((arg) => arg.startsWith("--rounds="))?.slice(9) ?? 15,
  );
  const BLOCK = 400;
  for (const { name, sdk, body } of GROUPS) {
    const sides = [`/${sdk}/unguarded`, `/${sdk}/guarded`] as const;
    const wall: [number[], number[]] = [[], []];
    const cpu: [number[], number[]] = [[], []];
    const wallRatio: number[] = [];
    const cpuRatio: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      const w: number[] = [0, 0];
      const c: number[] = [0, 0];
      for (const side of order) {
        const wall0 = performance.now();
        const cpu0 = cpuMicros();
        for (let i = 0; i < BLOCK; i++) await send(sides[side]!, body);
        c[side] = (cpuMicros() - cpu0) / BLOCK;
        w[side] = (performance.now() - wall0) * 1000 / BLOCK;
      }
      for (const side of [0, 1]) {
        wall[side as 0 | 1].push(w[side]!);
        cpu[side as 0 | 1].push(c[side]!);
      }
      wallRatio.push(w[1]! / w[0]!);
      cpuRatio.push(c[1]! / c[0]!);
    }
    console.log(`\n${name} (${rounds} rounds of ${BLOCK} requests)`);
    const row = (label: string, side: 0 | 1) =>
      `  ${label.padEnd(22)} wall ${median(wall[side]).toFixed(1)} µs  ${
        side === 0 ? "baseline" : `${median(wallRatio).toFixed(3)}x`
      }  cpu ${median(cpu[side]).toFixed(1)} µs  ${
        side === 0 ? "baseline" : `${median(cpuRatio).toFixed(3)}x`
      }`;
    console.log(row("unguarded", 0));
    console.log(row("guarded (preflight)", 1));
  }
}

globalThis.addEventListener("unload", () => {
  void server.shutdown();
});
