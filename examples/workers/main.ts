/**
 * `deno task example:workers`: bundles `worker.ts` with `deno bundle`, runs
 * it in workerd (from npm) through Miniflare on 127.0.0.1, and prints what
 * to run next. No Cloudflare account, no wrangler, no network.
 *
 * Environment: `PORT` (default 8000; 0 picks a free one).
 *
 * @module
 */

import { Log, LogLevel, Miniflare } from "miniflare";

const port = requestedPort(Deno.env.get("PORT"));

function requestedPort(value: string | undefined): number {
  const port = Number(value === undefined || value === "" ? 8000 : value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number, got "${value}"`);
    Deno.exit(2);
  }
  return port;
}

/** The port to serve on: the one asked for if free, or a free one for 0. */
function freePort(port: number): number {
  try {
    const listener = Deno.listen({ hostname: "127.0.0.1", port });
    const chosen = (listener.addr as Deno.NetAddr).port;
    listener.close();
    return chosen;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      console.error(`Port ${port} is in use: set PORT to another one`);
      Deno.exit(1);
    }
    throw error;
  }
}

/** The Worker and the library (and `agents`) as one ES module. */
async function bundle(): Promise<string> {
  const entry = decodeURIComponent(
    new URL("./worker.ts", import.meta.url).pathname,
  );
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    console.error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
    Deno.exit(1);
  }
  return new TextDecoder().decode(stdout);
}

const origin = `http://127.0.0.1:${freePort(port)}`;
const script = await bundle();
const mf = new Miniflare({
  host: "127.0.0.1",
  cf: false, // no fetch of Cloudflare's request metadata: offline
  port: Number(new URL(origin).port),
  // The Worker's console (the development server's warning) is shown.
  log: new Log(LogLevel.WARN),
  modules: [{ type: "ESModule", path: "worker.js", contents: script }],
  compatibilityDate: "2026-07-01",
  // agents/mcp/server imports node:async_hooks: nodejs_als is enough
  // (nodejs_compat works too).
  compatibilityFlags: ["nodejs_als"],
  bindings: { ORIGIN: origin },
});
try {
  await mf.ready;
  // The first request builds the Worker's routes (and the development
  // server prints its warning): do it now, not on the client's first call.
  await (await mf.dispatchFetch(
    `${origin}/.well-known/oauth-protected-resource/mcp`,
  )).body?.cancel();
} catch (error) {
  console.error(`The Worker could not start: ${(error as Error).message}`);
  Deno.exit(1);
}

const stop = async () => {
  await mf.dispose().catch(() => {});
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);

const mcpUrl = `${origin}/mcp`;
const portEnv = origin.endsWith(":8000") ? "" : `PORT=${new URL(origin).port} `;
console.log([
  "",
  `MCP server (a Worker in workerd, via Miniflare): ${mcpUrl}`,
  `Protected-resource metadata: ${origin}/.well-known/oauth-protected-resource/mcp`,
  `Authorization server: ${origin}/oauth (embedded in the Worker, development only: approves everyone as "dev-user")`,
  "",
  "Tools: list_notes and whoami (scope read), add_note (scope write),",
  "delete_all_notes (tag admin: scope admin), export_notes (auditors only:",
  "hidden from every development token).",
  "",
  "Connect the MCP Inspector (it registers, logs in with OAuth and lists the tools):",
  `  npx --yes -p @modelcontextprotocol/inspector@2.12.0 mcp-inspector --cli ${mcpUrl} --transport http --method tools/list`,
  "Any OAuth-following MCP client works the same way: give it the MCP server URL, no token.",
  "",
  "Or the MCP SDK client of this repository (logs in with OAuth, lists the tools, calls one):",
  `  ${portEnv}npx --yes deno@2.9.6 task client`,
  `  ${portEnv}TOOL=delete_all_notes npx --yes deno@2.9.6 task client   # 403: steps up to "admin"`,
  `  ${portEnv}SCOPE=write TOOL=add_note ARGS='{"text":"hi"}' npx --yes deno@2.9.6 task client`,
  "",
  "Stop with Ctrl-C.",
].join("\n"));
