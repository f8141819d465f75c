// Load-and-fault suite: a real Deno.serve MCP endpoint (the MCP SDK v2
// server guarded by @mcp-authz/core/mcp) behind withBearerAuth +
// JwtVerifier + an Authorizer (and a DPoP-only endpoint, withBearerAuth's
// dpop option), against a local JWKS server, driven by concurrent clients
// mixing valid and hostile tokens while the issuer rotates its signing key
// and the JWKS server goes down and comes back. Prints one table and exits
// non-zero when an invariant is broken.
//
// Run: deno task stress [--requests=N] [--duration=ms] [--concurrency=N]
//                       [--cooldown=ms] [--seed=N] [--detail]
// Everything listens on 127.0.0.1, port 0; the run is bounded in requests
// and in time. Not part of `deno task test` or `deno task ci`.

import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from "jose";
import {
  type AccessToken,
  accessTokenHash,
  Authorizer,
  JwtVerifier,
  MemoryReplayStore,
  requireScopes,
  restrictTag,
  type TokenVerifier,
  withBearerAuth,
} from "../mod.ts";
import { guardServer } from "../src/mcp/mod.ts";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
// Internal, to show that the verified-token cache stays bounded.
import { cacheOf } from "../src/verify/token_cache.ts";

// ---------------------------------------------------------------- settings

interface Settings {
  requests: number;
  durationMs: number;
  concurrency: number;
  cooldownMs: number;
  seed: number;
  detail: boolean;
  sabotage: boolean;
}

function parseArgs(args: string[]): Settings {
  const settings: Settings = {
    requests: 20_000,
    durationMs: 10_000,
    concurrency: 16,
    cooldownMs: 1_000,
    seed: 1,
    detail: false,
    sabotage: false,
  };
  for (const arg of args) {
    if (arg === "--detail" || arg === "--sabotage") {
      settings[arg === "--detail" ? "detail" : "sabotage"] = true;
      continue;
    }
    const match = /^--(requests|duration|concurrency|cooldown|seed)=(\d+)$/
      .exec(arg);
    if (match === null) {
      throw new TypeError(
        `Unknown argument "${arg}": use --requests=N, --duration=ms, --concurrency=N, --cooldown=ms, --seed=N, --detail or --sabotage`,
      );
    }
    const value = Number(match[2]);
    if (match[1] === "requests") settings.requests = Math.min(value, 100_000);
    if (match[1] === "duration") settings.durationMs = Math.min(value, 120_000);
    if (match[1] === "concurrency") {
      settings.concurrency = Math.max(1, Math.min(value, 256));
    }
    if (match[1] === "cooldown") settings.cooldownMs = Math.max(100, value);
    if (match[1] === "seed") settings.seed = value;
  }
  return settings;
}

const settings = parseArgs(Deno.args);
// A hard stop, whatever hangs: the run is bounded in time.
const HARD_LIMIT_MS = settings.durationMs + 60_000;
Deno.unrefTimer(setTimeout(() => {
  console.error(`stress: still running after ${HARD_LIMIT_MS} ms, giving up`);
  Deno.exit(2);
}, HARD_LIMIT_MS));
const ISSUER = "https://issuer.stress.test/";
const REQUEST_TIMEOUT_MS = 10_000;
const HEAP_GROWTH_LIMIT = 64 * 1024 * 1024;

// Deterministic choice of request kinds (mulberry32).
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(settings.seed);

// ------------------------------------------------------------------- keys

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  return {
    kid,
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" },
  };
}

const k1 = await signingKey("k1");
const k2 = await signingKey("k2");
const k3 = await signingKey("k3");
const attacker = await signingKey("evil");
const dpopClient = await signingKey("dpop-client");
const dpopThief = await signingKey("dpop-thief");
const dpopJkt = await calculateJwkThumbprint(dpopClient.jwk);

// ------------------------------------------------------------ JWKS server

class JwksServer {
  published: SigningKey[];
  served = 0;
  up = false;
  port = 0;
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;

  constructor(published: SigningKey[]) {
    this.published = published;
  }

  start(): void {
    this.#server = Deno.serve({
      hostname: "127.0.0.1",
      port: this.port,
      onListen() {},
    }, () => {
      this.served++;
      return Response.json({ keys: this.published.map((key) => key.jwk) }, {
        headers: { "cache-control": "no-store" },
      });
    });
    this.port = this.#server.addr.port;
    this.up = true;
  }

  async stop(): Promise<void> {
    this.up = false;
    await this.#server?.shutdown();
    this.#server = undefined;
  }
}

const jwks = new JwksServer([k1]);
jwks.start();
// A second issuer whose JWKS server is down when the run starts: no key is
// held, so its valid tokens get 503 until the server comes up.
const cold = await signingKey("c1");
const coldJwks = new JwksServer([cold]);
coldJwks.start();
await coldJwks.stop();

// Every JWKS fetch each verifier attempts, answered or not.
const fetchAttempts: number[] = [];
const coldFetchAttempts: number[] = [];
const counting = (attempts: number[]): typeof fetch => (input, init) => {
  attempts.push(performance.now());
  return fetch(input, init);
};

// ------------------------------------------------------------ MCP endpoint

// The MCP SDK v2 server, guarded by @mcp-authz/core/mcp: a fresh server per
// request (stateless Streamable HTTP). Every tool needs `mcp:tools`;
// `admin_reset` is tagged `admin` (a layer: a shortfall is a 403 step-up);
// `vault` has its own check (a denial looks like an unknown tool: a
// JSON-RPC error in a 200).
const authorizer = new Authorizer({
  layers: [
    requireScopes("mcp:tools"),
    restrictTag("admin", { scopes: ["admin"] }),
  ],
});
const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});
function mcpServerFactory(): McpServer {
  const server = new McpServer({ name: "stress", version: "1.0.0" });
  const guarded = guardServer(server, { authorizer });
  guarded.tool(
    "echo",
    { description: "Echoes" },
    (ctx) => text(`echo for ${ctx.http?.authInfo?.clientId}`),
  );
  guarded.tool(
    "admin_reset",
    { description: "Admin", tags: ["admin"] },
    () => text("reset"),
  );
  guarded.tool("vault", {
    description: "Needs the vault scope",
    auth: requireScopes("vault"),
  }, () => text("opened"));
  return server;
}
const mcp = createMcpHandler(mcpServerFactory);
const rpc = (request: Request, token: AccessToken | undefined) =>
  mcp.fetch(request, token === undefined ? {} : { authInfo: token });

const routes: {
  bearer?: (r: Request) => Promise<Response>;
  dpop?: (r: Request) => Promise<Response>;
  cold?: (r: Request) => Promise<Response>;
} = {};
const mcpServer = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen() {},
}, (request) => {
  const { pathname } = new URL(request.url);
  if (pathname === "/mcp" && routes.bearer) return routes.bearer(request);
  if (pathname === "/mcp-dpop" && routes.dpop) return routes.dpop(request);
  if (pathname === "/mcp-cold" && routes.cold) return routes.cold(request);
  return new Response(null, { status: 404 });
});
const base = `http://127.0.0.1:${mcpServer.addr.port}`;
const AUDIENCE = `${base}/mcp`;

const verifier = new JwtVerifier({
  jwksUri: `http://127.0.0.1:${jwks.port}/jwks.json`,
  issuer: ISSUER,
  audience: [AUDIENCE, `${base}/mcp-dpop`],
  jwksCooldownMs: settings.cooldownMs,
  timeoutMs: 1_000,
  fetch: counting(fetchAttempts),
  cache: { maxEntries: 1_000 },
});
const coldVerifier = new JwtVerifier({
  jwksUri: `http://127.0.0.1:${coldJwks.port}/jwks.json`,
  issuer: ISSUER,
  audience: `${base}/mcp-cold`,
  jwksCooldownMs: settings.cooldownMs,
  timeoutMs: 1_000,
  fetch: counting(coldFetchAttempts),
});
const REPLAY_MAX = 10_000;
const replayStore = new MemoryReplayStore({ maxEntries: REPLAY_MAX });
let replayPeak = 0;
// Accepted and rejected tokens are held apart, each up to maxEntries.
const TOKEN_CACHE_MAX = 2 * 1_000;
let tokenCachePeak = 0;
const quiet = () => {}; // 503s are expected while the JWKS server is down
// --sabotage: a broken verifier on /mcp that lets every refused token in,
// to show that the invariants catch it (the run must then exit 1).
const sabotaged: TokenVerifier = {
  async verifyToken(token) {
    try {
      return await verifier.verifyToken(token);
    } catch {
      return {
        token,
        clientId: "sabotage",
        scopes: ["mcp:tools", "admin"],
        claims: {},
      };
    }
  },
};
routes.bearer = withBearerAuth(rpc, {
  verifier: settings.sabotage ? sabotaged : verifier,
  resourceMetadataUrl: `${base}/.well-known/oauth-protected-resource/mcp`,
  onError: quiet,
});
routes.cold = withBearerAuth(rpc, { verifier: coldVerifier, onError: quiet });
routes.dpop = withBearerAuth(rpc, {
  verifier,
  resourceMetadataUrl: `${base}/.well-known/oauth-protected-resource/mcp-dpop`,
  onError: quiet,
  dpop: { required: true, algorithms: ["ES256"], replayStore },
});

// ---------------------------------------------------------------- tokens

let signing: SigningKey = k1;
let serial = 0;

async function accessToken(options: {
  key?: SigningKey;
  kid?: string;
  audience?: string;
  expiresIn?: number;
  scope?: string;
  cnf?: { jkt: string };
} = {}): Promise<string> {
  const key = options.key ?? signing;
  const now = Math.floor(Date.now() / 1_000);
  return await new SignJWT({
    scope: options.scope ?? "mcp:tools",
    client_id: "stress-client",
    ...(options.cnf === undefined ? {} : { cnf: options.cnf }),
  })
    .setProtectedHeader({
      alg: "ES256",
      kid: options.kid ?? key.kid,
      typ: "at+jwt",
    })
    .setIssuer(ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .setJti(`t${++serial}`)
    .sign(key.privateKey);
}

async function dpopProof(
  token: string,
  key: SigningKey = dpopClient,
  url = `${base}/mcp-dpop`,
): Promise<string> {
  return await new SignJWT({
    htm: "POST",
    htu: url,
    ath: await accessTokenHash(token),
  })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: publicJwk(key) })
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .sign(key.privateKey);
}

function publicJwk(key: SigningKey): JWK {
  const { kty, crv, x, y } = key.jwk;
  return { kty, crv, x, y } as JWK;
}

function unsigned(): string {
  const encode = (value: unknown) =>
    btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-")
      .replaceAll("/", "_");
  const now = Math.floor(Date.now() / 1_000);
  return `${encode({ alg: "none", typ: "at+jwt" })}.${
    encode({
      iss: ISSUER,
      aud: AUDIENCE,
      exp: now + 300,
      scope: "mcp:tools admin",
    })
  }.`;
}

// A small pool of reused valid tokens, as real clients reuse theirs (this
// exercises the verified-token cache); rebuilt on each rotation.
let pool: { kid: string; tokens: string[] } = { kid: "", tokens: [] };
async function pooled(): Promise<{ kid: string; token: string }> {
  let current = pool;
  if (current.kid !== signing.kid) {
    const key = signing;
    const tokens = await Promise.all(
      Array.from({ length: 8 }, () => accessToken({ key })),
    );
    current = pool = { kid: key.kid, tokens };
  }
  const token = current.tokens[Math.floor(random() * current.tokens.length)]!;
  return { kid: current.kid, token };
}

// ------------------------------------------------------------ request mix

// "any": not judged (a proof re-sent after its first use was refused).
type Expect = "allow" | "deny" | "any";
interface Planned {
  kind: string;
  expect: Expect;
  kid?: string;
  request: Request;
}

// What a Streamable HTTP client sends (2025 protocol, stateless: no
// initialize needed).
const JSON_RPC = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};
const call = (name: string) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name },
  });

function bearerRequest(authorization: string | undefined, body = call("echo")) {
  const headers: Record<string, string> = { ...JSON_RPC };
  if (authorization !== undefined) headers.authorization = authorization;
  return new Request(`${base}/mcp`, { method: "POST", headers, body });
}

const MIX: Array<[number, string, () => Promise<Planned>]> = [
  [30, "valid", async () => {
    const key = signing;
    return {
      kind: "valid",
      expect: "allow",
      kid: key.kid,
      request: bearerRequest(`Bearer ${await accessToken({ key })}`),
    };
  }],
  [10, "valid (reused)", async () => {
    const { kid, token } = await pooled();
    return {
      kind: "valid (reused)",
      expect: "allow",
      kid,
      request: bearerRequest(`Bearer ${token}`),
    };
  }],
  [4, "valid, JWKS down at cold start", async () => ({
    kind: "valid, JWKS down at cold start",
    expect: "allow",
    kid: cold.kid,
    request: new Request(`${base}/mcp-cold`, {
      method: "POST",
      headers: {
        ...JSON_RPC,
        authorization: `Bearer ${await accessToken({
          key: cold,
          audience: `${base}/mcp-cold`,
        })}`,
      },
      body: call("echo"),
    }),
  })],
  [4, "valid, admin tool (step-up)", async () => ({
    kind: "valid, admin tool (step-up)",
    expect: "deny",
    request: bearerRequest(
      `Bearer ${await accessToken()}`,
      call("admin_reset"),
    ),
  })],
  [3, "valid, hidden tool", async () => ({
    kind: "valid, hidden tool",
    expect: "deny",
    request: bearerRequest(`Bearer ${await accessToken()}`, call("vault")),
  })],
  [6, "expired", async () => ({
    kind: "expired",
    expect: "deny",
    request: bearerRequest(`Bearer ${await accessToken({ expiresIn: -120 })}`),
  })],
  [6, "forged (attacker key, real kid)", async () => ({
    kind: "forged (attacker key, real kid)",
    expect: "deny",
    request: bearerRequest(
      `Bearer ${await accessToken({
        key: attacker,
        kid: signing.kid,
        scope: "mcp:tools admin",
      })}`,
    ),
  })],
  [4, "forged (unknown kid)", async () => ({
    kind: "forged (unknown kid)",
    expect: "deny",
    request: bearerRequest(
      `Bearer ${await accessToken({
        key: attacker,
        kid: `evil-${Math.floor(random() * 1e6)}`,
      })}`,
    ),
  })],
  [3, "alg none", () =>
    Promise.resolve({
      kind: "alg none",
      expect: "deny" as const,
      request: bearerRequest(`Bearer ${unsigned()}`),
    })],
  [6, "wrong audience", async () => ({
    kind: "wrong audience",
    expect: "deny",
    request: bearerRequest(
      `Bearer ${await accessToken({ audience: "https://other.example/mcp" })}`,
    ),
  })],
  [4, "over-long (20 KiB)", () =>
    Promise.resolve({
      kind: "over-long (20 KiB)",
      expect: "deny" as const,
      request: bearerRequest(`Bearer ${"a".repeat(20 * 1024)}`),
    })],
  [4, "missing", () =>
    Promise.resolve({
      kind: "missing",
      expect: "deny" as const,
      request: bearerRequest(undefined),
    })],
  [3, "malformed header", () =>
    Promise.resolve({
      kind: "malformed header",
      expect: "deny" as const,
      request: bearerRequest("Bearer two tokens"),
    })],
  [6, "DPoP valid", async () => {
    // The key is read before the await: a rotation may happen meanwhile.
    const key = signing;
    const token = await accessToken({
      key,
      audience: `${base}/mcp-dpop`,
      cnf: { jkt: dpopJkt },
    });
    return {
      kind: "DPoP valid",
      expect: "allow",
      kid: key.kid,
      request: await dpopCall(token, "echo"),
    };
  }],
  [3, "DPoP valid, admin tool (step-up)", async () => {
    const token = await accessToken({
      audience: `${base}/mcp-dpop`,
      cnf: { jkt: dpopJkt },
    });
    return {
      kind: "DPoP valid, admin tool (step-up)",
      expect: "deny",
      request: await dpopCall(token, "admin_reset"),
    };
  }],
  [4, "DPoP replayed proof", async () => {
    const token = await accessToken({
      audience: `${base}/mcp-dpop`,
      cnf: { jkt: dpopJkt },
    });
    const { accepted, request } = await replayed(token);
    // A proof is consumed only by a request that was accepted: when its
    // first use was refused (say, for a key not fetched yet), sending it
    // again is a retry, not a replay.
    return accepted
      ? { kind: "DPoP replayed proof", expect: "deny", request }
      : { kind: "DPoP proof re-sent after a refusal", expect: "any", request };
  }],
  [4, "DPoP stolen token (thief's proof)", async () => {
    const token = await accessToken({
      audience: `${base}/mcp-dpop`,
      cnf: { jkt: dpopJkt },
    });
    return {
      kind: "DPoP stolen token (thief's proof)",
      expect: "deny",
      request: await dpopCall(token, "echo", dpopThief),
    };
  }],
  [4, "DPoP-bound token as Bearer", async () => {
    const token = await accessToken({ cnf: { jkt: dpopJkt } });
    return {
      kind: "DPoP-bound token as Bearer",
      expect: "deny",
      request: new Request(`${base}/mcp-dpop`, {
        method: "POST",
        headers: { ...JSON_RPC, authorization: `Bearer ${token}` },
        body: call("echo"),
      }),
    };
  }],
];

/** A tools/call to the DPoP endpoint: `token`, and a proof signed by `key`. */
async function dpopCall(
  token: string,
  tool: string,
  key: SigningKey = dpopClient,
): Promise<Request> {
  return new Request(`${base}/mcp-dpop`, {
    method: "POST",
    headers: {
      ...JSON_RPC,
      authorization: `DPoP ${token}`,
      dpop: await dpopProof(token, key),
    },
    body: call(tool),
  });
}

// A replay: the proof is used once (by a legitimate request first), then
// sent again; the second use is what is counted.
async function replayed(
  token: string,
): Promise<{ accepted: boolean; request: Request }> {
  const proof = await dpopProof(token);
  const init = () => ({
    method: "POST",
    headers: { ...JSON_RPC, authorization: `DPoP ${token}`, dpop: proof },
    body: call("echo"),
  });
  const first = await fetch(`${base}/mcp-dpop`, init());
  await first.body?.cancel();
  return {
    accepted: first.status === 200,
    request: new Request(`${base}/mcp-dpop`, init()),
  };
}

const totalWeight = MIX.reduce((sum, [weight]) => sum + weight, 0);
function pick(): () => Promise<Planned> {
  let roll = random() * totalWeight;
  for (const [weight, , make] of MIX) {
    roll -= weight;
    if (roll < 0) return make;
  }
  return MIX[0]![2];
}

// ----------------------------------------------------------------- faults

const events: string[] = [];
const started = performance.now();
const elapsed = () => performance.now() - started;
const stamp = () => `${(elapsed() / 1_000).toFixed(1)} s`;

const schedule: Array<[number, () => Promise<void> | void]> = [
  [0.15, () => {
    jwks.published = [k1, k2];
    signing = k2;
    events.push(`${stamp()} rotate: publish k2, sign with k2`);
  }],
  [0.30, () => {
    jwks.published = [k2];
    // No k1 token has been minted since the rotation: k1 may now go.
    cachedKids.delete("k1");
    events.push(`${stamp()} retire k1`);
  }],
  [0.35, () => {
    coldJwks.start();
    events.push(`${stamp()} cold JWKS server up`);
  }],
  [0.45, async () => {
    await jwks.stop();
    events.push(`${stamp()} JWKS server down`);
  }],
  [0.55, () => {
    jwks.published = [k2, k3];
    signing = k3;
    events.push(`${stamp()} rotate while down: sign with k3`);
  }],
  [0.70, () => {
    jwks.start();
    events.push(`${stamp()} JWKS server up`);
  }],
];

// ------------------------------------------------------------------- run

interface Outcome {
  kind: string;
  expect: Expect;
  kid: string | undefined;
  status: number | "transport";
  /** A 2xx whose body is a JSON-RPC result: the tool ran. */
  granted: boolean;
  ms: number;
  cachedAtSend: boolean;
  jwksDownAtSend: boolean;
  /** A 401/403 of the DPoP-only endpoint whose challenge is not `DPoP`. */
  wrongScheme: boolean;
}

const outcomes: Outcome[] = [];
// A kid is "cached" from the moment a valid token signed with it was
// accepted: the verifier held the key then, and never drops it afterwards
// (no key is retired while tokens signed with it are still sent).
const cachedKids = new Set<string>();
const firstAccepted = new Map<string, number>();
const violations: string[] = [];

function memory() {
  const { rss, heapUsed } = Deno.memoryUsage();
  return { rss, heapUsed };
}
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = memory();
const peak = { ...before };
const sampler = setInterval(() => {
  const now = memory();
  peak.rss = Math.max(peak.rss, now.rss);
  peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
  replayPeak = Math.max(replayPeak, replayStore.size);
  tokenCachePeak = Math.max(
    tokenCachePeak,
    cacheOf(verifier)?.keys().length ?? 0,
  );
}, 50);

let sent = 0;
let nextEvent = 0;
async function maybeFault(): Promise<void> {
  // Progress is time or requests, whichever runs out first.
  const progress = Math.max(
    elapsed() / settings.durationMs,
    sent / settings.requests,
  );
  while (nextEvent < schedule.length && progress >= schedule[nextEvent]![0]) {
    const [, action] = schedule[nextEvent++]!;
    await action();
  }
}

async function worker(): Promise<void> {
  while (sent < settings.requests && elapsed() < settings.durationMs) {
    sent++;
    await maybeFault();
    const planned = await pick()();
    const cachedAtSend = planned.kid !== undefined &&
      cachedKids.has(planned.kid);
    const jwksDownAtSend = !jwks.up && planned.kid !== cold.kid;
    const t0 = performance.now();
    let status: number | "transport";
    let granted = false;
    let wrongScheme = false;
    try {
      const response = await fetch(planned.request, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = response.status;
      wrongScheme = planned.request.url.endsWith("/mcp-dpop") &&
        (status === 401 || status === 403) &&
        !/^DPoP /.test(response.headers.get("www-authenticate") ?? "");
      if (status >= 200 && status < 300) {
        // A 2xx may carry a JSON-RPC error (an unknown or hidden tool):
        // only a result that is not a tool error means the call ran.
        const body = await response.text();
        granted = /"result":/.test(body) && !/"isError":true/.test(body);
      }
      if (
        settings.detail && planned.expect === "allow" && cachedAtSend &&
        status !== 200 && violations.length < 50
      ) {
        violations.push(
          `${planned.kind} ${planned.kid} ${status} ${
            response.headers.get("www-authenticate")
          } at ${stamp()}`,
        );
      }
      if (!response.bodyUsed) await response.body?.cancel();
    } catch {
      status = "transport";
    }
    const ms = performance.now() - t0;
    if (planned.expect === "allow" && granted && planned.kid !== undefined) {
      cachedKids.add(planned.kid);
      if (!firstAccepted.has(planned.kid)) {
        firstAccepted.set(planned.kid, elapsed());
      }
    }
    outcomes.push({
      kind: planned.kind,
      expect: planned.expect,
      kid: planned.kid,
      status,
      granted,
      ms,
      cachedAtSend,
      jwksDownAtSend,
      wrongScheme,
    });
  }
}

await Promise.all(Array.from({ length: settings.concurrency }, worker));
// Bring everything to its final state even when the run ended early.
while (nextEvent < schedule.length) {
  const [, action] = schedule[nextEvent++]!;
  await action();
}
const runMs = elapsed();
clearInterval(sampler);

await mcpServer.shutdown();
await jwks.stop();
await coldJwks.stop();
gc?.();
const after = memory();

// ----------------------------------------------------------------- report

const is2xx = (o: Outcome) =>
  typeof o.status === "number" && o.status >= 200 && o.status < 300;
const count = (predicate: (o: Outcome) => boolean) =>
  outcomes.filter(predicate).length;
const statusCount = (status: number | "transport") =>
  count((o) => o.status === status);

const granted = (o: Outcome) => o.granted;
const admitted = count((o) => o.expect === "deny" && granted(o));
const fivehundreds = count((o) =>
  typeof o.status === "number" && o.status >= 500 && o.status !== 503
);
const refusedCached = count((o) =>
  o.expect === "allow" && o.cachedAtSend && !granted(o)
);
const transport = statusCount("transport");
const wrongSchemes = count((o) => o.wrongScheme);
const fetchBound = 1 + Math.ceil(runMs / settings.cooldownMs);
const heapGrowth = after.heapUsed - before.heapUsed;
const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
const percentile = (p: number) =>
  latencies.length === 0 ? 0 : latencies[
    Math.min(latencies.length - 1, Math.floor(p * latencies.length))
  ]!;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const other = count((o) =>
  typeof o.status === "number" &&
  ![200, 400, 401, 403, 500, 503].includes(o.status)
);

const rows: Array<[string, string, string]> = [];
const check = (ok: boolean) => (ok ? "ok" : "BROKEN");
rows.push(["requests sent", String(outcomes.length), ""]);
rows.push(["  2xx, call ran", String(count(granted)), ""]);
rows.push([
  "  2xx, JSON-RPC error",
  String(count((o) => is2xx(o) && !granted(o))),
  "",
]);
for (const status of [400, 401, 403, 503] as const) {
  rows.push([`  ${status}`, String(statusCount(status)), ""]);
}
rows.push(["  500", String(statusCount(500)), ""]);
rows.push(["  other status", String(other), ""]);
rows.push([
  "  transport error",
  String(transport),
  `= 0: ${check(transport === 0)}`,
]);
rows.push([
  "invalid tokens admitted",
  String(admitted),
  `= 0: ${check(admitted === 0)}`,
]);
rows.push([
  "500s (any 5xx but 503)",
  String(fivehundreds),
  `= 0: ${check(fivehundreds === 0)}`,
]);
rows.push([
  "valid requests refused while key cached",
  String(refusedCached),
  `= 0: ${check(refusedCached === 0)}`,
]);
rows.push([
  "DPoP endpoint 401/403 not in the DPoP scheme",
  String(wrongSchemes),
  `= 0: ${check(wrongSchemes === 0)}`,
]);
rows.push([
  "valid requests served while JWKS down",
  `${count((o) => o.expect === "allow" && o.jwksDownAtSend && granted(o))} of ${
    count((o) => o.expect === "allow" && o.jwksDownAtSend)
  }`,
  "",
]);
rows.push([
  "JWKS fetches, attempted / served",
  `${fetchAttempts.length} / ${jwks.served}`,
  `<= ${fetchBound} (1 + run / ${settings.cooldownMs} ms cooldown): ${
    check(fetchAttempts.length <= fetchBound)
  }`,
]);
rows.push([
  "  cold-start issuer",
  `${coldFetchAttempts.length} / ${coldJwks.served}`,
  `<= ${fetchBound}: ${check(coldFetchAttempts.length <= fetchBound)}`,
]);
rows.push([
  "DPoP replay store entries (peak)",
  String(replayPeak),
  `<= ${REPLAY_MAX}: ${check(replayPeak <= REPLAY_MAX)}`,
]);
rows.push([
  "JWT token cache entries (peak)",
  String(tokenCachePeak),
  `<= ${TOKEN_CACHE_MAX}: ${check(tokenCachePeak <= TOKEN_CACHE_MAX)}`,
]);
rows.push([
  "RSS before / peak / after",
  `${mb(before.rss)} / ${mb(peak.rss)} / ${mb(after.rss)}`,
  "",
]);
rows.push([
  "heap before / peak / after",
  `${mb(before.heapUsed)} / ${mb(peak.heapUsed)} / ${mb(after.heapUsed)}`,
  `growth < ${mb(HEAP_GROWTH_LIMIT)}: ${check(heapGrowth < HEAP_GROWTH_LIMIT)}`,
]);
rows.push([
  "latency p50 / p99",
  `${percentile(0.5).toFixed(1)} ms / ${percentile(0.99).toFixed(1)} ms`,
  "",
]);
rows.push([
  "run time",
  `${(runMs / 1_000).toFixed(1)} s, ${settings.concurrency} clients`,
  "",
]);

const widths = [0, 1, 2].map((i) =>
  Math.max(
    ...rows.map((row) => row[i]!.length),
    ["metric", "value", "invariant"][i]!.length,
  )
);
const line = (cells: string[]) =>
  `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
console.log(`stress: ${events.join("; ")}`);
for (const [kid, at] of firstAccepted) {
  console.log(
    `stress: first token signed with ${kid} accepted at ${
      (at / 1_000).toFixed(1)
    } s`,
  );
}
console.log(line(["metric", "value", "invariant"]));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const row of rows) console.log(line(row));

if (settings.detail) {
  for (const violation of violations) console.log(`violation: ${violation}`);
  const kinds = [...new Set(outcomes.map((o) => o.kind))];
  console.log("\nper kind:");
  for (const kind of kinds) {
    const of = outcomes.filter((o) => o.kind === kind);
    const byStatus = new Map<string, number>();
    for (const o of of) {
      const key = o.granted ? "200 (ran)" : String(o.status);
      byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    }
    console.log(
      `  ${kind}: ${[...byStatus].map(([s, n]) => `${s}x${n}`).join(" ")}`,
    );
  }
}

const broken = transport > 0 || admitted > 0 || fivehundreds > 0 ||
  wrongSchemes > 0 ||
  replayPeak > REPLAY_MAX || tokenCachePeak > TOKEN_CACHE_MAX ||
  refusedCached > 0 || fetchAttempts.length > fetchBound ||
  coldFetchAttempts.length > fetchBound ||
  heapGrowth >= HEAP_GROWTH_LIMIT || !gc;
if (!gc) {
  console.log(
    "stress: run with --v8-flags=--expose-gc (deno task stress does)",
  );
}
Deno.exit(broken ? 1 : 0);
