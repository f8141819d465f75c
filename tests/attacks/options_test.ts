// Attacks on the options of every public factory and constructor (every
// entry point of deno.json `exports`), on the core's callbacks and scope
// sets, and on AuthZEN's PDP answers: a fake PDP on 127.0.0.1 for malformed
// answers, the real Cerbos PDP (needs("cerbos")) for outage and hostile
// input. Each case asserts the refusal (TypeError and its message) or the
// denial; none may end in a grant, a raw error or a leaked secret.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "@modelcontextprotocol/server";
import { McpServer as McpServerV1 } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as jose from "jose";
import {
  type AccessToken,
  allOf,
  anyOf,
  AuthContext,
  AuthorizationError,
  AuthorizationUnavailableError,
  Authorizer,
  bearerAuth,
  challengeResponse,
  type Component,
  createDpopNoncePolicy,
  type DecisionEvent,
  dpopScheme,
  DpopVerifier,
  InsufficientScopeError,
  IntrospectionVerifier,
  JwtVerifier,
  MemoryCacheStore,
  MemoryReplayStore,
  protectedResourceMetadata,
  requireRoles,
  requireScopes,
  restrictTag,
  runAuthChecks,
  runAuthChecksWithShortfall,
  StaticTokenVerifier,
  withBearerAuth,
} from "../../mod.ts";
import { guardedMcpHandler, guardServer } from "../../src/mcp/mod.ts";
import { guardServer as guardServerV1 } from "../../src/mcp/mod_v1.ts";
import { authzenCheck, compileMappings } from "../../src/authzen/mod.ts";
import {
  mcpBearerAuth,
  protectedResourceMetadataRoute as honoMetadataRoute,
} from "../../src/adapters/mod_hono.ts";
import { withMcpAuth } from "../../src/adapters/mod_mcp_handler.ts";
import {
  nodeBearerAuth,
  protectedResourceMetadataRoute as nodeMetadataRoute,
  withNodeBearerAuth,
} from "../../src/adapters/mod_node.ts";
import { withOAuthProviderAuth } from "../../src/adapters/mod_workers.ts";
import { otelDecisions } from "../../src/otel/mod.ts";
import { RedisStore } from "../../src/stores/mod_redis.ts";
import { DenoKvStore } from "../../src/stores/mod_deno_kv.ts";
import { DurableObjectStore } from "../../src/stores/mod_durable_objects.ts";
import { createDevAuthorizationServer } from "../../src/dev/mod.ts";
import { serve, type Served } from "../_serve.ts";
import { type Cerbos, needsCerbos, startCerbos } from "../authzen/_cerbos.ts";

// ---------------------------------------------------------------------------
// Fixtures

const SECRET = "s3cr3t-access-token-value";
const NOT_FOUND = "Component not found or not authorized";

function tokenOf(
  scopes: string[],
  claims: Record<string, unknown> = { sub: "alice" },
): AccessToken {
  return { token: SECRET, clientId: "agent", scopes, claims };
}

function tool(name: string, extra: Partial<Component> = {}): Component {
  return { kind: "tool", name, ...extra };
}

const verifier = new StaticTokenVerifier({
  tokens: { [SECRET]: { clientId: "agent", scopes: ["mcp"] } },
});

/** Whatever `fn` throws, or rejects with. */
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  return assert.fail("expected a refusal");
}

/** `fn` refuses with a TypeError whose message matches `pattern`. */
async function refuses(
  fn: () => unknown,
  pattern: RegExp,
  secret?: string,
): Promise<void> {
  const error = await failure(fn);
  assert.ok(error instanceof TypeError, `not a TypeError: ${String(error)}`);
  assert.match(error.message, pattern);
  if (secret !== undefined) {
    assert.ok(!error.message.includes(secret), error.message);
    assert.equal(error.cause, undefined);
  }
}

/** A Proxy over `target` whose every trap throws. */
function hostileProxy(target: object): object {
  const trap = () => {
    throw new Error("trap-secret");
  };
  return new Proxy(target, {
    get: trap,
    has: trap,
    ownKeys: trap,
    getOwnPropertyDescriptor: trap,
    getPrototypeOf: trap,
  });
}

/** Silences console.warn (the default reporters) around `fn`. */
async function quietly<T>(fn: () => T | Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

const fakeRedis = { sendCommand: () => Promise.resolve("OK") };
const fakeKv = {
  get: () => Promise.resolve({ value: null }),
  set: () => Promise.resolve({ ok: true }),
  delete: () => Promise.resolve(),
  atomic: () => ({}),
};
const fakeNamespace = {
  idFromName: () => ({}),
  get: () => ({ fetch: () => Promise.resolve(new Response("{}")) }),
};
const METADATA = {
  resource: "https://mcp.example.com/mcp",
  authorizationServers: ["https://as.example.com"],
};

/**
 * Every factory and constructor of every entry point that takes an options
 * object, with options it accepts. `first` is the option each attack aims at.
 */
interface Target {
  name: string;
  make: (options: unknown) => unknown;
  valid: Record<string, unknown>;
}

const TARGETS: Target[] = [
  // "." (mod.ts): core
  {
    name: "Authorizer",
    make: (o) => new Authorizer(o as never),
    valid: { layers: [requireScopes("a")] },
  },
  {
    name: "restrictTag",
    make: (o) => restrictTag("admin", o as never),
    valid: { scopes: ["admin"] },
  },
  {
    name: "requireRoles",
    make: (o) => requireRoles(["editor"], o as never),
    valid: { extract: () => [] },
  },
  // "." : verify
  {
    name: "StaticTokenVerifier",
    make: (o) => new StaticTokenVerifier(o as never),
    valid: { tokens: { t: { clientId: "c", scopes: [] } } },
  },
  {
    name: "JwtVerifier",
    make: (o) => new JwtVerifier(o as never),
    valid: {
      jwksUri: "https://as.example.com/jwks",
      issuer: "https://as.example.com",
      audience: "https://mcp.example.com/mcp",
    },
  },
  {
    name: "IntrospectionVerifier",
    make: (o) => new IntrospectionVerifier(o as never),
    valid: {
      endpoint: "https://as.example.com/introspect",
      clientId: "rs",
      clientSecret: "rs-secret-value",
      issuer: "https://as.example.com",
      audience: "https://mcp.example.com/mcp",
    },
  },
  {
    name: "MemoryCacheStore",
    make: (o) => new MemoryCacheStore(o as never),
    valid: { maxEntries: 10 },
  },
  // "." : dpop
  {
    name: "DpopVerifier",
    make: (o) => new DpopVerifier(o as never),
    valid: { maxAge: 60 },
  },
  {
    name: "MemoryReplayStore",
    make: (o) => new MemoryReplayStore(o as never),
    valid: { maxEntries: 10 },
  },
  {
    name: "createDpopNoncePolicy",
    make: (o) => createDpopNoncePolicy(o as never),
    valid: { secret: new Uint8Array(32).fill(7) },
  },
  {
    name: "dpopScheme",
    make: (o) => dpopScheme(o as never),
    valid: { required: true },
  },
  // "." : http
  {
    name: "bearerAuth",
    make: (o) => bearerAuth(o as never),
    valid: { verifier },
  },
  {
    name: "withBearerAuth",
    make: (o) => withBearerAuth(() => new Response("ok"), o as never),
    valid: { verifier },
  },
  {
    name: "challengeResponse",
    make: (o) => challengeResponse({ type: "missing_token" }, o as never),
    valid: { realm: "mcp" },
  },
  {
    name: "protectedResourceMetadata",
    make: (o) => protectedResourceMetadata(o as never),
    valid: { ...METADATA },
  },
  // "./mcp", "./mcp/v1"
  {
    name: "guardServer",
    make: (o) =>
      guardServer(new McpServer({ name: "x", version: "1" }), o as never),
    valid: { authorizer: new Authorizer() },
  },
  {
    name: "guardServer (v1)",
    make: (o) =>
      guardServerV1(new McpServerV1({ name: "x", version: "1" }), o as never),
    valid: { authorizer: new Authorizer() },
  },
  {
    name: "guardedMcpHandler",
    make: (o) =>
      guardedMcpHandler(
        () =>
          guardServer(new McpServer({ name: "x", version: "1" }), {
            authorizer: new Authorizer(),
          }),
        o as never,
      ),
    valid: { preflight: { realm: "mcp" } },
  },
  // "./authzen"
  {
    name: "authzenCheck",
    make: (o) => authzenCheck(o as never),
    valid: { pdp: "http://127.0.0.1:1", timeoutMs: 100 },
  },
  // "./hono", "./mcp-handler", "./node", "./workers"
  {
    name: "mcpBearerAuth",
    make: (o) => mcpBearerAuth(o as never),
    valid: { verifier },
  },
  {
    name: "protectedResourceMetadataRoute (hono)",
    make: (o) => honoMetadataRoute(o as never),
    valid: { ...METADATA },
  },
  {
    name: "withMcpAuth",
    make: (o) => withMcpAuth(() => new Response("ok"), o as never),
    valid: { verifier },
  },
  {
    name: "nodeBearerAuth",
    make: (o) => nodeBearerAuth(o as never),
    valid: { verifier },
  },
  {
    name: "withNodeBearerAuth",
    make: (o) => withNodeBearerAuth(() => {}, o as never),
    valid: { verifier },
  },
  {
    name: "protectedResourceMetadataRoute (node)",
    make: (o) => nodeMetadataRoute(o as never),
    valid: { ...METADATA },
  },
  {
    name: "withOAuthProviderAuth",
    make: (o) => withOAuthProviderAuth(() => new Response("ok"), o as never),
    valid: {
      resourceMetadataUrl:
        "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
    },
  },
  // "./otel"
  {
    name: "otelDecisions",
    make: (o) => otelDecisions(o as never),
    valid: { spans: false },
  },
  // "./redis", "./deno-kv", "./durable-objects"
  {
    name: "RedisStore",
    make: (o) => new RedisStore(o as never),
    valid: { client: fakeRedis },
  },
  {
    name: "DenoKvStore",
    make: (o) => new DenoKvStore(o as never),
    valid: { kv: fakeKv },
  },
  {
    name: "DurableObjectStore",
    make: (o) => new DurableObjectStore(o as never),
    valid: { namespace: fakeNamespace },
  },
  // "./dev"
  {
    name: "createDevAuthorizationServer",
    make: (o) => createDevAuthorizationServer(o as never),
    valid: {
      issuer: "http://127.0.0.1:9",
      resource: "http://127.0.0.1:8/mcp",
      scopesSupported: ["mcp"],
    },
  },
];

/** The target's first option name, misspelt by one letter. */
function typoOf(name: string): string {
  return name.length > 4 ? name.slice(0, -1) : `${name}x`;
}

describe("attack: every factory's options object", () => {
  for (const { name, make, valid } of TARGETS) {
    const first = Object.keys(valid)[0]!;

    it(`${name}: accepts its options as a literal, frozen, or null-prototype`, async () => {
      await make({ ...valid });
      await make(Object.freeze({ ...valid }));
      await make(Object.assign(Object.create(null), valid));
    });

    it(`${name}: refuses a misspelt option, naming the one meant`, async () => {
      const typo = typoOf(first);
      const options: Record<string, unknown> = {
        ...valid,
        [typo]: valid[first],
      };
      delete options[first];
      await refuses(
        () => make(options),
        new RegExp(
          `Unknown .* option "${typo}" \\(did you mean "${first}"\\?\\)`,
        ),
      );
    });

    it(`${name}: refuses an unknown option and a non-enumerable one`, async () => {
      await refuses(
        () => make({ ...valid, allowEverything: true }),
        /Unknown .* option "allowEverything"/,
      );
      await refuses(
        () =>
          make(
            Object.defineProperty({ ...valid }, "allowEverything", {
              value: true,
              enumerable: false,
            }),
          ),
        /Unknown .* option "allowEverything"/,
      );
    });

    it(`${name}: refuses a Map, a class instance and inherited options`, async () => {
      await refuses(
        () => make(new Map(Object.entries(valid))),
        /plain object\), got an instance of Map/,
      );
      class Options {
        constructor() {
          Object.assign(this, valid);
        }
      }
      await refuses(
        () => make(new Options()),
        /plain object\), got an instance of Options/,
      );
      await refuses(
        () => make(Object.create({ ...valid })),
        /plain object\), got an object inheriting its options/,
      );
    });

    it(`${name}: refuses an array, a function, a string and null`, async () => {
      for (
        const wrong of [[valid], Object.assign(() => {}, valid), "x", null]
      ) {
        await refuses(() => make(wrong), /expects|needs|must|takes/);
      }
    });

    it(`${name}: a Proxy whose traps throw is a TypeError that quotes nothing`, async () => {
      await refuses(
        () => make(hostileProxy({ ...valid })),
        /could not read its options|expects/,
        "trap-secret",
      );
    });

    it(`${name}: a getter that throws is a TypeError naming the option, not what it threw`, async () => {
      const options = Object.defineProperty({ ...valid }, first, {
        enumerable: true,
        get() {
          throw new Error("getter-secret");
        },
      });
      await refuses(
        () => make(options),
        new RegExp(`option "${first}" could not be read: its getter threw`),
        "getter-secret",
      );
    });

    it(`${name}: reads each option once (a getter cannot change its answer after the checks)`, async () => {
      const reads = new Map<string, number>();
      const options = {};
      for (const [key, value] of Object.entries(valid)) {
        Object.defineProperty(options, key, {
          enumerable: true,
          get() {
            reads.set(key, (reads.get(key) ?? 0) + 1);
            return value;
          },
        });
      }
      await make(options);
      for (const key of Object.keys(valid)) {
        assert.equal(reads.get(key), 1, key);
      }
    });
  }

  it("Authorizer: a Map of layers would have been no layers at all: refused", async () => {
    // Before: Object.keys(map) is empty, so this built an Authorizer with
    // no layers, which grants every component to every token.
    const options = new Map([["layers", [requireScopes("admin")]]]);
    await refuses(() => new Authorizer(options as never), /instance of Map/);
  });

  it("Authorizer: a getter answering one value to validation and another later cannot swap the layers", async () => {
    let reads = 0;
    const options = {
      get layers() {
        reads++;
        return reads === 1 ? [requireScopes("admin")] : [];
      },
    };
    const authorizer = new Authorizer(options);
    await assert.rejects(
      authorizer.authorize(tokenOf(["user"]), tool("drop")),
      InsufficientScopeError,
    );
    assert.equal(reads, 1);
  });

  it("authzenCheck cache sub-options: unknown key, Map and negative numbers refused", async () => {
    const pdp = "http://127.0.0.1:1";
    await refuses(
      () => authzenCheck({ pdp, cache: { ttl: 5 } as never }),
      /Unknown authzenCheck "cache" option "ttl" \(did you mean "ttlMs"\?\)/,
    );
    await refuses(
      () => authzenCheck({ pdp, cache: new Map() as never }),
      /instance of Map/,
    );
    for (const ttlMs of [-1, 0, NaN, Infinity]) {
      await refuses(
        () => authzenCheck({ pdp, cache: { ttlMs } }),
        /"cache\.ttlMs" must be a finite number of milliseconds/,
      );
    }
  });

  it("compileMappings: refuses a Map and an unknown tool key", async () => {
    await refuses(() => compileMappings(new Map() as never), /mappings|object/);
    await assert.rejects(
      compileMappings({ tool: { evaluatoin: {} } } as never),
      (error: unknown) => error instanceof Error,
    );
  });
});
