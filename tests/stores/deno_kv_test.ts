// DenoKvStore against Deno KV itself (SQLite on a temporary path, opened
// twice as two instances would): the shared conformance suite, expired
// entries Deno KV has not deleted yet, and what a request meets when the
// database holds nonsense or is closed.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { VerifierUnavailableError } from "../../mod.ts";
import {
  DenoKvStore,
  type DenoKvStoreOptions,
} from "../../src/stores/mod_deno_kv.ts";
import { storeConformance, uniquePrefix } from "../_store_conformance.ts";
import { dpopClient, instance, send } from "./_support.ts";

// Deno.openKv is Deno's (behind --unstable-kv: "unstable": ["kv"] in the
// root deno.json). Under CI a Deno without it fails instead of skipping.
const hasKv = typeof Deno !== "undefined" &&
  typeof (Deno as { openKv?: unknown }).openKv === "function";
const skip: false | string = hasKv ||
    (typeof Deno !== "undefined" &&
      process.env.MCP_AUTHZ_REQUIRE_SERVICES === "1")
  ? false
  : "needs Deno.openKv (Deno with --unstable-kv)";

let directory: string | undefined;
const handles: Deno.Kv[] = [];
after(async () => {
  for (const kv of handles) {
    try {
      kv.close();
    } catch {
      // closed by its test
    }
  }
  if (directory !== undefined) {
    await Deno.remove(directory, { recursive: true });
  }
});

/** A new handle on the one database file of this run: another instance. */
async function openKv(): Promise<Deno.Kv> {
  directory ??= await Deno.makeTempDir({ prefix: "mcp-authz-kv-" });
  const kv = await Deno.openKv(`${directory}/kv.sqlite3`);
  handles.push(kv);
  return kv;
}

async function dump(kv: Deno.Kv, prefix: string): Promise<string> {
  const held: string[] = [];
  for await (const entry of kv.list({ prefix: [prefix] })) {
    held.push(JSON.stringify(entry.key), JSON.stringify(entry.value));
  }
  return held.join("\n");
}

storeConformance("DenoKvStore", async (prefix) => {
  const kv = await openKv();
  const store = new DenoKvStore({ kv, prefix });
  return {
    replay: store,
    cache: store,
    dump: () => dump(kv, prefix),
    close: () => Promise.resolve(kv.close()),
  };
}, { skip, validatesInput: true });

async function hashed(key: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)),
  );
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

describe("DenoKvStore", () => {
  it(
    "an expired entry Deno KV still holds reads as absent, and is replaced once",
    { skip },
    async () => {
      // Deno KV deletes expired entries eventually: with the store's clock
      // past the expiry, the entry is still there (expireIn is a minute).
      let now = Date.now();
      const prefix = uniquePrefix();
      const stores = [await openKv(), await openKv()].map((kv) =>
        new DenoKvStore({ kv, prefix, now: () => now })
      );
      assert.equal(await stores[0]!.checkAndStore("k", now + 60_000), true);
      await stores[0]!.set("c", "v", now + 60_000);
      now += 61_000;
      assert.equal(await stores[1]!.get("c"), undefined);
      const answers = await Promise.all(
        Array.from(
          { length: 32 },
          (_, i) => stores[i % 2]!.checkAndStore("k", now + 60_000),
        ),
      );
      assert.equal(
        answers.filter((answer) => answer).length,
        1,
      );
    },
  );

  it("keys are [prefix, space, SHA-256], with the expiry in the value", {
    skip,
  }, async () => {
    const kv = await openKv();
    const prefix = uniquePrefix();
    const store = new DenoKvStore({ kv, prefix });
    const expiresAt = Date.now() + 60_000;
    await store.checkAndStore("jkt.jti", expiresAt);
    const entry = await kv.get([prefix, "replay", await hashed("jkt.jti")]);
    assert.deepEqual(entry.value, { e: expiresAt });
  });

  it(
    "an entry of another shape is a failure (503), not a miss",
    { skip },
    async () => {
      const kv = await openKv();
      const prefix = uniquePrefix();
      const store = new DenoKvStore({ kv, prefix });
      await kv.set([prefix, "cache", await hashed("c")], "nonsense");
      await kv.set([prefix, "replay", await hashed("r")], { e: "soon" });
      await assert.rejects(store.get("c"), VerifierUnavailableError);
      await assert.rejects(
        store.checkAndStore("r", Date.now() + 1_000),
        VerifierUnavailableError,
      );
      await kv.set([prefix, "cache", await hashed("v")], {
        e: Date.now() + 60_000,
      });
      await assert.rejects(store.get("v"), VerifierUnavailableError);
    },
  );

  it(
    "through bearerAuth with dpop: a replay is refused on the other instance; a closed database is a 503",
    { skip },
    async () => {
      const prefix = uniquePrefix();
      const client = await dpopClient();
      const [first, second] = [await openKv(), await openKv()];
      const a = instance(client, new DenoKvStore({ kv: first!, prefix }));
      const b = instance(client, new DenoKvStore({ kv: second!, prefix }));
      const proof = await client.proof();
      assert.equal((await send(a, proof)).status, 200);
      assert.equal((await send(b, proof)).status, 401);
      second!.close();
      const seen = await send(b, await client.proof());
      assert.equal(seen.status, 503);
      assert.match(seen.retryAfter ?? "", /^[1-9][0-9]*$/);
      assert.ok(
        b.errors.every((error) => error instanceof VerifierUnavailableError),
      );
      assert.equal(b.admitted, 0);
    },
  );

  it("refuses what is not a Deno KV database, and unknown options", () => {
    for (const kv of [undefined, null, {}, { get() {} }]) {
      assert.throws(
        () => new DenoKvStore({ kv } as unknown as DenoKvStoreOptions),
        {
          name: "TypeError",
          message:
            /^DenoKvStore option "kv" must be a Deno KV database \(await Deno\.openKv\(\)\), got /,
        },
      );
    }
    const kv = {
      get() {},
      set() {},
      delete() {},
      atomic() {},
    } as unknown as DenoKvStoreOptions["kv"];
    assert.throws(
      () => new DenoKvStore({ kv, expireIn: 5 } as DenoKvStoreOptions),
      {
        name: "TypeError",
        message:
          /^Unknown DenoKvStore option "expireIn", expected one of "kv", "prefix", "timeoutMs", "now"/,
      },
    );
  });
});
