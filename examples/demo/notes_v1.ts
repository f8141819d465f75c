/**
 * The demo's notes tools on an `McpServer` of the 1.x SDK
 * (`@modelcontextprotocol/sdk`), guarded by `@mcp-authz/core/mcp/v1`: for
 * the stacks built on 1.x (`@hono/mcp`, `agents`, Express). The same tools,
 * scopes and policy as `notes.ts`.
 *
 * @module
 */

import * as z from "zod";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { requireScopes } from "@mcp-authz/core";
import { type GuardedServer, guardServer } from "@mcp-authz/core/mcp/v1";
import {
  auditorsOnly,
  authorizer,
  HIDDEN_TOOL,
  type NotesOptions,
} from "./notes.ts";

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

/**
 * Guards a 1.x `server` and registers the notes tools on it.
 *
 * @param server A 1.x McpServer with nothing registered yet.
 * @param notes The notes, shared across requests.
 * @param options The policy, and whether to add the hidden tool.
 * @returns The guarded server.
 */
export function guardNotesV1(
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
    inputSchema: { text: z.string().min(1).max(500) },
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
  }, (extra) => {
    const info = extra.authInfo;
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
