/**
 * The instances: server.ts processes (spawned with `Deno.execPath()`, so no
 * `deno` is needed on PATH), each on its own free port, all sharing one
 * Redis, one introspection endpoint and one nonce and cache secret, as
 * replicas behind a load balancer would.
 *
 * @module
 */
import { RESOURCE } from "./config.ts";
import { type ProcessGroup, sleep } from "./processes.ts";

/** An instance must print its port within this long. */
const START_TIMEOUT_MS = 30_000;

/** What an instance counted (`GET /stats`). */
export interface InstanceStats {
  readonly requests: number;
  readonly storeCalls: number;
}

/** What every instance shares. */
export interface InstanceOptions {
  readonly redisUrl: string;
  readonly introspectionUrl: string;
  readonly sabotage: boolean;
}

/** 32 random bytes, hex. */
function secret(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(32)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** The environment of every instance (server.ts reads it), with fresh secrets. */
export function instanceEnv(options: InstanceOptions): Record<string, string> {
  return {
    REDIS_URL: options.redisUrl,
    INTROSPECTION_URL: options.introspectionUrl,
    RESOURCE,
    NONCE_SECRET: secret(),
    CACHE_SECRET: secret(),
    ...(options.sabotage ? { SABOTAGE: "1" } : {}),
  };
}

/** Starts one instance; resolves with its origin once it listens. */
export async function startInstance(
  group: ProcessGroup,
  name: string,
  env: Record<string, string>,
): Promise<string> {
  const entry = new URL("./server.ts", import.meta.url);
  const child = group.spawn(
    new Deno.Command(Deno.execPath(), {
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
    }),
  );
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + START_TIMEOUT_MS;
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
  return `http://127.0.0.1:${port}`;
}

/** Starts `count` instances at once: `instance-1` ... */
export function startInstances(
  group: ProcessGroup,
  count: number,
  env: Record<string, string>,
): Promise<string[]> {
  return Promise.all(
    Array.from(
      { length: count },
      (_, i) => startInstance(group, `instance-${i + 1}`, env),
    ),
  );
}

/** What each instance counted, in the order of `origins`. */
export function instanceStats(
  origins: readonly string[],
): Promise<InstanceStats[]> {
  return Promise.all(
    origins.map(async (origin) =>
      await (await fetch(`${origin}/stats`)).json() as InstanceStats
    ),
  );
}
