import { describe, it } from "node:test";
import assert from "node:assert/strict";

const needsDeno = typeof Deno === "undefined" && "needs Deno.Command";

/** `deno task stress <args>`, small: its exit code and output. */
async function stress(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "--quiet",
      "stress",
      "--requests=300",
      "--duration=5000",
      "--concurrency=4",
      ...args,
    ],
    cwd: new URL("../../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, stdout: decode(stdout), stderr: decode(stderr) };
}

describe("deno task stress", () => {
  it("holds every invariant on a short run, with no Deno.serve warning", {
    skip: needsDeno,
  }, async () => {
    const { code, stdout, stderr } = await stress();
    assert.equal(code, 0, stdout + stderr);
    assert.match(stdout, /^\| requests sent +\| 300 /m);
    assert.doesNotMatch(stdout, /BROKEN/);
    assert.doesNotMatch(stderr, /legacy/);
  });

  it("--sabotage (a verifier that admits refused tokens) exits 1", {
    skip: needsDeno,
  }, async () => {
    const { code, stdout } = await stress("--sabotage");
    assert.equal(code, 1, stdout);
    assert.match(
      stdout,
      /^\| invalid tokens admitted +\| [1-9]\d* +\| = 0: BROKEN/m,
    );
  });
});
