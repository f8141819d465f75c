// StoreObject in-process, over an in-memory storage with the semantics of
// a Durable Object's (the real one runs in workerd: durable_objects_test.ts):
// what it refuses, that it runs one operation at a time, and its alarm.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type DurableObjectStorageLike,
  DurableObjectStore,
  StoreObject,
} from "../../src/stores/mod_durable_objects.ts";

/** A Durable Object storage in a Map; each call yields once, as real I/O. */
function memoryStorage(): DurableObjectStorageLike & {
  data: Map<string, unknown>;
  alarm: number | null;
} {
  const data = new Map<string, unknown>();
  const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
  const storage = {
    data,
    alarm: null as number | null,
    async get(key: string) {
      await tick();
      return data.get(key);
    },
    async put(entries: Record<string, unknown>) {
      await tick();
      for (const [key, value] of Object.entries(entries)) data.set(key, value);
    },
    async delete(keys: string[]) {
      await tick();
      return keys.filter((key) => data.delete(key)).length;
    },
    async list(
      options: { prefix?: string; end?: string; limit?: number },
    ) {
      await tick();
      const keys = [...data.keys()].sort().filter((key) =>
        (options.prefix === undefined || key.startsWith(options.prefix)) &&
        (options.end === undefined || key < options.end)
      ).slice(0, options.limit ?? Infinity);
      return new Map(keys.map((key) => [key, data.get(key)]));
    },
    getAlarm() {
      return Promise.resolve(storage.alarm);
    },
    setAlarm(time: number) {
      storage.alarm = time;
      return Promise.resolve();
    },
  };
  return storage;
}

function clientOf(object: StoreObject): DurableObjectStore {
  return new DurableObjectStore({
    namespace: {
      idFromName: (name) => name,
      get: () => ({
        fetch: (url, init) => object.fetch(new Request(url, init)),
      }),
    },
  });
}

const post = (body: unknown) =>
  new Request("https://mcp-authz.store.invalid/", {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("StoreObject", () => {
  it("answers 400 to anything but an operation on a hashed key", async () => {
    const storage = memoryStorage();
    const object = new StoreObject({ storage });
    const hashed = `replay:${"A".repeat(43)}`;
    const refused = [
      new Request("https://x.invalid/", { method: "GET" }),
      post("not json"),
      post([]),
      post({ op: "get", key: "replay:raw-token" }), // not a SHA-256
      post({ op: "get", key: `other:${"A".repeat(43)}` }),
      post({ op: "drop", key: hashed }),
      post({ op: "add", key: hashed, value: 1, expiresAt: 1 }),
      post({ op: "set", key: hashed, value: "v", expiresAt: "soon" }),
      post({ op: "add", key: hashed, value: "v", expiresAt: null }),
      post({
        op: "set",
        key: hashed,
        value: "x".repeat(300 * 1024),
        expiresAt: 1,
      }),
    ];
    for (const request of refused) {
      assert.equal((await object.fetch(request)).status, 400);
    }
    assert.equal(storage.data.size, 0);
    const answer = await object.fetch(post({ op: "get", key: hashed }));
    assert.deepEqual(await answer.json(), { value: null });
  });

  it("runs one operation at a time: of concurrent adds of one key, one wins", async () => {
    const store = clientOf(new StoreObject({ storage: memoryStorage() }));
    const expiresAt = Date.now() + 60_000;
    const answers = await Promise.all(
      Array.from({ length: 32 }, () => store.checkAndStore("k", expiresAt)),
    );
    assert.equal(answers.filter((answer) => answer).length, 1);
  });

  it("keeps the expiry with each entry and sweeps expired ones from its alarm", async () => {
    // The object reads Date.now(); a frozen clock keeps the test exact on a
    // loaded machine (a real 20 ms window is not).
    const realNow = Date.now;
    let clock = realNow();
    Date.now = () => clock;
    try {
      const storage = memoryStorage();
      const object = new StoreObject({ storage });
      const store = clientOf(object);
      await store.set("short", "v", clock + 20);
      await store.set("long", "w", clock + 60_000);
      assert.ok(storage.alarm !== null, "an alarm is set with the first entry");
      assert.equal(storage.data.size, 4, "two entries and their expiry index");
      clock += 40;
      assert.equal(await store.get("short"), undefined, "expired reads absent");
      await object.alarm();
      assert.equal(
        storage.data.size,
        2,
        "the expired entry and its index left",
      );
      assert.equal(await store.get("long"), "w");
      assert.ok(storage.alarm! > clock, "the next alarm is for the rest");
    } finally {
      Date.now = realNow;
    }
  });
});

describe("DurableObjectStore options", () => {
  const namespace = {
    idFromName: (name: string) => name,
    get: () => ({ fetch: () => Promise.resolve(new Response("{}")) }),
  };

  it("refuses what is not a namespace, and malformed or unknown options", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { namespace: {} },
        /^DurableObjectStore option "namespace" must be the Durable Object namespace binding of StoreObject \(env\.AUTHZ_STORE\), got an object/,
      ],
      [{ namespace: undefined }, /option "namespace" .* got undefined/],
      [
        { namespace, shards: 0 },
        /option "shards" must be an integer of at least 1/,
      ],
      [{ namespace, shards: 1.5 }, /option "shards" must be an integer/],
      [
        { namespace, shards: 257 },
        /option "shards" must be at most 256, got "257"/,
      ],
      [
        { namespace, shard: 2 },
        /^Unknown DurableObjectStore option "shard" \(did you mean "shards"\?\)/,
      ],
      [{ namespace, timeoutMs: -1 }, /option "timeoutMs"/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => new DurableObjectStore(options as never),
        { name: "TypeError", message },
      );
    }
  });
});
