/**
 * The child processes of one run (Redis, the instances) and the temporary
 * directories they use, killed and removed together when the run ends,
 * however it ends; and the small helpers they need: a free port, waiting
 * for a port to accept connections, sleeping.
 *
 * @module
 */

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Waits until `port` on 127.0.0.1 accepts a connection; throws after `timeoutMs`. */
export async function waitPort(port: number, timeoutMs: number): Promise<void> {
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

/** Every process and temporary directory a run started, to end together. */
export class ProcessGroup {
  #children = new Set<Deno.ChildProcess>();
  #directories: string[] = [];

  /** Spawns `command` and keeps it, to kill at `close()`. */
  spawn(command: Deno.Command): Deno.ChildProcess {
    const child = command.spawn();
    this.#children.add(child);
    return child;
  }

  /** Kills `child` now (SIGKILL: no clean shutdown) and waits for it. */
  async kill(child: Deno.ChildProcess): Promise<void> {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status.catch(() => {});
    this.#children.delete(child);
  }

  /** A new temporary directory, removed at `close()`. */
  async temporaryDirectory(prefix: string): Promise<string> {
    const path = await Deno.makeTempDir({ prefix });
    this.#directories.push(path);
    return path;
  }

  /** Kills every process left and removes the directories. */
  async close(): Promise<void> {
    for (const child of [...this.#children]) await this.kill(child);
    for (const path of this.#directories.splice(0)) {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    }
  }
}
