/**
 * Cost of the Bearer wrapper itself, with a verifier that does no work:
 * this library's `bearerAuth` against hand-written extraction (the floor)
 * and against the MCP TypeScript SDK v2's Web-standard `requireBearerAuth`
 * (`@modelcontextprotocol/server`), in the same run.
 *
 * Deno: `deno bench -A bench/bearer_bench.ts`
 * Bun (no Deno.bench there, so a small timing loop prints the same ratios):
 * `npx --yes bun@1.4.5 bench/bearer_bench.ts`
 * Deno with that same loop: `deno run -A bench/bearer_bench.ts --loop`
 */
import { type AccessToken, bearerAuth, InvalidTokenError } from "../mod.ts";
import {
  OAuthError,
  OAuthErrorCode,
  requireBearerAuth,
} from "@modelcontextprotocol/server";

const RAW = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLWJ5dGVz";
const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const TOKEN: AccessToken = {
  token: RAW,
  clientId: "client",
  scopes: ["mcp"],
  expiresAt: 4_000_000_000,
  claims: { sub: "user" },
};

// Trivial verifiers: a resolved promise, nothing else.
const ours = bearerAuth({
  verifier: { verifyToken: () => Promise.resolve(TOKEN) },
  requiredScopes: ["mcp"],
  resourceMetadataUrl: METADATA,
});
const sdk = requireBearerAuth({
  verifier: { verifyAccessToken: () => Promise.resolve(TOKEN) },
  requiredScopes: ["mcp"],
  resourceMetadataUrl: METADATA,
});
const oursRejecting = bearerAuth({
  verifier: { verifyToken: () => Promise.reject(new InvalidTokenError()) },
  requiredScopes: ["mcp"],
  resourceMetadataUrl: METADATA,
});
const sdkRejecting = requireBearerAuth({
  verifier: {
    verifyAccessToken: () =>
      Promise.reject(
        new OAuthError(OAuthErrorCode.InvalidToken, "Invalid token"),
      ),
  },
  requiredScopes: ["mcp"],
  resourceMetadataUrl: METADATA,
});

/** The floor: what a careful hand-written handler does, and no more. */
async function handWritten(request: Request): Promise<AccessToken | Response> {
  const header = request.headers.get("authorization");
  if (header === null || !header.startsWith("Bearer ")) {
    return new Response(null, {
      status: 401,
      headers: { "www-authenticate": `Bearer resource_metadata="${METADATA}"` },
    });
  }
  try {
    return await Promise.resolve(TOKEN);
  } catch {
    return new Response(null, { status: 401 });
  }
}
async function handWrittenRejecting(request: Request): Promise<Response> {
  const header = request.headers.get("authorization");
  if (header === null || !header.startsWith("Bearer ")) {
    return new Response(null, { status: 401 });
  }
  try {
    await Promise.reject(new InvalidTokenError());
  } catch {
    // fall through
  }
  return new Response(
    JSON.stringify({
      error: "invalid_token",
      error_description: "Invalid token",
    }),
    {
      status: 401,
      headers: {
        "content-type": "application/json",
        "www-authenticate":
          `Bearer error="invalid_token", resource_metadata="${METADATA}"`,
      },
    },
  );
}

const withToken = new Request("https://mcp.example.com/mcp", {
  headers: { authorization: `Bearer ${RAW}` },
});
const withQuery = new Request("https://mcp.example.com/mcp?session=abc&x=1", {
  headers: { authorization: `Bearer ${RAW}` },
});
const withoutToken = new Request("https://mcp.example.com/mcp");

interface Case {
  group: string;
  name: string;
  baseline?: boolean;
  fn: () => Promise<unknown>;
}

const cases: Case[] = [
  {
    group: "valid token",
    name: "hand-written extraction",
    baseline: true,
    fn: () => handWritten(withToken),
  },
  { group: "valid token", name: "bearerAuth", fn: () => ours(withToken) },
  {
    group: "valid token",
    name: "SDK requireBearerAuth",
    fn: () => sdk(withToken),
  },
  {
    group: "valid token, URL with a query",
    name: "hand-written extraction",
    baseline: true,
    fn: () => handWritten(withQuery),
  },
  {
    group: "valid token, URL with a query",
    name: "bearerAuth",
    fn: () => ours(withQuery),
  },
  {
    group: "valid token, URL with a query",
    name: "SDK requireBearerAuth",
    fn: () => sdk(withQuery),
  },
  {
    group: "no token (401)",
    name: "hand-written 401",
    baseline: true,
    fn: () => handWritten(withoutToken),
  },
  { group: "no token (401)", name: "bearerAuth", fn: () => ours(withoutToken) },
  {
    group: "no token (401)",
    name: "SDK requireBearerAuth",
    fn: () => sdk(withoutToken),
  },
  {
    group: "rejected token (401)",
    name: "hand-written 401",
    baseline: true,
    fn: () => handWrittenRejecting(withToken),
  },
  {
    group: "rejected token (401)",
    name: "bearerAuth",
    fn: () => oursRejecting(withToken),
  },
  {
    group: "rejected token (401)",
    name: "SDK requireBearerAuth",
    fn: () => sdkRejecting(withToken),
  },
];

// Fail loudly if a case does not do what its name says.
async function sanity(): Promise<void> {
  const ok = await ours(withToken);
  const sdkOk = await sdk(withToken);
  const missing = await ours(withoutToken);
  const sdkMissing = await sdk(withoutToken);
  const rejected = await oursRejecting(withToken);
  const sdkRejected = await sdkRejecting(withToken);
  if (
    ok instanceof Response || sdkOk instanceof Response ||
    (missing as Response).status !== 401 ||
    (sdkMissing as Response).status !== 401 ||
    (rejected as Response).status !== 401 ||
    (sdkRejected as Response).status !== 401
  ) {
    throw new Error("a bench case does not do what it claims");
  }
}
await sanity();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Interleaved rounds so that every case sees the same machine load. */
async function loop(): Promise<void> {
  const groups = [...new Set(cases.map((c) => c.group))];
  for (const group of groups) {
    const members = cases.filter((c) => c.group === group);
    const samples = new Map<Case, number[]>(members.map((c) => [c, []]));
    for (const c of members) for (let i = 0; i < 20_000; i++) await c.fn();
    for (let round = 0; round < 15; round++) {
      for (const c of members) {
        const n = 5_000;
        const start = performance.now();
        for (let i = 0; i < n; i++) await c.fn();
        samples.get(c)!.push(((performance.now() - start) * 1e6) / n);
      }
    }
    const base = median(samples.get(members.find((c) => c.baseline)!)!);
    console.log(`\n${group}`);
    for (const c of members) {
      const ns = median(samples.get(c)!);
      console.log(
        `  ${c.name.padEnd(26)} ${ns.toFixed(0).padStart(7)} ns/iter  ${
          (ns / base).toFixed(2)
        }x baseline`,
      );
    }
  }
}

const deno = (globalThis as { Deno?: typeof Deno }).Deno;
if (deno !== undefined && !deno.args.includes("--loop")) {
  for (const c of cases) {
    deno.bench({
      name: c.name,
      group: c.group,
      baseline: c.baseline ?? false,
      async fn() {
        await c.fn();
      },
    });
  }
} else {
  await loop();
}
