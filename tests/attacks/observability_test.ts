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
  options: { token?: string | null; headers?: Record<string, string> } = {},
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
  return await inSpan("POST /mcp", async () => {
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
    const s = stack(out.onDecision);
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
