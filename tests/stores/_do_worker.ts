/**
 * A Worker for `durable_objects_test.ts`, bundled with `deno bundle` and run
 * in workerd by Miniflare: the real `StoreObject` as a Durable Object, the
 * real `DurableObjectStore` client, and `withBearerAuth` with `dpop` over it.
 * Beside it, objects that misbehave: one that never answers, one that
 * answers nonsense, one that throws, and one that can be switched off.
 *
 * - `POST /op`: `{ binding, prefix, shards, timeoutMs, method, args }` runs
 *   one method of a `DurableObjectStore`; answers `{ result }` or `{ error }`.
 * - `POST /dump`: `{ prefix }`, everything the object `<prefix>/0` holds.
 * - `POST /dpop/<binding>`: the DPoP-protected application.
 * - `POST /switch/<on|off>`: turns the switchable object on or off.
 */
import {
  type DurableObjectStateLike,
  DurableObjectStore,
  StoreObject,
} from "../../src/stores/mod_durable_objects.ts";
import { dpopScheme, StaticTokenVerifier, withBearerAuth } from "../../mod.ts";

interface Namespace {
  idFromName(name: string): unknown;
  get(
    id: unknown,
  ): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

interface Env {
  STORE: Namespace;
  HANGING: Namespace;
  GARBAGE: Namespace;
  FAILING: Namespace;
  SWITCHED: Namespace;
  /** The thumbprint the test client's DPoP key has. */
  JKT: string;
  TOKEN: string;
}

/** The real object, plus a way for the test to see what it holds. */
export class InspectableStore extends StoreObject {
  readonly #state: DurableObjectStateLike;
  constructor(state: DurableObjectStateLike, env: unknown) {
    super(state, env);
    this.#state = state;
  }
  override async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname !== "/dump") return super.fetch(request);
    const held = await this.#state.storage.list({});
    return Response.json(Object.fromEntries(held));
  }
}

/** Never answers. */
export class HangingObject {
  fetch(): Promise<Response> {
    return new Promise(() => {});
  }
}

/** Answers 200, but never what the store asked. */
export class GarbageObject {
  #calls = 0;
  fetch(): Response {
    const answers = [
      () => new Response("not json"),
      () => Response.json({ added: "yes" }),
      () => Response.json([true]),
      () => Response.json(null),
    ];
    return answers[this.#calls++ % answers.length]!();
  }
}

/** Throws from every call. */
export class FailingObject {
  fetch(): Response {
    throw new Error("storage exploded");
  }
}

/** The real object, unless switched off (then it throws). */
export class SwitchedStore extends StoreObject {
  #off = false;
  override fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/switch/off" || path === "/switch/on") {
      this.#off = path === "/switch/off";
      return Promise.resolve(Response.json({ off: this.#off }));
    }
    if (this.#off) return Promise.reject(new Error("switched off"));
    return super.fetch(request);
  }
}

const handlers = new Map<string, (request: Request) => Promise<Response>>();

function dpopHandler(
  env: Env,
  binding: keyof Env,
): (request: Request) => Promise<Response> {
  let handler = handlers.get(binding);
  if (handler === undefined) {
    const store = new DurableObjectStore({
      namespace: env[binding] as Namespace,
      prefix: `dpop-${binding}`,
      timeoutMs: 300,
    });
    handler = withBearerAuth(() => Response.json({ ok: true }), {
      verifier: new StaticTokenVerifier({
        tokens: {
          [env.TOKEN]: {
            clientId: "app",
            scopes: ["mcp"],
            claims: { cnf: { jkt: env.JKT } },
          },
        },
      }),
      dpop: dpopScheme({
        required: true,
        replayStore: store,
        // The URL the client signed, whatever host Miniflare routed.
        requestUrl: () => "https://mcp.example.com/mcp",
      }),
      onError: () => {},
    });
    handlers.set(binding, handler);
  }
  return handler;
}

type Method = "checkAndStore" | "get" | "set" | "add" | "delete";

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/op") {
      const { binding, prefix, shards, timeoutMs, method, args } = await request
        .json() as {
          binding: keyof Env;
          prefix: string;
          shards?: number;
          timeoutMs?: number;
          method: Method;
          args: unknown[];
        };
      const store = new DurableObjectStore({
        namespace: env[binding] as Namespace,
        prefix,
        ...(shards === undefined ? {} : { shards }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
      try {
        const result =
          await (store[method] as (...args: unknown[]) => Promise<unknown>)(
            ...args,
          );
        return Response.json({ result: result ?? null });
      } catch (error) {
        return Response.json({
          error: (error as Error).name,
          code: (error as { code?: string }).code ?? null,
          retryAfter: (error as { retryAfter?: number }).retryAfter ?? null,
        });
      }
    }
    if (path === "/dump") {
      const { prefix } = await request.json() as { prefix: string };
      const stub = env.STORE.get(env.STORE.idFromName(`${prefix}/0`));
      return await stub.fetch("https://object.invalid/dump");
    }
    const dpop = /^\/dpop\/([A-Z]+)$/.exec(path);
    if (dpop !== null) {
      return await dpopHandler(env, dpop[1] as keyof Env)(request);
    }
    const toggle = /^\/switch\/(on|off)$/.exec(path);
    if (toggle !== null) {
      const stub = env.SWITCHED.get(env.SWITCHED.idFromName("dpop-SWITCHED/0"));
      return await stub.fetch(`https://object.invalid/switch/${toggle[1]}`);
    }
    return new Response("not found", { status: 404 });
  },
};
