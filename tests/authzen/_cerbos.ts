// A real Cerbos PDP for the tests: the binary from npm
// (@cerbos/cerbos-linux-x64, or MCP_AUTHZ_CERBOS_BIN), started on a free
// 127.0.0.1 port with the policies of fixtures/policies, stopped after.
// Works on Deno, Bun and Node (node:child_process).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { needs, requireService } from "../_services.ts";

/** `skip` for an `it` that needs Cerbos (fails instead under CI). */
export const needsCerbos: false | string = needs("cerbos");

/** The policy folder of these tests. */
export const POLICIES: string = fileURLToPath(
  new URL("./fixtures/policies", import.meta.url),
);

export interface Cerbos {
  /** `http://127.0.0.1:<port>`: the PDP identifier. */
  url: string;
  stop(): Promise<void>;
  /** Kills it at once (for an exit handler, which cannot wait). */
  kill(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null
        ? address.port
        : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", () => resolve()); // never spawned
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return; // never spawned
  const done = exited(child);
  child.kill("SIGTERM");
  // Cerbos drains open connections on SIGTERM: do not wait long for it.
  const timer = setTimeout(() => child.kill("SIGKILL"), 500);
  await done;
  clearTimeout(timer);
}

/** Polls the discovery document until Cerbos answers (at most ~10 s). */
async function ready(
  url: string,
  child: ChildProcess,
  failed: () => boolean,
): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (failed() || child.exitCode !== null || child.signalCode !== null) {
      return false;
    }
    try {
      const response = await fetch(
        `${url}/.well-known/authzen-configuration`,
      );
      await response.body?.cancel();
      if (response.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/**
 * Starts Cerbos with `policies`. Batches of up to 500 evaluations are
 * accepted (Cerbos's default is 50).
 */
export async function startCerbos(policies = POLICIES): Promise<Cerbos> {
  const binary = requireService("cerbos");
  // A port taken between the probe and the start: try another, a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // The HTTP API talks to the gRPC one: put that on a private socket.
    const dir = mkdtempSync(join(tmpdir(), "cerbos-"));
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(binary, [
      "server",
      "--set=storage.driver=disk",
      `--set=storage.disk.directory=${policies}`,
      "--set=storage.disk.watchForChanges=false",
      `--set=server.httpListenAddr=127.0.0.1:${port}`,
      `--set=server.grpcListenAddr=unix:${join(dir, "grpc.sock")}`,
      "--set=server.requestLimits.maxResourcesPerRequest=500",
      "--set=audit.enabled=false",
    ], {
      env: { ...process.env, CERBOS_NO_TELEMETRY: "1" },
      stdio: ["ignore", "ignore", "ignore"],
    });
    let spawnFailed = false;
    child.once("error", () => {
      spawnFailed = true;
    });
    if (await ready(url, child, () => spawnFailed)) {
      return {
        url,
        async stop() {
          await stopChild(child);
          rmSync(dir, { recursive: true, force: true });
        },
        kill() {
          child.kill("SIGKILL");
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`Cerbos (${binary}) did not start`);
}
