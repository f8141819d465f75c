/**
 * Every fixture of a run, started: the keys, the issuer, the two JWKS
 * servers (the cold-start one down), and the endpoint under test.
 *
 * @module
 */
import type { StressConfig } from "./config.ts";
import { type Endpoint, startEndpoint } from "./endpoint.ts";
import { Issuer } from "./issuer.ts";
import { JwksServer } from "./jwks_server.ts";
import { createKeys, type StressKeys } from "./keys.ts";

/** The started fixtures of one run. */
export interface Fixtures {
  readonly keys: StressKeys;
  readonly issuer: Issuer;
  /** The issuer's JWKS server, publishing k1. */
  readonly jwks: JwksServer;
  /** A second issuer's JWKS server, down at start: no key is held, so its
   * valid tokens get 503 until the fault schedule starts it. */
  readonly coldJwks: JwksServer;
  readonly endpoint: Endpoint;
  /** Stops every server. */
  close(): Promise<void>;
}

/** Starts every fixture on 127.0.0.1, ports chosen by the system. */
export async function startFixtures(
  config: StressConfig,
  random: () => number,
): Promise<Fixtures> {
  const keys = await createKeys();
  const jwks = new JwksServer([keys.k1]);
  jwks.start();
  const coldJwks = new JwksServer([keys.cold]);
  coldJwks.start(); // to hold a port; it comes back on it
  await coldJwks.stop();
  const endpoint = startEndpoint(config, jwks, coldJwks);
  const issuer = new Issuer(endpoint.audience, keys.k1, random);
  return {
    keys,
    issuer,
    jwks,
    coldJwks,
    endpoint,
    async close() {
      await endpoint.shutdown();
      await jwks.stop();
      await coldJwks.stop();
    },
  };
}
