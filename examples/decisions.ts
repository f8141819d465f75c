// Prints the decisions an Authorizer makes for a few tokens.
// Run: deno task example
import {
  type AccessToken,
  AuthorizationError,
  Authorizer,
  type Component,
  InsufficientScopeError,
  requireRoles,
  requireScopes,
  restrictTag,
} from "../mod.ts";

const tools: Component[] = [
  { kind: "tool", name: "search" },
  { kind: "tool", name: "read_file", auth: requireScopes("files:read") },
  { kind: "tool", name: "write_file", auth: requireScopes("files:write") },
  { kind: "tool", name: "reset_index", tags: ["admin"] },
  {
    kind: "tool",
    name: "deploy",
    auth: requireRoles(["release-manager"], {
      extract: (claims) => claims.roles,
    }),
  },
];

const authorizer = new Authorizer({
  layers: [
    requireScopes("mcp"),
    restrictTag("admin", { scopes: ["admin"] }),
  ],
  // A token holding files:write may also read.
  scopeHierarchy: { "files:write": ["files:read"] },
});

function token(
  clientId: string,
  scopes: string[],
  claims: Record<string, unknown> = {},
): AccessToken {
  return { token: `${clientId}-token`, clientId, scopes, claims };
}

const tokens: (AccessToken | undefined)[] = [
  undefined,
  token("reader", ["mcp", "files:read"]),
  token("writer", ["mcp", "files:write"]),
  token("admin", ["mcp", "files:write", "admin"], {
    roles: ["release-manager"],
  }),
  token("no-mcp", ["files:write"]),
];

function describe(error: unknown): string {
  if (error instanceof InsufficientScopeError) {
    return `step up: needs ${error.requiredScopes.join(" ")}`;
  }
  if (error instanceof AuthorizationError) return `denied: ${error.message}`;
  throw error;
}

for (const t of tokens) {
  const who = t === undefined
    ? "(no token)"
    : `${t.clientId} [${t.scopes.join(" ")}]`;
  const visible = await authorizer.filter(t, tools);
  console.log(`\n${who}`);
  console.log(
    `  tools/list -> ${
      visible.map((tool) => tool.name).join(", ") || "(none)"
    }`,
  );
  for (const name of ["write_file", "reset_index", "deploy", "no_such_tool"]) {
    const tool = tools.find((candidate) => candidate.name === name);
    const outcome = await authorizer.authorize(t, tool).then(
      () => "allowed",
      describe,
    );
    console.log(`  tools/call ${name.padEnd(12)} -> ${outcome}`);
  }
}
