/**
 * The demo's MCP server: a notes app with a public tool, a `write`-scoped
 * tool and an `admin`-tagged tool, guarded by `@mcp-authz/core/mcp`.
 *
 * @module
 */

import * as z from "zod";
import { McpServer } from "@modelcontextprotocol/server";
import {
  type AuthCheck,
  Authorizer,
  type DecisionListener,
  requireRoles,
  requireScopes,
  restrictTag,
  type ScopeHierarchy,
} from "@mcp-authz/core";
import { type GuardedServer, guardServer } from "@mcp-authz/core/mcp";

/** The scopes of the demo: every call needs `read`. */
export const SCOPES: string[] = ["read", "write", "admin"];

/** A token with `admin` may also do what `write` allows, and `write` reads. */
export const SCOPE_HIERARCHY: ScopeHierarchy = {
  admin: ["write"],
  write: ["read"],
};

/** Server-wide policy: `admin`-tagged components need the `admin` scope. */
export const authorizer: Authorizer = new Authorizer({
  layers: [restrictTag("admin", { scopes: ["admin"] })],
  scopeHierarchy: SCOPE_HIERARCHY,
});

/**
 * The policy of the framework examples (`deno task example:<stack>`): the
 * demo's, with the step-up policy that keeps every scope-only tool listed
 * and answers its call with a 403 naming the missing scopes.
 */
export const stackAuthorizer: Authorizer = new Authorizer({
  layers: [restrictTag("admin", { scopes: ["admin"] })],
  scopeHierarchy: SCOPE_HIERARCHY,
  stepUp: "always",
});

/** A tool no development token may use: its check is opaque (roles). */
export const HIDDEN_TOOL = "export_notes";

/** Who may use {@linkcode HIDDEN_TOOL}: an opaque check, never a step-up. */
export const auditorsOnly: AuthCheck = requireRoles(["auditor"], {
  extract: (claims) => claims.roles,
});

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

/** Options of {@linkcode guardNotes}. */
export interface NotesOptions {
  /** The policy (default: the demo's {@linkcode authorizer}). */
  authorizer?: Authorizer;
  /** Also register {@linkcode HIDDEN_TOOL} (the framework examples do). */
  hiddenTool?: boolean;
  /** Told every list, call and read the guard decides (an audit log). */
  onDecision?: DecisionListener;
}

/**
 * Guards `server` and registers the notes tools on it: the demo's tools
 * over a shared note list, for servers made elsewhere (`mcp-handler`
 * makes its own).
 *
 * @param server An SDK v2 McpServer with nothing registered yet.
 * @param notes The notes, shared across requests.
 * @param options The policy, and whether to add the hidden tool.
 * @returns The guarded server.
 */
export function guardNotes(
  server: McpServer,
  notes: string[],
  options: NotesOptions = {},
): GuardedServer {
  const guarded = guardServer(server, {
    authorizer: options.authorizer ?? authorizer,
    ...(options.onDecision === undefined
      ? {}
      : { onDecision: options.onDecision }),
  });
  guarded.tool("list_notes", {
    description: "Lists the notes (scope read)",
  }, () => text(notes.length === 0 ? "(no notes)" : notes.join("\n")));
  guarded.tool("add_note", {
    description: "Adds a note (needs the write scope)",
    inputSchema: z.object({ text: z.string().min(1).max(500) }),
    auth: requireScopes("write"),
  }, ({ text: note }) => {
    notes.push(note);
    return text(`added note #${notes.length}`);
  });
  guarded.tool("delete_all_notes", {
    description: "Deletes every note (admin tag: needs the admin scope)",
    tags: ["admin"],
  }, () => {
    const count = notes.splice(0).length;
    return text(`deleted ${count} notes`);
  });
  guarded.tool("whoami", {
    description: "Shows the client and scopes of your token",
  }, (ctx) => {
    const info = ctx.http?.authInfo;
    return text(`${info?.clientId} with scopes "${info?.scopes.join(" ")}"`);
  });
  if (options.hiddenTool === true) {
    guarded.tool(HIDDEN_TOOL, {
      description: "Exports the notes (auditors only)",
      auth: auditorsOnly,
    }, () => text(JSON.stringify(notes)));
  }
  return guarded;
}

/**
 * A fresh McpServer over a shared note list (one per request: the demo
 * serves stateless Streamable HTTP).
 *
 * @param notes The notes, shared across requests.
 * @param onDecision Told every list, call and read the guard decides.
 * @returns The guarded server.
 */
export function notesServer(
  notes: string[],
  onDecision?: DecisionListener,
): McpServer {
  const server = new McpServer({ name: "mcp-authz-demo", version: "1.0.0" });
  guardNotes(server, notes, onDecision === undefined ? {} : { onDecision });
  return server;
}
