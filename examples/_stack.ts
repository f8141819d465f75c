/**
 * What every framework example (`deno task example:<stack>`) shares: the
 * embedded development authorization server with the verifier and metadata
 * that trust it, serving on 127.0.0.1 once the port is known, and the
 * `main` that reads `PORT` and prints what to run next.
 *
 * @module
 */

import {
  type BearerAuthOptions,
  JwtVerifier,
  type ProtectedResourceMetadataOptions,
  protectedResourceMetadataUrl,
} from "@mcp-authz/core";
import {
  createDevAuthorizationServer,
  type DevAuthorizationServer,
} from "@mcp-authz/core/dev";
import { SCOPE_HIERARCHY, SCOPES } from "./demo/notes.ts";
import { serveWithOrigin } from "./_serve.ts";

/** Options of an example's app. */
export interface StackAppOptions {
  /** Where the example is served, e.g. `http://127.0.0.1:8000`. */
  origin: string;
  /** The development server's approval: automatic (default) or a page. */
  approval?: "auto" | "page";
  /** Where the development server's warning goes (default console.warn). */
  warn?: ((message: string) => void) | false;
}

/** An example as a fetch handler, on any runtime. */
export interface StackApp {
  /** Answers every request of the example. */
  handler(request: Request): Promise<Response>;
  /** The MCP endpoint. */
  mcpUrl: URL;
  /** The protected-resource metadata document. */
  metadataUrl: URL;
  /** The embedded development authorization server. */
  dev: DevAuthorizationServer;
  /** Releases what the example holds. */
  close(): Promise<void>;
}

/** The authorization side of an example, ready to mount. */
export interface StackAuth {
  mcpUrl: URL;
  metadataUrl: URL;
  dev: DevAuthorizationServer;
  /** For `bearerAuth` and the adapters built on it. */
  bearer: BearerAuthOptions;
  /** For `protectedResourceMetadata` and the adapters' metadata routes. */
  metadata: ProtectedResourceMetadataOptions;
}

/**
 * The development authorization server at `<origin>/oauth`, a verifier
 * of its tokens for `<origin>/mcp`, and the metadata naming it.
 *
 * @param options Origin and approval.
 * @returns What an example mounts.
 */
export async function stackAuth(options: StackAppOptions): Promise<StackAuth> {
  const mcpUrl = new URL("/mcp", options.origin);
  const metadataUrl = protectedResourceMetadataUrl(mcpUrl);
  const dev = await createDevAuthorizationServer({
    issuer: new URL("/oauth", mcpUrl).href,
    resource: mcpUrl,
    scopesSupported: SCOPES,
    approval: options.approval ?? "auto",
    ...(options.warn === undefined ? {} : { warn: options.warn }),
  });
  return {
    mcpUrl,
    metadataUrl,
    dev,
    bearer: {
      // The embedded server's key is at hand: no JWKS fetch to ourselves.
      verifier: new JwtVerifier({
        jwks: dev.jwks,
        typ: "at+jwt",
        issuer: dev.issuer,
        audience: mcpUrl.href,
      }),
      resourceMetadataUrl: metadataUrl,
      // Every call needs "read": the 401 says so, and clients ask for it
      // first, then step up for write or admin.
      requiredScopes: ["read"],
      scopeHierarchy: SCOPE_HIERARCHY,
    },
    metadata: {
      resource: mcpUrl,
      authorizationServers: [dev.issuer],
      scopesSupported: SCOPES,
      resourceName: "mcp-authz notes",
    },
  };
}

/** A running example. */
export interface RunningStack extends Omit<StackApp, "handler" | "close"> {
  /** Stops the server and releases the app. */
  close(): Promise<void>;
}

/**
 * Serves an example on 127.0.0.1 with `Deno.serve`; the app is built once
 * the port (and so its origin) is known.
 *
 * @param create Builds the app for its origin.
 * @param options Port (0: a free one) and approval.
 * @returns The running example.
 */
export async function serveStack(
  create: (options: StackAppOptions) => Promise<StackApp>,
  options: { port: number } & Omit<StackAppOptions, "origin">,
): Promise<RunningStack> {
  const { port, ...rest } = options;
  return await serveWithOrigin(create, port, rest);
}

function env(name: string): string | undefined {
  const value = Deno.env.get(name);
  return value === undefined || value === "" ? undefined : value;
}

/** What an example's `main` prints about itself. */
export interface StackDescription {
  /** The stack, e.g. `Hono + @hono/mcp (MCP SDK 1.x)`. */
  stack: string;
  /** The `deno task` that starts it, e.g. `example:hono`. */
  task: string;
  /** Lines printed after the commands, e.g. what the stack cannot do yet. */
  notes?: string[];
}

/**
 * `deno task example:<stack>`: reads `PORT` (default 8000) and `APPROVAL`,
 * starts the example, and prints what to run next.
 *
 * @param create Builds the app for its origin.
 * @param description What to print about it.
 */
export async function runStack(
  create: (options: StackAppOptions) => Promise<StackApp>,
  description: StackDescription,
): Promise<void> {
  const port = Number(env("PORT") ?? 8000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number, got "${env("PORT")}"`);
    Deno.exit(2);
  }
  const approval = env("APPROVAL") ?? "auto";
  if (approval !== "auto" && approval !== "page") {
    console.error(`APPROVAL must be "auto" or "page", got "${approval}"`);
    Deno.exit(2);
  }
  let running: RunningStack;
  try {
    running = await serveStack(create, { port, approval });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      console.error(`Port ${port} is in use: set PORT to another one`);
    } else {
      console.error(
        `The example could not start: ${(error as Error).message}`,
      );
    }
    Deno.exit(1);
  }
  console.log(stackBanner(running, description, approval));
}

/**
 * What an example prints once it serves: where, its authorization server,
 * its tools, and the commands to run next.
 *
 * @param started Where the example serves.
 * @param description The stack and its task.
 * @param approval The development server's approval.
 * @returns The lines, joined.
 */
export function stackBanner(
  started: Pick<RunningStack, "mcpUrl" | "metadataUrl" | "dev">,
  description: StackDescription,
  approval: "auto" | "page",
): string {
  // The port it listens on (PORT=0 picked one): the client must use it.
  const port = started.mcpUrl.port;
  const portEnv = port === "8000" ? "" : `PORT=${port} `;
  const client = `${portEnv}npx --yes deno@2.9.6 task client`;
  return [
    "",
    `MCP server: ${started.mcpUrl} (${description.stack})`,
    `Protected-resource metadata: ${started.metadataUrl}`,
    `Authorization server: ${started.dev.issuer} (embedded, development only: ${
      approval === "auto"
        ? `approves everyone as "dev-user"`
        : "an approval page for each login"
    })`,
    "",
    "Tools: list_notes and whoami (scope read), add_note (scope write),",
    "delete_all_notes (tag admin: scope admin), export_notes (auditors only:",
    "hidden from every development token).",
    "",
    "Connect the MCP Inspector (it registers, logs in with OAuth and lists the tools):",
    `  npx --yes -p @modelcontextprotocol/inspector@2.12.0 mcp-inspector --cli ${started.mcpUrl} --transport http --method tools/list`,
    "Any OAuth-following MCP client works the same way: give it the MCP server URL, no token.",
    "",
    "Or the MCP SDK client of this repository (logs in with OAuth, lists the tools, calls one):",
    `  ${client}`,
    `  ${portEnv}TOOL=delete_all_notes npx --yes deno@2.9.6 task client   # 403: steps up to "admin"`,
    `  ${portEnv}SCOPE=write TOOL=add_note ARGS='{"text":"hi"}' npx --yes deno@2.9.6 task client`,
    ...(description.notes === undefined ? [] : ["", ...description.notes]),
    "",
    `Started with: npx --yes deno@2.9.6 task ${description.task}. Stop with Ctrl-C.`,
  ].join("\n");
}
