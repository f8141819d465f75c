/**
 * The demo's MCP server: a notes app with a public tool, a `write`-scoped
 * tool and an `admin`-tagged tool, guarded by `@mcp-authz/core/mcp`.
 *
 * @module
 */

import * as z from "zod";
import { McpServer } from "@modelcontextprotocol/server";
import {
  Authorizer,
  type DecisionListener,
  requireScopes,
  restrictTag,
  type ScopeHierarchy,
} from "@mcp-authz/core";
import { guardServer } from "@mcp-authz/core/mcp";

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

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

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
  const guarded = guardServer(server, { authorizer, onDecision });
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
  return server;
}
