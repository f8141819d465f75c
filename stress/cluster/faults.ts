/**
 * The fault schedule: Redis is killed (SIGKILL) a third of the way into the
 * run and started again on the same port and files; after a grace for the
 * instances to reconnect, the proofs admitted before the outage are sent
 * again, each to another instance. Redis fsyncs every write, so none of
 * them may be admitted twice.
 *
 * @module
 */
import { send } from "./client.ts";
import type { RunContext } from "./context.ts";
import { afterOutageTarget } from "./mix.ts";
import { sleep } from "./processes.ts";

/** When Redis is killed, as a fraction of the run. */
export const STOP_AT = 0.35;
/** When it is started again. */
export const RESTART_AT = 0.55;
/** The instances' clients reconnect within their backoff in this long. */
export const RECOVERY_GRACE_MS = 1_500;

/** Proofs kept to replay after the outage, at most. */
export const KEPT_MAX = 200;
/** Proofs are kept from this fraction of the run ... */
const KEEP_FROM = 0.15;
/** ... until this long before the kill, so that none is still in flight. */
const KEEP_MARGIN = 0.02;

/**
 * Whether a proof admitted at `progress` (a fraction of the run) is kept
 * for replay, with `kept` kept already.
 */
export function keepsForReplay(progress: number, kept: number): boolean {
  return progress > KEEP_FROM && progress < STOP_AT - KEEP_MARGIN &&
    kept < KEPT_MAX;
}

/** What the schedule acts on: Redis. */
export interface Redis {
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/** Runs the schedule from now (the start of the run) to the replays. */
export async function runFaults(ctx: RunContext, redis: Redis): Promise<void> {
  const { config, outage, counts } = ctx;
  await sleep(config.durationMs * STOP_AT);
  outage.stop(Date.now());
  await redis.kill();
  await sleep(config.durationMs * (RESTART_AT - STOP_AT));
  await redis.restart();
  outage.restart(Date.now());
  await sleep(RECOVERY_GRACE_MS);
  outage.recover();
  for (const { identity, dpop, instance } of ctx.kept) {
    counts.preOutageReplaysSent++;
    const target = afterOutageTarget(instance, ctx.origins.length);
    const outcome = await send(ctx, target, identity, dpop);
    if (outcome?.status === 200) counts.preOutageReplaysAdmitted++;
  }
}
