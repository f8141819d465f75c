// Starts the demo the way a user does, `deno task demo`, on a free port
// (PORT=0), and stops it; the Deno binary is the one running the tests.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";

export interface DemoProcess {
  mcpUrl: URL;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** Runs `deno task <task>` (default `demo`) and waits for its banner. */
export async function startDemoTask(
  env: Record<string, string> = {},
  task = "demo",
): Promise<DemoProcess> {
  const child: ChildProcess = spawn(Deno.execPath(), ["task", task], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: `deno task a && npx b` leaves b running when
    // only the task is signalled; the whole group is stopped instead.
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (chunk) => output += chunk);
  child.stderr!.on("data", (chunk) => output += chunk);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => resolve())
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        Deno.kill(-child.pid!, "SIGTERM");
      } catch {
        child.kill("SIGTERM");
      }
    }
    await exited;
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const match = /MCP server[^:]*: (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(
      output,
    );
    if (match !== null && output.includes("Stop with Ctrl-C.")) {
      return { mcpUrl: new URL(match[1]!), output: () => output, stop };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`\`deno task ${task}\` did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
