/**
 * The authorization server stand-in: an RFC 7662 introspection endpoint on
 * 127.0.0.1 that knows the tokens the clients registered, answers each
 * after a short delay (so that instances meeting a token at once overlap),
 * and counts its calls per token and phase: the report checks that the
 * instances, sharing their answers through Redis, ask once per token.
 *
 * @module
 */
import { RESOURCE } from "./config.ts";
import type { Phase } from "./context.ts";
import { sleep } from "./processes.ts";

/** Each introspection waits this long: a slow authorization server. */
export const INTROSPECTION_DELAY_MS = 5;

/** Introspection calls for one token, by phase. */
export interface IntrospectionCounts {
  up: number;
  down: number;
}

/** The tokens issued and the introspection calls made for each. */
export class Introspections {
  readonly #issued = new Map<string, string>(); // token -> jkt
  readonly #calls = new Map<string, IntrospectionCounts>();

  /** `token` is active, bound to the key whose thumbprint is `jkt`. */
  register(token: string, jkt: string): void {
    this.#issued.set(token, jkt);
  }

  /** Whether `token` was issued. */
  has(token: string): boolean {
    return this.#issued.has(token);
  }

  /** The calls per token introspected (issued or not). */
  get calls(): ReadonlyMap<string, Readonly<IntrospectionCounts>> {
    return this.#calls;
  }

  /** Files one call for `token` under `phase`. */
  count(token: string, phase: Phase): void {
    const counts = this.#calls.get(token) ?? { up: 0, down: 0 };
    counts[phase]++;
    this.#calls.set(token, counts);
  }

  /** The introspection response for `token` (RFC 7662 §2.2), at `now` ms. */
  answer(token: string, now: number): Record<string, unknown> {
    const jkt = this.#issued.get(token);
    if (jkt === undefined) return { active: false };
    return {
      active: true,
      client_id: "stress-client",
      scope: "mcp",
      aud: RESOURCE,
      exp: Math.floor(now / 1000) + 600,
      cnf: { jkt },
    };
  }
}

/** The running endpoint. */
export interface AuthorizationServer {
  /** `http://127.0.0.1:<port>/introspect`. */
  readonly introspectionUrl: string;
  shutdown(): Promise<void>;
}

/** Serves `introspections` on a free port; `phase` says where to file each call. */
export function startAuthorizationServer(
  introspections: Introspections,
  phase: () => Phase,
): AuthorizationServer {
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, async (request) => {
    const token = new URLSearchParams(await request.text()).get("token") ?? "";
    introspections.count(token, phase());
    await sleep(INTROSPECTION_DELAY_MS);
    return Response.json(introspections.answer(token, Date.now()));
  });
  return {
    introspectionUrl: `http://127.0.0.1:${server.addr.port}/introspect`,
    shutdown: () => server.shutdown(),
  };
}
