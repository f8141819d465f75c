// Installs the package, as outside users do, into three scratch consumer
// projects in a temp dir and runs a guarded server in each: Deno (`links`),
// Node (`npm install ./vendor/mcp-authz`), Bun (`bun add <path>`). Needs
// the npm registry; each install and run is bounded in time. It runs once,
// under Deno, and drives the other runtimes from npm (npx).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

const skip = typeof Deno === "undefined" &&
  "runs once, under Deno (it drives Node and Bun itself)";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const STEP_TIMEOUT_MS = 240_000;
// What a git checkout of the package holds that a consumer uses.
const PACKAGE_FILES = [
  "mod.ts",
  "src",
  "deno.json",
  "package.json",
  "README.md",
  "LICENSE",
];
// Dependencies of this repository's tests, examples and tools only.
const TEST_ONLY = [
  "fast-check",
  "miniflare",
  "oidc-provider",
  "puppeteer-core",
  "redis",
  "ioredis",
  "@modelcontextprotocol/client",
  "@cerbos/cerbos-linux-x64",
  "@opentelemetry/sdk-trace",
  "@opentelemetry/sdk-metrics",
  "@opentelemetry/context-async-hooks",
];

interface Result {
  code: number | null;
  output: string;
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => output += chunk);
    child.stderr.on("data", (chunk) => output += chunk);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} timed out:\n${output}`));
    }, STEP_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function ok(
  command: string,
  args: string[],
  cwd: string,
  env?: Record<string, string>,
): Promise<string> {
  const result = await run(command, args, cwd, env);
  assert.equal(
    result.code,
    0,
    `${command} ${args.join(" ")}:\n${result.output}`,
  );
  return result.output;
}

/** The line the consumer app printed, parsed. */
function answered(output: string): Record<string, unknown> {
  const line = output.split("\n").find((l) => l.startsWith('{"anonymous"'));
  assert.ok(line !== undefined, `the app printed no result:\n${output}`);
  return JSON.parse(line);
}

function assertGuarded(result: Record<string, unknown>): void {
  assert.equal(result.anonymous, 401);
  assert.match(String(result.challenge), /^Bearer/);
  assert.equal(result.reader, 200);
  assert.deepEqual(result.tools, ["hello"]);
  assert.equal(result.authzen, "function");
}

async function checkout(into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  for (const name of PACKAGE_FILES) {
    await cp(join(ROOT, name), join(into, name), { recursive: true });
  }
}

async function app(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await cp(join(ROOT, "tests/packaging/consumer_app.ts"), join(dir, "main.ts"));
}

const SDK_RANGE = "~2.4.0";

describe("installing @mcp-authz/core into scratch consumer projects", () => {
  let scratch = "";
  before(async () => {
    if (skip) return;
    scratch = await mkdtemp(join(tmpdir(), "mcp-authz-consumers-"));
    await checkout(join(scratch, "mcp-authz"));
  });
  after(async () => {
    if (scratch !== "") await rm(scratch, { recursive: true, force: true });
  });

  it(
    "Deno: `links` to a checkout, imported by its name",
    { skip },
    async () => {
      const dir = join(scratch, "deno-app");
      await app(dir);
      await writeFile(
        join(dir, "deno.json"),
        JSON.stringify(
          {
            links: ["../mcp-authz"],
            imports: {
              "@mcp-authz/core": "jsr:@mcp-authz/core@^0.1.0",
              "@mcp-authz/core/mcp": "jsr:@mcp-authz/core@^0.1.0/mcp",
              "@modelcontextprotocol/server":
                `npm:@modelcontextprotocol/server@${SDK_RANGE}`,
            },
          },
          null,
          2,
        ),
      );
      const output = await ok(
        Deno.execPath(),
        [
          "run",
          "--allow-net=127.0.0.1",
          "--allow-env",
          "--allow-read",
          "main.ts",
        ],
        dir,
      );
      assertGuarded(answered(output));
      const lock = JSON.parse(await readFile(join(dir, "deno.lock"), "utf8"));
      const npm = Object.keys(lock.npm ?? {});
      const direct = JSON.stringify(lock.workspace ?? {});
      for (const name of TEST_ONLY) {
        assert.ok(!npm.some((key) => key.startsWith(`${name}@`)), name);
        assert.ok(!direct.includes(`npm:${name}@`), name);
      }
      assert.ok(!direct.includes("npm:zod@"), "zod is no direct dependency");
      assert.ok(npm.some((key) => key.startsWith("jose@")), "jose is locked");
    },
  );

  it("Node: `npm install ./vendor/mcp-authz` (a checkout inside the project)", {
    skip,
  }, async () => {
    const dir = join(scratch, "node-app");
    await app(dir);
    // Inside the project, so npm installs the package's dependencies and
    // Node finds them from its real path (Node strips types only outside
    // node_modules, so the package must stay a link, not a copy).
    await checkout(join(dir, "vendor/mcp-authz"));
    await writeFile(
      join(dir, "package.json"),
      JSON.stringify({ name: "node-app", private: true, type: "module" }),
    );
    await ok("npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "./vendor/mcp-authz",
      `@modelcontextprotocol/server@${SDK_RANGE}`,
    ], dir);
    const output = await ok(
      "npx",
      ["--yes", "node@22", "--experimental-strip-types", "main.ts"],
      dir,
    );
    assertGuarded(answered(output));
    const lock = JSON.parse(
      await readFile(join(dir, "package-lock.json"), "utf8"),
    );
    const installed = Object.keys(lock.packages ?? {});
    for (const name of TEST_ONLY) {
      assert.ok(!installed.includes(`node_modules/${name}`), name);
    }
    assert.ok(installed.includes("node_modules/jose"), "jose is installed");
    // An optional peer (declared mappings of ./authzen): not installed
    // unless the consumer asks for it.
    assert.ok(
      !installed.includes("node_modules/@bufbuild/cel"),
      "@bufbuild/cel is not installed",
    );
  });

  it("Bun: `bun add <path>` of a checkout", { skip }, async () => {
    const dir = join(scratch, "bun-app");
    await app(dir);
    await writeFile(
      join(dir, "package.json"),
      JSON.stringify({ name: "bun-app", private: true, type: "module" }),
    );
    await ok("npx", [
      "--yes",
      "bun@1.4.5",
      "add",
      join(scratch, "mcp-authz"),
      `@modelcontextprotocol/server@${SDK_RANGE}`,
    ], dir);
    const output = await ok("npx", ["--yes", "bun@1.4.5", "main.ts"], dir);
    assertGuarded(answered(output));
    const lock = await readFile(join(dir, "bun.lock"), "utf8");
    for (const name of TEST_ONLY) {
      assert.ok(!lock.includes(`"${name}"`), name);
    }
    assert.ok(lock.includes('"jose"'), "jose is locked");
  });
});
