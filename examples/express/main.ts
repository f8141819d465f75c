/**
 * `deno task example:express` (or, on Node 22, `deno task
 * example:express:node`): the notes server on Express 5 with the MCP SDK
 * 1.x Node transport, with the embedded development authorization server;
 * prints what to run next. Node APIs only, so it runs the same on Deno,
 * Node and Bun. Environment: `PORT` (default 8000; 0 picks a free one),
 * `APPROVAL=page`.
 *
 * @module
 */

import process from "node:process";
import { stackBanner } from "../_stack.ts";
import { listenExpressExample } from "./server.ts";

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

const port = Number(env("PORT") ?? 8000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got "${env("PORT")}"`);
  process.exit(2);
}
const approval = env("APPROVAL") ?? "auto";
if (approval !== "auto" && approval !== "page") {
  console.error(`APPROVAL must be "auto" or "page", got "${approval}"`);
  process.exit(2);
}

let example;
try {
  example = await listenExpressExample({ port, approval });
} catch (error) {
  console.error(
    (error as { code?: string }).code === "EADDRINUSE"
      ? `Port ${port} is in use: set PORT to another one`
      : `The example could not start: ${(error as Error).message}`,
  );
  process.exit(1);
}

const stop = () => void example.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);

// The same file runs on Deno and Node: say how it was started.
const onDeno = "Deno" in globalThis;
const portEnv = port === 8000 ? "" : `PORT=${port} `;
console.log(stackBanner(example, {
  stack: "Express 5 + the MCP SDK 1.x Node transport",
  task: onDeno ? "example:express" : "example:express:node",
  notes: [
    onDeno
      ? `On Node 22 instead: ${portEnv}npx --yes deno@2.9.6 task example:express:node`
      : `On Deno instead: ${portEnv}npx --yes deno@2.9.6 task example:express`,
  ],
}, approval));
