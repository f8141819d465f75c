/**
 * The fault schedule: at fixed points of the run's progress, the issuer
 * rotates its signing key, retires the old one, the cold-start issuer's
 * JWKS server comes up, the main one goes down, the issuer rotates while it
 * is down, and it comes back.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { Issuer } from "./issuer.ts";
import type { JwksServer } from "./jwks_server.ts";
import type { StressKeys } from "./keys.ts";
import type { AcceptedKids } from "./load.ts";

/** What a fault acts on, and where it logs. */
export interface FaultContext {
  readonly issuer: Issuer;
  readonly keys: StressKeys;
  readonly jwks: JwksServer;
  readonly coldJwks: JwksServer;
  readonly accepted: AcceptedKids;
  readonly clock: Clock;
  /** The event log, one line per fault, printed above the table. */
  readonly events: string[];
}

/** A fault: when (a fraction of the run), and what it does. */
export type Fault = readonly [
  at: number,
  act: (ctx: FaultContext) => Promise<void> | void,
];

/** The run's faults, in order. */
export const FAULTS: readonly Fault[] = [
  [0.15, ({ jwks, keys, issuer, events, clock }) => {
    jwks.published = [keys.k1, keys.k2];
    issuer.signWith(keys.k2);
    events.push(`${clock.stamp()} rotate: publish k2, sign with k2`);
  }],
  [0.30, ({ jwks, keys, accepted, events, clock }) => {
    jwks.published = [keys.k2];
    // No k1 token has been minted since the rotation: k1 may now go.
    accepted.forget("k1");
    events.push(`${clock.stamp()} retire k1`);
  }],
  [0.35, ({ coldJwks, events, clock }) => {
    coldJwks.start();
    events.push(`${clock.stamp()} cold JWKS server up`);
  }],
  [0.45, async ({ jwks, events, clock }) => {
    await jwks.stop();
    events.push(`${clock.stamp()} JWKS server down`);
  }],
  [0.55, ({ jwks, keys, issuer, events, clock }) => {
    jwks.published = [keys.k2, keys.k3];
    issuer.signWith(keys.k3);
    events.push(`${clock.stamp()} rotate while down: sign with k3`);
  }],
  [0.70, ({ jwks, events, clock }) => {
    jwks.start();
    events.push(`${clock.stamp()} JWKS server up`);
  }],
];

/** Runs each fault once, when the run's progress reaches it. */
export class FaultSchedule {
  #ctx: FaultContext;
  #faults: readonly Fault[];
  #next = 0;

  constructor(ctx: FaultContext, faults: readonly Fault[] = FAULTS) {
    this.#ctx = ctx;
    this.#faults = faults;
  }

  /** Runs every fault due at `progress` (0 to 1) not run yet. */
  async advance(progress: number): Promise<void> {
    while (
      this.#next < this.#faults.length &&
      progress >= this.#faults[this.#next]![0]
    ) {
      await this.#faults[this.#next++]![1](this.#ctx);
    }
  }

  /** Runs the faults left: the final state, even when the run ended early. */
  async finish(): Promise<void> {
    await this.advance(Infinity);
  }
}
