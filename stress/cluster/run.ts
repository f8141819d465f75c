// Multi-instance stress run: two or more server processes (server.ts,
// spawned with Deno.execPath()) behind one redis-server this script starts,
// an introspection endpoint it serves, and concurrent clients sending valid
// DPoP proofs, proofs replayed to another instance, and concurrent
// duplicates of one proof, while Redis is killed and restarted mid-run.
// Prints one table and exits non-zero when an invariant is broken.
//
// Run: deno task stress:cluster [--duration=ms] [--instances=N] [--concurrency=N]
//                               [--sabotage]
// --sabotage gives each instance its own in-memory replay store (what every
// instance had before shared stores), to show that the run catches it.
// Everything listens on 127.0.0.1; the run is bounded in time. It needs
// redis-server (Debian: apt-get install -y redis-server; REDIS_SERVER names
// another binary). Redis runs with an append-only file fsynced on every
// write: a Redis that forgets what it held when it restarts forgets the
// proofs it has seen (README, "Sharing state across instances").

import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from "jose";
import { accessTokenHash } from "../../mod.ts";

// ---------------------------------------------------------------- settings

interface Settings {
  durationMs: number;
  instances: number;
  concurrency: number;
  sabotage: boolean;
}

function parseArgs(args: string[]): Settings {
  const settings: Settings = {
    durationMs: 10_000,
    instances: 2,
    concurrency: 12,
    sabotage: false,
  };
  for (const arg of args) {
    if (arg === "--sabotage") {
      settings.sabotage = true;
      continue;
    }
    const match = /^--(duration|instances|concurrency)=(\d+)$/.exec(arg);
    if (match === null) {
      console.error(
        `Unknown argument "${arg}": use --duration=ms, --instances=N, --concurrency=N or --sabotage`,
      );
      Deno.exit(2);
    }
    const value = Number(match[2]);
    if (match[1] === "duration") {
      settings.durationMs = Math.max(4_000, Math.min(value, 60_000));
    }
    if (match[1] === "instances") {
      settings.instances = Math.max(2, Math.min(value, 4));
    }
    if (match[1] === "concurrency") {
      settings.concurrency = Math.max(2, Math.min(value, 64));
    }
  }
  return settings;
}

const settings = parseArgs(Deno.args);
const RESOURCE = "https://mcp.cluster.test/mcp";
const STOP_AT = 0.35; // of the duration: Redis is killed
const RESTART_AT = 0.55; // and started again
const RECOVERY_GRACE_MS = 1_500; // clients reconnect within their backoff
const INTROSPECTION_DELAY_MS = 5;
const DUPLICATES = 6; // copies of one proof sent at once
const REQUEST_TIMEOUT_MS = 10_000;
const TOKEN_USES = 40; // requests before a client takes a new token

const HARD_LIMIT_MS = settings.durationMs + 60_000;
const watchdog = setTimeout(() => {
  console.error(
    `stress:cluster: still running after ${HARD_LIMIT_MS} ms, giving up`,
  );
  cleanup().finally(() => Deno.exit(2));
}, HARD_LIMIT_MS);
Deno.unrefTimer(watchdog);

// ------------------------------------------------------------ processes

const children = new Set<Deno.ChildProcess>();
let temporary: string | undefined;

async function cleanup(): Promise<void> {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status.catch(() => {});
  }
  children.clear();
  if (temporary !== undefined) {
    await Deno.remove(temporary, { recursive: true }).catch(() => {});
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}

async function redisBinary(): Promise<string> {
  const binary = Deno.env.get("REDIS_SERVER") ?? "redis-server";
  try {
    const { success } = await new Deno.Command(binary, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (success) return binary;
  } catch {
    // not installed
  }
  console.error(
    `stress:cluster needs redis-server, and "${binary}" cannot be run.\n` +
      "Install it: sudo apt-get install -y redis-server (Debian, Ubuntu), " +
      "brew install redis (macOS), or set REDIS_SERVER to its path.",
  );
  Deno.exit(1);
}

function startRedis(
  binary: string,
  port: number,
  dir: string,
): Deno.ChildProcess {
  const child = new Deno.Command(binary, {
    args: [
      "--bind",
      "127.0.0.1",
      "--port",
      String(port),
      "--protected-mode",
      "yes",
      "--save",
      "",
      // Every acknowledged write survives a crash: the replay guarantee
      // holds across the restart.
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--dir",
      dir,
      "--loglevel",
      "warning",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  children.add(child);
  return child;
}

async function startServer(
  name: string,
  env: Record<string, string>,
): Promise<{ child: Deno.ChildProcess; origin: string }> {
  const entry = new URL("./server.ts", import.meta.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      "--allow-env",
      "--allow-read",
      entry.href,
    ],
    env: { ...env, INSTANCE: name },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  children.add(child);
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + 30_000;
  while (!text.includes("\n")) {
    const chunk = await Promise.race([
      reader.read(),
      sleep(Math.max(0, deadline - Date.now())).then(() => undefined),
    ]);
    if (chunk === undefined || chunk.done) {
      throw new Error(`server ${name} did not start within 30 s`);
    }
    text += chunk.value;
  }
  // Keep draining, so the child never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })().catch(() => {});
  const { port } = JSON.parse(text.slice(0, text.indexOf("\n")));
  return { child, origin: `http://127.0.0.1:${port}` };
}

// --------------------------------------------------------------- phases

type Phase = "up" | "down";
let phase: Phase = "up";
let redisStopped = false; // strictly: between the kill and the restart
let stoppedSince = 0;
let restartedAt = 0;

// -------------------------------------------------- introspection server

interface Identity {
  token: string;
  jwk: JWK;
  privateKey: CryptoKey;
  ath: string;
  nonce?: string;
  nonceFrom?: number;
}

const identities = new Map<string, string>(); // token -> jkt
const introspections = new Map<string, { up: number; down: number }>();

const authorizationServer = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen() {},
}, async (request) => {
  const token = new URLSearchParams(await request.text()).get("token") ?? "";
  const counts = introspections.get(token) ?? { up: 0, down: 0 };
  counts[phase]++;
  introspections.set(token, counts);
  await sleep(INTROSPECTION_DELAY_MS);
  const jkt = identities.get(token);
  if (jkt === undefined) return Response.json({ active: false });
  return Response.json({
    active: true,
    client_id: "stress-client",
    scope: "mcp",
    aud: RESOURCE,
    exp: Math.floor(Date.now() / 1000) + 600,
    cnf: { jkt },
  });
});

async function newIdentity(): Promise<Identity> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = await exportJWK(publicKey);
  const token = `tok-${crypto.randomUUID()}`;
  identities.set(token, await calculateJwkThumbprint(jwk));
  return { token, jwk, privateKey, ath: await accessTokenHash(token) };
}

function proof(identity: Identity): Promise<string> {
  return new SignJWT({
    htm: "POST",
    htu: RESOURCE,
    ath: identity.ath,
    ...(identity.nonce === undefined ? {} : { nonce: identity.nonce }),
  })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: identity.jwk })
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .sign(identity.privateKey);
}

// -------------------------------------------------------------- counters

const counts = {
  requests: 0,
  admitted: 0,
  refused: 0,
  unavailable: 0,
  unavailableWithoutRetryAfter: 0,
  nonceChallenges: 0,
  crossInstanceNonces: 0,
  otherServerErrors: 0,
  transportErrors: 0,
  validRefused: 0,
  replaysSent: 0,
  replaysAdmitted: 0,
  duplicateRounds: 0,
  duplicatesAdmitted: 0,
  admittedWhileStopped: 0,
  admittedAfterRestart: 0,
  preOutageReplaysSent: 0,
  preOutageReplaysAdmitted: 0,
};
const latencies: number[] = [];

interface Outcome {
  status: number;
  nonce: string | null;
  error: string | undefined;
}

let origins: string[] = [];

async function send(
  instance: number,
  identity: Identity,
  dpop: string,
): Promise<Outcome | undefined> {
  counts.requests++;
  const started = performance.now();
  try {
    const response = await fetch(`${origins[instance]}/mcp`, {
      method: "POST",
      headers: { authorization: `DPoP ${identity.token}`, dpop },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    const elapsed = performance.now() - started;
    const status = response.status;
    if (status === 200) {
      counts.admitted++;
      if (phase === "up") latencies.push(elapsed);
      if (redisStopped && Date.now() - stoppedSince > 300) {
        counts.admittedWhileStopped++;
      }
      if (restartedAt > 0) counts.admittedAfterRestart++;
    } else if (status === 503) {
      counts.unavailable++;
      if (!/^[1-9][0-9]*$/.test(response.headers.get("retry-after") ?? "")) {
        counts.unavailableWithoutRetryAfter++;
      }
    } else if (status >= 500) {
      counts.otherServerErrors++;
    } else {
      counts.refused++;
    }
    let error: string | undefined;
    try {
      error = (JSON.parse(text) as { error?: string }).error;
    } catch {
      error = undefined;
    }
    return { status, nonce: response.headers.get("dpop-nonce"), error };
  } catch {
    counts.transportErrors++;
    return undefined;
  }
}

/** Sends a fresh proof to `instance`, following a nonce challenge once. */
async function sendValid(instance: number, identity: Identity): Promise<
  { outcome: Outcome | undefined; dpop: string }
> {
  let dpop = await proof(identity);
  let outcome = await send(instance, identity, dpop);
  if (
    outcome?.status === 401 && outcome.error === "use_dpop_nonce" &&
    outcome.nonce !== null
  ) {
    counts.nonceChallenges++;
    identity.nonce = outcome.nonce;
    identity.nonceFrom = instance;
    dpop = await proof(identity);
    outcome = await send(instance, identity, dpop);
  }
  if (
    outcome?.status === 200 && identity.nonceFrom !== undefined &&
    identity.nonceFrom !== instance
  ) {
    counts.crossInstanceNonces++;
  }
  if (outcome?.status === 401) counts.validRefused++;
  return { outcome, dpop };
}

/**
 * A new token's first requests: one proof without a nonce to every
 * instance at once. Each answers use_dpop_nonce, after verifying the token:
 * all instances meet the token at the same moment, and should ask the
 * authorization server once between them.
 */
async function firstContact(identity: Identity): Promise<void> {
  const outcomes = await Promise.all(
    origins.map(async (_, instance) =>
      await send(instance, identity, await proof(identity))
    ),
  );
  for (const [instance, outcome] of outcomes.entries()) {
    if (
      outcome?.status === 401 && outcome.error === "use_dpop_nonce" &&
      outcome.nonce !== null
    ) {
      counts.nonceChallenges++;
      identity.nonce = outcome.nonce;
      identity.nonceFrom = instance;
    }
  }
}

// ----------------------------------------------------------------- run

const preOutage: { identity: Identity; dpop: string; instance: number }[] = [];

async function worker(
  id: number,
  until: number,
  startedAt: number,
): Promise<void> {
  let identity = await newIdentity();
  await firstContact(identity);
  let uses = 0;
  let last: { dpop: string; instance: number } | undefined;
  let step = id;
  while (Date.now() < until) {
    if (++uses > TOKEN_USES) {
      identity = await newIdentity();
      await firstContact(identity);
      uses = 0;
      last = undefined;
    }
    step++;
    const kind = step % 10;
    if (kind < 6) {
      const instance = (step * 7 + id) % origins.length;
      const { outcome, dpop } = await sendValid(instance, identity);
      if (outcome?.status === 200) {
        last = { dpop, instance };
        const elapsed = (Date.now() - startedAt) / settings.durationMs;
        if (
          elapsed > 0.15 && elapsed < STOP_AT - 0.02 && preOutage.length < 200
        ) {
          preOutage.push({ identity, dpop, instance });
        }
      }
    } else if (kind < 8) {
      if (last === undefined) continue;
      // The same proof, to another instance.
      const other = (last.instance + 1 + (step % (origins.length - 1))) %
        origins.length;
      counts.replaysSent++;
      const outcome = await send(other, identity, last.dpop);
      if (outcome?.status === 200) counts.replaysAdmitted++;
      last = undefined;
    } else {
      if (identity.nonce === undefined) {
        await sendValid(step % origins.length, identity);
        continue;
      }
      const dpop = await proof(identity);
      counts.duplicateRounds++;
      const outcomes = await Promise.all(
        Array.from(
          { length: DUPLICATES },
          (_, i) => send(i % origins.length, identity, dpop),
        ),
      );
      const admitted = outcomes.filter((outcome) =>
        outcome?.status === 200
      ).length;
      if (admitted > 1) counts.duplicatesAdmitted += admitted - 1;
    }
  }
}

async function main(): Promise<number> {
  const binary = await redisBinary();
  temporary = await Deno.makeTempDir({ prefix: "mcp-authz-cluster-" });
  const redisPort = freePort();
  let redis = startRedis(binary, redisPort, temporary);
  await waitPort(redisPort, 10_000);

  const secret = () =>
    Array.from(
      crypto.getRandomValues(new Uint8Array(32)),
      (b) => b.toString(16).padStart(2, "0"),
    )
      .join("");
  const env = {
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    INTROSPECTION_URL:
      `http://127.0.0.1:${authorizationServer.addr.port}/introspect`,
    RESOURCE,
    NONCE_SECRET: secret(),
    CACHE_SECRET: secret(),
    ...(settings.sabotage ? { SABOTAGE: "1" } : {}),
  };
  const servers = await Promise.all(
    Array.from(
      { length: settings.instances },
      (_, i) => startServer(`instance-${i + 1}`, env),
    ),
  );
  origins = servers.map((server) => server.origin);

  const startedAt = Date.now();
  const until = startedAt + settings.durationMs;
  const faults = (async () => {
    await sleep(settings.durationMs * STOP_AT);
    phase = "down";
    redisStopped = true;
    stoppedSince = Date.now();
    redis.kill("SIGKILL");
    await redis.status;
    children.delete(redis);
    await sleep(settings.durationMs * (RESTART_AT - STOP_AT));
    redis = startRedis(binary, redisPort, temporary!);
    await waitPort(redisPort, 10_000);
    redisStopped = false;
    restartedAt = Date.now();
    await sleep(RECOVERY_GRACE_MS);
    phase = "up";
    // Proofs admitted before the outage, sent again after it.
    for (const { identity, dpop, instance } of preOutage) {
      counts.preOutageReplaysSent++;
      const outcome = await send(
        (instance + 1) % origins.length,
        identity,
        dpop,
      );
      if (outcome?.status === 200) counts.preOutageReplaysAdmitted++;
    }
  })();
  await Promise.all([
    faults,
    ...Array.from(
      { length: settings.concurrency },
      (_, i) => worker(i, until, startedAt),
    ),
  ]);

  const stats = await Promise.all(
    origins.map(async (origin) =>
      await (await fetch(`${origin}/stats`)).json()
    ),
  ) as { requests: number; storeCalls: number }[];
  return report(stats);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ]!;
}

function report(stats: { requests: number; storeCalls: number }[]): number {
  const upTokens = [...introspections.entries()].filter(([token, calls]) =>
    identities.has(token) && calls.down === 0
  );
  const outageTokens = [...introspections.values()].filter((calls) =>
    calls.down > 0
  );
  const perToken = (list: { up: number; down: number }[]) =>
    list.length === 0
      ? 0
      : list.reduce((sum, c) => sum + c.up + c.down, 0) / list.length;
  const upMax = Math.max(0, ...upTokens.map(([, calls]) => calls.up));
  const sorted = [...latencies].sort((a, b) => a - b);
  const serverRequests = stats.reduce((sum, s) => sum + s.requests, 0);
  const storeCalls = stats.reduce((sum, s) => sum + s.storeCalls, 0);

  const rows: [string, string, string, boolean][] = [];
  const text = (cells: [string, string, string, boolean], i: number): string =>
    cells[i] as string;
  const row = (name: string, value: string | number, must = "", ok = true) =>
    rows.push([name, String(value), must, ok]);
  row("instances behind one Redis", settings.instances);
  row("requests", counts.requests);
  row("admitted (200)", counts.admitted);
  row("refused (401: replays, duplicates, nonce challenges)", counts.refused);
  row("503 (Redis stopped or reconnecting)", counts.unavailable);
  row(
    "valid proofs refused with 401",
    counts.validRefused,
    "0",
    counts.validRefused === 0,
  );
  row(
    "replays admitted (proof sent again to another instance)",
    `${counts.replaysAdmitted} of ${counts.replaysSent}`,
    "0",
    counts.replaysAdmitted === 0,
  );
  row(
    "pre-outage proofs admitted again after the restart",
    `${counts.preOutageReplaysAdmitted} of ${counts.preOutageReplaysSent}`,
    "0",
    counts.preOutageReplaysAdmitted === 0,
  );
  row(
    `concurrent duplicates admitted (${DUPLICATES} copies x ${counts.duplicateRounds})`,
    counts.duplicatesAdmitted,
    "0",
    counts.duplicatesAdmitted === 0,
  );
  row(
    "admitted while Redis was stopped",
    counts.admittedWhileStopped,
    "0",
    counts.admittedWhileStopped === 0,
  );
  row(
    "503 without Retry-After",
    counts.unavailableWithoutRetryAfter,
    "0",
    counts.unavailableWithoutRetryAfter === 0,
  );
  row(
    "5xx other than 503",
    counts.otherServerErrors,
    "0",
    counts.otherServerErrors === 0,
  );
  row(
    "transport errors",
    counts.transportErrors,
    "0",
    counts.transportErrors === 0,
  );
  row(
    "admitted after Redis restarted",
    counts.admittedAfterRestart,
    "> 0",
    counts.admittedAfterRestart > 0,
  );
  row(
    "introspection calls per distinct token, Redis up",
    `${
      perToken(upTokens.map(([, c]) => c)).toFixed(2)
    } (max ${upMax}, ${upTokens.length} tokens)`,
    "1",
    upTokens.length > 0 && upMax === 1,
  );
  row(
    "introspection calls per distinct token, around the outage",
    `${perToken(outageTokens).toFixed(2)} (${outageTokens.length} tokens)`,
  );
  row(
    "nonces from one instance accepted by another",
    counts.crossInstanceNonces,
    "> 0",
    counts.crossInstanceNonces > 0,
  );
  row(
    "latency of admitted requests, Redis up, p50 / p99",
    `${percentile(sorted, 50).toFixed(1)} / ${
      percentile(sorted, 99).toFixed(1)
    } ms`,
  );
  row(
    "store round trips per request",
    (storeCalls / Math.max(1, serverRequests)).toFixed(2),
  );

  const widths = [0, 1, 2].map((i) =>
    Math.max(
      ...rows.map((r) => text(r, i).length),
      ["metric", "value", "must be"][i]!.length,
    )
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(line(["metric", "value", "must be"]));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const [name, value, must, ok] of rows) {
    console.log(line([name, value, must]) + (ok ? "" : "  <- BROKEN"));
  }
  const broken = rows.filter((r) => !r[3]).length;
  console.log(
    broken === 0
      ? `stress:cluster: every invariant held (${settings.durationMs} ms, ${settings.concurrency} clients)`
      : `stress:cluster: ${broken} invariant(s) broken`,
  );
  return broken === 0 ? 0 : 1;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error("stress:cluster failed:", error);
  code = 1;
} finally {
  await authorizationServer.shutdown();
  await cleanup();
}
Deno.exit(code);
