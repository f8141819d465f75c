/**
 * Sending: one POST to an instance with a token and a proof, counted by
 * status and by where Redis was when it was answered; a valid request that
 * follows one `use_dpop_nonce` challenge (RFC 9449 §8); a new token's first
 * contact with every instance at once.
 *
 * @module
 */
import type { RunContext } from "./context.ts";
import { type Identity, proof } from "./identity.ts";

/** A request is abandoned (a transport error) after this long. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** What an instance answered. */
export interface Outcome {
  readonly status: number;
  readonly nonce: string | null;
  /** The `error` of a JSON body (`use_dpop_nonce` ...). */
  readonly error: string | undefined;
}

/** A 503 must say when to retry: a positive number of seconds. */
const RETRY_AFTER = /^[1-9][0-9]*$/;

/** Sends `dpop` with the token to `instance`; `undefined` on a transport error. */
export async function send(
  ctx: RunContext,
  instance: number,
  identity: Identity,
  dpop: string,
): Promise<Outcome | undefined> {
  const { counts, outage } = ctx;
  counts.requests++;
  const started = performance.now();
  try {
    const response = await fetch(`${ctx.origins[instance]}/mcp`, {
      method: "POST",
      headers: { authorization: `DPoP ${identity.token}`, dpop },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    const elapsed = performance.now() - started;
    const status = response.status;
    if (status === 200) {
      counts.admitted++;
      if (outage.phase === "up") ctx.latencies.push(elapsed);
      if (outage.admittedWhileStopped(Date.now())) {
        counts.admittedWhileStopped++;
      }
      if (outage.restarted) counts.admittedAfterRestart++;
    } else if (status === 503) {
      counts.unavailable++;
      if (!RETRY_AFTER.test(response.headers.get("retry-after") ?? "")) {
        counts.unavailableWithoutRetryAfter++;
      }
    } else if (status >= 500) {
      counts.otherServerErrors++;
    } else {
      counts.refused++;
    }
    return {
      status,
      nonce: response.headers.get("dpop-nonce"),
      error: errorOf(text),
    };
  } catch {
    counts.transportErrors++;
    return undefined;
  }
}

function errorOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: string }).error;
  } catch {
    return undefined;
  }
}

/** Whether `outcome` is a nonce challenge carrying a nonce. */
function challenge(outcome: Outcome | undefined): outcome is Outcome & {
  nonce: string;
} {
  return outcome?.status === 401 && outcome.error === "use_dpop_nonce" &&
    outcome.nonce !== null;
}

/** Sends a fresh proof to `instance`, following a nonce challenge once. */
export async function sendValid(
  ctx: RunContext,
  instance: number,
  identity: Identity,
): Promise<{ outcome: Outcome | undefined; dpop: string }> {
  let dpop = await proof(identity);
  let outcome = await send(ctx, instance, identity, dpop);
  if (challenge(outcome)) {
    ctx.counts.nonceChallenges++;
    identity.nonce = outcome.nonce;
    identity.nonceFrom = instance;
    dpop = await proof(identity);
    outcome = await send(ctx, instance, identity, dpop);
  }
  if (
    outcome?.status === 200 && identity.nonceFrom !== undefined &&
    identity.nonceFrom !== instance
  ) {
    ctx.counts.crossInstanceNonces++;
  }
  if (outcome?.status === 401) ctx.counts.validRefused++;
  return { outcome, dpop };
}

/**
 * A new token's first requests: one proof without a nonce to every
 * instance at once. Each answers use_dpop_nonce, after verifying the token:
 * all instances meet the token at the same moment, and should ask the
 * authorization server once between them.
 */
export async function firstContact(
  ctx: RunContext,
  identity: Identity,
): Promise<void> {
  const outcomes = await Promise.all(
    ctx.origins.map(async (_, instance) =>
      await send(ctx, instance, identity, await proof(identity))
    ),
  );
  for (const [instance, outcome] of outcomes.entries()) {
    if (challenge(outcome)) {
      ctx.counts.nonceChallenges++;
      identity.nonce = outcome.nonce;
      identity.nonceFrom = instance;
    }
  }
}
