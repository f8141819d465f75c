/**
 * The load: concurrent clients sending requests from the mix until the
 * request budget or the time runs out, advancing the fault schedule as they
 * go, and recording the outcome of each request.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { StressConfig } from "./config.ts";
import type { FaultSchedule } from "./faults.ts";
import type { JwksServer } from "./jwks_server.ts";
import { type Expect, MIX, type MixContext, pick } from "./mix.ts";
import type { DecisionOutcome } from "../mod.ts";
import { type DecisionLog, tagged } from "./decisions.ts";

/** One request's result. */
export interface Outcome {
  kind: string;
  expect: Expect;
  kid: string | undefined;
  status: number | "transport";
  /** The server let the call run: `withBearerAuth` and the guard allowed it. */
  granted: boolean;
  /** What `withBearerAuth` decided, from its decision event. */
  http: DecisionOutcome | undefined;
  /** What the guard decided for the `tools/call`, from its decision event. */
  call: DecisionOutcome | undefined;
  /** A response without exactly one decision per layer that decided. */
  undecided: boolean;
  ms: number;
  cachedAtSend: boolean;
  jwksDownAtSend: boolean;
  /** A 401/403 of the DPoP-only endpoint whose challenge is not `DPoP`. */
  wrongScheme: boolean;
}

/**
 * The kids whose keys the verifier holds. A kid is "cached" from the moment
 * a valid token signed with it was accepted: the verifier held the key then,
 * and never drops it afterwards (no key is retired while tokens signed with
 * it are still sent).
 */
export class AcceptedKids {
  #cached = new Set<string>();
  #first = new Map<string, number>();

  has(kid: string): boolean {
    return this.#cached.has(kid);
  }

  /** A valid token signed with `kid` was accepted, `at` ms into the run. */
  accept(kid: string, at: number): void {
    this.#cached.add(kid);
    if (!this.#first.has(kid)) this.#first.set(kid, at);
  }

  /** The key was retired: its tokens are no longer judged as cached. */
  forget(kid: string): void {
    this.#cached.delete(kid);
  }

  /** When a token signed with each kid was first accepted, in ms. */
  get firstAccepted(): ReadonlyMap<string, number> {
    return this.#first;
  }
}

/** What the load reads and writes. */
export interface LoadContext {
  readonly config: StressConfig;
  readonly clock: Clock;
  readonly mix: MixContext;
  readonly faults: FaultSchedule;
  readonly jwks: JwksServer;
  readonly accepted: AcceptedKids;
  /** The server's decision events, by request id. */
  readonly decisions: DecisionLog;
  /** Every outcome, in completion order. */
  readonly outcomes: Outcome[];
  /** `--detail`: the first refusals of a valid request with a cached key. */
  readonly violations: string[];
}

/** A request is abandoned (a transport error) after this long. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Sends the load: `config.concurrency` clients until the budget is spent. */
export async function runLoad(ctx: LoadContext): Promise<void> {
  const { config, clock } = ctx;
  let sent = 0;
  const client = async (): Promise<void> => {
    while (sent < config.requests && clock.elapsed() < config.durationMs) {
      const id = `r${++sent}`;
      // Progress is time or requests, whichever runs out first.
      await ctx.faults.advance(
        Math.max(clock.elapsed() / config.durationMs, sent / config.requests),
      );
      ctx.outcomes.push(await send(ctx, id));
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, client));
}

/**
 * Plans one request of the mix, sends it tagged with `id`, and reads what
 * the server decided from its decision events.
 */
async function send(ctx: LoadContext, id: string): Promise<Outcome> {
  const planned = await pick(MIX, ctx.mix.random)(ctx.mix);
  const request = await tagged(planned.request, id);
  const cachedAtSend = planned.kid !== undefined &&
    ctx.accepted.has(planned.kid);
  const jwksDownAtSend = !ctx.jwks.up && planned.kid !== ctx.mix.keys.cold.kid;
  const t0 = performance.now();
  let status: number | "transport";
  let wrongScheme = false;
  try {
    const response = await fetch(request, {
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    status = response.status;
    wrongScheme = planned.request.url.endsWith("/mcp-dpop") &&
      (status === 401 || status === 403) &&
      !/^DPoP /.test(response.headers.get("www-authenticate") ?? "");
    // Read to the end: every decision of the request is filed by then.
    await response.arrayBuffer();
    if (
      ctx.config.detail && planned.expect === "allow" && cachedAtSend &&
      status !== 200 && ctx.violations.length < 50
    ) {
      ctx.violations.push(
        `${planned.kind} ${planned.kid} ${status} ${
          response.headers.get("www-authenticate")
        } at ${ctx.clock.stamp()}`,
      );
    }
  } catch {
    status = "transport";
  }
  const ms = performance.now() - t0;
  const decided = ctx.decisions.take(id);
  const granted = decided.http === "allow" && decided.call === "allow";
  if (planned.expect === "allow" && granted && planned.kid !== undefined) {
    ctx.accepted.accept(planned.kid, ctx.clock.elapsed());
  }
  return {
    kind: planned.kind,
    expect: planned.expect,
    kid: planned.kid,
    status,
    granted,
    http: decided.http,
    call: decided.call,
    undecided: status !== "transport" && !decided.once,
    ms,
    cachedAtSend,
    jwksDownAtSend,
    wrongScheme,
  };
}
