// A consumer's app, copied into scratch projects by consumers_test.ts: a
// guarded MCP server (Authorizer + SDK v2 guard + withBearerAuth with a
// StaticTokenVerifier) served on 127.0.0.1:0 by whichever runtime runs it,
// asked twice (without and with a token); it prints what it answered. It
// also loads ./authzen, whose CEL dependency is optional and not installed.
import {
  Authorizer,
  requireScopes,
  StaticTokenVerifier,
  withBearerAuth,
} from "@mcp-authz/core";
import { authzenCheck } from "@mcp-authz/core/authzen";
import { guardServer } from "@mcp-authz/core/mcp";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const authorizer = new Authorizer({ layers: [requireScopes("read")] });
// Built, never asked: ./authzen loads without @bufbuild/cel.
const pdpCheck = authzenCheck({ pdp: "https://pdp.example.com" });
const mcp = createMcpHandler(() => {
  const server = new McpServer({ name: "consumer", version: "1.0.0" });
  guardServer(server, { authorizer }).tool("hello", {
    description: "Says hello",
  }, () => ({ content: [{ type: "text", text: "hello" }] }));
  return server;
});
const handler = withBearerAuth(
  (request, token) =>
    mcp.fetch(request, token === undefined ? {} : { authInfo: token }),
  {
    verifier: new StaticTokenVerifier({
      tokens: { "reader-token": { clientId: "consumer", scopes: ["read"] } },
    }),
  },
);

type Handler = (request: Request) => Promise<Response>;
interface Running {
  url: string;
  close(): Promise<void>;
}

async function serve(fetchHandler: Handler): Promise<Running> {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.Deno === "object") {
    const server = (g.Deno as {
      serve(o: object, h: Handler): {
        addr: { port: number };
        shutdown(): Promise<void>;
      };
    }).serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, fetchHandler);
    return {
      url: `http://127.0.0.1:${server.addr.port}`,
      close: () => server.shutdown(),
    };
  }
  if (typeof g.Bun === "object") {
    const server = (g.Bun as {
      serve(o: object): { port: number; stop(): Promise<void> };
    }).serve({ hostname: "127.0.0.1", port: 0, fetch: fetchHandler });
    return {
      url: `http://127.0.0.1:${server.port}`,
      close: () => server.stop(),
    };
  }
  // Node: a buffered node:http adapter is enough for these small answers.
  const server = createServer(async (req, res) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of req) chunks.push(chunk as Uint8Array);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(name, value);
    }
    const response = await fetchHandler(
      new Request(`http://127.0.0.1${req.url}`, {
        method: req.method ?? "GET",
        headers,
        ...(req.method === "GET" ? {} : { body: Buffer.concat(chunks) }),
      }),
    );
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const running = await serve(handler);
const ask = (headers: Record<string, string>) =>
  fetch(`${running.url}/mcp`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
try {
  const anonymous = await ask({});
  await anonymous.body?.cancel();
  const reader = await ask({ Authorization: "Bearer reader-token" });
  const text = await reader.text();
  const tools = [...text.matchAll(/"name":"([^"]+)"/g)].map((m) => m[1]);
  console.log(JSON.stringify({
    anonymous: anonymous.status,
    challenge: anonymous.headers.get("www-authenticate"),
    reader: reader.status,
    tools,
    authzen: typeof pdpCheck.decideMany,
  }));
} finally {
  await running.close();
}
