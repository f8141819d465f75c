// Runs a Worker of this repository in workerd (Miniflare, from npm) on
// 127.0.0.1, on a free port, for tests that reach it over real HTTP: the
// Worker is bundled with `deno bundle` (the Deno running the tests), with
// workerd's own modules left to workerd.
import { Miniflare } from "miniflare";

/** A Worker listening on 127.0.0.1. */
export interface RunningWorker {
  /** Its origin, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  stop(): Promise<void>;
}

/** Bundles `entry` (a file URL) into one ES module. */
export async function bundleWorker(entry: URL): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--external=cloudflare:*",
      decodeURIComponent(entry.pathname),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`deno bundle failed: ${new TextDecoder().decode(stderr)}`);
  }
  return new TextDecoder().decode(stdout);
}

/**
 * Starts a bundled Worker with `nodejs_als` (what `agents` needs) and, when
 * asked, in-memory KV namespaces.
 */
export async function startWorker(options: {
  script: string;
  bindings?: Record<string, string>;
  kvNamespaces?: string[];
}): Promise<RunningWorker> {
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    cf: false,
    modules: [{
      type: "ESModule",
      path: "worker.js",
      contents: options.script,
    }],
    compatibilityDate: "2026-07-01",
    compatibilityFlags: ["nodejs_als"],
    bindings: options.bindings ?? {},
    kvNamespaces: options.kvNamespaces ?? [],
  });
  try {
    const url = await mf.ready;
    return { origin: url.origin, stop: () => mf.dispose() };
  } catch (error) {
    await mf.dispose().catch(() => {});
    throw error;
  }
}
