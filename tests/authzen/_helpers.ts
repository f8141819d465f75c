// Shared fixtures of the authzen tests: tokens, a fetch that counts what it
// sends, an onError that records, and an address where nothing listens.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AccessToken, Component } from "../../mod.ts";

/** A token of `sub` (none when `undefined`) with more claims. */
export function tokenOf(
  sub: string | undefined,
  claims: Record<string, unknown> = {},
): AccessToken {
  return {
    token: "secret-access-token",
    clientId: "agent-app",
    scopes: ["mcp"],
    claims: sub === undefined ? claims : { sub, ...claims },
  };
}

export const alice: AccessToken = tokenOf("alice", { tenant: "acme" });
export const root: AccessToken = tokenOf("root");

/** A tool component. */
export function tool(name: string, extra: Partial<Component> = {}): Component {
  return { kind: "tool", name, ...extra };
}

/** One request a counting fetch saw. */
export interface Call {
  method: string;
  url: string;
  body: unknown;
}

/** The real fetch, counting what is sent (and answering 404 for `refuse`d URLs). */
export function counting(refuse: (url: string) => boolean = () => false): {
  calls: Call[];
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  posts: () => Call[];
  maxInFlight: () => number;
} {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchFn = async (url: string, init: RequestInit) => {
    const body = typeof init.body === "string"
      ? JSON.parse(init.body)
      : undefined;
    calls.push({ method: init.method ?? "GET", url, body });
    if (refuse(url)) return new Response("no", { status: 404 });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      return await fetch(url, init);
    } finally {
      inFlight--;
    }
  };
  return {
    calls,
    fetch: fetchFn,
    posts: () => calls.filter((call) => call.method === "POST"),
    maxInFlight: () => maxInFlight,
  };
}

/** An onError that records what it is given. */
export function recorder(): {
  errors: unknown[];
  onError: (error: unknown) => void;
} {
  const errors: unknown[] = [];
  return { errors, onError: (error) => errors.push(error) };
}

/** Every message (and cause's message) of `errors`, one per line. */
export function messages(errors: unknown[]): string {
  return errors.map((e) =>
    e instanceof Error
      ? `${e.message} ${e.cause instanceof Error ? e.cause.message : ""}`
      : String(e)
  ).join("\n");
}

/** What `promise` rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

/** `http://127.0.0.1:<port>` where nothing listens. */
export async function closedPort(): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === "object" && address ? address.port : 1)
      );
    });
  });
  return `http://127.0.0.1:${port}`;
}
