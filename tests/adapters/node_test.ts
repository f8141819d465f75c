// src/adapters/node.ts: nodeBearerAuth and withNodeBearerAuth on a real
// node:http server and a real Express 5 app (Deno, Bun and Node alike):
// the same answers as bearerAuth on the Web-standard path, req.auth set
// for the SDK's Node transport, the body left for whoever reads it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import express from "express";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
} from "jose";
import {
  accessTokenHash,
  AuthorizationError,
  bearerAuth,
  type BearerAuthOptions,
  dpopScheme,
  InsufficientScopeError,
  StaticTokenVerifier,
  type TokenVerifier,
  VerifierUnavailableError,
} from "../../mod.ts";
import {
  authOf,
  type McpAuthInfo,
  nodeBearerAuth,
  withNodeBearerAuth,
} from "../../src/adapters/mod_node.ts";

const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const NOW = 1_900_000_000_000;

const outage: TokenVerifier = {
  verifyToken(token) {
    if (token === "outage") {
      throw new VerifierUnavailableError("JWKS down", { retryAfter: 30 });
    }
    return tokens.verifyToken(token);
  },
};
const tokens = new StaticTokenVerifier({
  tokens: {
    reader: { clientId: "app", scopes: ["read"], claims: { sub: "ann" } },
    writer: { clientId: "app", scopes: ["read", "write"] },
    old: { clientId: "app", scopes: ["read"], expiresAt: 1 },
  },
});

function options(extra: Partial<BearerAuthOptions> = {}): BearerAuthOptions {
  return {
    verifier: outage,
    requiredScopes: ["read"],
    resourceMetadataUrl: METADATA,
    onError: () => {},
    ...extra,
  };
}

interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function listen(listener: RequestListener): Promise<Listening> {
  const server: Server = createServer(listener);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Status, the headers a client acts on, and the body. */
async function seen(response: Response): Promise<unknown> {
  const headers: Record<string, string | null> = {};
  for (
    const name of [
      "www-authenticate",
      "cache-control",
      "content-type",
      "retry-after",
    ]
  ) {
    headers[name] = response.headers.get(name);
  }
  return { status: response.status, headers, body: await response.text() };
}

/** Sends raw HTTP/1.1 bytes and returns the status line and the head. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      data += chunk;
      if (data.includes("\r\n\r\n")) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on("error", reject);
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error(`no answer: ${data}`));
    });
  });
}

type Seen = { auth: unknown; of: McpAuthInfo | undefined };

describe("nodeBearerAuth on node:http", () => {
  let server: Listening;
  const passed: Seen[] = [];
  before(async () => {
    const auth = nodeBearerAuth(options());
    server = await listen((req, res) =>
      auth(req, res, () => {
        passed.push({
          auth: (req as { auth?: unknown }).auth,
          of: authOf(req),
        });
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("passed");
      })
    );
  });
  after(async () => {
    await server?.close();
  });

  const cases: [string, RequestInit, string?][] = [
    ["no token", { method: "POST", body: "{}" }],
    ["a malformed header", { headers: { authorization: "Bearer a b" } }],
    ["a token in the query", {}, "?access_token=reader"],
    ["an unknown token", { headers: { authorization: "Bearer nope" } }],
    ["an expired token", { headers: { authorization: "Bearer old" } }],
    ["a verifier outage", { headers: { authorization: "Bearer outage" } }],
  ];
  for (const [name, init, query] of cases) {
    it(`answers ${name} exactly as bearerAuth does`, async () => {
      const url = server.url + (query ?? "");
      const node = await fetch(url, init);
      const web = await bearerAuth(options())(new Request(url, init));
      assert.ok(web instanceof Response);
      const answer = await seen(node);
      assert.deepEqual(answer, await seen(web));
      assert.equal(
        (answer as { headers: Record<string, string> }).headers[
          "cache-control"
        ],
        "no-store",
      );
    });
  }

  it("answers a missing scope with the 403 bearerAuth sends", async () => {
    const writeOnly = nodeBearerAuth(options({ requiredScopes: ["write"] }));
    const other = await listen((req, res) =>
      writeOnly(req, res, () => res.end("passed"))
    );
    try {
      const init = { headers: { authorization: "Bearer reader" } };
      const node = await fetch(other.url, init);
      const web = await bearerAuth(options({ requiredScopes: ["write"] }))(
        new Request(other.url, init),
      );
      assert.equal(node.status, 403);
      assert.deepEqual(await seen(node), await seen(web as Response));
      assert.match(node.headers.get("www-authenticate")!, /scope="write"/);
    } finally {
      await other.close();
    }
  });

  it("sets req.auth to the verified token with the metadata URL, and calls next", async () => {
    passed.length = 0;
    const response = await fetch(server.url, {
      headers: { authorization: "Bearer reader" },
    });
    assert.equal(await response.text(), "passed");
    assert.equal(passed.length, 1);
    const { auth, of } = passed[0]!;
    assert.deepEqual(auth, {
      token: "reader",
      clientId: "app",
      scopes: ["read"],
      claims: { sub: "ann" },
      resourceMetadataUrl: METADATA,
    });
    assert.equal(of, auth, "authOf gives the same object");
  });

  it("refuses two Authorization lines, which req.headers would reduce to one", async () => {
    const head = await raw(
      server.port,
      "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer reader\r\n" +
        "Authorization: Bearer writer\r\nConnection: close\r\n\r\n",
    );
    assert.match(head, /^HTTP\/1\.1 400 /);
    assert.match(head, /error="invalid_request"/i);
  });

  it("refuses a Host that is not a host", async () => {
    const head = await raw(
      server.port,
      "GET /mcp HTTP/1.1\r\nHost: evil.example/x?\r\nAuthorization: Bearer reader\r\n" +
        "Connection: close\r\n\r\n",
    );
    assert.match(head, /^HTTP\/1\.1 400 /);
    assert.match(head, /Missing or malformed Host header/);
  });

  it("keeps a target that starts with // a path of this host", async () => {
    passed.length = 0;
    const head = await raw(
      server.port,
      `GET //evil.example/mcp HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
        "Authorization: Bearer reader\r\nConnection: close\r\n\r\n",
    );
    assert.match(head, /^HTTP\/1\.1 200 /);
  });
});

describe("nodeBearerAuth with optional: true", () => {
  it("replaces an earlier req.auth instead of passing it on", async () => {
    const auth = nodeBearerAuth(options({ optional: true }));
    const seenAuth: unknown[] = [];
    const server = await listen((req, res) => {
      // Something before it put a forged token there.
      (req as { auth?: unknown }).auth = {
        token: "forged",
        clientId: "x",
        scopes: ["admin"],
        claims: {},
      };
      void auth(req, res, () => {
        seenAuth.push((req as { auth?: unknown }).auth, authOf(req));
        res.end("ok");
      });
    });
    try {
      assert.equal(await (await fetch(server.url)).text(), "ok");
      assert.deepEqual(seenAuth, [undefined, undefined]);
    } finally {
      await server.close();
    }
  });
});

describe("nodeBearerAuth in Express 5", () => {
  let server: Listening;
  before(async () => {
    const app = express();
    app.post(
      "/mcp",
      nodeBearerAuth(options()),
      express.json(),
      (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({
          body: req.body,
          client: authOf(req)?.clientId,
        }));
      },
    );
    server = await listen(app);
  });
  after(async () => {
    await server?.close();
  });

  it("leaves the body for express.json() to parse after it", async () => {
    const response = await fetch(server.url, {
      method: "POST",
      headers: {
        authorization: "Bearer reader",
        "content-type": "application/json",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.deepEqual(await response.json(), {
      body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
      client: "app",
    });
  });

  it("answers a refused request itself: the route never runs", async () => {
    const response = await fetch(server.url, { method: "POST", body: "{}" });
    assert.equal(response.status, 401);
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer scope="read", resource_metadata="${METADATA}"`,
    );
    assert.deepEqual(await response.json(), {
      error: "unauthorized",
      error_description: "Authentication required",
    });
  });
});

describe("nodeBearerAuth with DPoP", () => {
  it("checks the proof against the URL the client addressed", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const jwk = await exportJWK(publicKey);
    const jkt = await calculateJwkThumbprint(jwk);
    const verifier = new StaticTokenVerifier({
      tokens: {
        bound: { clientId: "app", scopes: ["read"], claims: { cnf: { jkt } } },
      },
    });
    const auth = nodeBearerAuth({
      verifier,
      dpop: dpopScheme({ now: () => NOW }),
    });
    const server = await listen((req, res) =>
      auth(req, res, () => res.end(`ok ${authOf(req)?.clientId}`))
    );
    const proof = async (htu: string) =>
      await new SignJWT({
        jti: crypto.randomUUID(),
        htm: "POST",
        htu,
        iat: NOW / 1000,
        ath: await accessTokenHash("bound"),
      }).setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk })
        .sign(privateKey);
    try {
      const ok = await fetch(server.url, {
        method: "POST",
        headers: { authorization: "DPoP bound", dpop: await proof(server.url) },
      });
      assert.equal(await ok.text(), "ok app");
      const elsewhere = await fetch(server.url, {
        method: "POST",
        headers: {
          authorization: "DPoP bound",
          dpop: await proof("http://other.example/mcp"),
        },
      });
      assert.equal(elsewhere.status, 401);
      assert.match(
        elsewhere.headers.get("www-authenticate")!,
        /DPoP error="invalid_dpop_proof", error_description="DPoP proof htu does not match"/,
      );
      await elsewhere.body?.cancel();
    } finally {
      await server.close();
    }
  });
});

describe("withNodeBearerAuth", () => {
  it("runs the handler with the token and maps its authorization errors", async () => {
    const listener = withNodeBearerAuth<IncomingMessage, ServerResponse>(
      (req, res, token) => {
        if (req.url === "/write") throw new InsufficientScopeError(["write"]);
        if (req.url === "/role") throw new AuthorizationError("Not an admin");
        if (req.url === "/late") {
          res.writeHead(200);
          throw new InsufficientScopeError(["write"]);
        }
        if (req.url === "/boom") throw new Error("application bug");
        res.end(`hello ${token?.clientId} ${authOf(req) === token}`);
      },
      options(),
    );
    const rejected: unknown[] = [];
    const server = await listen((req, res) =>
      void listener(req, res).catch((error) => {
        rejected.push(error);
        res.destroy();
      })
    );
    const get = (path: string) =>
      fetch(`http://127.0.0.1:${server.port}${path}`, {
        headers: { authorization: "Bearer reader" },
      });
    try {
      assert.equal(await (await get("/ok")).text(), "hello app true");
      const write = await get("/write");
      assert.equal(write.status, 403);
      assert.equal(
        write.headers.get("www-authenticate"),
        `Bearer error="insufficient_scope", error_description="Insufficient scope. Required: write", scope="read write", resource_metadata="${METADATA}"`,
      );
      assert.equal(write.headers.get("cache-control"), "no-store");
      await write.body?.cancel();
      const role = await get("/role");
      assert.equal(role.status, 403);
      assert.equal(role.headers.get("www-authenticate"), null);
      assert.deepEqual(await role.json(), {
        error: "access_denied",
        error_description: "Not an admin",
      });
      await assert.rejects(get("/boom"));
      await assert.rejects(get("/late").then((r) => r.text()));
      // A client may retry a GET whose connection was reset: once each.
      assert.ok(
        rejected.some((error) =>
          (error as Error).message === "application bug"
        ),
      );
      assert.ok(
        rejected.some((error) => error instanceof InsufficientScopeError),
      );
      assert.ok(
        rejected.every((error) =>
          (error as Error).message === "application bug" ||
          error instanceof InsufficientScopeError
        ),
      );
    } finally {
      await server.close();
    }
  });

  it("answers 401 when the handler refuses a request without a token", async () => {
    const listener = withNodeBearerAuth(() => {
      throw new InsufficientScopeError(["write"]);
    }, options({ optional: true }));
    const server = await listen((req, res) => void listener(req, res));
    try {
      const response = await fetch(server.url);
      assert.equal(response.status, 401);
      assert.equal(
        response.headers.get("www-authenticate"),
        `Bearer scope="read write", resource_metadata="${METADATA}"`,
      );
      await response.body?.cancel();
    } finally {
      await server.close();
    }
  });
});

describe("options", () => {
  it("refuses a typo, a missing verifier and a handler that is not a function, naming the function", () => {
    assert.throws(
      () => nodeBearerAuth({ verifer: tokens } as never),
      (error: unknown) =>
        error instanceof TypeError && /nodeBearerAuth/.test(error.message) &&
        /verifier/.test(error.message),
    );
    assert.throws(
      () => withNodeBearerAuth(() => {}, {} as never),
      (error: unknown) =>
        error instanceof TypeError &&
        /withNodeBearerAuth needs a verifier/.test(error.message),
    );
    assert.throws(
      () => withNodeBearerAuth("handler" as never, options()),
      /withNodeBearerAuth expects a handler function/,
    );
  });

  it("never trusts a req.auth it did not set", () => {
    const req = { headers: {}, auth: { token: "t", clientId: "c" } };
    assert.equal(authOf(req), undefined);
  });
});
