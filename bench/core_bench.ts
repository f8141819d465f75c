// Decision speed of the core, as ratios against a naive port of FastMCP's
// runner measured in the same run; and what an `onDecision` listener adds
// to a decision (the listener itself does nothing: the cost is the event).
// Run: deno task bench
import {
  type AccessToken,
  type AuthCheck,
  AuthContext,
  AuthorizationError,
  Authorizer,
  type Component,
  type DecisionEvent,
  requireScopes,
  restrictTag,
  runAuthChecks,
} from "../mod.ts";

// ---- The baseline: a straightforward async port of FastMCP ----------------

/** FastMCP's run_auth_checks, ported as-is: every check is awaited. */
async function naiveRunAuthChecks(
  checks: AuthCheck[],
  ctx: AuthContext,
): Promise<boolean> {
  for (const check of checks) {
    try {
      if ((await check(ctx)) !== true) return false;
    } catch (error) {
      if (error instanceof AuthorizationError) throw error;
      return false;
    }
  }
  return true;
}

/** FastMCP's require_scopes: a new set of the token's scopes on every call. */
function naiveRequireScopes(...required: string[]): AuthCheck {
  return (ctx) => {
    if (ctx.token === undefined) return false;
    const granted = new Set(ctx.token.scopes);
    return required.every((scope) => granted.has(scope));
  };
}

/** FastMCP's restrict_tag, likewise. */
function naiveRestrictTag(tag: string, scopes: string[]): AuthCheck {
  return (ctx) => {
    const tags = new Set(ctx.component.tags ?? []);
    if (!tags.has(tag)) return true;
    if (ctx.token === undefined) return false;
    const granted = new Set(ctx.token.scopes);
    return scopes.every((scope) => granted.has(scope));
  };
}

/** FastMCP's AuthMiddleware.on_list_tools, ported as-is. */
async function naiveFilter(
  token: AccessToken,
  components: Component[],
  checks: AuthCheck[],
): Promise<Component[]> {
  const kept: Component[] = [];
  for (const component of components) {
    const ctx = new AuthContext({ token, component });
    try {
      if (await naiveRunAuthChecks(checks, ctx)) kept.push(component);
    } catch (error) {
      if (!(error instanceof AuthorizationError)) throw error;
    }
  }
  return kept;
}

// ---- Fixtures ----------------------------------------------------------------

const token: AccessToken = {
  token: "t",
  clientId: "bench",
  scopes: ["mcp", "files:read", "files:write", "profile", "email"],
  claims: {},
};
const tool: Component = { kind: "tool", name: "read_file" };
const components: Component[] = Array.from({ length: 10_000 }, (_, i) => ({
  kind: "tool",
  name: `tool_${i}`,
  ...(i % 10 === 0 ? { tags: ["admin"] } : {}),
}));

const one = requireScopes("files:read");
const two = [requireScopes("files:read"), requireScopes("mcp")];
const naiveOne = [naiveRequireScopes("files:read")];
const naiveTwo = [naiveRequireScopes("files:read"), naiveRequireScopes("mcp")];
const authorizer = new Authorizer({
  layers: [restrictTag("admin", { scopes: ["admin"] })],
});
const naiveLayer = [naiveRestrictTag("admin", ["admin"])];
// The same list, each component with its own auth (one check, or two).
const read = requireScopes("files:read");
const owned: Component[] = components.map((component, i) => ({
  ...component,
  auth: i % 2 === 0 ? read : [read, requireScopes("mcp")],
}));
const naiveRead = naiveRequireScopes("files:read");
const naiveOwned = components.map((component, i) => ({
  ...component,
  checks: i % 2 === 0
    ? [naiveRead, ...naiveLayer]
    : [naiveRead, naiveRequireScopes("mcp"), ...naiveLayer],
}));
// The same layers, every decision told to a listener that keeps the last.
let lastEvent: DecisionEvent | undefined;
const listening = new Authorizer({
  layers: [restrictTag("admin", { scopes: ["admin"] })],
  onDecision: (event) => {
    lastEvent = event;
  },
});
const adminTool: Component = { kind: "tool", name: "reset", tags: ["admin"] };

// Guard the benchmark itself: both sides must decide the same way.
if (
  (await runAuthChecks(one, new AuthContext({ token, component: tool }))) !==
    true ||
  (await naiveRunAuthChecks(
      naiveOne,
      new AuthContext({ token, component: tool }),
    )) !== true ||
  (await authorizer.filter(token, components)).length !== 9_000 ||
  (await naiveFilter(token, components, naiveLayer)).length !== 9_000 ||
  (await authorizer.filter(token, owned)).length !== 9_000 ||
  (await listening.filter(token, components)).length !== 9_000 ||
  lastEvent?.shown !== 9_000
) {
  throw new Error("benchmark fixtures disagree");
}

// ---- Benchmarks ----------------------------------------------------------------
// Single decisions are timed 1,000 at a time, one after another, so that the
// harness's own cost per iteration does not hide the runner's.

const BATCH = 1_000;
// Each benchmark has its own loop: a loop shared by all of them would see
// every runner at one call site and time the call site, not the runner.

Deno.bench({
  name: "naive runner: one requireScopes (x1000)",
  group: "one check",
  baseline: true,
  async fn() {
    for (let i = 0; i < BATCH; i++) {
      await naiveRunAuthChecks(
        naiveOne,
        new AuthContext({ token, component: tool }),
      );
    }
  },
});
Deno.bench({
  name: "runAuthChecks: one requireScopes (x1000)",
  group: "one check",
  async fn() {
    for (let i = 0; i < BATCH; i++) {
      await runAuthChecks(one, new AuthContext({ token, component: tool }));
    }
  },
});

Deno.bench({
  name: "naive runner: two checks (x1000)",
  group: "two checks",
  baseline: true,
  async fn() {
    for (let i = 0; i < BATCH; i++) {
      await naiveRunAuthChecks(
        naiveTwo,
        new AuthContext({ token, component: tool }),
      );
    }
  },
});
Deno.bench({
  name: "runAuthChecks: two checks (x1000)",
  group: "two checks",
  async fn() {
    for (let i = 0; i < BATCH; i++) {
      await runAuthChecks(two, new AuthContext({ token, component: tool }));
    }
  },
});

Deno.bench({
  name: "naive filter: 10,000 components, restrictTag",
  group: "filter 10k",
  baseline: true,
  async fn() {
    await naiveFilter(token, components, naiveLayer);
  },
});
Deno.bench({
  name: "Authorizer.filter: 10,000 components, restrictTag",
  group: "filter 10k",
  async fn() {
    await authorizer.filter(token, components);
  },
});

/** FastMCP's on_list_tools with each component's own checks before the layer. */
async function naiveOwnFilter(
  token: AccessToken,
  list: { component: Component; checks: AuthCheck[] }[],
): Promise<Component[]> {
  const kept: Component[] = [];
  for (const { component, checks } of list) {
    const ctx = new AuthContext({ token, component });
    try {
      if (await naiveRunAuthChecks(checks, ctx)) kept.push(component);
    } catch (error) {
      if (!(error instanceof AuthorizationError)) throw error;
    }
  }
  return kept;
}
const naiveOwnedList = naiveOwned.map(({ checks, ...component }) => ({
  component,
  checks,
}));

Deno.bench({
  name: "naive filter: 10,000 components with own auth, restrictTag",
  group: "filter 10k own auth",
  baseline: true,
  async fn() {
    await naiveOwnFilter(token, naiveOwnedList);
  },
});
Deno.bench({
  name: "Authorizer.filter: 10,000 components with own auth, restrictTag",
  group: "filter 10k own auth",
  async fn() {
    await authorizer.filter(token, owned);
  },
});
Deno.bench({
  name: "Authorizer.filter with onDecision: 10,000 components, restrictTag",
  group: "filter 10k",
  async fn() {
    await listening.filter(token, components);
  },
});

Deno.bench({
  name: "naive runner: restrictTag layer (x1000)",
  group: "authorize, allowed",
  baseline: true,
  async fn() {
    for (let i = 0; i < BATCH; i++) {
      await naiveRunAuthChecks(
        naiveLayer,
        new AuthContext({ token, component: tool }),
      );
    }
  },
});
Deno.bench({
  name: "Authorizer.authorize: allowed (x1000)",
  group: "authorize, allowed",
  async fn() {
    for (let i = 0; i < BATCH; i++) await authorizer.authorize(token, tool);
  },
});
Deno.bench({
  name: "Authorizer.authorize with onDecision: allowed (x1000)",
  group: "authorize, allowed",
  async fn() {
    for (let i = 0; i < BATCH; i++) await listening.authorize(token, tool);
  },
});

Deno.bench({
  name: "Authorizer.authorize: step-up (x1000)",
  group: "authorize, step-up",
  baseline: true,
  async fn() {
    for (let i = 0; i < BATCH; i++) {
      await authorizer.authorize(token, adminTool).catch(() => {});
    }
  },
});
Deno.bench({
  name: "Authorizer.authorize with onDecision: step-up (x1000)",
  group: "authorize, step-up",
  async fn() {
    for (let i = 0; i < BATCH; i++) {
      await listening.authorize(token, adminTool).catch(() => {});
    }
  },
});
