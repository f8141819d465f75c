/**
 * `deno task demo`: starts the demo and prints what to run next.
 *
 * Environment: `PORT` (default 8000). To trust a real authorization server
 * instead of the embedded development issuer: `OAUTH_ISSUER`,
 * `OAUTH_JWKS_URL` and, if its tokens' `aud` is not this server's MCP URL,
 * `OAUTH_AUDIENCE`.
 *
 * @module
 */

import { startDemo } from "./server.ts";

function env(name: string): string | undefined {
  const value = Deno.env.get(name);
  return value === undefined || value === "" ? undefined : value;
}

const port = Number(env("PORT") ?? 8000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got "${env("PORT")}"`);
  Deno.exit(2);
}
const issuer = env("OAUTH_ISSUER");
const jwksUrl = env("OAUTH_JWKS_URL");
if ((issuer === undefined) !== (jwksUrl === undefined)) {
  console.error(
    "Set both OAUTH_ISSUER and OAUTH_JWKS_URL to use a real authorization server, or neither for the development issuer",
  );
  Deno.exit(2);
}

let demo;
try {
  demo = await startDemo({
    port,
    external: issuer === undefined ? undefined : {
      issuer,
      jwksUrl: jwksUrl!,
      audience: env("OAUTH_AUDIENCE"),
      typ: env("OAUTH_TOKEN_TYP"),
    },
  });
} catch (error) {
  if (error instanceof Deno.errors.AddrInUse) {
    console.error(`Port ${port} is in use: set PORT to another one`);
  } else {
    console.error(`The demo could not start: ${(error as Error).message}`);
  }
  Deno.exit(1);
}

const portEnv = port === 8000 ? "" : `PORT=${port} `;
const lines = [
  `MCP server: ${demo.mcpUrl}`,
  `Protected-resource metadata: ${demo.metadataUrl}`,
  `Trusted issuer: ${demo.issuer}${
    demo.devTokenUrl ? " (embedded development issuer)" : ""
  }`,
  "",
  "Tools: list_notes and whoami (any token), add_note (scope write),",
  "delete_all_notes (tag admin: scope admin).",
  "",
];
if (demo.devTokenUrl !== undefined) {
  lines.push(
    "Get a token and list the tools it may use:",
    `  TOKEN=$(curl -s '${demo.devTokenUrl}?scope=read%20write' | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
    `  curl -s ${demo.mcpUrl} -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`,
    "",
    "Or with the MCP SDK client (lists the tools, calls one):",
    `  ${portEnv}deno task client`,
    `  ${portEnv}SCOPE="read write" TOOL=add_note ARGS='{"text":"hi"}' deno task client`,
    `  ${portEnv}SCOPE="read" TOOL=delete_all_notes deno task client   # refused: 403 step-up for "admin"`,
    "  (no Deno? prefix with: npx --yes deno@2.9.6 task client)",
  );
} else {
  lines.push(
    "Call it with a token from your authorization server:",
    `  ${portEnv}TOKEN=... deno task client`,
  );
}
lines.push("", "Stop with Ctrl-C.");
console.log(lines.join("\n"));
