import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { needs } from "../../_services.ts";

// The run starts its own redis-server (from PATH, or REDIS_SERVER): it
// kills and restarts it, which a shared Redis would not survive. CI
// installs and starts one (.ci/services.sh), which puts redis-server on
// PATH and sets the variable needs("redis") reads.
const skip = (typeof Deno === "undefined" && "needs Deno.Command") ||
  needs("redis");

/** `deno task stress:cluster <args>`, short: its exit code and output. */
async function cluster(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "--quiet",
      "stress:cluster",
      // The shortest run the fault schedule allows (--duration is clamped
      // to 4 s), with few clients: the CI machine is small and shared.
      "--duration=4000",
      "--concurrency=6",
      ...args,
    ],
    cwd: new URL("../../../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, stdout: decode(stdout), stderr: decode(stderr) };
}

describe("deno task stress:cluster", () => {
  it("holds every invariant on a short run, Redis killed and restarted", {
    skip,
  }, async () => {
    const { code, stdout, stderr } = await cluster();
    assert.equal(code, 0, stdout + stderr);
    assert.match(stdout, /^\| metric +\| value +\| must be \|$/m);
    assert.match(stdout, /^\| instances behind one Redis +\| 2 +\| +\|$/m);
    assert.match(
      stdout,
      /^\| replays admitted \(proof sent again to another instance\) +\| 0 of [1-9]\d* +\| 0 +\|$/m,
    );
    assert.match(
      stdout,
      /^\| admitted after Redis restarted +\| [1-9]\d* +\| > 0 +\|$/m,
    );
    assert.doesNotMatch(stdout, /BROKEN/);
    assert.match(
      stdout,
      /^stress:cluster: every invariant held \(4000 ms, 6 clients\)$/m,
    );
  });

  it("--sabotage (a replay store per instance) exits 1, replays admitted", {
    skip,
  }, async () => {
    const { code, stdout, stderr } = await cluster("--sabotage");
    assert.equal(code, 1, stdout + stderr);
    assert.match(
      stdout,
      /^\| replays admitted \(proof sent again to another instance\) +\| [1-9]\d* of \d+ +\| 0 +\| {2}<- BROKEN$/m,
    );
    assert.match(stdout, /^stress:cluster: \d+ invariant\(s\) broken$/m);
  });

  it("refuses an unknown argument with exit 2, before starting anything", {
    skip: typeof Deno === "undefined" && "needs Deno.Command",
  }, async () => {
    const { code, stdout, stderr } = await cluster("--instance=3");
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(stderr, /Unknown argument "--instance=3": use --duration=ms/);
  });
});
