// Shared stores, as ratios in the same run:
// - a whole DPoP request (bearerAuth + dpop, fresh proof each time) with
//   the in-memory replay store (baseline), with RedisStore through
//   node-redis and ioredis (the price of one Redis round trip), and with
//   DenoKvStore on a local SQLite database (one atomic commit);
// - IntrospectionVerifier answering a token another instance already asked
//   about (shared cache hit: one GET and an AES-GCM open) against asking a
//   local introspection endpoint, and against its own local cache;
// - one JWT verification against one Redis GET: why JwtVerifier's cache is
//   not shared.
// It also prints how many introspection calls the shared cache saves.
//
// Redis: MCP_AUTHZ_REDIS_URL, else a redis-server it starts on 127.0.0.1
// (skipped, with a note, when there is none).
// Run: deno bench -A bench/stores_bench.ts (Deno KV: "unstable": ["kv"] in
// the root deno.json).
import { createClient } from "redis";
import { Redis } from "ioredis";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
} from "jose";
import {
  accessTokenHash,
  bearerAuth,
  dpopScheme,
  IntrospectionVerifier,
  JwtVerifier,
  MemoryReplayStore,
  type ReplayStore,
  StaticTokenVerifier,
} from "../mod.ts";
import { RedisStore } from "../src/stores/mod_redis.ts";
import { DenoKvStore } from "../src/stores/mod_deno_kv.ts";

const URL_ = "https://mcp.example.com/mcp";

// ------------------------------------------------------------- Redis

async function redisUrl(): Promise<string | undefined> {
  const given = Deno.env.get("MCP_AUTHZ_REDIS_URL");
  if (given) return given;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  try {
    const child = new Deno.Command("redis-server", {
      args: [
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    globalThis.addEventListener("unload", () => child.kill("SIGKILL"));
    child.unref();
    for (let i = 0; i < 100; i++) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return `redis://127.0.0.1:${port}`;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } catch {
    // no redis-server
  }
  console.error(
    "stores_bench: no Redis (set MCP_AUTHZ_REDIS_URL or install redis-server)",
  );
  return undefined;
}

const url = await redisUrl();
const ignore = url === undefined;
const nodeRedis = url === undefined
  ? undefined
  : await createClient({ url }).connect();
const ioredis = url === undefined ? undefined : new Redis(url);
// The redis-server started above is killed at unload, with both clients
// still connected: their "Socket closed" then is expected, not an error of
// the bench (a store that fails mid-run throws from its case instead).
nodeRedis?.on("error", () => {});
ioredis?.on("error", () => {});
const prefix = `bench${Date.now().toString(36)}`;
const nodeRedisStore = nodeRedis &&
  new RedisStore({ client: nodeRedis, prefix });
const ioredisStore = ioredis && new RedisStore({ client: ioredis, prefix });

// ------------------------------------------------- DPoP request, per store

const { privateKey, publicKey } = await generateKeyPair("ES256");
const jwk = await exportJWK(publicKey);
const jkt = await calculateJwkThumbprint(jwk);
const TOKEN = "bench-bound-token";
const ath = await accessTokenHash(TOKEN);
const tokens = new StaticTokenVerifier({
  tokens: {
    [TOKEN]: { clientId: "app", scopes: ["mcp"], claims: { cnf: { jkt } } },
  },
});

function dpopRequest(proof: string): Request {
  return new Request(URL_, {
    method: "POST",
    headers: { authorization: `DPoP ${TOKEN}`, dpop: proof },
  });
}

function freshProof(): Promise<string> {
  return new SignJWT({ htm: "POST", htu: URL_, ath })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk })
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .sign(privateKey);
}

function dpopBench(
  name: string,
  store: ReplayStore | undefined,
  baseline = false,
): void {
  const auth = store &&
    bearerAuth({
      verifier: tokens,
      dpop: dpopScheme({ required: true, replayStore: store }),
    });
  Deno.bench(name, {
    group: "dpop request",
    baseline,
    ignore: store === undefined,
  }, async (b) => {
    const request = dpopRequest(await freshProof()); // signing is the client's cost
    b.start();
    const result = await auth!(request);
    b.end();
    if (result instanceof Response) {
      throw new Error(`refused: ${result.status}`);
    }
  });
}

dpopBench(
  "DPoP request, MemoryReplayStore (baseline)",
  new MemoryReplayStore(),
  true,
);
dpopBench("DPoP request, RedisStore via node-redis", nodeRedisStore);
dpopBench("DPoP request, RedisStore via ioredis", ioredisStore);
const kvDirectory = await Deno.makeTempDir({ prefix: "mcp-authz-bench-kv-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(kvDirectory, { recursive: true });
});
dpopBench(
  "DPoP request, DenoKvStore (SQLite file)",
  new DenoKvStore({ kv: await Deno.openKv(`${kvDirectory}/kv.sqlite3`) }),
);

// -------------------------------------------------- shared introspection

const introspectionCalls = { count: 0 };
const authorizationServer = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  async (request) => {
    introspectionCalls.count++;
    await request.text();
    return Response.json({
      active: true,
      client_id: "app",
      scope: "mcp",
      aud: URL_,
      exp: Math.floor(Date.now() / 1000) + 3_600,
    });
  },
);
const endpoint = `http://127.0.0.1:${authorizationServer.addr.port}/introspect`;
const secret = crypto.getRandomValues(new Uint8Array(32));

function introspection(
  options: { shared?: boolean; local?: boolean },
): IntrospectionVerifier {
  return new IntrospectionVerifier({
    endpoint,
    clientId: "mcp-server",
    clientSecret: "bench-secret",
    issuer: "http://127.0.0.1/issuer",
    audience: URL_,
    cache: options.local === false ? { maxEntries: 0 } : {},
    ...(options.shared && nodeRedisStore
      ? { sharedCache: { store: nodeRedisStore, secret } }
      : {}),
  });
}

// Each instance that has not seen the token: no local copy, the shared one.
const sharedReader = introspection({ shared: true, local: false });
const direct = introspection({ local: false });
const warm = introspection({});
await warm.verifyToken("warm-token");
if (!ignore) await introspection({ shared: true }).verifyToken("shared-token");

Deno.bench("introspection endpoint on 127.0.0.1 (baseline)", {
  group: "introspection",
  baseline: true,
}, async () => {
  await direct.verifyToken("direct-token");
});
Deno.bench("shared cache hit (Redis GET, AES-GCM open)", {
  group: "introspection",
  ignore,
}, async () => {
  await sharedReader.verifyToken("shared-token");
});
Deno.bench("local cache hit", { group: "introspection" }, async () => {
  await warm.verifyToken("warm-token");
});

// ---------------------------------------------------- JWT against Redis

const issuer = await generateKeyPair("ES256");
const jwtVerifier = new JwtVerifier({
  jwks: { keys: [{ ...(await exportJWK(issuer.publicKey)), kid: "k" }] },
  issuer: "http://127.0.0.1/issuer",
  audience: URL_,
  cache: false,
});
const jwt = await new SignJWT({ scope: "mcp" })
  .setProtectedHeader({ alg: "ES256", kid: "k", typ: "at+jwt" })
  .setIssuer("http://127.0.0.1/issuer")
  .setAudience(URL_)
  .setExpirationTime("1h")
  .sign(issuer.privateKey);

Deno.bench("JwtVerifier, fresh ES256 token (baseline)", {
  group: "jwt",
  baseline: true,
}, async () => {
  await jwtVerifier.verifyToken(jwt);
});
Deno.bench(
  "one Redis GET round trip (node-redis)",
  { group: "jwt", ignore },
  async () => {
    await nodeRedisStore!.get("absent");
  },
);

// --------------------------------------- introspection calls saved, counted

if (!ignore) {
  const INSTANCES = 4;
  const TOKENS = 50;
  const REQUESTS = 10; // per token, per instance
  const count = async (shared: boolean): Promise<number> => {
    const before = introspectionCalls.count;
    const fleet = Array.from(
      { length: INSTANCES },
      () => introspection({ shared }),
    );
    const run = `${shared ? "s" : "n"}${Date.now()}`;
    await Promise.all(
      Array.from({ length: TOKENS }, async (_, t) => {
        for (let r = 0; r < REQUESTS; r++) {
          await Promise.all(
            fleet.map((verifier) => verifier.verifyToken(`${run}-${t}`)),
          );
        }
      }),
    );
    return introspectionCalls.count - before;
  };
  const alone = await count(false);
  const together = await count(true);
  console.log(
    `introspection calls, ${INSTANCES} instances x ${TOKENS} tokens x ${REQUESTS} requests each: ` +
      `${alone} without sharedCache, ${together} with it (${
        alone - together
      } saved)`,
  );
}
