/**
 * Fixture: a JWKS server on 127.0.0.1 that can go down and come back on the
 * same port, publishing whatever keys the fault schedule sets; and a
 * `fetch` that counts every attempt a verifier makes.
 *
 * @module
 */
import type { SigningKey } from "./keys.ts";

/** A local JWKS endpoint (`no-store`, so every verifier fetch reaches it). */
export class JwksServer {
  /** The keys served; the fault schedule replaces them. */
  published: readonly SigningKey[];
  /** Requests answered. */
  served = 0;
  /** Listening now. */
  up = false;
  /** Its port: chosen on the first start, kept across restarts. */
  port = 0;
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;

  constructor(published: readonly SigningKey[]) {
    this.published = published;
  }

  /** The URI a verifier reads keys from. */
  get uri(): string {
    return `http://127.0.0.1:${this.port}/jwks.json`;
  }

  start(): void {
    this.#server = Deno.serve({
      hostname: "127.0.0.1",
      port: this.port,
      onListen() {},
    }, () => {
      this.served++;
      return Response.json({ keys: this.published.map((key) => key.jwk) }, {
        headers: { "cache-control": "no-store" },
      });
    });
    this.port = this.#server.addr.port;
    this.up = true;
  }

  async stop(): Promise<void> {
    this.up = false;
    await this.#server?.shutdown();
    this.#server = undefined;
  }
}

/** A `fetch` that records the time of every call in `attempts`. */
export function countingFetch(attempts: number[]): typeof fetch {
  return (input, init) => {
    attempts.push(performance.now());
    return fetch(input, init);
  };
}
