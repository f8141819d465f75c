// A fetch handler on 127.0.0.1, port 0, on whichever runtime runs the tests:
// Deno.serve on Deno, Bun.serve on Bun, node:http on Node (streaming the
// body both ways, so Server-Sent Events flow).
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface Served {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

interface BunLike {
  serve(options: {
    hostname: string;
    port: number;
    fetch: FetchHandler;
  }): { port: number; stop(force?: boolean): Promise<void> | void };
}

export async function serve(handler: FetchHandler): Promise<Served> {
  if (typeof Deno !== "undefined") {
    const controller = new AbortController();
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      signal: controller.signal,
      onListen() {},
    }, handler);
    return {
      origin: `http://127.0.0.1:${server.addr.port}`,
      async close() {
        controller.abort();
        await server.finished;
      },
    };
  }
  const bun = (globalThis as { Bun?: BunLike }).Bun;
  if (bun !== undefined) {
    const server = bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: handler,
    });
    return {
      origin: `http://127.0.0.1:${server.port}`,
      async close() {
        await server.stop(true);
      },
    };
  }
  return await serveNode(handler);
}

function toRequest(origin: string, req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
    else if (value !== undefined) headers.set(name, value);
  }
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD"
    ? undefined
    : Readable.toWeb(req) as ReadableStream<Uint8Array>;
  return new Request(new URL(req.url ?? "/", origin), {
    method,
    headers,
    body,
    duplex: "half",
  } as RequestInit);
}

async function serveNode(handler: FetchHandler): Promise<Served> {
  let origin = "";
  const server = createServer(async (req, res) => {
    try {
      const response = await handler(toRequest(origin, req));
      response.headers.forEach((value, name) => res.appendHeader(name, value));
      res.writeHead(response.status);
      res.flushHeaders();
      if (response.body !== null) {
        for await (const chunk of response.body) res.write(chunk);
      }
      res.end();
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve())
  );
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
