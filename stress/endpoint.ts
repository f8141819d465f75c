/**
 * Fixture: the server under test, one `Deno.serve` on 127.0.0.1:
 *
 * - `/mcp`: `withBearerAuth` + `JwtVerifier` (the issuer's rotating JWKS);
 *   with `--sabotage`, a broken verifier that admits every refused token;
 * - `/mcp-dpop`: the same verifier, DPoP required (`withBearerAuth`'s
 *   `dpop` option, {@linkcode dpopOption});
 * - `/mcp-cold`: a second issuer whose JWKS server is down at start.
 *
 * Every route and the guard report their decisions to one
 * {@linkcode DecisionLog}, which the load reads its outcomes from.
 *
 * @module
 */
import {
  type BearerAuthOptions,
  dpopScheme,
  JwtVerifier,
  MemoryReplayStore,
  type TokenVerifier,
  withBearerAuth,
} from "../mod.ts";
import type { StressConfig } from "./config.ts";
import { DecisionLog } from "./decisions.ts";
import { ISSUER } from "./issuer.ts";
import { countingFetch, type JwksServer } from "./jwks_server.ts";
import { guardedMcpApp } from "./mcp_app.ts";

/** The replay store's bound: its peak must stay at or under it. */
export const REPLAY_MAX = 10_000;
/** Accepted and rejected tokens are held apart, each up to 1,000. */
export const TOKEN_CACHE_MAX = 2 * 1_000;

/** The running server under test. */
export interface Endpoint {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** The Bearer endpoint's URL: the default `aud` of the run's tokens. */
  readonly audience: string;
  /** The verifier of `/mcp` and `/mcp-dpop` (to sample its token cache). */
  readonly verifier: JwtVerifier;
  readonly replayStore: MemoryReplayStore;
  /** Every JWKS fetch each verifier attempted, answered or not. */
  readonly fetchAttempts: readonly number[];
  readonly coldFetchAttempts: readonly number[];
  /** What `withBearerAuth` and the guard decided, by request id. */
  readonly decisions: DecisionLog;
  shutdown(): Promise<void>;
}

/** `withBearerAuth`'s DPoP option of `/mcp-dpop`: DPoP required, ES256 proofs. */
function dpopOption(
  replayStore: MemoryReplayStore,
): NonNullable<BearerAuthOptions["dpop"]> {
  return dpopScheme({ required: true, algorithms: ["ES256"], replayStore });
}

/** A verifier that lets every token `verifier` refuses in (`--sabotage`). */
function sabotaged(verifier: TokenVerifier): TokenVerifier {
  return {
    async verifyToken(token) {
      try {
        return await verifier.verifyToken(token);
      } catch {
        return {
          token,
          clientId: "sabotage",
          scopes: ["mcp:tools", "admin"],
          claims: {},
        };
      }
    },
  };
}

/** Starts the server under test against the two JWKS servers. */
export function startEndpoint(
  config: StressConfig,
  jwks: JwksServer,
  coldJwks: JwksServer,
): Endpoint {
  const routes = new Map<string, (request: Request) => Promise<Response>>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, (request) => {
    const route = routes.get(new URL(request.url).pathname);
    return route?.(request) ?? new Response(null, { status: 404 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const audience = `${base}/mcp`;
  const fetchAttempts: number[] = [];
  const coldFetchAttempts: number[] = [];
  const verifier = new JwtVerifier({
    jwksUri: jwks.uri,
    issuer: ISSUER,
    audience: [audience, `${base}/mcp-dpop`],
    jwksCooldownMs: config.cooldownMs,
    timeoutMs: 1_000,
    fetch: countingFetch(fetchAttempts),
    cache: { maxEntries: 1_000 },
  });
  const coldVerifier = new JwtVerifier({
    jwksUri: coldJwks.uri,
    issuer: ISSUER,
    audience: `${base}/mcp-cold`,
    jwksCooldownMs: config.cooldownMs,
    timeoutMs: 1_000,
    fetch: countingFetch(coldFetchAttempts),
  });
  const replayStore = new MemoryReplayStore({ maxEntries: REPLAY_MAX });
  const decisions = new DecisionLog();
  const app = guardedMcpApp(decisions.listener);
  const quiet = () => {}; // 503s are expected while the JWKS server is down
  const watch = {
    onDecision: decisions.listener,
    redactDecision: decisions.redactor,
  };
  routes.set(
    "/mcp",
    withBearerAuth(app, {
      verifier: config.sabotage ? sabotaged(verifier) : verifier,
      resourceMetadataUrl: `${base}/.well-known/oauth-protected-resource/mcp`,
      onError: quiet,
      ...watch,
    }),
  );
  routes.set(
    "/mcp-dpop",
    withBearerAuth(app, {
      verifier,
      resourceMetadataUrl:
        `${base}/.well-known/oauth-protected-resource/mcp-dpop`,
      onError: quiet,
      dpop: dpopOption(replayStore),
      ...watch,
    }),
  );
  routes.set(
    "/mcp-cold",
    withBearerAuth(app, { verifier: coldVerifier, onError: quiet, ...watch }),
  );
  return {
    base,
    audience,
    verifier,
    replayStore,
    fetchAttempts,
    coldFetchAttempts,
    decisions,
    shutdown: () => server.shutdown(),
  };
}
