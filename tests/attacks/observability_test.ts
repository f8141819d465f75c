// Attacks on what the library tells its operators: decision events
// (`onDecision`, `redactDecision`, `listDecisions` on `Authorizer`, the MCP
// guard and `bearerAuth`), the OpenTelemetry adapter (`./otel`, on the real
// `@opentelemetry/api` with the SDK's in-memory span exporter and a metric
// reader), the demo's audit log (examples/demo, `auditLog` and `createDemo`)
// and the library's own log lines (the `onError` defaults on `console.warn`).
//
// The rules under attack: no token, call argument, masked error message,
// URI the client sent or header value reaches an event, a span, a metric, a
// log line or the audit log (each planted as a unique canary and searched
// for in every output); no client-chosen value can split a log line or grow
// it without bound; metric labels come from fixed sets; a throwing tracer,
// span, meter or listener changes no decision; every decision is reported
// exactly once; and every outcome the README names is reachable from each
// emitter, and correct.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { format } from "node:util";
import vm from "node:vm";
import * as z from "zod";
import {
  type Attributes,
  context,
  type Span,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  type DataPoint,
  MeterProvider,
  MetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  completable,
  McpServer,
  ResourceTemplate,
} from "@modelcontextprotocol/server";
import {
  type AccessToken,
  AuthorizationError,
  AuthorizationUnavailableError,
  Authorizer,
  bearerAuth,
  type BearerAuthOptions,
  DECISION_OUTCOMES,
  DECISION_REASONS,
  type DecisionDetails,
  type DecisionEvent,
  type DecisionListener,
  InsufficientScopeError,
  IntrospectionVerifier,
  requireScopes,
  restrictTag,
  StaticTokenVerifier,
  type TokenVerifier,
  VerifierUnavailableError,
  withBearerAuth,
} from "../../mod.ts";
import * as v2 from "../../src/mcp/mod.ts";
import {
  DECISION_METRIC,
  DECISION_SPAN_EVENT,
  metricAttributes,
  otelDecisions,
} from "../../src/otel/mod.ts";
import { authenticated } from "../../src/adapters/_auth_info.ts";
import { auditLog, createDemo } from "../../examples/demo/server.ts";
import { serve } from "../_serve.ts";
import { messages } from "../mcp/_stacks.ts";

// ---------------------------------------------------------------------------
// Helpers

type Json = Record<string, unknown>;

/** One unique string per input that must never reach an output. */
const CANARY = Object.freeze({
  token: "tok-CANARY-7f3a",
  argument: "arg-CANARY-91bc",
  error: "err-CANARY-2d4e",
  uri: "uri-CANARY-5a6f",
  header: "hdr-CANARY-c0d1",
});
const ANY_CANARY = /CANARY/;
/** Every canary but the masked error's, which `onError` is there to log. */
const NOT_LOGGED = /tok-CANARY|arg-CANARY|uri-CANARY|hdr-CANARY/;

/** What a terminal or a line-based log reader would act on. */
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;

/** The SDK's own reader, collected on demand (no export timer). */
class OnDemandReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const exporter = new InMemorySpanExporter();
const tracer: Tracer = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
}).getTracer("attack");

let contextManager: AsyncLocalStorageContextManager;
before(() => {
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
});
after(() => {
  context.disable();
  contextManager.disable();
});

/** Every output an operator reads, filled by one scenario. */
interface Outputs {
  /** The events as `onDecision` received them. */
  readonly events: DecisionEvent[];
  /** The demo's audit log lines for those events. */
  readonly audit: string[];
  /** Everything written on the console while the scenario ran. */
  readonly logs: string[];
  /** The listener every emitter is given. */
  readonly onDecision: DecisionListener;
  /** The finished spans of the scenario. */
  spans(): ReadableSpan[];
  /** The decision counter's data points: attributes and value. */
  points(): Promise<[Attributes, number][]>;
  /** Every output as one string, to search. */
  text(): Promise<string>;
}

/**
 * A listener feeding the events, the OpenTelemetry adapter and the demo's
 * audit log at once.
 */
function outputs(): Outputs {
  const events: DecisionEvent[] = [];
  const audit: string[] = [];
  const logs: string[] = [];
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const otel = otelDecisions({ meter: meterProvider.getMeter("attack") });
  const writeAudit = auditLog((line) => audit.push(line));
  exporter.reset();
  const points = async (): Promise<[Attributes, number][]> => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === DECISION_METRIC);
    return (metric?.dataPoints as DataPoint<number>[] | undefined ?? []).map(
      (point) => [point.attributes, point.value],
    );
  };
  const spans = () => exporter.getFinishedSpans();
  return {
    events,
    audit,
    logs,
    onDecision: (event) => {
      events.push(event);
      otel(event);
      writeAudit(event);
    },
    spans,
    points,
    async text() {
      return JSON.stringify({
        events,
        audit,
        logs,
        spans: spans().map((s) => ({
          name: s.name,
          attributes: s.attributes,
          events: s.events.map((e) => ({ name: e.name, a: e.attributes })),
          status: s.status,
        })),
        points: await points(),
      });
    },
  };
}

const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug"] as const;

/** Runs `fn` with the console captured into `logs` (formatted as printed). */
async function capturing<T>(logs: string[], fn: () => Promise<T>): Promise<T> {
  const saved = CONSOLE_METHODS.map((name) => console[name]);
  for (const name of CONSOLE_METHODS) {
    console[name] = (...args: unknown[]) => void logs.push(format(...args));
  }
  try {
    return await fn();
  } finally {
    CONSOLE_METHODS.forEach((name, i) => (console[name] = saved[i]!));
  }
}

/** Runs `fn` inside an active span named `name`. */
function inSpan<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span: Span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
}

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

/** The tokens the stacks below accept. */
const TOKENS: Record<
  string,
  { clientId: string; scopes: string[]; claims?: Json }
> = {
  [CANARY.token]: {
    clientId: "app",
    scopes: ["read"],
    claims: { sub: "ann", note: CANARY.token },
  },
  reader: { clientId: "app", scopes: ["read"], claims: { sub: "ann" } },
  admin: { clientId: "app", scopes: ["read", "admin"], claims: { sub: "bob" } },
};

interface StackOptions {
  authorizer?: Authorizer;
  guard?: Json;
  bearer?: Partial<BearerAuthOptions>;
  verifier?: TokenVerifier;
}

/**
 * The SDK v2 stack as the examples build it: `withBearerAuth` in front of a
 * `guardedMcpHandler` (preflight, then dispatch), one guarded server per
 * request. Its components: `open`, `admin` (tag admin),
 * `boom` (its check throws a canary), `vault` (opaque check), a resource,
 * a template, a prompt with a completable argument.
 */
function stack(onDecision: DecisionListener, options: StackOptions = {}) {
  const authorizer = options.authorizer ?? new Authorizer({
    layers: [restrictTag("admin", { scopes: ["admin"] })],
    onError: () => {},
  });
  const ran: string[] = [];
  const mcp = v2.guardedMcpHandler(() => {
    const guarded = v2.guardServer(
      new McpServer({ name: "notes", version: "1.0.0" }),
      { authorizer, onDecision, ...options.guard } as never,
    );
    guarded.tool("open", {
      inputSchema: z.object({ text: z.string().optional() }),
    }, () => (ran.push("open"), text("open")));
    guarded.tool("admin", { tags: ["admin"] }, () => {
      ran.push("admin");
      return text("admin");
    });
    guarded.tool("boom", {
      auth: () => {
        throw new Error(`check failed: ${CANARY.error}`);
      },
    }, () => (ran.push("boom"), text("boom")));
    guarded.tool("vault", { auth: () => false }, () => {
      ran.push("vault");
      return text("vault");
    });
    guarded.tool("pdp", {
      auth: () => {
        throw new AuthorizationUnavailableError("PDP down");
      },
    }, () => (ran.push("pdp"), text("pdp")));
    guarded.resource("readme", "file:///readme", {}, (uri: URL) => ({
      contents: [{ uri: uri.href, text: "readme" }],
    }));
    guarded.resource(
      "docs",
      new ResourceTemplate("docs://{page}", {
        list: () => ({ resources: [{ uri: "docs://intro", name: "intro" }] }),
        complete: { page: () => ["intro"] },
      }),
      {},
      (uri: URL) => ({ contents: [{ uri: uri.href, text: "docs" }] }),
    );
    guarded.resource(
      "secrets",
      new ResourceTemplate("secrets://{id}", { list: undefined }),
      { tags: ["admin"] },
      (uri: URL) => ({ contents: [{ uri: uri.href, text: "secret" }] }),
    );
    guarded.prompt("greet", {
      argsSchema: z.object({
        topic: completable(z.string(), () => ["news"]),
      }),
    }, () => ({ messages: [] }));
    guarded.prompt("audit", {
      tags: ["admin"],
      argsSchema: z.object({
        topic: completable(z.string(), () => ["secret"]),
      }),
    }, () => ({ messages: [] }));
    return guarded;
  });
  const verifier = options.verifier ??
    new StaticTokenVerifier({ tokens: TOKENS as never });
  const handler = withBearerAuth(
    (request, token) =>
      mcp.fetch(request, token === undefined ? {} : { authInfo: token }),
    { verifier, onDecision, ...options.bearer } as BearerAuthOptions,
  );
  return {
    ran,
    handler,
    close: () => mcp.close(),
  };
}

const MCP_URL = "http://127.0.0.1/mcp";

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  /** The events emitted while it was answered, sorted. */
  events: string[];
}

/**
 * A JSON-RPC POST to `handler`, answered and read inside one active span;
 * answers the status, the messages and the events it caused.
 */
async function post(
  out: Outputs,
  handler: (request: Request) => Promise<Response>,
  body: unknown,
  options: {
    token?: string | null;
    headers?: Record<string, string>;
    /** Without a span of its own (a test that breaks the context API). */
    bare?: boolean;
  } = {},
): Promise<Answer> {
  const request = new Request(MCP_URL, {
    method: "POST",
    headers: {
      ...(options.token == null
        ? {}
        : { authorization: `Bearer ${options.token}` }),
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-06-18",
      ...options.headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const first = out.events.length;
  const within = options.bare === true
    ? <T>(_: string, fn: () => Promise<T>) => fn()
    : inSpan;
  return await within("POST /mcp", async () => {
    const response = await handler(request);
    let parsed: unknown;
    try {
      parsed = await messages(response);
    } catch {
      parsed = undefined;
    }
    return {
      status: response.status,
      headers: response.headers,
      body: parsed,
      events: lines(out.events.slice(first)).sort(),
    };
  });
}

let nextId = 1;
const rpc = (method: string, params?: Json, id: unknown = nextId++): Json => ({
  jsonrpc: "2.0",
  id,
  method,
  ...(params === undefined ? {} : { params }),
});

/** Headers every canary request carries. */
const CANARY_HEADERS: Record<string, string> = {
  "user-agent": `agent/${CANARY.header}`,
  "x-request-id": CANARY.header,
  cookie: `session=${CANARY.header}`,
  "x-forwarded-for": CANARY.header,
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
};

/** The events of `outputs` as `operation outcome reason` lines. */
const lines = (events: readonly DecisionEvent[]): string[] =>
  events.map((e) =>
    [e.operation, e.outcome, e.reason ?? "-", e.status ?? "-"].join(" ")
  );

// ---------------------------------------------------------------------------
// 1. Canaries: planted in the token, the arguments, a check's error, the URIs
// and the headers of real requests; searched for in every output.

describe("attack: canaries never reach an event, a span, a metric, a log line or the audit log", () => {
  it("the Streamable HTTP stack (bearerAuth, preflight, guard), every method", async () => {
    const out = outputs();
    // The default onError: console.warn.
    const s = stack(out.onDecision, {
      authorizer: new Authorizer({
        layers: [restrictTag("admin", { scopes: ["admin"] })],
      }),
    });
    const send = (body: unknown, token: string | null = CANARY.token) =>
      post(out, s.handler, body, { token, headers: CANARY_HEADERS });
    const args = { text: CANARY.argument, password: CANARY.argument };
    const answers = await capturing(out.logs, async () => [
      await send(rpc("tools/list")),
      await send(rpc("tools/call", { name: "open", arguments: args })),
      await send(rpc("tools/call", { name: "admin", arguments: args })),
      await send(rpc("tools/call", { name: "boom", arguments: args })),
      await send(rpc("tools/call", { name: "vault", arguments: args })),
      await send(rpc("tools/call", { name: CANARY.argument, arguments: args })),
      await send(rpc("resources/list")),
      await send(rpc("resources/templates/list")),
      await send(rpc("resources/read", { uri: "file:///readme" })),
      await send(rpc("resources/read", { uri: `docs://${CANARY.uri}` })),
      await send(rpc("resources/read", { uri: `secrets://${CANARY.uri}` })),
      await send(rpc("resources/read", { uri: `file:///${CANARY.uri}` })),
      await send(rpc("prompts/get", {
        name: "greet",
        arguments: { topic: CANARY.argument },
      })),
      await send(rpc("prompts/get", {
        name: "audit",
        arguments: { topic: CANARY.argument },
      })),
      await send(rpc("completion/complete", {
        ref: { type: "ref/prompt", name: "greet" },
        argument: { name: "topic", value: CANARY.argument },
      })),
      await send(rpc("completion/complete", {
        ref: { type: "ref/resource", uri: `docs://{page}` },
        argument: { name: "page", value: CANARY.uri },
      })),
      // Refused by bearerAuth: a token nobody issued, none at all.
      await send(rpc("tools/list"), `forged-${CANARY.token}`),
      await send(rpc("tools/list"), null),
    ]);
    await s.close();
    const allowed = (line: string) => ["http allow - -", line].sort();
    assert.deepEqual(answers.map((a) => [a.status, ...a.events]), [
      [200, ...allowed("tools/list allow - -")],
      [200, ...allowed("tools/call allow - -")],
      // The preflight's 403: bearerAuth authenticated it, the guard refused.
      [403, ...allowed("tools/call step-up insufficient_scope -")],
      [200, ...allowed("tools/call hidden masked_error -")],
      [200, ...allowed("tools/call hidden opaque_denial -")],
      [200, ...allowed("tools/call hidden unknown_component -")],
      [200, ...allowed("resources/list allow - -")],
      [200, ...allowed("resources/templates/list allow - -")],
      [200, ...allowed("resources/read allow - -")],
      [200, ...allowed("resources/read allow - -")],
      [403, ...allowed("resources/read step-up insufficient_scope -")],
      [200, ...allowed("resources/read hidden unknown_component -")],
      [200, ...allowed("prompts/get allow - -")],
      [403, ...allowed("prompts/get step-up insufficient_scope -")],
      [200, ...allowed("completion/complete allow - -")],
      [200, ...allowed("completion/complete allow - -")],
      [401, "http deny invalid_token 401"],
      [401, "http deny no_token 401"],
    ]);
    assert.deepEqual(s.ran, ["open"]);
    // The template's read names the template, never the URI asked for.
    const reads = out.events.filter((e) => e.operation === "resources/read");
    assert.deepEqual(reads.map((e) => e.uri), [
      "file:///readme",
      "docs://{page}",
      "secrets://{id}",
      undefined,
    ]);
    const all = await out.text();
    // The masked error went to onError (the default: console.warn), and
    // nowhere else; no other canary went anywhere.
    assert.doesNotMatch(all.replace(/"logs":\[.*?\],"spans"/, ""), ANY_CANARY);
    assert.doesNotMatch(out.logs.join("\n"), NOT_LOGGED);
    // One masked error per decision that ran the check: the list's, the
    // call's (decided by the preflight, reused by dispatch: not run again).
    assert.equal(out.logs.length, 2);
    for (const line of out.logs) {
      assert.match(
        line,
        /^mcp-authz: auth check "auth" failed; treated as denial Error: check failed: err-CANARY/,
      );
    }
    assert.equal(out.audit.length, out.events.length);
  });

  it("an Authorizer called directly: authorize and filter, the details only in redactDecision", async () => {
    const out = outputs();
    const seen: DecisionDetails[] = [];
    const authorizer = new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
      onDecision: out.onDecision,
      redactDecision: (event, details) => (seen.push(details), event),
    });
    const token: AccessToken = {
      token: CANARY.token,
      clientId: "app",
      scopes: [],
      claims: { sub: "ann", secret: CANARY.token },
    };
    const boom = {
      kind: "tool" as const,
      name: "boom",
      auth: () => {
        throw new Error(CANARY.error);
      },
    };
    await capturing(out.logs, async () => {
      await inSpan("authorize", async () => {
        await authorizer.authorize(token, boom, {
          arguments: { a: CANARY.argument },
        }).catch(() => {});
        await authorizer.authorize(token, {
          kind: "tool",
          name: "reset",
          tags: ["admin"],
        }, { arguments: { a: CANARY.argument } }).catch(() => {});
        await authorizer.filter(token, [boom, { kind: "tool", name: "ok" }]);
      });
    });
    assert.deepEqual(lines(out.events), [
      "authorize hidden masked_error -",
      "authorize step-up insufficient_scope -",
      "filter allow - -",
    ]);
    // redactDecision sees what the event withholds, and only it.
    assert.equal(seen[0]?.token?.token, CANARY.token);
    assert.equal(seen[0]?.arguments?.a, CANARY.argument);
    assert.match(String((seen[0]?.errors?.[0] as Error).message), /CANARY/);
    const all = await out.text();
    assert.doesNotMatch(all.replace(/"logs":\[.*?\],"spans"/, ""), ANY_CANARY);
    assert.doesNotMatch(out.logs.join("\n"), NOT_LOGGED);
  });

  it("bearerAuth's 503 from a real introspection endpoint that echoes the token: not in the event, span or default log line", async () => {
    const endpoint = await serve(async (request) =>
      new Response(`upstream broke on ${await request.text()}`, {
        status: 500,
      })
    );
    try {
      const out = outputs();
      const auth = bearerAuth({
        verifier: new IntrospectionVerifier({
          endpoint: `${endpoint.origin}/introspect`,
          clientId: "rs",
          clientSecret: "rs-secret",
          issuer: false,
          audience: false,
        }),
        onDecision: out.onDecision,
      });
      const answer = await capturing(
        out.logs,
        () =>
          inSpan("GET /mcp", () =>
            auth(
              new Request(MCP_URL, {
                headers: {
                  authorization: `Bearer ${CANARY.token}`,
                  ...CANARY_HEADERS,
                },
              }),
            )),
      );
      assert.ok(answer instanceof Response);
      assert.equal(answer.status, 503);
      assert.doesNotMatch(await answer.text(), ANY_CANARY);
      assert.deepEqual(lines(out.events), ["http unavailable unavailable 503"]);
      assert.equal(out.logs.length, 1);
      assert.match(out.logs[0]!, /answered 503/);
      assert.doesNotMatch(await out.text(), ANY_CANARY);
      assert.doesNotMatch(out.logs[0]!, /rs-secret/);
    } finally {
      await endpoint.close();
    }
  });

  it("bearerAuth: a token in the query or the form, two credentials, a DPoP header: no value of them anywhere", async () => {
    const out = outputs();
    const auth = bearerAuth({
      verifier: new StaticTokenVerifier({ tokens: TOKENS as never }),
      onDecision: out.onDecision,
    });
    const requests = [
      new Request(`${MCP_URL}?access_token=${CANARY.token}`),
      new Request(MCP_URL, {
        method: "POST",
        headers: {
          authorization: `Bearer ${CANARY.token}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: `access_token=${CANARY.token}`,
      }),
      new Request(MCP_URL, {
        headers: {
          authorization: `DPoP ${CANARY.token}`,
          dpop: `${CANARY.header}.${CANARY.header}.${CANARY.header}`,
        },
      }),
      new Request(MCP_URL, {
        headers: { authorization: `Basic ${btoa(`u:${CANARY.token}`)}` },
      }),
    ];
    const statuses: number[] = [];
    await capturing(out.logs, async () => {
      for (const request of requests) {
        const answer = await inSpan("request", () => auth(request));
        statuses.push(answer instanceof Response ? answer.status : 200);
        if (answer instanceof Response) {
          const body = await answer.text();
          assert.doesNotMatch(body, ANY_CANARY);
          assert.doesNotMatch(
            answer.headers.get("www-authenticate") ?? "",
            ANY_CANARY,
          );
        }
      }
    });
    assert.deepEqual(statuses, [400, 400, 401, 401]);
    assert.equal(out.events.length, requests.length);
    assert.doesNotMatch(await out.text(), ANY_CANARY);
    assert.deepEqual(out.logs, []);
  });
});

// ---------------------------------------------------------------------------
// 2. Log injection and unbounded values: CR/LF, ANSI escapes, C1 controls,
// line separators and huge strings in every field a client or a token
// issuer chooses.

/** The values a log line must survive. */
const HOSTILE: readonly string[] = [
  'a\r\nFAKE {"outcome":"allow"}',
  "a\u001b[2J\u001b[31mred",
  "a\u009b31mC1\u0085next",
  "a\u2028line\u2029para",
  "a\u202eevil\u2066",
  "x".repeat(100_000),
];

/** A printable, bounded, single JSON line. */
function assertSafeLine(line: string, bound = 4096): void {
  assert.doesNotMatch(line, /[\r\n]/);
  assert.doesNotMatch(line, UNSAFE);
  assert.doesNotMatch(line, /[\u202a-\u202e\u2066-\u2069]/);
  assert.ok(line.length <= bound, `a ${line.length}-character line`);
  JSON.parse(line);
}

describe("attack: log injection and unbounded values", () => {
  it("a client's JSON-RPC id that is huge or holds control characters is not an event's requestId", async () => {
    const out = outputs();
    const s = stack(out.onDecision);
    const kept: unknown[] = [];
    for (const id of [...HOSTILE, 7, "req-1", "x".repeat(256)]) {
      const answer = await post(out, s.handler, rpc("tools/list", {}, id), {
        token: "reader",
      });
      assert.equal(answer.status, 200);
      // The client still gets its id back: only the event leaves it out.
      assert.deepEqual((answer.body as Json).id, id);
      kept.push(
        out.events.find((e) => e.operation === "tools/list")?.requestId,
      );
      out.events.length = 0;
    }
    await s.close();
    const shown = (id: unknown) =>
      typeof id === "string" && id.length > 40 ? `${id.length} chars` : id;
    assert.deepEqual(kept.map(shown), [
      ...HOSTILE.map(() => undefined),
      7,
      "req-1",
      "256 chars",
    ]);
    for (const span of out.spans()) {
      for (const event of span.events) {
        const id = event.attributes?.["jsonrpc.request.id"];
        assert.ok(id === undefined || String(id).length <= 256);
        assert.doesNotMatch(String(id), UNSAFE);
      }
    }
    for (const line of out.audit) assertSafeLine(line);
  });

  it("the demo's audit line: hostile names, URIs, client ids and subjects stay one bounded, printable JSON line", () => {
    const audit: string[] = [];
    const write = auditLog((line) => audit.push(line));
    for (const value of HOSTILE) {
      write({
        operation: "tools/call",
        outcome: "hidden",
        reason: "opaque_denial",
        kind: "resource",
        name: value,
        uri: `file:///${value}`,
        missingScopes: [value],
        clientId: value,
        subject: value,
        requestId: value,
      });
    }
    assert.equal(audit.length, HOSTILE.length);
    for (const [i, line] of audit.entries()) {
      assertSafeLine(line);
      const parsed = JSON.parse(line) as Json;
      assert.deepEqual(Object.keys(parsed).slice(0, 3), [
        "time",
        "operation",
        "outcome",
      ]);
      // What is short is kept as it was (escaped, not rewritten).
      if (HOSTILE[i]!.length < 100) assert.equal(parsed.subject, HOSTILE[i]);
    }
  });

  it("the adapters' one-line 503 warning stays one printable line whatever the verifier's error says", async () => {
    const logs: string[] = [];
    const verifier: TokenVerifier = {
      verifyToken: () =>
        Promise.reject(
          new VerifierUnavailableError("down\r\nFAKE: all good\u001b[2J", {
            cause: new Error("socket\nclosed\u0085\u2028x"),
          }),
        ),
    };
    const { handle } = authenticated("withMcpAuth", () => new Response("ok"), {
      verifier,
    });
    const answer = await capturing(logs, () =>
      handle(
        new Request(MCP_URL, {
          headers: { authorization: `Bearer ${CANARY.token}` },
        }),
      ));
    assert.equal(answer.status, 503);
    assert.equal(logs.length, 1);
    assert.doesNotMatch(logs[0]!, UNSAFE);
    assert.match(
      logs[0]!,
      /^withMcpAuth: token verification unavailable, answered 503: VerifierUnavailableError: down/,
    );
    assert.doesNotMatch(logs[0]!, ANY_CANARY);
  });

  it("a tool or resource registered with control characters: the event names it as registered, the audit line escapes it", async () => {
    const out = outputs();
    const authorizer = new Authorizer({ onDecision: out.onDecision });
    for (const name of HOSTILE.slice(0, 5)) {
      await authorizer.authorize(undefined, { kind: "tool", name });
      await authorizer.authorize(undefined, {
        kind: "resource",
        name,
        uri: `file:///${name}`,
      });
    }
    assert.deepEqual(
      out.events.map((e) => e.name),
      HOSTILE.slice(0, 5).flatMap((n) => [n, n]),
    );
    for (const line of out.audit) assertSafeLine(line);
  });
});

// ---------------------------------------------------------------------------
// 3. Cardinality: the counter's labels come from fixed sets, whatever an
// event holds; spans are never renamed; no user identifier on a span.

const OPERATIONS = [
  "http",
  "filter",
  "authorize",
  "tools/list",
  "tools/call",
  "prompts/list",
  "prompts/get",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "completion/complete",
];

function assertFixedLabels(points: [Attributes, number][]): void {
  for (const [attributes] of points) {
    assert.deepEqual(
      Object.keys(attributes).filter((k) =>
        k !== "mcp_authz.decision.outcome" &&
        k !== "mcp_authz.decision.reason" &&
        k !== "mcp_authz.decision.operation"
      ),
      [],
    );
    const outcome = attributes["mcp_authz.decision.outcome"];
    const reason = attributes["mcp_authz.decision.reason"];
    const operation = attributes["mcp_authz.decision.operation"];
    assert.ok(
      DECISION_OUTCOMES.includes(outcome as never) || outcome === "_OTHER",
      String(outcome),
    );
    assert.ok(
      reason === undefined || DECISION_REASONS.includes(reason as never) ||
        reason === "_OTHER",
      String(reason),
    );
    assert.ok(
      OPERATIONS.includes(operation as string) || operation === "_OTHER",
      String(operation),
    );
  }
}

describe("attack: attribute cardinality", () => {
  it("every decision of the HTTP stack is counted under fixed labels only; spans keep their names and carry no subject", async () => {
    const out = outputs();
    const s = stack(out.onDecision, {
      guard: { listDecisions: "each" },
    });
    for (const token of ["reader", "admin", "nobody", null]) {
      for (
        const body of [
          rpc("tools/list"),
          rpc("tools/call", { name: "open", arguments: {} }),
          rpc("tools/call", { name: "admin", arguments: {} }),
          rpc("tools/call", { name: `user-${nextId}`, arguments: {} }),
          rpc("resources/read", { uri: `docs://user-${nextId}` }),
          rpc("resources/list"),
        ]
      ) {
        await post(out, s.handler, body, { token });
      }
    }
    await s.close();
    const points = await out.points();
    assertFixedLabels(points);
    // Each decision counted once: list entries ("each") are span events only.
    const listEntries =
      out.events.filter((e) =>
        e.operation.endsWith("/list") && e.shown === undefined
      ).length;
    assert.ok(listEntries > 0);
    assert.equal(
      points.reduce((sum, [, value]) => sum + value, 0),
      out.events.length - listEntries,
    );
    const spans = out.spans();
    assert.ok(spans.length >= 24);
    assert.ok(spans.every((span) => span.name === "POST /mcp"));
    const recorded = spans.flatMap((span) => span.events);
    assert.equal(recorded.length, out.events.length);
    assert.ok(recorded.every((e) => e.name === DECISION_SPAN_EVENT));
    // The subjects ("ann", "bob") are on no span and in no label.
    const telemetry = JSON.stringify({
      spans: spans.map((s) => [s.attributes, s.events]),
      points,
    });
    assert.doesNotMatch(telemetry, /"(ann|bob)"/);
    assert.ok(out.events.some((e) => e.subject === "ann"));
  });

  it("an event rewritten by redactDecision, or handed over by hand, cannot put its own values in the counter's labels", async () => {
    const out = outputs();
    const authorizer = new Authorizer({
      onDecision: out.onDecision,
      redactDecision: (event) => ({
        ...event,
        outcome: "user-ann" as never,
        reason: `reason-${Math.random()}` as never,
        operation: "tools/call/ann" as never,
      }),
    });
    for (let i = 0; i < 5; i++) {
      await authorizer.authorize(undefined, { kind: "tool", name: `t${i}` });
    }
    const points = await out.points();
    assertFixedLabels(points);
    assert.deepEqual(points, [[{
      "mcp_authz.decision.outcome": "_OTHER",
      "mcp_authz.decision.reason": "_OTHER",
      "mcp_authz.decision.operation": "_OTHER",
    }, 5]]);
    assert.deepEqual(
      metricAttributes({
        operation: "tools/call",
        outcome: "hidden",
        reason: "opaque_denial",
      }),
      {
        "mcp_authz.decision.outcome": "hidden",
        "mcp_authz.decision.reason": "opaque_denial",
        "mcp_authz.decision.operation": "tools/call",
      },
    );
  });
});

// ---------------------------------------------------------------------------
// 4. Hostile telemetry: a span, a tracer's context, a meter or a listener
// that throws, rejects or never settles changes no decision and no status.

/** A span that is recording and fails in `how` on every write. */
function hostileSpan(how: "throw" | "reject"): Span {
  const fail = (): never => {
    if (how === "throw") throw new Error(CANARY.error);
    return Promise.reject(new Error(CANARY.error)) as never;
  };
  return {
    spanContext: () => ({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
    }),
    isRecording: () => true,
    addEvent: fail,
    setAttributes: fail,
    setAttribute: fail,
    addLink: fail,
    addLinks: fail,
    setStatus: fail,
    updateName: fail,
    end: fail,
    recordException: fail,
  } as unknown as Span;
}

/** A meter whose counter fails in `how` on every count. */
function hostileMeter(how: "throw" | "reject" | "hang", counted: number[]) {
  return {
    createCounter: () => ({
      add: (value: number) => {
        counted.push(value);
        if (how === "throw") throw new Error(CANARY.error);
        return how === "reject"
          ? Promise.reject(new Error(CANARY.error))
          : new Promise(() => {});
      },
    }),
  } as never;
}

/** The answers of the HTTP stack to a fixed set of requests, as a client sees them. */
async function answersOf(
  onDecision: DecisionListener,
  active: (fn: () => Promise<Answer>) => Promise<Answer> = (fn) => fn(),
  bare = false,
): Promise<unknown[]> {
  const out = outputs();
  const s = stack(onDecision);
  const answers: unknown[] = [];
  for (
    const [body, token] of [
      [rpc("tools/call", { name: "open", arguments: {} }, 1), "reader"],
      [rpc("tools/call", { name: "admin", arguments: {} }, 2), "reader"],
      [rpc("tools/call", { name: "vault", arguments: {} }, 3), "reader"],
      [rpc("tools/call", { name: "pdp", arguments: {} }, 4), "reader"],
      [rpc("tools/list", {}, 5), "reader"],
      [rpc("tools/list", {}, 6), "forged"],
      [rpc("tools/list", {}, 7), null],
    ] as const
  ) {
    const answer = await active(() =>
      post(out, s.handler, body, { token, bare })
    );
    answers.push([answer.status, answer.body]);
  }
  await s.close();
  return answers;
}

describe("attack: hostile telemetry changes no decision", () => {
  it("a recording span whose every write throws or rejects: same answers, the count still taken", async () => {
    const quiet = await answersOf(() => {});
    for (const how of ["throw", "reject"] as const) {
      const counted: number[] = [];
      const onDecision = otelDecisions({
        meter: hostileMeter("throw", counted),
      });
      const answers = await answersOf(onDecision, (fn) =>
        context.with(
          trace.setSpan(context.active(), hostileSpan(how)),
          fn,
        ));
      assert.deepEqual(answers, quiet);
      // Every decision reached the counter, though each span write failed.
      assert.equal(counted.length, 12);
    }
  });

  it("a counter that throws, rejects or never settles: same answers, no unhandled rejection", async () => {
    const quiet = await answersOf(() => {});
    for (const how of ["throw", "reject", "hang"] as const) {
      const counted: number[] = [];
      const onDecision = otelDecisions({ meter: hostileMeter(how, counted) });
      assert.deepEqual(await answersOf(onDecision), quiet);
      assert.equal(counted.length, 12);
    }
    // An unhandled rejection would surface by now (and fail this file).
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it("a span whose isRecording throws, and a context manager that throws: same answers", async () => {
    const quiet = await answersOf(() => {});
    const span = {
      ...hostileSpan("throw"),
      isRecording: () => {
        throw new Error(CANARY.error);
      },
    } as Span;
    const out = outputs();
    assert.deepEqual(
      await answersOf(
        out.onDecision,
        (fn) => context.with(trace.setSpan(context.active(), span), fn),
      ),
      quiet,
    );
    const broken = {
      active: () => {
        throw new Error(CANARY.error);
      },
      with: <A extends unknown[], F extends (...a: A) => ReturnType<F>>(
        _c: unknown,
        fn: F,
        thisArg?: ThisParameterType<F>,
        ...args: A
      ) => fn.call(thisArg, ...args),
      bind: <T>(_c: unknown, target: T) => target,
      enable() {
        return this;
      },
      disable() {
        return this;
      },
    };
    context.disable();
    context.setGlobalContextManager(broken as never);
    try {
      const onDecision = otelDecisions();
      assert.deepEqual(await answersOf(onDecision, undefined, true), quiet);
    } finally {
      context.disable();
      context.setGlobalContextManager(contextManager);
    }
  });

  it("listeners that throw, reject, never settle, or return another realm's rejected promise or a Promise subclass whose catch throws: same answers, nothing unhandled", async () => {
    class Sneaky<T> extends Promise<T> {
      override catch(): never {
        throw new Error("no catch here");
      }
    }
    const quiet = await answersOf(() => {});
    const listeners: DecisionListener[] = [
      () => {
        throw new Error(CANARY.error);
      },
      () => Promise.reject(new Error(CANARY.error)) as never,
      () => new Promise(() => {}) as never,
      () => vm.runInNewContext("Promise.reject(new Error('realm'))") as never,
      () => Sneaky.reject(new Error(CANARY.error)) as never,
      (() => ({
        then: (_: unknown, reject: (e: unknown) => void) => reject("thenable"),
      })) as never,
    ];
    for (const onDecision of listeners) {
      assert.deepEqual(await answersOf(onDecision), quiet);
      const authorizer = new Authorizer({ onDecision });
      await authorizer.authorize(undefined, { kind: "tool", name: "x" });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it("a redactDecision that throws, returns a promise or a non-object: the listener gets the event as built", async () => {
    for (
      const redactDecision of [
        () => {
          throw new Error(CANARY.error);
        },
        () => Promise.resolve({ operation: "http", outcome: "allow" }),
        () => null,
        () => "allow",
        () => [1],
      ]
    ) {
      const events: DecisionEvent[] = [];
      const auth = bearerAuth({
        verifier: new StaticTokenVerifier({ tokens: TOKENS as never }),
        onDecision: (e) => void events.push(e),
        redactDecision: redactDecision as never,
      });
      const answer = await auth(new Request(MCP_URL));
      assert.ok(answer instanceof Response && answer.status === 401);
      assert.deepEqual(events, [{
        operation: "http",
        outcome: "deny",
        reason: "no_token",
        status: 401,
      }]);
    }
  });
});

// ---------------------------------------------------------------------------
// 5. Exactly once: one event per decision, whoever decides it, under
// retries, batches, lists and layered emitters.

describe("attack: every decision is reported exactly once", () => {
  it("a retried request is reported once per time it is sent, with nothing held over", async () => {
    const out = outputs();
    const s = stack(out.onDecision);
    for (let i = 0; i < 3; i++) {
      const call = rpc("tools/call", { name: "admin", arguments: {} }, 9);
      const answer = await post(out, s.handler, call, { token: "reader" });
      assert.equal(answer.status, 403);
      assert.deepEqual(answer.events, [
        "http allow - -",
        "tools/call step-up insufficient_scope -",
      ]);
      const open = rpc("tools/call", { name: "open", arguments: {} }, 9);
      assert.deepEqual(
        (await post(out, s.handler, open, { token: "reader" })).events,
        ["http allow - -", "tools/call allow - -"],
      );
    }
    await s.close();
    assert.equal(out.events.length, 12);
    assert.equal(out.audit.length, 12);
  });

  it("a batch: one event per call in it, repeated ids included; a refused batch reports only the call refused", async () => {
    const out = outputs();
    const s = stack(out.onDecision);
    const batch = [
      rpc("tools/call", { name: "open", arguments: {} }, 1),
      rpc("tools/call", { name: "vault", arguments: {} }, 2),
      rpc("tools/call", { name: "open", arguments: {} }, 2),
      rpc("tools/list", {}, 3),
    ];
    const answer = await post(out, s.handler, batch, { token: "reader" });
    const callEvents = answer.events.filter((e) => !e.startsWith("http"));
    assert.equal(answer.events.filter((e) => e.startsWith("http")).length, 1);
    // Each call of the batch exactly once, whether the SDK answers the
    // batch or refuses it (then no call is decided, and none reported).
    assert.ok(
      callEvents.length === 0 || callEvents.length === 4,
      JSON.stringify(answer.events),
    );
    const refused = await post(out, s.handler, [
      rpc("tools/call", { name: "open", arguments: {} }, 4),
      rpc("tools/call", { name: "admin", arguments: {} }, 5),
    ], { token: "reader" });
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.events, [
      "http allow - -",
      "tools/call step-up insufficient_scope -",
    ]);
    await s.close();
  });

  it('lists: one summary each with shown/hidden, "each" entries on top, the counter counting each list once', async () => {
    const out = outputs();
    const s = stack(out.onDecision, { guard: { listDecisions: "each" } });
    const answer = await post(out, s.handler, rpc("tools/list", {}, 1), {
      token: "reader",
    });
    const listed = ((answer.body as Json).result as { tools: Json[] }).tools;
    await s.close();
    const summaries = out.events.filter((e) =>
      e.operation === "tools/list" && e.shown !== undefined
    );
    assert.deepEqual(summaries.map((e) => [e.shown, e.hidden]), [[
      listed.length,
      5 - listed.length,
    ]]);
    const entries = out.events.filter((e) =>
      e.operation === "tools/list" && e.shown === undefined
    );
    assert.deepEqual(entries.map((e) => `${e.name} ${e.outcome}`), [
      "open allow",
      "admin hidden",
      "boom hidden",
      "vault hidden",
      "pdp hidden",
    ]);
    const points = await out.points();
    assert.deepEqual(
      points.filter(([a]) => a["mcp_authz.decision.operation"] === "tools/list")
        .map(([, v]) => v),
      [1],
    );
  });

  it("one listener per layer: the guard's own, else its Authorizer's; never both", async () => {
    const guardEvents: DecisionEvent[] = [];
    const authorizerEvents: DecisionEvent[] = [];
    const authorizer = new Authorizer({
      onDecision: (e) => void authorizerEvents.push(e),
      onError: () => {},
    });
    const both = stack(() => {}, {
      authorizer,
      guard: { onDecision: (e: DecisionEvent) => void guardEvents.push(e) },
    });
    const out = outputs();
    await post(out, both.handler, rpc("tools/call", { name: "open" }, 1), {
      token: "reader",
    });
    await both.close();
    assert.deepEqual(lines(guardEvents), ["tools/call allow - -"]);
    assert.equal(authorizerEvents.length, 0);
    const onlyAuthorizer = stack(() => {}, {
      authorizer,
      guard: { onDecision: undefined },
    });
    await post(out, onlyAuthorizer.handler, rpc("tools/list", {}, 2), {
      token: "reader",
    });
    await onlyAuthorizer.close();
    assert.deepEqual(lines(authorizerEvents), ["tools/list allow - -"]);
    assert.equal(authorizerEvents[0]?.requestId, 2);
  });

  it("withBearerAuth: a handler's AuthorizationError is one denial, its own error one allow; never both", async () => {
    for (
      const [thrown, expected] of [
        [new InsufficientScopeError(["admin"]), [
          "http step-up insufficient_scope 403",
        ]],
        [new AuthorizationError("no"), ["http deny opaque_denial 403"]],
        [new AuthorizationUnavailableError("PDP down"), [
          "http unavailable unavailable 503",
        ]],
        [new Error("handler bug"), ["http allow - -"]],
      ] as const
    ) {
      const events: DecisionEvent[] = [];
      const handler = withBearerAuth(() => {
        throw thrown;
      }, {
        verifier: new StaticTokenVerifier({ tokens: TOKENS as never }),
        onDecision: (e) => void events.push(e),
        onError: () => {},
      });
      const answer = await handler(
        new Request(MCP_URL, { headers: { authorization: "Bearer reader" } }),
      ).then((r) => r.status, () => "threw");
      assert.deepEqual(lines(events), expected, String(thrown));
      assert.equal(
        answer,
        thrown instanceof AuthorizationUnavailableError
          ? 503
          : thrown instanceof AuthorizationError
          ? 403
          : "threw",
      );
    }
  });
});

// ---------------------------------------------------------------------------
// 6. requestId: the JSON-RPC id on the guard's events (documented), nothing
// on bearerAuth's unless a redactDecision the user wrote puts it there.

describe("attack: who chooses requestId", () => {
  it("bearerAuth never takes one from a header or the body; redactDecision may, as documented", async () => {
    const plain: DecisionEvent[] = [];
    const redacted: DecisionEvent[] = [];
    const verifier = new StaticTokenVerifier({ tokens: TOKENS as never });
    const request = () =>
      new Request(MCP_URL, {
        method: "POST",
        headers: {
          authorization: "Bearer reader",
          "x-request-id": "gw-1",
          "content-type": "application/json",
        },
        body: JSON.stringify(rpc("tools/list", {}, "client-chosen")),
      });
    await bearerAuth({ verifier, onDecision: (e) => void plain.push(e) })(
      request(),
    );
    await bearerAuth({
      verifier,
      onDecision: (e) => void redacted.push(e),
      redactDecision: (event, { request }) => ({
        ...event,
        requestId: request?.headers.get("x-request-id") ?? event.requestId,
      }),
    })(request());
    assert.deepEqual(plain, [{
      operation: "http",
      outcome: "allow",
      clientId: "app",
      subject: "ann",
    }]);
    assert.equal(redacted[0]?.requestId, "gw-1");
  });

  it("the guard's events carry the JSON-RPC id of the request they answer, the same for preflight and dispatch", async () => {
    const out = outputs();
    const s = stack(out.onDecision);
    await post(out, s.handler, rpc("tools/call", { name: "admin" }, "a-1"), {
      token: "reader",
    });
    await post(out, s.handler, rpc("tools/call", { name: "open" }, 42), {
      token: "reader",
    });
    await post(out, s.handler, rpc("tools/call", { name: "zzz" }, "a-3"), {
      token: "reader",
    });
    await s.close();
    assert.deepEqual(
      out.events.filter((e) => e.operation !== "http").map((e) => e.requestId),
      ["a-1", 42, "a-3"],
    );
    assert.ok(
      out.events.filter((e) => e.operation === "http").every((e) =>
        !("requestId" in e)
      ),
    );
  });
});

// ---------------------------------------------------------------------------
// 7. The README's outcome table, reached from each emitter.

describe("attack: every outcome is reachable, and correct, for each emitter", () => {
  it("Authorizer: allow, deny, hidden (unknown, opaque, masked), step-up, unavailable", async () => {
    const events: DecisionEvent[] = [];
    const authorizer = new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] }), (ctx) => {
        // A layer refusing in the open: its own AuthorizationError.
        if (ctx.component.name === "refuses") {
          throw new AuthorizationError("Refused in the open");
        }
        return true;
      }],
      onDecision: (e) => void events.push(e),
      onError: () => {},
    });
    const token: AccessToken = {
      token: "t",
      clientId: "app",
      scopes: [],
      claims: { sub: "ann" },
    };
    const cases = [
      { kind: "tool", name: "open" },
      { kind: "tool", name: "refuses" },
      undefined,
      { kind: "tool", name: "opaque", auth: () => false },
      {
        kind: "tool",
        name: "throws",
        auth: () => {
          throw new Error(CANARY.error);
        },
      },
      { kind: "tool", name: "scoped", auth: requireScopes("write") },
      { kind: "tool", name: "tagged", tags: ["admin"] },
      {
        kind: "tool",
        name: "pdp",
        auth: () => {
          throw new AuthorizationUnavailableError("PDP down");
        },
      },
    ];
    for (const component of cases) {
      await authorizer.authorize(token, component as never).catch(() => {});
    }
    assert.deepEqual(
      events.map((e) => [e.outcome, e.reason, e.layer, e.missingScopes]),
      [
        ["allow", undefined, undefined, undefined],
        ["deny", "opaque_denial", 1, undefined],
        ["hidden", "unknown_component", undefined, undefined],
        ["hidden", "opaque_denial", "component", undefined],
        ["hidden", "masked_error", "component", undefined],
        // Under stepUp "layers", the component's own shortfall is hidden.
        ["hidden", "opaque_denial", "component", undefined],
        ["step-up", "insufficient_scope", 0, ["admin"]],
        ["unavailable", "unavailable", "component", undefined],
      ],
    );
  });

  it("the guard: list, call, read, get and complete each reach allow, hidden, step-up and unavailable", async () => {
    const out = outputs();
    const s = stack(out.onDecision, { bearer: { optional: true } });
    const asked: [string, Json, string | null][] = [
      ["tools/list", {}, "reader"],
      ["tools/call", { name: "open" }, "reader"],
      ["tools/call", { name: "vault" }, "reader"],
      ["tools/call", { name: "admin" }, "reader"],
      ["tools/call", { name: "pdp" }, "reader"],
      ["tools/call", { name: "admin" }, null],
      ["resources/read", { uri: "file:///readme" }, "reader"],
      ["resources/read", { uri: "nowhere://x" }, "reader"],
      ["resources/read", { uri: "secrets://1" }, "reader"],
      ["resources/read", { uri: "secrets://1" }, "admin"],
      ["prompts/get", { name: "greet", arguments: { topic: "a" } }, "reader"],
      ["prompts/get", { name: "nope" }, "reader"],
      ["prompts/get", { name: "audit", arguments: { topic: "a" } }, "reader"],
      ["completion/complete", {
        ref: { type: "ref/prompt", name: "greet" },
        argument: { name: "topic", value: "n" },
      }, "reader"],
      ["completion/complete", {
        ref: { type: "ref/prompt", name: "audit" },
        argument: { name: "topic", value: "s" },
      }, "reader"],
      ["completion/complete", {
        ref: { type: "ref/prompt", name: "nope" },
        argument: { name: "topic", value: "s" },
      }, "reader"],
    ];
    const seen: string[] = [];
    for (const [method, params, token] of asked) {
      const answer = await post(out, s.handler, rpc(method, params), { token });
      seen.push(
        `${answer.status} ${
          answer.events.filter((e) => !e.startsWith("http ")).join(" | ")
        }`,
      );
    }
    await s.close();
    assert.deepEqual(seen, [
      "200 tools/list allow - -",
      "200 tools/call allow - -",
      "200 tools/call hidden opaque_denial -",
      "403 tools/call step-up insufficient_scope -",
      "503 tools/call unavailable unavailable -",
      // No token past bearerAuth (optional): hidden, not asked to step up.
      "200 tools/call hidden opaque_denial -",
      "200 resources/read allow - -",
      "200 resources/read hidden unknown_component -",
      "403 resources/read step-up insufficient_scope -",
      "200 resources/read allow - -",
      "200 prompts/get allow - -",
      "200 prompts/get hidden unknown_component -",
      "403 prompts/get step-up insufficient_scope -",
      "200 completion/complete allow - -",
      // Not a preflight 403: a JSON-RPC error naming the scopes.
      "200 completion/complete step-up insufficient_scope -",
      "200 completion/complete hidden unknown_component -",
    ]);
    const list = out.events.find((e) => e.operation === "tools/list")!;
    assert.deepEqual([list.shown, list.hidden], [1, 4]);
  });

  it("bearerAuth: 400, 401 (none, invalid), 403 step-up, 403 deny, 503, allow, and allow without a token", async () => {
    const events: DecisionEvent[] = [];
    const verifier = new StaticTokenVerifier({ tokens: TOKENS as never });
    const down: TokenVerifier = {
      verifyToken: () => Promise.reject(new VerifierUnavailableError("down")),
    };
    const onDecision = (e: DecisionEvent) => void events.push(e);
    const base = { onDecision, onError: () => {} };
    const strict = bearerAuth({ verifier, requiredScopes: ["admin"], ...base });
    const open = bearerAuth({ verifier, ...base });
    const optional = bearerAuth({ verifier, optional: true, ...base });
    const unavailable = bearerAuth({ verifier: down, ...base });
    const refusing = withBearerAuth(() => {
      throw new AuthorizationError("no");
    }, { verifier, ...base });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const statusOf = (answer: unknown) =>
      answer instanceof Response ? answer.status : "through";
    const statuses = [
      statusOf(await open(new Request(`${MCP_URL}?access_token=reader`))),
      statusOf(await open(new Request(MCP_URL))),
      statusOf(await open(new Request(MCP_URL, { headers: bearer("forged") }))),
      statusOf(
        await strict(new Request(MCP_URL, { headers: bearer("reader") })),
      ),
      statusOf(
        await refusing(new Request(MCP_URL, { headers: bearer("reader") })),
      ),
      statusOf(
        await unavailable(new Request(MCP_URL, { headers: bearer("reader") })),
      ),
      statusOf(await open(new Request(MCP_URL, { headers: bearer("reader") }))),
      statusOf(await optional(new Request(MCP_URL))),
    ];
    assert.deepEqual(statuses, [
      400,
      401,
      401,
      403,
      403,
      503,
      "through",
      "through",
    ]);
    assert.deepEqual(lines(events), [
      "http deny invalid_token 400",
      "http deny no_token 401",
      "http deny invalid_token 401",
      "http step-up insufficient_scope 403",
      "http deny opaque_denial 403",
      "http unavailable unavailable 503",
      "http allow - -",
      "http allow no_token -",
    ]);
    assert.deepEqual(events[3]?.missingScopes, ["admin"]);
  });
});

// ---------------------------------------------------------------------------
// 8. The demo's audit log, end to end: the demo's own handler, tokens its
// development server mints with hostile client ids and subjects.

/** What a token the demo accepts can carry (a 100 kB one is refused, 401). */
const DEMO_HOSTILE = [...HOSTILE.slice(0, 5), "x".repeat(2000)];

describe("attack: the demo's audit log", () => {
  it("one printable, bounded JSON line per decision; no canary; hostile ids escaped or cut", async () => {
    const audit: string[] = [];
    const logs: string[] = [];
    const demo = await createDemo({
      origin: "http://127.0.0.1:8000",
      warn: false,
      audit: (line) => audit.push(line),
    });
    try {
      const send = async (
        body: unknown,
        token: string | null,
        headers: Record<string, string> = CANARY_HEADERS,
      ) => {
        const response = await demo.handler(
          new Request(demo.mcpUrl, {
            method: "POST",
            headers: {
              ...(token === null ? {} : { authorization: `Bearer ${token}` }),
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
              "mcp-protocol-version": "2025-06-18",
              ...headers,
            },
            body: JSON.stringify(body),
          }),
        );
        await response.text();
        return response.status;
      };
      const statuses = await capturing(logs, async () => {
        const answered: number[] = [];
        for (const value of DEMO_HOSTILE) {
          const token = await demo.dev!.mintAccessToken({
            scopes: ["read", "write"],
            clientId: value,
            subject: value,
          });
          answered.push(
            await send(
              rpc("tools/call", {
                name: "add_note",
                arguments: { text: CANARY.argument },
              }, value),
              token,
            ),
          );
        }
        answered.push(await send(rpc("tools/list"), `forged.${CANARY.token}`));
        answered.push(await send(rpc("tools/list"), null));
        return answered;
      });
      assert.deepEqual(statuses, [...DEMO_HOSTILE.map(() => 200), 401, 401]);
      // Each call: bearerAuth's line and the guard's; each refusal: one.
      assert.equal(audit.length, DEMO_HOSTILE.length * 2 + 2);
      for (const line of audit) {
        assertSafeLine(line, 2048);
        assert.match(line, /^\{"time":"\d{4}-\d\d-\d\dT[^"]+Z","operation":/);
      }
      assert.doesNotMatch(audit.join("\n"), ANY_CANARY);
      assert.doesNotMatch(logs.join("\n"), ANY_CANARY);
      // Short hostile values survive, escaped: the log still says who.
      const first = JSON.parse(audit[0]!) as Json;
      assert.equal(first.subject, HOSTILE[0]);
      const long = JSON.parse(audit.at(-4)!) as Json;
      assert.equal(long.subject, `${"x".repeat(256)}... (2000 characters)`);
    } finally {
      await demo.close();
    }
  });
});
