// DurableObjectStore and StoreObject in workerd, through Miniflare (which
// runs real Durable Objects): `_do_worker.ts` is bundled with `deno bundle`,
// the conformance suite drives the real client inside the Worker, and
// DPoP requests go through `withBearerAuth` there, against objects that
// work, hang, answer nonsense, throw, or are switched off and on again.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Miniflare } from "miniflare";
import type { CacheStore, ReplayStore } from "../../mod.ts";
import { storeConformance, uniquePrefix } from "../_store_conformance.ts";
import { BOUND_TOKEN, type DpopClient, dpopClient, sleep } from "./_support.ts";

// Bundling needs Deno (`deno bundle`), so these run on Deno only.
const skip: false | string = typeof Deno === "undefined" &&
  "needs Deno to bundle the Worker (deno bundle)";

interface Runtime {
  mf: Miniflare;
  client: DpopClient;
}

let started: Promise<Runtime> | undefined;
after(async () => {
  if (started !== undefined) await (await started).mf.dispose();
});

/** Bundles the Worker and starts it, once for the whole file. */
function runtime(): Promise<Runtime> {
  started ??= (async () => {
    const entry = decodeURIComponent(
      new URL("./_do_worker.ts", import.meta.url).pathname,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", "browser", entry],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(
        `deno bundle failed: ${new TextDecoder().decode(stderr)}`,
      );
    }
    const { Miniflare } = await import("miniflare");
    const client = await dpopClient();
    const object = (className: string) => ({ className, useSQLite: true });
    const mf = new Miniflare({
      modules: true,
      script: new TextDecoder().decode(stdout),
      compatibilityDate: "2026-07-01",
      durableObjects: {
        STORE: object("InspectableStore"),
        HANGING: object("HangingObject"),
        GARBAGE: object("GarbageObject"),
        FAILING: object("FailingObject"),
        SWITCHED: object("SwitchedStore"),
      },
      bindings: { JKT: client.jkt, TOKEN: BOUND_TOKEN },
    });
    await mf.ready;
    return { mf, client };
  })();
  return started;
}

async function post(path: string, body: unknown): Promise<unknown> {
  const { mf } = await runtime();
  const response = await mf.dispatchFetch(`https://worker.test${path}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, `${path} answered ${response.status}`);
  return await response.json();
}

/** A store whose every call runs the real client inside the Worker. */
function remoteStore(
  prefix: string,
  options: { binding?: string; shards?: number; timeoutMs?: number } = {},
): ReplayStore & CacheStore {
  const call = async (method: string, args: unknown[]) => {
    const answer = await post("/op", {
      binding: options.binding ?? "STORE",
      prefix,
      shards: options.shards,
      timeoutMs: options.timeoutMs,
      method,
      args,
    }) as { result?: unknown; error?: string; code?: string };
    if (answer.error !== undefined) {
      throw Object.assign(new Error(`${answer.error} in the Worker`), answer);
    }
    return answer.result;
  };
  return {
    checkAndStore: (key, expiresAt) =>
      call("checkAndStore", [key, expiresAt]) as Promise<boolean>,
    get: async (key) =>
      ((await call("get", [key])) ?? undefined) as string | undefined,
    set: async (key, value, expiresAt) =>
      void await call("set", [key, value, expiresAt]),
    add: (key, value, expiresAt) =>
      call("add", [key, value, expiresAt]) as Promise<boolean>,
    delete: async (key) => void await call("delete", [key]),
  };
}

for (const shards of [1, 4]) {
  storeConformance(
    `DurableObjectStore (${shards} shard${shards > 1 ? "s" : ""})`,
    (prefix) => {
      const store = remoteStore(prefix, { shards });
      return Promise.resolve({
        replay: store,
        cache: store,
        ...(shards === 1
          ? {
            dump: async () => JSON.stringify(await post("/dump", { prefix })),
          }
          : {}),
      });
    },
    { skip, validatesInput: true },
  );
}

async function dpop(binding: string, proof: string) {
  const { mf } = await runtime();
  const response = await mf.dispatchFetch(
    `https://worker.test/dpop/${binding}`,
    {
      method: "POST",
      headers: { authorization: `DPoP ${BOUND_TOKEN}`, dpop: proof },
    },
  );
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: await response.text(),
  };
}

describe("DurableObjectStore in workerd", () => {
  it(
    "StoreObject deletes expired entries from its alarm",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const store = remoteStore(prefix);
      await store.set("short", "v", Date.now() + 50);
      await store.checkAndStore("proof", Date.now() + 50);
      await store.set("long", "v", Date.now() + 60_000);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const held = Object.keys(await post("/dump", { prefix }) as object);
        // The long entry: itself and its expiry index.
        if (held.length === 2) break;
        assert.ok(Date.now() < deadline, `still held: ${held.join(", ")}`);
        await sleep(200);
      }
      assert.equal(await store.get("long"), "v");
    },
  );

  it(
    "a proof accepted once is refused after, through withBearerAuth with dpop",
    { skip },
    async () => {
      const { client } = await runtime();
      const proof = await client.proof();
      assert.equal((await dpop("STORE", proof)).status, 200);
      const replayed = await dpop("STORE", proof);
      assert.equal(replayed.status, 401);
      assert.match(replayed.body, /invalid_dpop_proof/);
      const copies = await client.proof();
      const statuses = await Promise.all(
        Array.from(
          { length: 16 },
          async () => (await dpop("STORE", copies)).status,
        ),
      );
      assert.equal(statuses.filter((status) => status === 200).length, 1);
    },
  );

  for (const binding of ["HANGING", "GARBAGE", "FAILING"]) {
    it(
      `an object that ${
        binding === "HANGING"
          ? "never answers"
          : binding === "GARBAGE"
          ? "answers nonsense"
          : "throws"
      } is a 503 with Retry-After`,
      { skip },
      async () => {
        const { client } = await runtime();
        for (let i = 0; i < 4; i++) {
          const seen = await dpop(binding, await client.proof());
          assert.equal(seen.status, 503, seen.body);
          assert.match(seen.retryAfter ?? "", /^[1-9][0-9]*$/);
          assert.doesNotMatch(seen.body, /exploded|bound-token/);
        }
        const direct = await post("/op", {
          binding,
          prefix: uniquePrefix(),
          timeoutMs: 200,
          method: "get",
          args: ["k"],
        }) as { code?: string };
        assert.equal(direct.code, "ERR_VERIFIER_UNAVAILABLE");
      },
    );
  }

  it(
    "service resumes without restart once the object works again",
    { skip },
    async () => {
      const { client, mf } = await runtime();
      const toggle = async (state: "on" | "off") =>
        await (await mf.dispatchFetch(`https://worker.test/switch/${state}`, {
          method: "POST",
        })).json();
      assert.equal((await dpop("SWITCHED", await client.proof())).status, 200);
      await toggle("off");
      const down = await dpop("SWITCHED", await client.proof());
      assert.equal(down.status, 503);
      assert.match(down.retryAfter ?? "", /^[1-9][0-9]*$/);
      await toggle("on");
      assert.equal((await dpop("SWITCHED", await client.proof())).status, 200);
    },
  );
});
