/**
 * The request mix: each kind of request a client sends, its weight, and
 * whether it must be allowed or denied. Valid tokens (fresh, reused, of a
 * cold-start issuer, DPoP-bound), tokens that are valid but lack a scope,
 * and hostile ones (expired, forged, `alg: none`, wrong audience, over-long,
 * missing, malformed, replayed or stolen DPoP proofs).
 *
 * @module
 */
import type { Issuer } from "./issuer.ts";
import type { StressKeys } from "./keys.ts";
import { call, dpopCall, postRequest, replayed } from "./requests.ts";

/** What the request must get; `any`: not judged (a retry of a refused proof). */
export type Expect = "allow" | "deny" | "any";

/** A request ready to send, and what it must get. */
export interface Planned {
  readonly kind: string;
  readonly expect: Expect;
  /** The signing key's `kid`, for a valid token. */
  readonly kid?: string;
  readonly request: Request;
}

/** What a request maker reads. */
export interface MixContext {
  /** `http://127.0.0.1:<port>` of the endpoint. */
  readonly base: string;
  readonly issuer: Issuer;
  readonly keys: StressKeys;
  readonly random: () => number;
}

/** Builds one request of a kind. */
export type MakeRequest = (ctx: MixContext) => Promise<Planned>;

/** One kind of the mix: relative weight, name, maker. */
export type MixEntry = readonly [
  weight: number,
  kind: string,
  make: MakeRequest,
];

const bearer = (ctx: MixContext, authorization?: string, body?: string) =>
  postRequest(`${ctx.base}/mcp`, authorization, body);

/** A DPoP-bound token for the DPoP endpoint. */
const boundToken = (ctx: MixContext) =>
  ctx.issuer.accessToken({
    audience: `${ctx.base}/mcp-dpop`,
    cnf: { jkt: ctx.keys.dpopJkt },
  });

/** Every kind of request, with its relative weight. */
export const MIX: readonly MixEntry[] = [
  [30, "valid", async (ctx) => {
    const key = ctx.issuer.signing;
    return {
      kind: "valid",
      expect: "allow",
      kid: key.kid,
      request: bearer(ctx, `Bearer ${await ctx.issuer.accessToken({ key })}`),
    };
  }],
  [10, "valid (reused)", async (ctx) => {
    const { kid, token } = await ctx.issuer.pooled();
    return {
      kind: "valid (reused)",
      expect: "allow",
      kid,
      request: bearer(ctx, `Bearer ${token}`),
    };
  }],
  [4, "valid, JWKS down at cold start", async (ctx) => {
    const url = `${ctx.base}/mcp-cold`;
    const token = await ctx.issuer.accessToken({
      key: ctx.keys.cold,
      audience: url,
    });
    return {
      kind: "valid, JWKS down at cold start",
      expect: "allow",
      kid: ctx.keys.cold.kid,
      request: postRequest(url, `Bearer ${token}`),
    };
  }],
  [4, "valid, admin tool (step-up)", async (ctx) => ({
    kind: "valid, admin tool (step-up)",
    expect: "deny",
    request: bearer(
      ctx,
      `Bearer ${await ctx.issuer.accessToken()}`,
      call("admin_reset"),
    ),
  })],
  [3, "valid, hidden tool", async (ctx) => ({
    kind: "valid, hidden tool",
    expect: "deny",
    request: bearer(
      ctx,
      `Bearer ${await ctx.issuer.accessToken()}`,
      call("vault"),
    ),
  })],
  [6, "expired", async (ctx) => ({
    kind: "expired",
    expect: "deny",
    request: bearer(
      ctx,
      `Bearer ${await ctx.issuer.accessToken({ expiresIn: -120 })}`,
    ),
  })],
  [6, "forged (attacker key, real kid)", async (ctx) => ({
    kind: "forged (attacker key, real kid)",
    expect: "deny",
    request: bearer(
      ctx,
      `Bearer ${await ctx.issuer.accessToken({
        key: ctx.keys.attacker,
        kid: ctx.issuer.signing.kid,
        scope: "mcp:tools admin",
      })}`,
    ),
  })],
  [4, "forged (unknown kid)", async (ctx) => ({
    kind: "forged (unknown kid)",
    expect: "deny",
    request: bearer(
      ctx,
      `Bearer ${await ctx.issuer.accessToken({
        key: ctx.keys.attacker,
        kid: `evil-${Math.floor(ctx.random() * 1e6)}`,
      })}`,
    ),
  })],
  [3, "alg none", (ctx) =>
    Promise.resolve({
      kind: "alg none",
      expect: "deny" as const,
      request: bearer(ctx, `Bearer ${ctx.issuer.unsigned()}`),
    })],
  [6, "wrong audience", async (ctx) => ({
    kind: "wrong audience",
    expect: "deny",
    request: bearer(
      ctx,
      `Bearer ${await ctx.issuer.accessToken({
        audience: "https://other.example/mcp",
      })}`,
    ),
  })],
  [4, "over-long (20 KiB)", (ctx) =>
    Promise.resolve({
      kind: "over-long (20 KiB)",
      expect: "deny" as const,
      request: bearer(ctx, `Bearer ${"a".repeat(20 * 1024)}`),
    })],
  [4, "missing", (ctx) =>
    Promise.resolve({
      kind: "missing",
      expect: "deny" as const,
      request: bearer(ctx, undefined),
    })],
  [3, "malformed header", (ctx) =>
    Promise.resolve({
      kind: "malformed header",
      expect: "deny" as const,
      request: bearer(ctx, "Bearer two tokens"),
    })],
  [6, "DPoP valid", async (ctx) => {
    // The key is read before the await: a rotation may happen meanwhile.
    const key = ctx.issuer.signing;
    const token = await ctx.issuer.accessToken({
      key,
      audience: `${ctx.base}/mcp-dpop`,
      cnf: { jkt: ctx.keys.dpopJkt },
    });
    return {
      kind: "DPoP valid",
      expect: "allow",
      kid: key.kid,
      request: await dpopCall(ctx.base, token, "echo", ctx.keys.dpopClient),
    };
  }],
  [3, "DPoP valid, admin tool (step-up)", async (ctx) => ({
    kind: "DPoP valid, admin tool (step-up)",
    expect: "deny",
    request: await dpopCall(
      ctx.base,
      await boundToken(ctx),
      "admin_reset",
      ctx.keys.dpopClient,
    ),
  })],
  [4, "DPoP replayed proof", async (ctx) => {
    const token = await boundToken(ctx);
    const { accepted, request } = await replayed(
      ctx.base,
      token,
      ctx.keys.dpopClient,
    );
    // A proof is consumed only by a request that was accepted: when its
    // first use was refused (say, for a key not fetched yet), sending it
    // again is a retry, not a replay.
    return accepted
      ? { kind: "DPoP replayed proof", expect: "deny", request }
      : { kind: "DPoP proof re-sent after a refusal", expect: "any", request };
  }],
  [4, "DPoP stolen token (thief's proof)", async (ctx) => ({
    kind: "DPoP stolen token (thief's proof)",
    expect: "deny",
    request: await dpopCall(
      ctx.base,
      await boundToken(ctx),
      "echo",
      ctx.keys.dpopThief,
    ),
  })],
  [4, "DPoP-bound token as Bearer", async (ctx) => {
    const token = await ctx.issuer.accessToken({
      cnf: { jkt: ctx.keys.dpopJkt },
    });
    return {
      kind: "DPoP-bound token as Bearer",
      expect: "deny",
      request: postRequest(`${ctx.base}/mcp-dpop`, `Bearer ${token}`),
    };
  }],
];

/** Picks a kind of the mix by weight. */
export function pick(
  mix: readonly MixEntry[],
  random: () => number,
): MakeRequest {
  const total = mix.reduce((sum, [weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [weight, , make] of mix) {
    roll -= weight;
    if (roll < 0) return make;
  }
  return mix[0]![2];
}
