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

// ---------------------------------------------------------------------------
// Wrong values of single options: NaN, Infinity, negatives, empty strings,
// functions where strings belong.

describe("attack: wrong option values", () => {
  const pdp = "http://127.0.0.1:1";

  it("numbers: NaN, Infinity, negative and fractional counts are refused", async () => {
    for (const timeoutMs of [NaN, Infinity, -1, 0, "100"]) {
      await refuses(
        () => authzenCheck({ pdp, timeoutMs: timeoutMs as number }),
        /authzenCheck option "timeoutMs" must be a finite number of milliseconds/,
      );
    }
    for (const maxEntries of [NaN, Infinity, -1, 1.5]) {
      await refuses(
        () => new MemoryCacheStore({ maxEntries }),
        /MemoryCacheStore option "maxEntries" must be an integer/,
      );
      await refuses(
        () => new MemoryReplayStore({ maxEntries }),
        /MemoryReplayStore option "maxEntries" must be an integer/,
      );
    }
    for (const maxAge of [NaN, Infinity, -5]) {
      await refuses(() => new DpopVerifier({ maxAge }), /"maxAge"/);
      await refuses(
        () => protectedResourceMetadata({ ...METADATA, maxAge }),
        /protectedResourceMetadata option "maxAge" must be an integer/,
      );
    }
    for (const clockTolerance of [NaN, -1, Infinity]) {
      await refuses(
        () => bearerAuth({ verifier, clockTolerance }),
        /"clockTolerance"/,
      );
    }
    for (const batchSize of [0, 1.5, NaN]) {
      await refuses(
        () => authzenCheck({ pdp, batchSize }),
        /authzenCheck option "batchSize" must be an integer/,
      );
    }
  });

  it("strings: empty strings and functions where a string belongs are refused", async () => {
    await refuses(() => authzenCheck({ pdp: "" }), /"pdp"/);
    await refuses(
      () => authzenCheck({ pdp: (() => pdp) as never }),
      /"pdp"/,
    );
    await refuses(
      () => authzenCheck({ pdp, subjectClaim: "" }),
      /authzenCheck option "subjectClaim" must be a non-empty string/,
    );
    await refuses(
      () => bearerAuth({ verifier, resource: (() => "x") as never }),
      /bearerAuth option "resource"/,
    );
    await refuses(
      () =>
        new JwtVerifier({
          jwksUri: "https://as.example.com/jwks",
          issuer: "",
          audience: "https://mcp.example.com/mcp",
        }),
      /JwtVerifier option "issuer"/,
    );
    await refuses(
      () => restrictTag("", { scopes: ["admin"] }),
      /restrictTag\(\) expects a non-empty tag string, got ""/,
    );
    await refuses(() => requireScopes(""), /requireScopes\(\) expects scopes/);
    await refuses(
      () => requireScopes("a b"),
      /requireScopes\(\) expects scopes/,
    );
    await refuses(
      () => requireRoles([""], { extract: () => [] }),
      /requireRoles\(\) expects roles to be non-empty strings/,
    );
  });

  it("a credential given as a string header is described by kind, never quoted", async () => {
    await refuses(
      () => authzenCheck({ pdp, headers: `Bearer ${SECRET}` as never }),
      /"headers" must be .*, got a string$/,
      SECRET,
    );
  });

  it("a URL option with credentials is refused without quoting the password", async () => {
    const error = await failure(() =>
      authzenCheck({ pdp: `http://user:${SECRET}@127.0.0.1:1` })
    );
    assert.ok(error instanceof TypeError);
    assert.ok(!error.message.includes(SECRET), error.message);
  });

  it("Authorizer: stepUp, listDecisions, onDecision, onError and layers of the wrong kind", async () => {
    await refuses(
      () => new Authorizer({ stepUp: "sometimes" as never }),
      /Authorizer option "stepUp" must be one of "layers", "always", "never", got "sometimes"/,
    );
    await refuses(
      () => new Authorizer({ stepUp: (() => "always") as never }),
      /"stepUp" must be one of .*got a function/,
    );
    await refuses(
      () =>
        new Authorizer({
          onDecision: () => {},
          listDecisions: "all" as never,
        }),
      /"listDecisions" must be "summary" or "each", got "all"/,
    );
    await refuses(
      () => new Authorizer({ redactDecision: (e) => e }),
      /"redactDecision" only applies to decision events: add onDecision/,
    );
    await refuses(
      () => new Authorizer({ onDecision: "console" as never }),
      /Authorizer option "onDecision" must be a function, got "console"/,
    );
    await refuses(
      () => new Authorizer({ onError: {} as never }),
      /Authorizer option "onError" must be a function, got an object/,
    );
    for (
      const layers of [
        "requireScopes",
        { 0: requireScopes("a") },
        [["not a check"]],
        [null],
      ]
    ) {
      await refuses(
        () => new Authorizer({ layers: layers as never }),
        /^Authorizer (option "layers" must be an array of checks|layer 0(, check 0,)? must be a function)/,
      );
    }
  });

  it("scopeHierarchy: a Map, a non-array value and an invalid scope are refused", async () => {
    for (
      const scopeHierarchy of [
        new Map([["admin", ["read"]]]),
        { admin: "read" },
        { admin: ["has space"] },
        { "": ["read"] },
      ]
    ) {
      await refuses(
        () => new Authorizer({ scopeHierarchy: scopeHierarchy as never }),
        /scopeHierarchy/,
      );
    }
  });

  it("restrictTag: tags as a string or options.scopes as a string are refused", async () => {
    await refuses(
      () => restrictTag(["admin"] as never, { scopes: ["admin"] }),
      /restrictTag\(\) expects a non-empty tag string, got an array/,
    );
    await refuses(
      () => restrictTag("admin", { scopes: "admin" as never }),
      /restrictTag needs \{ scopes: \[\.\.\.\] \}.*, got "admin"/,
    );
    await refuses(
      () => restrictTag("admin", { scopes: [] }),
      /restrictTag needs/,
    );
    await refuses(
      () => restrictTag("admin", { scope: ["admin"] } as never),
      /Unknown restrictTag option "scope" \(did you mean "scopes"\?\)/,
    );
  });

  it("combinators: no branch, or a branch that is not a function, is refused", async () => {
    await refuses(() => anyOf(), /anyOf\(\) needs at least one check/);
    await refuses(() => allOf(), /allOf\(\) needs at least one check/);
    await refuses(
      () => anyOf(requireScopes("a"), "admin" as never),
      /anyOf\(\) expects every check to be a function .*got "admin" at position 1/,
    );
    await refuses(
      () => allOf(null as never),
      /allOf\(\) expects every check to be a function .*got null at position 0/,
    );
  });

  it("AuthContext: a component that is not a component is refused", async () => {
    for (
      const component of [
        undefined,
        "tool",
        { kind: "Tool", name: "x" },
        { kind: "tool", name: 1 },
        { kind: "__proto__", name: "x" },
      ]
    ) {
      await refuses(
        () => new AuthContext({ component: component as never }),
        /AuthContext needs a component/,
      );
    }
  });
});

// ---------------------------------------------------------------------------
// User callbacks: checks, onError, onDecision, redactDecision, extract.

/** Thrown values a careless or hostile callback may throw. */
function hostileThrowables(): unknown[] {
  return [
    null,
    undefined,
    Symbol("thrown"),
    SECRET,
    {
      toString() {
        throw new Error("toString-secret");
      },
    },
    Object.defineProperty(new Error("x"), "message", {
      get() {
        throw new Error("message-secret");
      },
    }),
    hostileProxy({}),
    hostileProxy(new AuthorizationError("pretend")),
  ];
}

describe("attack: user callbacks throwing and answering wrong", () => {
  it("a check throwing any non-Error value denies (authorize: not found; filter: hidden) and reaches only onError", async () => {
    for (const thrown of hostileThrowables()) {
      const reported: unknown[] = [];
      const events: DecisionEvent[] = [];
      const authorizer = new Authorizer({
        layers: [() => {
          throw thrown;
        }],
        onError: (error) => void reported.push(error),
        onDecision: (event) => void events.push(event),
      });
      const error = await failure(() =>
        authorizer.authorize(tokenOf(["a"]), tool("t"), {
          arguments: { secret: SECRET },
        })
      );
      assert.ok(error instanceof AuthorizationError);
      assert.equal(error.message, NOT_FOUND);
      assert.equal(error.cause, undefined);
      assert.deepEqual(
        await authorizer.filter(tokenOf(["a"]), [tool("t")]),
        [],
      );
      assert.equal(reported.length, 2);
      assert.equal(events[0]!.reason, "masked_error");
      assert.ok(!JSON.stringify(events).includes(SECRET));
    }
  });

  it("a check rejecting with any non-Error value denies", async () => {
    for (const thrown of hostileThrowables()) {
      const authorizer = new Authorizer({
        layers: [() => Promise.reject(thrown)],
        onError: () => {},
      });
      await assert.rejects(
        authorizer.authorize(tokenOf(["a"]), tool("t")),
        (error: unknown) =>
          error instanceof AuthorizationError && error.message === NOT_FOUND,
      );
      assert.equal(
        await runAuthChecks(() => Promise.reject(thrown), ctxOf(["a"]), {
          onError: () => {},
        }),
        false,
      );
    }
  });

  it("a check answering anything but true denies: truthy values, 'true', thenables, hostile thenables", async () => {
    const answers: unknown[] = [
      1,
      "true",
      {},
      [],
      Symbol("yes"),
      Promise.resolve("true"),
      Promise.resolve(1),
      { then: (resolve: (v: unknown) => void) => resolve("true") },
      {
        get then() {
          throw new Error("then-secret");
        },
      },
      hostileProxy({}),
      new Boolean(true),
    ];
    for (const answer of answers) {
      const check = () => answer as boolean;
      const authorizer = new Authorizer({ layers: [check], onError: () => {} });
      await assert.rejects(
        authorizer.authorize(tokenOf(["a"]), tool("t")),
        AuthorizationError,
      );
      assert.deepEqual(
        await authorizer.filter(tokenOf(["a"]), [tool("t")]),
        [],
      );
      assert.equal(
        await runAuthChecks([check], ctxOf(["a"]), { onError: () => {} }),
        false,
      );
      const shortfall = await runAuthChecksWithShortfall(check, ctxOf(["a"]), {
        onError: () => {},
      });
      assert.deepEqual(shortfall, { authorized: false, missingScopes: [] });
    }
  });

  it("an AuthorizationError a check throws keeps its message, but a hostile Proxy posing as one is masked", async () => {
    const authorizer = new Authorizer({
      layers: [() => {
        throw hostileProxy(new AuthorizationError("pretend"));
      }],
      onError: () => {},
    });
    const error = await failure(() =>
      authorizer.authorize(tokenOf(["a"]), tool("t"))
    );
    assert.ok(error instanceof AuthorizationError);
    assert.equal(error.message, NOT_FOUND);
  });

  it("onError, onDecision and redactDecision throwing anything change no decision", async () => {
    for (const thrown of hostileThrowables()) {
      const hostile = () => {
        throw thrown;
      };
      const authorizer = new Authorizer({
        layers: [requireScopes("a"), () => {
          throw new Error("masked");
        }],
        onError: hostile,
        onDecision: hostile,
        redactDecision: hostile,
      });
      await assert.rejects(
        authorizer.authorize(tokenOf(["a"]), tool("t")),
        (error: unknown) =>
          error instanceof AuthorizationError && error.message === NOT_FOUND,
      );
      const open = new Authorizer({
        onDecision: () => Promise.reject(thrown),
        redactDecision: hostile,
      });
      await open.authorize(tokenOf([]), tool("t"));
      assert.equal((await open.filter(undefined, [tool("t")])).length, 1);
    }
  });

  it("redactDecision answering a string, an array, a promise or null hands the event as built, without the token", async () => {
    for (
      const answer of [
        "redacted",
        ["x"],
        Promise.resolve({}),
        null,
        undefined,
        { then: () => {} },
      ]
    ) {
      const events: unknown[] = [];
      const authorizer = new Authorizer({
        layers: [requireScopes("admin")],
        onDecision: (event) => void events.push(event),
        redactDecision: () => answer as never,
      });
      await assert.rejects(
        authorizer.authorize(tokenOf(["a"]), tool("t"), {
          arguments: { password: SECRET },
        }),
        InsufficientScopeError,
      );
      assert.equal(events.length, 1);
      const event = events[0] as DecisionEvent;
      assert.equal(event.outcome, "step-up");
      assert.deepEqual(event.missingScopes, ["admin"]);
      assert.ok(!JSON.stringify(event).includes(SECRET));
    }
  });

  it("a decision event is frozen: a listener cannot rewrite what the next one sees", async () => {
    const seen: DecisionEvent[] = [];
    const authorizer = new Authorizer({
      onDecision: (event) => {
        assert.throws(() => {
          (event as { outcome: string }).outcome = "allow";
        }, TypeError);
        seen.push(event);
      },
      layers: [requireScopes("admin")],
    });
    await assert.rejects(
      authorizer.authorize(tokenOf([]), tool("t")),
      InsufficientScopeError,
    );
    assert.equal(seen[0]!.outcome, "step-up");
  });

  it("requireRoles: extract throwing any value, or answering a wrong type, denies", async () => {
    const answers: (() => unknown)[] = [
      ...hostileThrowables().map((thrown) => () => {
        throw thrown;
      }),
      () => "editor viewer",
      () => ({ editor: true }),
      () => 1,
      () => null,
      () => Promise.resolve(["editor"]),
      () => hostileProxy([]),
      () => new Map([["editor", "editor"]]),
      () => ({ length: 1, 0: "editor" }),
    ];
    for (const extract of answers) {
      const check = requireRoles(["editor"], { extract });
      assert.equal(
        await runAuthChecks(check, ctxOf([]), { onError: () => {} }),
        false,
      );
    }
    // A bare string is one role, not its characters.
    const single = requireRoles(["e"], { extract: () => "editor" });
    assert.equal(await runAuthChecks(single, ctxOf([])), false);
  });

  it("combinators: branches throwing non-Error values count as denials", async () => {
    const throwers = hostileThrowables().map((thrown) => () => {
      throw thrown;
    });
    assert.equal(
      await runAuthChecks(anyOf(...throwers), ctxOf(["a"]), {
        onError: () => {},
      }),
      false,
    );
    assert.equal(
      await runAuthChecks(
        allOf(requireScopes("a"), throwers[0]!),
        ctxOf(["a"]),
        { onError: () => {} },
      ),
      false,
    );
    // A throwing branch does not stop a later branch from allowing.
    assert.equal(
      await runAuthChecks(
        anyOf(throwers[2]!, requireScopes("a")),
        ctxOf(["a"]),
        { onError: () => {} },
      ),
      true,
    );
  });

  it("missingScopes answering junk is an opaque denial, never a step-up naming junk", async () => {
    const liar = Object.assign(() => false, {
      missingScopes: () => ["has space", SECRET + '"'],
    });
    const authorizer = new Authorizer({ layers: [liar], onError: () => {} });
    const error = await failure(() =>
      authorizer.authorize(tokenOf([]), tool("t"))
    );
    assert.ok(error instanceof AuthorizationError);
    assert.ok(!(error instanceof InsufficientScopeError));
    assert.equal(error.message, NOT_FOUND);
  });

  it("a component list whose iterator throws lists nothing", async () => {
    const authorizer = new Authorizer({ onError: () => {} });
    const hostile = {
      *[Symbol.iterator]() {
        yield tool("a");
        throw Symbol("iteration");
      },
    };
    assert.deepEqual(await authorizer.filter(tokenOf([]), hostile), []);
  });

  it("a component with a hostile auth or tags getter is hidden, not shown", async () => {
    const authorizer = new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
      onError: () => {},
    });
    const hostileAuth = Object.defineProperty(tool("a"), "auth", {
      get() {
        throw Symbol("auth");
      },
    });
    const hostileTags = Object.defineProperty(tool("b"), "tags", {
      get() {
        throw null;
      },
    });
    assert.deepEqual(
      await authorizer.filter(tokenOf([]), [hostileAuth, hostileTags]),
      [],
    );
  });
});

// ---------------------------------------------------------------------------
// AuthContext: what a check may change for the checks after it.

function ctxOf(
  scopes: string[],
  extra: Partial<ConstructorParameters<typeof AuthContext>[0]> = {},
): AuthContext {
  return new AuthContext({
    token: tokenOf(scopes),
    component: tool("t"),
    ...extra,
  });
}

describe("attack: a check mutating the context", () => {
  const polluter = (ctx: AuthContext) => {
    try {
      (ctx.grantedScopes as Set<string>).add("admin");
    } catch {
      // The fix: grantedScopes refuses to be written.
    }
    return true;
  };

  it("grantedScopes is read-only: add, delete and clear throw", () => {
    const ctx = ctxOf(["a"], { scopeHierarchy: { a: ["b"] } });
    const granted = ctx.grantedScopes as Set<string>;
    assert.throws(() => granted.add("admin"), /grantedScopes is read-only/);
    assert.throws(() => granted.delete("a"), /grantedScopes is read-only/);
    assert.throws(() => granted.clear(), /grantedScopes is read-only/);
    assert.deepEqual([...ctx.grantedScopes].sort(), ["a", "b"]);
    assert.ok(ctx.grantedScopes instanceof Set);
  });

  it("a layer writing to grantedScopes cannot satisfy a later requireScopes", async () => {
    const authorizer = new Authorizer({
      layers: [polluter, requireScopes("admin")],
    });
    await assert.rejects(
      authorizer.authorize(tokenOf(["user"]), tool("drop")),
      InsufficientScopeError,
    );
    assert.deepEqual(
      await authorizer.filter(tokenOf(["user"]), [tool("a"), tool("b")]),
      [],
    );
  });

  it("an anonymous check writing to the shared empty scope set grants nothing to later anonymous calls", async () => {
    // Before: every anonymous context of every Authorizer shared one
    // mutable empty Set; one write put "admin" in all of them, for good.
    const polluting = new Authorizer({ layers: [polluter] });
    await polluting.filter(undefined, [tool("a")]);
    const adminOnly = new Authorizer({
      layers: [(ctx) => ctx.grantedScopes.has("admin")],
    });
    assert.deepEqual(await adminOnly.filter(undefined, [tool("b")]), []);
    assert.equal(
      new AuthContext({ component: tool("c") }).grantedScopes.has("admin"),
      false,
    );
  });

  it("a layer pushing to token.scopes cannot satisfy a later layer of the same Authorizer", async () => {
    const pusher = (ctx: AuthContext) => {
      ctx.token?.scopes.push("admin");
      return true;
    };
    const authorizer = new Authorizer({
      layers: [pusher, requireScopes("admin")],
    });
    await assert.rejects(
      authorizer.authorize(tokenOf(["user"]), tool("drop")),
      InsufficientScopeError,
    );
  });

  it("a verified token's claims are frozen, and each request gets its own token", async () => {
    const { publicKey, privateKey } = await jose.generateKeyPair("ES256");
    const jwtVerifier = new JwtVerifier({
      publicKey,
      issuer: "https://as.example.com",
      audience: "https://mcp.example.com/mcp",
    });
    const jwt = await new jose.SignJWT({
      scope: "user",
      client_id: "agent",
      roles: ["viewer"],
    })
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt" })
      .setIssuer("https://as.example.com")
      .setAudience("https://mcp.example.com/mcp")
      .setSubject("alice")
      .setIssuedAt()
      .setExpirationTime("5m")
      .setJti("j-1")
      .sign(privateKey);
    const first = await jwtVerifier.verifyToken(jwt);
    assert.ok(Object.isFrozen(first.claims));
    assert.throws(() => (first.claims.roles as string[]).push("admin"));
    first.scopes.push("admin");
    const second = await jwtVerifier.verifyToken(jwt);
    assert.deepEqual(second.scopes, ["user"]);
    assert.deepEqual(second.claims.roles, ["viewer"]);
  });

  it("ctx.token, ctx.component and ctx.arguments cannot be reassigned", () => {
    const ctx = ctxOf(["a"], { arguments: { path: "/tmp" } });
    assert.throws(() => {
      (ctx as { token: unknown }).token = undefined;
    }, TypeError);
    assert.throws(() => {
      (ctx as { component: unknown }).component = tool("other");
    }, TypeError);
    assert.throws(() => {
      (ctx as { arguments: unknown }).arguments = {};
    }, TypeError);
    assert.equal(ctx.component.name, "t");
  });

  it("a layer swapping ctx.component for an untagged copy cannot pass a later restrictTag", async () => {
    // Before: AuthContext's fields were readonly in TypeScript only; this
    // layer made restrictTag see a component without the tag: granted.
    const swap = (ctx: AuthContext) => {
      try {
        (ctx as { component: Component }).component = {
          ...ctx.component,
          tags: [],
        };
      } catch {
        // The fix: the context is frozen.
      }
      return true;
    };
    const authorizer = new Authorizer({
      layers: [swap, restrictTag("admin", { scopes: ["admin"] })],
    });
    await assert.rejects(
      authorizer.authorize(
        tokenOf(["user"]),
        tool("drop", { tags: ["admin"] }),
      ),
      InsufficientScopeError,
    );
    assert.deepEqual(
      await authorizer.filter(tokenOf(["user"]), [
        tool("drop", { tags: ["admin"] }),
      ]),
      [],
    );
  });

  it("a layer replacing ctx.token cannot lend its claims to a later check", async () => {
    const forge = (ctx: AuthContext) => {
      try {
        (ctx as { token: unknown }).token = tokenOf(["admin"], { sub: "root" });
      } catch {
        // Frozen.
      }
      return true;
    };
    const rootOnly = (ctx: AuthContext) => ctx.token?.claims.sub === "root";
    const authorizer = new Authorizer({ layers: [forge, rootOnly] });
    await assert.rejects(
      authorizer.authorize(tokenOf([], { sub: "alice" }), tool("t")),
      AuthorizationError,
    );
  });
});

// ---------------------------------------------------------------------------
// Scopes and tags named like prototype members.

describe("attack: prototype-named scopes and tags", () => {
  const protoNames = ["__proto__", "constructor", "toString", "hasOwnProperty"];

  it("requireScopes of a prototype name is not held by a token without it", async () => {
    for (const scope of protoNames) {
      assert.equal(await runAuthChecks(requireScopes(scope), ctxOf([])), false);
      assert.equal(
        await runAuthChecks(requireScopes(scope), ctxOf(["user"])),
        false,
      );
      assert.equal(
        await runAuthChecks(requireScopes(scope), ctxOf([scope])),
        true,
      );
    }
  });

  it("a hierarchy keyed by prototype names implies only what it says", async () => {
    const scopeHierarchy = JSON.parse(
      '{"__proto__": ["admin"], "constructor": ["write"]}',
    );
    const authorizer = new Authorizer({
      layers: [requireScopes("admin")],
      scopeHierarchy,
    });
    await assert.rejects(
      authorizer.authorize(tokenOf(["user"]), tool("t")),
      InsufficientScopeError,
    );
    await authorizer.authorize(tokenOf(["__proto__"]), tool("t"));
    // An inherited "toString" is no hierarchy entry.
    const plain = new Authorizer({
      layers: [requireScopes("toString")],
      scopeHierarchy: { admin: ["read"] },
    });
    await assert.rejects(
      plain.authorize(tokenOf(["admin"]), tool("t")),
      InsufficientScopeError,
    );
  });

  it("a token whose scopes hold non-strings, or are not an array, holds nothing", async () => {
    for (
      const scopes of [
        [["admin"]],
        [{ toString: () => "admin" }],
        "admin",
        { 0: "admin", length: 1 },
      ]
    ) {
      const ctx = new AuthContext({
        token: { ...tokenOf([]), scopes: scopes as never },
        component: tool("t"),
        scopeHierarchy: { x: ["y"] },
      });
      assert.equal(await runAuthChecks(requireScopes("admin"), ctx), false);
    }
  });

  it("restrictTag: a component tagged by a string, an object or a hostile Set is denied, not untagged", async () => {
    const check = restrictTag("admin", { scopes: ["admin"] });
    for (
      const tags of [
        "admin",
        "x",
        { admin: true },
        hostileProxy(new Set(["admin"])),
      ]
    ) {
      const ctx = new AuthContext({
        token: tokenOf(["user"]),
        component: tool("t", { tags: tags as never }),
      });
      assert.equal(
        await runAuthChecks(check, ctx, { onError: () => {} }),
        false,
        String(typeof tags),
      );
    }
    for (const tags of [["admin"], new Set(["admin"])]) {
      const ctx = new AuthContext({
        token: tokenOf(["user"]),
        component: tool("t", { tags }),
      });
      assert.equal(await runAuthChecks(check, ctx), false);
    }
    for (const tags of [[], ["other"], new Set<string>(), undefined]) {
      const ctx = new AuthContext({
        token: tokenOf(["user"]),
        component: tool("t", tags === undefined ? {} : { tags }),
      });
      assert.equal(await runAuthChecks(check, ctx), true);
    }
  });

  it("restrictTag of a prototype-named tag guards only components carrying it", async () => {
    for (const tag of protoNames) {
      const check = restrictTag(tag, { scopes: ["admin"] });
      const untagged = new AuthContext({
        token: tokenOf([]),
        component: tool("t", { tags: [] }),
      });
      const tagged = new AuthContext({
        token: tokenOf([]),
        component: tool("t", { tags: [tag] }),
      });
      assert.equal(await runAuthChecks(check, untagged), true);
      assert.equal(await runAuthChecks(check, tagged), false);
    }
  });
});

// ---------------------------------------------------------------------------
// Step-up policies.

describe("attack: step-up policies", () => {
  it('"never": a scope shortfall is told as not found, indistinguishable from an unknown component', async () => {
    const authorizer = new Authorizer({
      layers: [requireScopes("admin")],
      stepUp: "never",
    });
    const short = await failure(() =>
      authorizer.authorize(tokenOf([]), tool("drop"))
    );
    const unknown = await failure(() =>
      authorizer.authorize(tokenOf([]), undefined)
    );
    assert.ok(short instanceof AuthorizationError);
    assert.ok(!(short instanceof InsufficientScopeError));
    assert.equal(short.constructor, unknown!.constructor);
    assert.equal(short.message, (unknown as Error).message);
    assert.deepEqual(
      Object.keys(short as object).sort(),
      Object.keys(unknown as object).sort(),
    );
  });

  it('"always": a list shows scope-guarded components, but a call without the scope is still refused', async () => {
    const authorizer = new Authorizer({
      layers: [requireScopes("admin")],
      stepUp: "always",
    });
    assert.equal((await authorizer.filter(tokenOf([]), [tool("t")])).length, 1);
    await assert.rejects(
      authorizer.authorize(tokenOf([]), tool("t")),
      InsufficientScopeError,
    );
  });

  it('"always": an opaque layer or a throwing one still hides, and the call is not a step-up', async () => {
    for (
      const opaque of [() => false, () => {
        throw Symbol("x");
      }]
    ) {
      const authorizer = new Authorizer({
        layers: [requireScopes("admin"), opaque],
        stepUp: "always",
        onError: () => {},
      });
      assert.deepEqual(await authorizer.filter(tokenOf([]), [tool("t")]), []);
      const error = await failure(() =>
        authorizer.authorize(tokenOf(["admin"]), tool("t"))
      );
      assert.ok(!(error instanceof InsufficientScopeError));
      assert.equal((error as Error).message, NOT_FOUND);
    }
  });

  it("no token: a step-up is never offered (no scopes to name), only not found", async () => {
    for (const stepUp of ["layers", "always", "never"] as const) {
      const authorizer = new Authorizer({
        layers: [requireScopes("admin")],
        stepUp,
      });
      const error = await failure(() =>
        authorizer.authorize(undefined, tool("t"))
      );
      assert.ok(error instanceof AuthorizationError);
      assert.ok(!(error instanceof InsufficientScopeError), stepUp);
    }
  });
});

// ---------------------------------------------------------------------------
// AuthZEN: a PDP that answers wrong, slowly, or not at all.

type PdpAnswer = (request: Request) => Response | Promise<Response>;

/** A fake PDP on 127.0.0.1: no discovery document, answers by `answer`. */
async function fakePdp(answer: { one?: PdpAnswer; many?: PdpAnswer }): Promise<
  Served & { bodies: unknown[] }
> {
  const bodies: unknown[] = [];
  const served = await serve(async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/access/v1/evaluation" && answer.one !== undefined) {
      bodies.push(await request.json());
      return answer.one(request);
    }
    if (path === "/access/v1/evaluations" && answer.many !== undefined) {
      bodies.push(await request.json());
      return answer.many(request);
    }
    return new Response("not here", { status: 404 });
  });
  return Object.assign(served, { bodies });
}

const alice = tokenOf(["mcp"], { sub: "alice" });

function pdpAuthorizer(
  pdp: string,
  extra: Record<string, unknown> = {},
): { authorizer: Authorizer; reported: unknown[]; events: DecisionEvent[] } {
  const reported: unknown[] = [];
  const events: DecisionEvent[] = [];
  const authorizer = new Authorizer({
    layers: [
      authzenCheck({ pdp, cache: false, timeoutMs: 300, ...extra } as never),
    ],
    onError: (error) => void reported.push(error),
    onDecision: (event) => void events.push(event),
  });
  return { authorizer, reported, events };
}

/** Every message and cause message of `errors`, for leak checks. */
function allText(errors: unknown[]): string {
  const parts: string[] = [];
  const walk = (value: unknown, depth: number) => {
    if (depth > 4 || !(value instanceof Error)) return;
    parts.push(value.message, String(value.stack));
    walk(value.cause, depth + 1);
  };
  for (const error of errors) walk(error, 0);
  return parts.join("\n");
}

async function assertUnavailable(
  authorizer: Authorizer,
  component: Component = tool("public_search"),
): Promise<AuthorizationUnavailableError> {
  const error = await failure(() =>
    authorizer.authorize(alice, component, { arguments: { q: SECRET } })
  );
  assert.ok(
    error instanceof AuthorizationUnavailableError,
    `not unavailable: ${String(error)}`,
  );
  return error;
}

describe("attack: AuthZEN PDP answers (fake PDP on 127.0.0.1)", () => {
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    });

  it("a well-formed answer decides (the control case)", async () => {
    let allow = true;
    const pdp = await fakePdp({ one: () => json({ decision: allow }) });
    try {
      const { authorizer } = pdpAuthorizer(pdp.origin);
      await authorizer.authorize(alice, tool("public_search"));
      allow = false;
      const error = await failure(() =>
        authorizer.authorize(alice, tool("public_search"))
      );
      assert.ok(error instanceof AuthorizationError);
      assert.ok(!(error instanceof AuthorizationUnavailableError));
      assert.equal(error.message, NOT_FOUND);
    } finally {
      await pdp.close();
    }
  });

  const malformed: [string, PdpAnswer][] = [
    ["HTTP 500", () => new Response(`internal ${SECRET}`, { status: 500 })],
    ["HTTP 200 HTML", () =>
      new Response(`<html>${SECRET}</html>`, {
        headers: { "content-type": "text/html" },
      })],
    [
      "JSON that does not parse",
      () =>
        new Response(`{"decision": true, ${SECRET}`, {
          headers: { "content-type": "application/json" },
        }),
    ],
    ['decision "true" (a string)', () => json({ decision: "true" })],
    ["decision 1", () => json({ decision: 1 })],
    ["decision null", () => json({ decision: null })],
    ["no decision", () => json({ context: { reason: SECRET } })],
    ["an array", () => json([{ decision: true }])],
    ["true alone", () => json(true)],
    ["HTTP 201 with decision true", () => json({ decision: true }, 201)],
    ["a redirect to an allowing answer", () =>
      new Response(null, {
        status: 302,
        headers: { location: "http://127.0.0.1:1/allow" },
      })],
    [
      "a body over the limit",
      () => json({ decision: true, padding: "x".repeat(70 * 1024) }),
    ],
  ];
  for (const [what, answer] of malformed) {
    it(`${what}: unavailable (503), never a grant, and the body is not repeated`, async () => {
      const pdp = await fakePdp({ one: answer });
      try {
        const { authorizer, reported, events } = pdpAuthorizer(pdp.origin);
        const error = await assertUnavailable(authorizer);
        assert.ok(!allText([error, ...reported]).includes(SECRET));
        assert.deepEqual(
          await authorizer.filter(alice, [tool("public_search")]),
          [],
        );
        assert.equal(events[0]!.outcome, "unavailable");
        assert.ok(!JSON.stringify(events).includes(SECRET));
      } finally {
        await pdp.close();
      }
    });
  }

  it("a PDP that never answers is unavailable after timeoutMs", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => release = resolve);
    const pdp = await fakePdp({
      one: async () => {
        await held;
        return json({ decision: true });
      },
    });
    try {
      const { authorizer } = pdpAuthorizer(pdp.origin, { timeoutMs: 100 });
      await assertUnavailable(authorizer);
    } finally {
      release();
      await pdp.close();
    }
  });

  it("a PDP that is down is unavailable", async () => {
    const pdp = await fakePdp({});
    const origin = pdp.origin;
    await pdp.close();
    const { authorizer } = pdpAuthorizer(origin);
    await assertUnavailable(authorizer);
  });

  it("an injected fetch throwing non-Errors, answering non-Responses or never settling is unavailable", async () => {
    const fetches: (() => unknown)[] = [
      () => {
        throw Symbol("fetch");
      },
      () => Promise.reject(null),
      () => Promise.resolve("ok"),
      () => Promise.resolve({ status: 200, json: () => ({ decision: true }) }),
      () => new Promise(() => {}), // ignores the abort signal too
      () => hostileProxy(new Response("{}")),
    ];
    for (const fetchFn of fetches) {
      const { authorizer } = pdpAuthorizer("http://127.0.0.1:1", {
        fetch: fetchFn,
        timeoutMs: 50,
      });
      await assertUnavailable(authorizer);
    }
  });

  it("a discovery document naming another PDP is not used (its endpoint would allow everything)", async () => {
    const allowAll = await serve(() =>
      new Response(JSON.stringify({ decision: true, evaluations: [] }), {
        headers: { "content-type": "application/json" },
      })
    );
    const pdp = await serve((request) => {
      const path = new URL(request.url).pathname;
      if (path === "/.well-known/authzen-configuration") {
        return Response.json({
          policy_decision_point: allowAll.origin,
          access_evaluation_endpoint: `${allowAll.origin}/access/v1/evaluation`,
        });
      }
      return Response.json({ decision: false });
    });
    try {
      const { authorizer } = pdpAuthorizer(pdp.origin);
      await assert.rejects(
        authorizer.authorize(alice, tool("public_search")),
        (error: unknown) =>
          error instanceof AuthorizationError &&
          !(error instanceof AuthorizationUnavailableError),
      );
    } finally {
      await pdp.close();
      await allowAll.close();
    }
  });

  it("mapping functions throwing non-Errors or answering junk deny, without asking the PDP", async () => {
    const pdp = await fakePdp({ one: () => json({ decision: true }) });
    try {
      const junk: Record<string, unknown>[] = [
        { subject: () => Promise.reject(Symbol("s")) },
        { subject: () => ({ type: "identity", id: "root" }) }, // not the token's sub
        { subject: () => "alice" },
        { resource: () => null },
        { resource: () => ({ type: "tool" }) },
        { action: () => ({ name: 1 }) },
        { context: () => "ctx" },
        { context: () => hostileProxy({}) },
        {
          resource: () => ({
            type: "tool",
            id: "x",
            properties: hostileProxy({}),
          }),
        },
      ];
      for (const options of junk) {
        const { authorizer } = pdpAuthorizer(pdp.origin, options);
        const error = await failure(() =>
          authorizer.authorize(alice, tool("public_search"))
        );
        assert.ok(
          error instanceof AuthorizationError,
          JSON.stringify(Object.keys(options)),
        );
        assert.ok(!(error instanceof AuthorizationUnavailableError));
      }
      assert.equal(pdp.bodies.length, 0);
    } finally {
      await pdp.close();
    }
  });

  it("no token: denied without asking the PDP", async () => {
    const pdp = await fakePdp({ one: () => json({ decision: true }) });
    try {
      const { authorizer } = pdpAuthorizer(pdp.origin);
      await assert.rejects(
        authorizer.authorize(undefined, tool("public_search")),
        AuthorizationError,
      );
      assert.equal(pdp.bodies.length, 0);
    } finally {
      await pdp.close();
    }
  });

  it("the PDP request carries neither the raw token nor the call's arguments by default", async () => {
    const pdp = await fakePdp({ one: () => json({ decision: true }) });
    try {
      const { authorizer } = pdpAuthorizer(pdp.origin);
      await authorizer.authorize(alice, tool("public_search"), {
        arguments: { password: "argument-secret" },
      });
      const sent = JSON.stringify(pdp.bodies);
      assert.ok(!sent.includes(SECRET));
      assert.ok(!sent.includes("argument-secret"));
    } finally {
      await pdp.close();
    }
  });

  const listOf = [tool("a"), tool("b"), tool("c")];
  const batches: [string, PdpAnswer, string[]][] = [
    [
      "one decision too few",
      () => json({ evaluations: [{ decision: true }, { decision: true }] }),
      [],
    ],
    ["one decision too many", () =>
      json({
        evaluations: [{ decision: true }, { decision: true }, {
          decision: true,
        }, { decision: true }],
      }), []],
    ["no evaluations list", () => json({ decision: true }), []],
    [
      "evaluations as an object",
      () => json({ evaluations: { 0: { decision: true } } }),
      [],
    ],
    ['entries with decision "true"', () =>
      json({
        evaluations: [{ decision: "true" }, { decision: true }, {}],
      }), ["b"]],
    ["HTTP 500", () => new Response("no", { status: 500 }), []],
  ];
  for (const [what, answer, shown] of batches) {
    it(`a list answered with ${what}: only well-formed allows are shown`, async () => {
      const pdp = await fakePdp({
        many: answer,
        one: () => json({ decision: true }),
      });
      try {
        const { authorizer } = pdpAuthorizer(pdp.origin);
        const kept = await authorizer.filter(alice, listOf);
        assert.deepEqual(kept.map((c) => c.name), shown);
      } finally {
        await pdp.close();
      }
    });
  }

  it("a list's answers are positional (AuthZEN has no ids): the order the PDP gives is the order applied", async () => {
    // Not detectable: a PDP that reorders its answers is a PDP that lies.
    // What we guarantee is that the i-th answer decides the i-th request.
    const pdp = await fakePdp({
      many: () =>
        json({
          evaluations: [{ decision: false }, { decision: true }, {
            decision: false,
          }],
        }),
    });
    try {
      const { authorizer } = pdpAuthorizer(pdp.origin);
      const kept = await authorizer.filter(alice, listOf);
      assert.deepEqual(kept.map((c) => c.name), ["b"]);
      const sent = pdp.bodies[0] as {
        evaluations: { resource: { id: string } }[];
      };
      assert.deepEqual(sent.evaluations.map((e) => e.resource.id), [
        "a",
        "b",
        "c",
      ]);
    } finally {
      await pdp.close();
    }
  });
});

describe("attack: AuthZEN against the real Cerbos PDP", () => {
  let cerbos: Cerbos | undefined;
  before(async () => {
    if (needsCerbos === false) cerbos = await startCerbos();
  });
  after(async () => {
    await cerbos?.stop();
  });

  it(
    "a hostile subject mapping (claiming root) is refused before the PDP is asked",
    {
      skip: needsCerbos,
    },
    async () => {
      const { authorizer, reported } = pdpAuthorizer(cerbos!.url, {
        subject: () => ({ type: "identity", id: "root" }),
      });
      const error = await failure(() =>
        authorizer.authorize(alice, tool("admin_reset"))
      );
      assert.ok(error instanceof AuthorizationError);
      assert.ok(!(error instanceof AuthorizationUnavailableError));
      assert.equal(error.message, NOT_FOUND);
      assert.equal(reported.length, 1);
    },
  );

  it(
    "hostile names (prototype keys, NUL, look-alike prefixes) are denied by the policy, not granted",
    {
      skip: needsCerbos,
    },
    async () => {
      const { authorizer } = pdpAuthorizer(cerbos!.url);
      await authorizer.authorize(alice, tool("public_search"));
      for (
        const name of [
          "__proto__",
          "constructor",
          "admin_reset\u0000public_",
          " public_search",
          "PUBLIC_search",
        ]
      ) {
        const error = await failure(() =>
          authorizer.authorize(alice, tool(name))
        );
        assert.ok(error instanceof AuthorizationError, name);
        assert.ok(!(error instanceof AuthorizationUnavailableError), name);
      }
      // A token whose sub is "root" only by a prototype trick is not root.
      const forged = tokenOf(
        ["mcp"],
        JSON.parse('{"__proto__": {"sub": "root"}}'),
      );
      await assert.rejects(
        authorizer.authorize(forged, tool("admin_reset")),
        AuthorizationError,
      );
    },
  );

  it(
    "an outage after a grant: unavailable (503), the grant is not reused without a cache",
    {
      skip: needsCerbos,
    },
    async () => {
      const own = await startCerbos();
      let stopped = false;
      try {
        const { authorizer, events } = pdpAuthorizer(own.url);
        await authorizer.authorize(alice, tool("public_search"));
        await own.stop();
        stopped = true;
        await assertUnavailable(authorizer);
        assert.deepEqual(
          await authorizer.filter(alice, [
            tool("public_search"),
            tool("public_x"),
          ]),
          [],
        );
        assert.deepEqual(
          events.map((event) => event.outcome),
          ["allow", "unavailable", "allow"],
        );
        assert.deepEqual([events[2]!.shown, events[2]!.hidden], [0, 2]);
      } finally {
        if (!stopped) await own.stop();
      }
    },
  );
});
