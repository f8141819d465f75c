// The decision-event contract (src/core/decision.ts), property-tested across
// every emitter: whatever the token, the arguments, the checks and what they
// throw, exactly one event per decision, and none holds the raw token, an
// argument value or a masked error's message.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type AccessToken,
  anyOf,
  type AuthCheck,
  AuthorizationError,
  AuthorizationUnavailableError,
  Authorizer,
  bearerAuth,
  type Component,
  DECISION_OPERATIONS,
  DECISION_OUTCOMES,
  DECISION_REASONS,
  type DecisionEvent,
  InsufficientScopeError,
  InvalidTokenError,
  requireScopes,
  restrictTag,
  type StepUpPolicy,
  withBearerAuth,
} from "../../mod.ts";
import type { Handler } from "../../src/mcp/_binding.ts";
import { guardedHandler, type GuardScope } from "../../src/mcp/_handlers.ts";
import { ComponentRegistry, type Entry } from "../../src/mcp/_registry.ts";
import { SDK_V2 } from "../../src/mcp/_sdk.ts";
import { compileDecisions } from "../../src/core/_decision_sink.ts";
import { preflightOf } from "../../src/mcp/preflight.ts";

const SCOPES = ["read", "write", "admin"];

/** A secret: a marker no event field could hold by chance. */
const secret = fc.stringMatching(/^[A-Za-z0-9]{10,20}$/).map((s) => `Zq${s}`);

/**
 * A check that allows, denies, needs scopes, throws a secret, or cannot
 * decide (a policy engine down).
 */
function checkOf(kind: number, secrets: string[], scope: string): AuthCheck {
  const message = secrets[kind % secrets.length]!;
  switch (kind % 10) {
    case 0:
      return () => true;
    case 1:
      return () => false;
    case 2:
      return requireScopes(scope);
    case 3:
      return restrictTag("admin", { scopes: [scope] });
    case 4:
      return () => {
        throw new Error(message);
      };
    case 5:
      return () => {
        throw message; // not even an Error
      };
    case 6:
      return () => Promise.reject(new AuthorizationError(message));
    case 7:
      return () => {
        throw new InsufficientScopeError([scope], { message });
      };
    case 8:
      return () =>
        Promise.reject(
          new AuthorizationUnavailableError(message, { retryAfter: 3 }),
        );
    default:
      return anyOf(() => {
        throw new TypeError(message);
      }, requireScopes(scope));
  }
}

const plan = fc.record({
  raw: secret,
  secrets: fc.array(secret, { minLength: 1, maxLength: 4 }),
  argument: secret,
  scopes: fc.subarray(SCOPES),
  layers: fc.array(
    fc.tuple(fc.nat(), fc.constantFrom(...SCOPES)),
    { maxLength: 3 },
  ),
  components: fc.array(
    fc.record({
      own: fc.option(fc.tuple(fc.nat(), fc.constantFrom(...SCOPES)), {
        nil: undefined,
      }),
      admin: fc.boolean(),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  anonymous: fc.boolean(),
  stepUp: fc.constantFrom<StepUpPolicy>("layers", "always", "never"),
});

type Plan = typeof plan extends fc.Arbitrary<infer P> ? P : never;

function tokenOf(p: Plan): AccessToken | undefined {
  return p.anonymous ? undefined : {
    token: p.raw,
    clientId: "app",
    scopes: p.scopes,
    claims: { sub: "ann", secret: p.secrets[0] },
  };
}

function componentsOf(p: Plan): Component[] {
  return p.components.map((c, i) => ({
    kind: "tool",
    name: `tool_${i}`,
    ...(c.admin ? { tags: ["admin"] } : {}),
    ...(c.own === undefined
      ? {}
      : { auth: checkOf(c.own[0], p.secrets, c.own[1]) }),
  }));
}

/**
 * Asserts that `event` says what `authorize` answered (`error`: what it
 * threw, or `undefined` when it allowed), under the plan's policy.
 */
function assertSays(
  event: DecisionEvent,
  error: unknown,
  p: Plan,
  unknown: boolean,
): void {
  const said = JSON.stringify(event);
  if (error === undefined) {
    assert.equal(event.outcome, "allow", said);
  } else if (unknown) {
    assert.deepEqual([event.outcome, event.reason], [
      "hidden",
      "unknown_component",
    ], said);
  } else if (error instanceof AuthorizationUnavailableError) {
    assert.deepEqual([event.outcome, event.reason], [
      "unavailable",
      "unavailable",
    ], said);
  } else if (error instanceof InsufficientScopeError) {
    assert.notEqual(p.stepUp, "never", "never reveals a shortfall");
    assert.deepEqual([event.outcome, event.reason], [
      "step-up",
      "insufficient_scope",
    ], said);
    assert.deepEqual(event.missingScopes, error.requiredScopes);
  } else {
    assert.ok(["hidden", "deny"].includes(event.outcome), said);
    assert.ok(
      ["opaque_denial", "masked_error"].includes(event.reason!),
      said,
    );
    if (p.stepUp === "never") assert.equal(event.outcome, "hidden", said);
  }
}

/** Asserts that no event holds a secret of the plan. */
function assertClean(events: readonly DecisionEvent[], p: Plan): void {
  const json = JSON.stringify(events);
  for (const value of [p.raw, p.argument, ...p.secrets]) {
    assert.ok(!json.includes(value), `${value} leaked into ${json}`);
  }
  for (const event of events) {
    assert.ok(DECISION_OUTCOMES.includes(event.outcome));
    assert.ok(DECISION_OPERATIONS.includes(event.operation));
    if (event.reason !== undefined) {
      assert.ok(DECISION_REASONS.includes(event.reason));
    }
  }
}

describe("decision events, whatever the inputs", () => {
  it("Authorizer: one per authorize, one per filter plus one per listed component; no secret", async () => {
    await fc.assert(
      fc.asyncProperty(plan, async (p) => {
        const events: DecisionEvent[] = [];
        const authorizer = new Authorizer({
          layers: p.layers.map(([kind, scope]) =>
            checkOf(kind, p.secrets, scope)
          ),
          stepUp: p.stepUp,
          onError: () => {},
          onDecision: (event) => void events.push(event),
          listDecisions: "each",
        });
        const token = tokenOf(p);
        const components = componentsOf(p);
        for (const component of [...components, undefined]) {
          const before = events.length;
          const error = await authorizer.authorize(token, component, {
            arguments: { path: p.argument, nested: [p.argument] },
          }).then(() => undefined, (thrown: unknown) => thrown);
          assert.equal(events.length, before + 1);
          assertSays(events.at(-1)!, error, p, component === undefined);
        }
        const before = events.length;
        await authorizer.filter(token, components);
        assert.equal(events.length, before + components.length + 1);
        assertClean(events, p);
      }),
      { numRuns: 150 },
    );
  });

  it("bearerAuth and withBearerAuth: one per request; no secret", async () => {
    await fc.assert(
      fc.asyncProperty(plan, fc.nat(5), async (p, answer) => {
        const events: DecisionEvent[] = [];
        const message = `${p.secrets[0]} ${p.raw}`;
        const verifier = {
          verifyToken(raw: string): Promise<AccessToken> {
            switch (answer) {
              case 0:
                return Promise.reject(new InvalidTokenError(message));
              case 1:
                return Promise.reject(new AuthorizationError(message));
              case 2:
                return Promise.reject(new Error(message));
              case 3:
                return Promise.reject(
                  new InsufficientScopeError(["admin"], {
                    message,
                  }),
                );
              default:
                return Promise.resolve({ ...tokenOf(p)!, token: raw });
            }
          },
        };
        const options = {
          verifier,
          requiredScopes: p.scopes.length > 0 ? ["read"] : [],
          optional: p.anonymous,
          onError: () => {},
          onDecision: (event: DecisionEvent) => void events.push(event),
        };
        const auth = bearerAuth(options);
        const handler = withBearerAuth(() => {
          throw answer === 4
            ? new AuthorizationError(message)
            : new InsufficientScopeError(["write"], { message });
        }, options);
        const request = () =>
          new Request("https://mcp.example.com/mcp", {
            headers: p.anonymous ? {} : { authorization: `Bearer ${p.raw}` },
          });
        await auth(request());
        assert.equal(events.length, 1);
        await handler(request());
        assert.equal(events.length, 2);
        assertClean(events, p);
      }),
      { numRuns: 150 },
    );
  });

  it("the MCP guard: one per call, read and list; no secret", async () => {
    await fc.assert(
      fc.asyncProperty(plan, async (p) => {
        const events: DecisionEvent[] = [];
        const registry = new ComponentRegistry();
        const handle = { enabled: true, update() {}, remove() {} };
        for (const component of componentsOf(p)) {
          registry.addTool(component.name, { component, handle } as Entry);
        }
        const guard: GuardScope = {
          authorizer: new Authorizer({
            layers: p.layers.map(([kind, scope]) =>
              checkOf(kind, p.secrets, scope)
            ),
            onError: () => {},
          }),
          binding: SDK_V2,
          registry,
          decisions: compileDecisions("guardServer", {
            onDecision: (event: DecisionEvent) => void events.push(event),
          }),
        };
        const sdk: Handler = () => ({
          tools: p.components.map((_, i) => ({ name: `tool_${i}` })),
        });
        const ctx = {
          http: { authInfo: tokenOf(p) },
          mcpReq: { id: 9 },
        };
        const call = guardedHandler("tools/call", sdk, guard);
        const list = guardedHandler("tools/list", sdk, guard);
        for (
          const name of [...p.components.map((_, i) => `tool_${i}`), p.argument]
        ) {
          const before = events.length;
          await Promise.resolve(call({
            method: "tools/call",
            params: { name, arguments: { text: p.argument } },
          }, ctx)).catch(() => {});
          assert.equal(events.length, before + 1);
        }
        const before = events.length;
        await list({ method: "tools/list" }, ctx);
        assert.equal(events.length, before + 1);
        assert.ok(events.every((event) => event.requestId === 9));
        assertClean(events, p);
      }),
      { numRuns: 100 },
    );
  });

  it("the MCP guard behind the preflight: one per call, answered by the preflight or reused by dispatch; no secret", async () => {
    await fc.assert(
      fc.asyncProperty(plan, async (p) => {
        const events: DecisionEvent[] = [];
        const registry = new ComponentRegistry();
        const handle = { enabled: true, update() {}, remove() {} };
        for (const component of componentsOf(p)) {
          registry.addTool(component.name, { component, handle } as Entry);
        }
        const guard: GuardScope = {
          authorizer: new Authorizer({
            layers: p.layers.map(([kind, scope]) =>
              checkOf(kind, p.secrets, scope)
            ),
            stepUp: p.stepUp,
            onError: () => {},
          }),
          binding: SDK_V2,
          registry,
          decisions: compileDecisions("guardServer", {
            onDecision: (event: DecisionEvent) => void events.push(event),
          }),
        };
        const sdk: Handler = () => ({ content: [] });
        const call = guardedHandler("tools/call", sdk, guard);
        const token = tokenOf(p);
        const names = [...p.components.map((_, i) => `tool_${i}`), p.argument];
        for (const [id, name] of names.entries()) {
          const before = events.length;
          const body = {
            jsonrpc: "2.0",
            id,
            method: "tools/call",
            params: { name, arguments: { text: p.argument } },
          };
          const checked = await preflightOf(
            guard,
            {
              body,
              authorization: token === undefined
                ? undefined
                : `Bearer ${p.raw}`,
            },
            token,
            undefined,
          );
          if (checked.response !== undefined) {
            // The preflight answered: its event, and dispatch never runs.
            await checked.response.body?.cancel();
            assert.equal(events.length, before + 1);
            const event = events.at(-1)!;
            const expected = checked.response.status === 503
              ? "unavailable"
              : "step-up";
            assert.equal(event.outcome, expected);
            assert.equal(event.requestId, id);
            assert.equal(event.name, name);
            continue;
          }
          // Dispatch: the preflight's decision reused (or, without a token,
          // made again), reported once either way.
          await Promise.resolve(call(body, {
            http: { authInfo: checked.authInfo },
            mcpReq: { id },
          })).catch(() => {});
          assert.equal(events.length, before + 1, JSON.stringify(events));
          assert.equal(events.at(-1)!.requestId, id);
        }
        assertClean(events, p);
      }),
      { numRuns: 100 },
    );
  });
});
