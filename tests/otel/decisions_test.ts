// The OpenTelemetry adapter (src/otel/decisions.ts) against the real SDK: an
// in-memory span exporter behind a TracerProvider, an AsyncLocalStorage
// context manager, and a MeterProvider with a metric reader.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { context, type Span } from "@opentelemetry/api";
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
import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import {
  type AccessToken,
  Authorizer,
  bearerAuth,
  requireScopes,
  restrictTag,
  StaticTokenVerifier,
} from "../../mod.ts";
import { guardServer } from "../../src/mcp/mod.ts";
import {
  DECISION_METRIC,
  DECISION_SPAN_EVENT,
  otelDecisions,
  semconvAttributes,
} from "../../src/otel/mod.ts";

/** The SDK's own reader, collected on demand (no export timer). */
class OnDemandReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const spans = new InMemorySpanExporter();
const tracer = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
}).getTracer("test");

let contextManager: AsyncLocalStorageContextManager;
before(() => {
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
});
after(() => {
  context.disable();
  contextManager.disable();
});

/** A meter, its reader, and a listener recording into both. */
function telemetry(options: { spans?: boolean } = {}) {
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const onDecision = otelDecisions({
    meter: meterProvider.getMeter("test"),
    ...options,
  });
  const counts = async (): Promise<[Record<string, unknown>, number][]> => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === DECISION_METRIC);
    return (metric?.dataPoints as DataPoint<number>[] | undefined ?? []).map((
      point,
    ) => [point.attributes, point.value]);
  };
  return { onDecision, counts };
}

/** Runs `fn` in an active span; returns that span as exported. */
async function inSpan(fn: () => Promise<unknown>): Promise<ReadableSpan> {
  spans.reset();
  await tracer.startActiveSpan("request", async (span: Span) => {
    try {
      await fn();
    } finally {
      span.end();
    }
  });
  const [exported] = spans.getFinishedSpans();
  assert.ok(exported);
  return exported;
}

const token: AccessToken = {
  token: "r4w",
  clientId: "app",
  scopes: ["mcp"],
  claims: { sub: "ann" },
};

describe("otelDecisions()", () => {
  it("adds an Authorizer's decision to the active span and counts it", async () => {
    const { onDecision, counts } = telemetry();
    const authorizer = new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
      onDecision,
    });
    const span = await inSpan(() =>
      authorizer.authorize(token, {
        kind: "tool",
        name: "purge",
        tags: ["admin"],
      }).catch(() => {})
    );
    assert.deepEqual(span.events.map((e) => e.name), [DECISION_SPAN_EVENT]);
    assert.deepEqual(span.events[0]!.attributes, {
      "gen_ai.tool.name": "purge",
      "gen_ai.security.decision.type": "deny",
      "gen_ai.security.decision.reason": "insufficient_scope",
      "mcp_authz.decision.outcome": "step-up",
      "mcp_authz.decision.operation": "authorize",
      "mcp_authz.component.kind": "tool",
      "mcp_authz.decision.layer": "0",
      "mcp_authz.decision.missing_scopes": ["admin"],
      "mcp_authz.client_id": "app",
    });
    assert.deepEqual(span.attributes, {
      "gen_ai.tool.name": "purge",
      "gen_ai.security.decision.type": "deny",
      "gen_ai.security.decision.reason": "insufficient_scope",
    });
    assert.deepEqual(await counts(), [[{
      "mcp_authz.decision.outcome": "step-up",
      "mcp_authz.decision.reason": "insufficient_scope",
      "mcp_authz.decision.operation": "authorize",
    }, 1]]);
  });

  it("records bearerAuth's refusals with their status, one series per outcome", async () => {
    const { onDecision, counts } = telemetry();
    const auth = bearerAuth({
      verifier: new StaticTokenVerifier({
        tokens: { good: { clientId: "app", scopes: ["mcp"] } },
      }),
      onDecision,
    });
    const span = await inSpan(async () => {
      await auth(new Request("https://mcp.example.com/mcp"));
      await auth(new Request("https://mcp.example.com/mcp"));
      await auth(
        new Request("https://mcp.example.com/mcp", {
          headers: { authorization: "Bearer good" },
        }),
      );
    });
    assert.deepEqual(
      span.events.map((e) => e.attributes?.["http.response.status_code"]),
      [401, 401, undefined],
    );
    // The span says what the last decision was.
    assert.equal(span.attributes["gen_ai.security.decision.type"], "allow");
    assert.equal(span.attributes["mcp.method.name"], undefined);
    const byOutcome = Object.fromEntries(
      (await counts()).map(([attributes, value]) => [
        `${attributes["mcp_authz.decision.outcome"]}/${
          attributes["mcp_authz.decision.reason"] ?? "-"
        }/${attributes["mcp_authz.decision.operation"]}`,
        value,
      ]),
    );
    assert.deepEqual(byOutcome, { "deny/no_token/http": 2, "allow/-/http": 1 });
  });

  it("names the MCP method and the tool for a guarded call", async () => {
    const { onDecision, counts } = telemetry();
    const server = new McpServer({ name: "x", version: "1.0.0" });
    const guarded = guardServer(server, {
      authorizer: new Authorizer(),
      onDecision,
    });
    guarded.tool("vault", { auth: requireScopes("vault") }, () => ({
      content: [],
    }));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const send = clientSide.send.bind(clientSide);
    clientSide.send = (message, options) =>
      send(message, { ...options, authInfo: token });
    await server.connect(serverSide);
    const client = new Client({ name: "t", version: "1.0.0" });
    await client.connect(clientSide);
    const span = await inSpan(() =>
      client.callTool({ name: "vault" }).catch(() => {})
    );
    await client.close();
    assert.deepEqual(span.attributes, {
      "mcp.method.name": "tools/call",
      "gen_ai.tool.name": "vault",
      "gen_ai.security.decision.type": "deny",
      "gen_ai.security.decision.reason": "opaque_denial",
    });
    assert.equal(
      span.events[0]!.attributes?.["mcp_authz.decision.outcome"],
      "hidden",
    );
    assert.equal(span.events[0]!.attributes?.["jsonrpc.request.id"], "1");
    assert.deepEqual((await counts()).map(([, value]) => value), [1]);
  });

  it('counts a list once, its "each" entries as span events only', async () => {
    const { onDecision, counts } = telemetry();
    const authorizer = new Authorizer({
      layers: [restrictTag("admin", { scopes: ["admin"] })],
      onDecision,
      listDecisions: "each",
    });
    const span = await inSpan(() =>
      authorizer.filter(token, [
        { kind: "tool", name: "a" },
        { kind: "tool", name: "b", tags: ["admin"] },
      ])
    );
    assert.equal(span.events.length, 3);
    assert.equal(span.attributes["gen_ai.tool.name"], undefined);
    assert.deepEqual(
      span.events[2]!.attributes?.["mcp_authz.decision.shown"],
      1,
    );
    assert.deepEqual(await counts(), [[{
      "mcp_authz.decision.outcome": "allow",
      "mcp_authz.decision.operation": "filter",
    }, 1]]);
  });

  it("counts without a span, and touches none with spans: false", async () => {
    const { onDecision, counts } = telemetry({ spans: false });
    const authorizer = new Authorizer({ onDecision });
    await authorizer.authorize(token, { kind: "tool", name: "a" });
    const span = await inSpan(() =>
      authorizer.authorize(token, { kind: "tool", name: "a" })
    );
    assert.deepEqual(span.events, []);
    assert.deepEqual(span.attributes, {});
    assert.deepEqual((await counts()).map(([, value]) => value), [2]);
  });

  it("puts a resource's URI in mcp.resource.uri, a template's elsewhere", () => {
    assert.equal(
      semconvAttributes({
        operation: "resources/read",
        outcome: "allow",
        kind: "resource",
        name: "readme",
        uri: "file:///readme",
      })["mcp.resource.uri"],
      "file:///readme",
    );
    assert.equal(
      semconvAttributes({
        operation: "resources/read",
        outcome: "allow",
        kind: "resourceTemplate",
        name: "users",
        uri: "file:///users/{id}",
      })["mcp.resource.uri"],
      undefined,
    );
  });

  it("refuses unknown options and a meter that is not one", () => {
    assert.throws(() => otelDecisions({ meters: {} } as never), {
      name: "TypeError",
      message:
        /^Unknown otelDecisions option "meters" \(did you mean "meter"\?\)/,
    });
    assert.throws(() => otelDecisions({ meter: {} as never }), {
      name: "TypeError",
      message:
        /^otelDecisions option "meter" must be an OpenTelemetry Meter \(meterProvider\.getMeter\(name\)\), got/,
    });
    assert.throws(() => otelDecisions({ spans: "yes" as never }), {
      name: "TypeError",
      message: /^otelDecisions option "spans" must be true or false/,
    });
  });
});
