/**
 * The run's shared state, created once by run.ts and passed to every part
 * that reads or writes it: what the clients counted, where Redis is in its
 * outage, and the proofs kept to replay after it. Nothing here lives at
 * module level.
 *
 * @module
 */
import type { ClusterConfig } from "./config.ts";
import type { Identity } from "./identity.ts";

/** Every count the clients keep, each starting at zero. */
const COUNT_NAMES = [
  "requests",
  "admitted",
  "refused",
  "unavailable",
  "unavailableWithoutRetryAfter",
  "nonceChallenges",
  "crossInstanceNonces",
  "otherServerErrors",
  "transportErrors",
  "validRefused",
  "replaysSent",
  "replaysAdmitted",
  "duplicateRounds",
  "duplicatesAdmitted",
  "admittedWhileStopped",
  "admittedAfterRestart",
  "preOutageReplaysSent",
  "preOutageReplaysAdmitted",
] as const;

/** What the clients counted; the report reads it. */
export type Counts = Record<(typeof COUNT_NAMES)[number], number>;

/** Every count at zero. */
export function emptyCounts(): Counts {
  return Object.fromEntries(COUNT_NAMES.map((name) => [name, 0])) as Counts;
}

/**
 * `up`, or `down` from the moment Redis is killed until the recovery grace
 * after its restart is over: what introspections and latencies are filed
 * under.
 */
export type Phase = "up" | "down";

/**
 * A request answered this soon after the kill may have passed its replay
 * check before it: it is not counted as admitted while Redis was stopped.
 */
export const IN_FLIGHT_MS = 300;

/** Where Redis is in its outage. Times are `Date.now()` values. */
export class Outage {
  #phase: Phase = "up";
  #stopped = false; // strictly: between the kill and the restart
  #stoppedSince = 0;
  #restartedAt = 0;

  /** See {@linkcode Phase}. */
  get phase(): Phase {
    return this.#phase;
  }

  /** Whether a request admitted `now` was admitted while Redis was stopped. */
  admittedWhileStopped(now: number): boolean {
    return this.#stopped && now - this.#stoppedSince > IN_FLIGHT_MS;
  }

  /** Whether Redis has been restarted. */
  get restarted(): boolean {
    return this.#restartedAt > 0;
  }

  /** Redis is killed `now`. */
  stop(now: number): void {
    this.#phase = "down";
    this.#stopped = true;
    this.#stoppedSince = now;
  }

  /** Redis accepts connections again, `now`. */
  restart(now: number): void {
    this.#stopped = false;
    this.#restartedAt = now;
  }

  /** The recovery grace is over: the instances have reconnected. */
  recover(): void {
    this.#phase = "up";
  }
}

/** A proof admitted before the outage, to send again after it. */
export interface KeptProof {
  readonly identity: Identity;
  readonly dpop: string;
  readonly instance: number;
}

/** What the clients and the fault schedule share. */
export interface RunContext {
  readonly config: ClusterConfig;
  /** `http://127.0.0.1:<port>` of each instance. */
  readonly origins: readonly string[];
  readonly counts: Counts;
  /** Latencies of requests admitted while the phase was `up`, in ms. */
  readonly latencies: number[];
  readonly outage: Outage;
  /** Proofs admitted before the outage (see `keepsForReplay` in faults.ts). */
  readonly kept: KeptProof[];
  /** Tells the authorization server a token exists, bound to `jkt`. */
  readonly register: (token: string, jkt: string) => void;
  /** When the clients started (`Date.now()`). */
  readonly startedAt: number;
}
