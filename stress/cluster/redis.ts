/**
 * The run's own redis-server: found on PATH (or `REDIS_SERVER`), started on
 * a free 127.0.0.1 port with an append-only file fsynced on every write,
 * killed (SIGKILL, no clean shutdown) and started again on the same port and
 * directory by the fault schedule.
 *
 * @module
 */
import { freePort, type ProcessGroup, waitPort } from "./processes.ts";

/** How long Redis may take to accept connections after it is spawned. */
const START_TIMEOUT_MS = 10_000;

/**
 * The redis-server to run: `REDIS_SERVER`, else `redis-server` from PATH;
 * `undefined` when it cannot be run.
 */
export async function findRedisServer(
  binary: string = Deno.env.get("REDIS_SERVER") ?? "redis-server",
): Promise<string | undefined> {
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
  return undefined;
}

/** What to say when redis-server cannot be run. */
export function redisMissing(binary: string): string {
  return `stress:cluster needs redis-server, and "${binary}" cannot be run.\n` +
    "Install it: sudo apt-get install -y redis-server (Debian, Ubuntu), " +
    "brew install redis (macOS), or set REDIS_SERVER to its path.";
}

/** The redis-server command line: 127.0.0.1 only, durable, quiet. */
export function redisArgs(port: number, dir: string): string[] {
  return [
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
  ];
}

/** One redis-server the run controls. */
export class RedisProcess {
  readonly #group: ProcessGroup;
  readonly #binary: string;
  readonly #port: number;
  readonly #dir: string;
  #child: Deno.ChildProcess | undefined;

  constructor(
    group: ProcessGroup,
    binary: string,
    port: number,
    dir: string,
  ) {
    this.#group = group;
    this.#binary = binary;
    this.#port = port;
    this.#dir = dir;
  }

  /** Starts `binary` on a free port, its files in a temporary directory. */
  static async start(
    group: ProcessGroup,
    binary: string,
  ): Promise<RedisProcess> {
    const dir = await group.temporaryDirectory("mcp-authz-cluster-");
    const redis = new RedisProcess(group, binary, freePort(), dir);
    await redis.restart();
    return redis;
  }

  /** `redis://127.0.0.1:<port>`: the same before and after a restart. */
  get url(): string {
    return `redis://127.0.0.1:${this.#port}`;
  }

  /** Kills Redis (SIGKILL) and waits until it is gone. */
  async kill(): Promise<void> {
    if (this.#child === undefined) return;
    await this.#group.kill(this.#child);
    this.#child = undefined;
  }

  /** Starts Redis again on its port and directory; resolves once it accepts connections. */
  async restart(): Promise<void> {
    this.#child = this.#group.spawn(
      new Deno.Command(this.#binary, {
        args: redisArgs(this.#port, this.#dir),
        stdout: "null",
        stderr: "null",
      }),
    );
    await waitPort(this.#port, START_TIMEOUT_MS);
  }
}
