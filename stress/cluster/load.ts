/**
 * The load: `concurrency` clients, each with its own token (a new one every
 * {@linkcode TOKEN_USES} requests, first sent to every instance at once),
 * walking the mix until the run's time is up, and keeping some proofs
 * admitted before the outage for the fault schedule to replay.
 *
 * @module
 */
import { firstContact, send, sendValid } from "./client.ts";
import type { RunContext } from "./context.ts";
import { keepsForReplay } from "./faults.ts";
import { type Identity, newIdentity, proof } from "./identity.ts";
import {
  duplicateTargets,
  move,
  nonceTarget,
  replayTarget,
  TOKEN_USES,
} from "./mix.ts";

/** A new token, bound to a new key, introduced to every instance. */
async function freshIdentity(ctx: RunContext): Promise<Identity> {
  const identity = await newIdentity(ctx.register);
  await firstContact(ctx, identity);
  return identity;
}

/** One client (`id` from 0): sends until `until` (`Date.now()`). */
async function client(
  ctx: RunContext,
  id: number,
  until: number,
): Promise<void> {
  const instances = ctx.origins.length;
  let identity = await freshIdentity(ctx);
  let uses = 0;
  let last: { dpop: string; instance: number } | undefined;
  let step = id;
  while (Date.now() < until) {
    if (++uses > TOKEN_USES) {
      identity = await freshIdentity(ctx);
      uses = 0;
      last = undefined;
    }
    step++;
    const next = move(step, id, instances);
    if (next.kind === "valid") {
      const { outcome, dpop } = await sendValid(ctx, next.instance, identity);
      if (outcome?.status === 200) {
        last = { dpop, instance: next.instance };
        const progress = (Date.now() - ctx.startedAt) / ctx.config.durationMs;
        if (keepsForReplay(progress, ctx.kept.length)) {
          ctx.kept.push({ identity, dpop, instance: next.instance });
        }
      }
    } else if (next.kind === "replay") {
      if (last === undefined) continue;
      ctx.counts.replaysSent++;
      const other = replayTarget(last.instance, step, instances);
      const outcome = await send(ctx, other, identity, last.dpop);
      if (outcome?.status === 200) ctx.counts.replaysAdmitted++;
      last = undefined;
    } else {
      if (identity.nonce === undefined) {
        await sendValid(ctx, nonceTarget(step, instances), identity);
        continue;
      }
      const dpop = await proof(identity);
      ctx.counts.duplicateRounds++;
      const outcomes = await Promise.all(
        duplicateTargets(instances).map((i) => send(ctx, i, identity, dpop)),
      );
      const admitted = outcomes.filter((o) => o?.status === 200).length;
      if (admitted > 1) ctx.counts.duplicatesAdmitted += admitted - 1;
    }
  }
}

/** Runs every client until the run's duration is over. */
export async function runLoad(ctx: RunContext): Promise<void> {
  const until = ctx.startedAt + ctx.config.durationMs;
  await Promise.all(
    Array.from(
      { length: ctx.config.concurrency },
      (_, id) => client(ctx, id, until),
    ),
  );
}
