import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import {
  firstContact,
  send,
  sendValid,
} from "../../../stress/cluster/client.ts";
import { DEFAULT_CLUSTER_CONFIG } from "../../../stress/cluster/config.ts";
import {
  emptyCounts,
  IN_FLIGHT_MS,
  Outage,
  type RunContext,
} from "../../../stress/cluster/context.ts";
import { newIdentity } from "../../../stress/cluster/identity.ts";
import { serve, type Served } from "../../_serve.ts";

const servers: Served[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** An instance answering `answers` in turn (the last one again), recording each proof. */
async function instance(
  answers: (() => Response)[],
): Promise<{ origin: string; proofs: string[] }> {
  const proofs: string[] = [];
  let next = 0;
  const server = await serve((request) => {
    proofs.push(request.headers.get("dpop") ?? "");
    return answers[Math.min(next++, answers.length - 1)]!();
  });
  servers.push(server);
  return { origin: server.origin, proofs };
}

function context(origins: string[], outage = new Outage()): RunContext {
  return {
    config: DEFAULT_CLUSTER_CONFIG,
    origins,
    counts: emptyCounts(),
    latencies: [],
    outage,
    kept: [],
    register: () => {},
    startedAt: Date.now(),
  };
}

const ok = () => Response.json({ ok: true });
const challenge = (nonce: string) => () =>
  Response.json({ error: "use_dpop_nonce" }, {
    status: 401,
    headers: { "dpop-nonce": nonce },
  });
const status = (code: number, headers: Record<string, string> = {}) => () =>
  new Response(null, { status: code, headers });

describe("send()", () => {
  it("counts a 200 as admitted, with its latency while Redis is up", async () => {
    const { origin } = await instance([ok]);
    const ctx = context([origin]);
    const identity = await newIdentity(() => {});
    const outcome = await send(ctx, 0, identity, "proof");
    assert.deepEqual(outcome, { status: 200, nonce: null, error: undefined });
    assert.equal(ctx.counts.requests, 1);
    assert.equal(ctx.counts.admitted, 1);
    assert.equal(ctx.latencies.length, 1);
    assert.equal(ctx.counts.admittedWhileStopped, 0);
    assert.equal(ctx.counts.admittedAfterRestart, 0);
  });

  it("counts a 200 while Redis is stopped, and one after its restart", async () => {
    const { origin } = await instance([ok]);
    const outage = new Outage();
    const ctx = context([origin], outage);
    const identity = await newIdentity(() => {});
    outage.stop(Date.now() - IN_FLIGHT_MS - 1);
    await send(ctx, 0, identity, "proof");
    assert.equal(ctx.counts.admittedWhileStopped, 1);
    assert.equal(ctx.latencies.length, 0, "no latency filed while down");
    outage.restart(Date.now());
    await send(ctx, 0, identity, "proof");
    assert.equal(ctx.counts.admittedWhileStopped, 1);
    assert.equal(ctx.counts.admittedAfterRestart, 1);
  });

  it("sorts the refusals: 401, 503 with and without a valid Retry-After, other 5xx", async () => {
    const { origin } = await instance([
      status(401),
      status(503, { "retry-after": "1" }),
      status(503),
      status(503, { "retry-after": "0" }),
      status(500),
      status(502),
    ]);
    const ctx = context([origin]);
    const identity = await newIdentity(() => {});
    for (let i = 0; i < 6; i++) await send(ctx, 0, identity, "proof");
    const { requests, refused, unavailable, otherServerErrors, admitted } =
      ctx.counts;
    assert.deepEqual(
      { requests, refused, unavailable, otherServerErrors, admitted },
      {
        requests: 6,
        refused: 1,
        unavailable: 3,
        otherServerErrors: 2,
        admitted: 0,
      },
    );
    assert.equal(ctx.counts.unavailableWithoutRetryAfter, 2);
  });

  it("counts a refused connection as a transport error", async () => {
    const gone = await serve(ok);
    await gone.close();
    const ctx = context([gone.origin]);
    const outcome = await send(ctx, 0, await newIdentity(() => {}), "proof");
    assert.equal(outcome, undefined);
    assert.equal(ctx.counts.transportErrors, 1);
  });

  it("sends the token with the DPoP scheme and the proof", async () => {
    let seen: Headers | undefined;
    const server = await serve((request) => {
      seen = request.headers;
      return ok();
    });
    servers.push(server);
    const identity = await newIdentity(() => {});
    await send(context([server.origin]), 0, identity, "the-proof");
    assert.equal(seen?.get("authorization"), `DPoP ${identity.token}`);
    assert.equal(seen?.get("dpop"), "the-proof");
  });
});

describe("sendValid()", () => {
  it("follows one nonce challenge with a new proof carrying the nonce", async () => {
    const a = await instance([challenge("n-1"), ok]);
    const ctx = context([a.origin]);
    const identity = await newIdentity(() => {});
    const { outcome, dpop } = await sendValid(ctx, 0, identity);
    assert.equal(outcome?.status, 200);
    assert.equal(a.proofs.length, 2);
    assert.equal(dpop, a.proofs[1]);
    assert.equal(decodeJwt(a.proofs[0]!).nonce, undefined);
    assert.equal(decodeJwt(a.proofs[1]!).nonce, "n-1");
    assert.notEqual(decodeJwt(a.proofs[0]!).jti, decodeJwt(a.proofs[1]!).jti);
    assert.deepEqual([identity.nonce, identity.nonceFrom], ["n-1", 0]);
    assert.equal(ctx.counts.nonceChallenges, 1);
    assert.equal(ctx.counts.validRefused, 0);
    assert.equal(ctx.counts.crossInstanceNonces, 0);
  });

  it("counts a nonce from one instance admitted by another", async () => {
    const a = await instance([challenge("n-a")]);
    const b = await instance([ok]);
    const ctx = context([a.origin, b.origin]);
    const identity = await newIdentity(() => {});
    await firstContact(ctx, identity);
    assert.equal(identity.nonce, "n-a");
    await sendValid(ctx, 1, identity);
    assert.equal(decodeJwt(b.proofs.at(-1)!).nonce, "n-a");
    assert.equal(ctx.counts.crossInstanceNonces, 1);
  });

  it("counts a valid proof refused twice as a valid proof refused", async () => {
    const a = await instance([challenge("n-1"), challenge("n-2")]);
    const ctx = context([a.origin]);
    const { outcome } = await sendValid(ctx, 0, await newIdentity(() => {}));
    assert.equal(outcome?.status, 401);
    assert.equal(a.proofs.length, 2, "one challenge followed, not more");
    assert.equal(ctx.counts.validRefused, 1);
  });
});

describe("firstContact()", () => {
  it("sends one proof to every instance at once and keeps a nonce", async () => {
    const a = await instance([challenge("n-a")]);
    const b = await instance([challenge("n-b")]);
    const ctx = context([a.origin, b.origin]);
    const identity = await newIdentity(() => {});
    await firstContact(ctx, identity);
    assert.equal(a.proofs.length + b.proofs.length, 2);
    assert.equal(ctx.counts.nonceChallenges, 2);
    // The last instance's nonce is the one kept.
    assert.deepEqual([identity.nonce, identity.nonceFrom], ["n-b", 1]);
  });
});
