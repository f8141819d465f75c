/**
 * `deno task demo`: starts the demo and prints what to run next.
 *
 * Environment: `PORT` (default 8000), `APPROVAL=page` for an approval page
 * instead of automatic approval. To trust a real authorization server
 * instead of the embedded development one: `OAUTH_ISSUER`,
 * `OAUTH_JWKS_URL` and, if its tokens' `aud` is not this server's MCP URL,
 * `OAUTH_AUDIENCE`; `OAUTH_TOKEN_TYP` when their `typ` is not `at+jwt`
 * (`JWT`, or `false` for none).
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
    "Set both OAUTH_ISSUER and OAUTH_JWKS_URL to use a real authorization server, or neither for the development one",
  );
  Deno.exit(2);
}

const approval = env("APPROVAL") ?? "auto";
if (approval !== "auto" && approval !== "page") {
  console.error(`APPROVAL must be "auto" or "page", got "${approval}"`);
  Deno.exit(2);
}

let demo;
try {
  demo = await startDemo({
    port,
    approval,
    // The audit log: one JSON line per decision, on stdout.
    audit: (line) => console.log(line),
    external: issuer === undefined ? undefined : {
      issuer,
      jwksUrl: jwksUrl!,
      audience: env("OAUTH_AUDIENCE"),
      typ: env("OAUTH_TOKEN_TYP") === "false" ? false : env("OAUTH_TOKEN_TYP"),
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
  "",
  `MCP server: ${demo.mcpUrl}`,
  `Protected-resource metadata: ${demo.metadataUrl}`,
  `Authorization server: ${demo.issuer}${
    demo.dev === undefined
      ? ""
      : ` (embedded, development only: ${
        approval === "auto"
          ? `approves everyone as "dev-user"`
          : "an approval page for each login"
      })`
  }`,
  "",
  "Tools: list_notes and whoami (scope read), add_note (scope write),",
  "delete_all_notes (tag admin: scope admin).",
  "",
];
if (demo.dev !== undefined) {
  lines.push(
    "Connect the MCP Inspector (it registers, logs in with OAuth and lists the tools):",
    `  npx --yes -p @modelcontextprotocol/inspector@2.12.0 mcp-inspector --cli ${demo.mcpUrl} --transport http --method tools/list`,
    "Any OAuth-following MCP client works the same way: give it the MCP server URL, no token.",
    "",
    "Or the MCP SDK client of this repository (logs in with OAuth, lists the tools, calls one):",
    `  ${portEnv}npx --yes deno@2.9.6 task client`,
    `  ${portEnv}TOOL=delete_all_notes npx --yes deno@2.9.6 task client   # 403: steps up to "admin"`,
    `  ${portEnv}SCOPE=write TOOL=add_note ARGS='{"text":"hi"}' npx --yes deno@2.9.6 task client`,
  );
} else {
  lines.push(
    "Call it with a token from your authorization server:",
    `  ${portEnv}TOKEN=... npx --yes deno@2.9.6 task client`,
  );
}
lines.push(
  "",
  "Every authorization decision is printed below as one JSON line (an audit log).",
  "",
  "Stop with Ctrl-C.",
);
console.log(lines.join("\n"));
