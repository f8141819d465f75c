// What the store tests share: a DPoP client and a DPoP-protected handler
// over a given replay store, an introspection endpoint that counts its
// calls, a TCP proxy that can cut a real server off and bring it back, and
// a server that speaks the Redis protocol but answers nonsense.
import { connect, createServer, type Server, type Socket } from "node:net";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from "jose";
import {
  accessTokenHash,
  type DpopNoncePolicy,
  dpopScheme,
  type ReplayStore,
  StaticTokenVerifier,
  withBearerAuth,
} from "../../mod.ts";
import { serve } from "../_serve.ts";

export const RESOURCE = "https://mcp.example.com/mcp";
export const BOUND_TOKEN = "bound-token-for-store-tests";

/** A client holding a DPoP key. */
export interface DpopClient {
  readonly jkt: string;
  /** A fresh proof for a POST to `RESOURCE` with `BOUND_TOKEN`. */
  proof(nonce?: string): Promise<string>;
}

export async function dpopClient(): Promise<DpopClient> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk: JWK = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(jwk);
  const ath = await accessTokenHash(BOUND_TOKEN);
  return {
    jkt,
    proof: (nonce) =>
      new SignJWT({
        htm: "POST",
        htu: RESOURCE,
        ath,
        ...(nonce === undefined ? {} : { nonce }),
      })
        .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk })
        .setJti(crypto.randomUUID())
        .setIssuedAt()
        .sign(privateKey),
  };
}

/** A server instance: `withBearerAuth` with `dpop` over `replayStore`. */
export interface Instance {
  handle(request: Request): Promise<Response>;
  /** How many requests reached the application. */
  readonly admitted: number;
  /** What `onError` was given (the store's failures). */
  readonly errors: readonly unknown[];
}

export function instance(
  client: DpopClient,
  replayStore: ReplayStore,
  nonces?: DpopNoncePolicy,
): Instance {
  let admitted = 0;
  const errors: unknown[] = [];
  const handle = withBearerAuth(() => {
    admitted++;
    return Response.json({ ok: true });
  }, {
    verifier: new StaticTokenVerifier({
      tokens: {
        [BOUND_TOKEN]: {
          clientId: "app",
          scopes: ["mcp"],
          claims: { cnf: { jkt: client.jkt } },
        },
      },
    }),
    dpop: dpopScheme({
      required: true,
      replayStore,
      ...(nonces === undefined ? {} : { nonces }),
    }),
    // The store's failures are the point of some tests: kept, not printed.
    onError: (error) => void errors.push(error),
  });
  return {
    handle,
    get admitted() {
      return admitted;
    },
    errors,
  };
}

export function dpopRequest(proof: string): Request {
  return new Request(RESOURCE, {
    method: "POST",
    headers: { authorization: `DPoP ${BOUND_TOKEN}`, dpop: proof },
  });
}

/** Status and the headers a test looks at. */
export interface Seen {
  status: number;
  retryAfter: string | null;
  challenge: string | null;
  nonce: string | null;
  body: string;
}

export async function send(target: Instance, proof: string): Promise<Seen> {
  const response = await target.handle(dpopRequest(proof));
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    challenge: response.headers.get("www-authenticate"),
    nonce: response.headers.get("dpop-nonce"),
    body: await response.text(),
  };
}

/** An introspection endpoint: `answer(token)`, counting calls per token. */
export interface Endpoint {
  readonly url: string;
  calls(token?: string): number;
  close(): Promise<void>;
}

export async function introspectionEndpoint(
  answer: (token: string) => Record<string, unknown>,
  delayMs = 0,
): Promise<Endpoint> {
  const counts = new Map<string, number>();
  const served = await serve(async (request) => {
    const token = new URLSearchParams(await request.text()).get("token") ?? "";
    counts.set(token, (counts.get(token) ?? 0) + 1);
    if (delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    return Response.json(answer(token));
  });
  return {
    url: `${served.origin}/introspect`,
    calls: (token) =>
      token === undefined
        ? [...counts.values()].reduce((sum, n) => sum + n, 0)
        : counts.get(token) ?? 0,
    close: () => served.close(),
  };
}

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A TCP proxy to `host:port` on 127.0.0.1: `cut()` drops every connection
 * and stops listening (the server is unreachable, connections refused),
 * `restore()` listens again on the same port.
 */
export interface Proxy {
  readonly port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function proxy(
  target: { host: string; port: number },
): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const make = () =>
    createServer((downstream) => {
      const upstream = connect(target.port, target.host);
      for (const socket of [downstream, upstream]) {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => {
          downstream.destroy();
          upstream.destroy();
        });
      }
      downstream.pipe(upstream);
      upstream.pipe(downstream);
    });
  let server: Server | undefined = make();
  const port = await listen(server);
  const cut = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (closing !== undefined) await closeServer(closing);
  };
  return {
    port,
    cut,
    async restore() {
      if (server !== undefined) return;
      server = make();
      // The port was just released: retry briefly if it is not free yet.
      for (let attempt = 0;; attempt++) {
        try {
          await listen(server, port);
          return;
        } catch (error) {
          if (attempt > 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    },
    close: cut,
  };
}

/**
 * A server that speaks RESP (the Redis protocol) and answers the
 * connection handshake as Redis would, then `garbage(command)` for the
 * store's commands: what no healthy Redis says.
 */
export interface FakeRedis {
  readonly url: string;
  close(): Promise<void>;
}

export async function fakeRedis(
  garbage: (command: string) => string,
): Promise<FakeRedis> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let buffer = "";
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      for (;;) {
        const parsed = parseCommand(buffer);
        if (parsed === undefined) return;
        buffer = buffer.slice(parsed.length);
        const name = (parsed.args[0] ?? "").toUpperCase();
        socket.write(handshake(name) ?? garbage(name));
      }
    });
  });
  const port = await listen(server);
  return {
    url: `redis://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

function handshake(name: string): string | undefined {
  if (name === "INFO") {
    const info = "# Server\r\nredis_version:7.0.15\r\nloading:0\r\n";
    return `$${info.length}\r\n${info}\r\n`;
  }
  if (["CLIENT", "SELECT", "PING", "AUTH", "READONLY"].includes(name)) {
    return name === "PING" ? "+PONG\r\n" : "+OK\r\n";
  }
  if (name === "HELLO") {
    // RESP3 (node-redis 5+ asks for it): a map describing the server.
    const fields = [
      ["server", "$5\r\nredis"],
      ["version", "$6\r\n7.0.15"],
      ["proto", ":3"],
      ["id", ":1"],
      ["mode", "$10\r\nstandalone"],
      ["role", "$6\r\nmaster"],
      ["modules", "*0"],
    ];
    return `%${fields.length}\r\n${
      fields.map(([key, value]) => `$${key!.length}\r\n${key}\r\n${value}\r\n`)
        .join("")
    }`;
  }
  return undefined;
}

/** One RESP array of bulk strings at the start of `text`, if complete. */
function parseCommand(
  text: string,
): { args: string[]; length: number } | undefined {
  if (!text.startsWith("*")) {
    // Inline command: one line.
    const end = text.indexOf("\r\n");
    if (end < 0) return undefined;
    return { args: text.slice(0, end).split(" "), length: end + 2 };
  }
  let offset = text.indexOf("\r\n");
  if (offset < 0) return undefined;
  const count = Number(text.slice(1, offset));
  offset += 2;
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    const end = text.indexOf("\r\n", offset);
    if (end < 0) return undefined;
    const size = Number(text.slice(offset + 1, end));
    const start = end + 2;
    if (text.length < start + size + 2) return undefined;
    args.push(text.slice(start, start + size));
    offset = start + size + 2;
  }
  return { args, length: offset };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
