import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hashKey } from "../../src/stores/_keys.ts";
import {
  isStored,
  OBJECT_URL,
  readOperation,
  shardOf,
} from "../../src/stores/_object_protocol.ts";

// "abc" hashes to "ungWv48B...": its first character, "u", is 46th of the
// base64url alphabet.
const KEY = "cache:ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0";

function post(body: string, headers: HeadersInit = {}): Request {
  return new Request(OBJECT_URL, { method: "POST", body, headers });
}

function json(value: unknown): Request {
  return post(JSON.stringify(value));
}

describe("shardOf()", () => {
  it("is picked by the hash's first character, after the space", () => {
    assert.equal(shardOf(KEY, "cache", 64), 46);
    assert.equal(shardOf(KEY, "cache", 10), 6);
    assert.equal(shardOf(KEY, "cache", 1), 0);
    assert.equal(shardOf(`replay:${KEY.slice(6)}`, "replay", 64), 46);
  });

  it("is stable, and within [0, shards) for every hash", async () => {
    for (let i = 0; i < 200; i++) {
      const hashed = `replay:${await hashKey(`jti-${i}`)}`;
      for (const shards of [1, 3, 8, 64]) {
        const shard = shardOf(hashed, "replay", shards);
        assert.ok(Number.isInteger(shard) && shard >= 0 && shard < shards);
        assert.equal(shardOf(hashed, "replay", shards), shard);
      }
    }
  });

  it("spreads keys over every shard", async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      seen.add(shardOf(`cache:${await hashKey(`k${i}`)}`, "cache", 4));
    }
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3]);
  });
});

describe("readOperation()", () => {
  it("reads get and delete, with nothing but the op and the key", async () => {
    assert.deepEqual(await readOperation(json({ op: "get", key: KEY })), {
      op: "get",
      key: KEY,
    });
    assert.deepEqual(
      await readOperation(
        json({ op: "delete", key: KEY, value: "x", extra: 1 }),
      ),
      { op: "delete", key: KEY },
    );
  });

  it("reads add and set with a string value and a finite expiry", async () => {
    for (const op of ["add", "set"]) {
      assert.deepEqual(
        await readOperation(
          json({
            op,
            key: KEY,
            value: "v",
            expiresAt: 1_700_000_000_000,
            x: 1,
          }),
        ),
        { op, key: KEY, value: "v", expiresAt: 1_700_000_000_000 },
      );
    }
  });

  it("refuses a method other than POST", async () => {
    for (const method of ["GET", "PUT", "DELETE"]) {
      const body = method === "GET"
        ? null
        : JSON.stringify({ op: "get", key: KEY });
      assert.equal(
        await readOperation(new Request(OBJECT_URL, { method, body })),
        undefined,
        method,
      );
    }
  });

  it("refuses a key that is not a hashed key: a raw token never reaches storage", async () => {
    for (
      const key of [
        "cache:raw-token",
        KEY.replace("cache", "other"),
        `mcp-authz:${KEY}`,
        `${KEY}\n`,
        42,
        undefined,
      ]
    ) {
      assert.equal(
        await readOperation(json({ op: "get", key })),
        undefined,
        String(key),
      );
    }
  });

  it("refuses an unknown op, and add or set without a string value and a finite expiry", async () => {
    const cases: unknown[] = [
      { op: "clear", key: KEY },
      { op: "GET", key: KEY },
      { key: KEY },
      { op: "add", key: KEY, expiresAt: 1 },
      { op: "add", key: KEY, value: 1, expiresAt: 1 },
      { op: "set", key: KEY, value: "v" },
      { op: "set", key: KEY, value: "v", expiresAt: "1" },
      { op: "set", key: KEY, value: "v", expiresAt: null },
    ];
    for (const body of cases) {
      assert.equal(
        await readOperation(json(body)),
        undefined,
        JSON.stringify(body),
      );
    }
    // JSON has no NaN, but an exponent past the double range reads as Infinity.
    assert.equal(
      await readOperation(
        post(`{"op":"add","key":"${KEY}","value":"v","expiresAt":1e400}`),
      ),
      undefined,
    );
  });

  it("refuses what is not a JSON object", async () => {
    for (
      const body of [
        "",
        "not json",
        "null",
        "42",
        '"get"',
        "[]",
        `[{"op":"get","key":"${KEY}"}]`,
      ]
    ) {
      assert.equal(await readOperation(post(body)), undefined, body);
    }
  });

  it("refuses a body over 256 KiB, by its declared length or by what it holds", async () => {
    const small = JSON.stringify({ op: "get", key: KEY });
    assert.equal(
      await readOperation(
        post(small, { "content-length": String(256 * 1024 + 1) }),
      ),
      undefined,
    );
    const big = JSON.stringify({
      op: "set",
      key: KEY,
      value: "x".repeat(256 * 1024),
      expiresAt: 1,
    });
    assert.equal(await readOperation(post(big)), undefined);
    // Streamed, so that no content-length announces it.
    const encoded = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoded);
        controller.close();
      },
    });
    assert.equal(
      await readOperation(
        new Request(
          OBJECT_URL,
          { method: "POST", body: stream, duplex: "half" } as RequestInit,
        ),
      ),
      undefined,
    );
    // Just under the limit is read.
    const fits = JSON.stringify({
      op: "set",
      key: KEY,
      value: "x".repeat(200 * 1024),
      expiresAt: 1,
    });
    assert.equal((await readOperation(post(fits)))?.op, "set");
  });
});

describe("isStored()", () => {
  it("accepts an entry with a numeric expiry and a string value", () => {
    assert.equal(isStored({ e: 1, v: "x" }), true);
    assert.equal(isStored({ e: 0, v: "", other: true }), true);
  });

  it("refuses anything else, so a corrupt entry counts as absent", () => {
    for (
      const value of [
        undefined,
        null,
        "x",
        1,
        [],
        { e: 1 },
        { v: "x" },
        { e: "1", v: "x" },
        { e: 1, v: 1 },
        { expiresAt: 1, value: "x" },
      ]
    ) {
      assert.equal(isStored(value), false, JSON.stringify(value));
    }
  });
});

describe("OBJECT_URL", () => {
  it("is on a host under .invalid, which never resolves (RFC 6761 §6.4)", () => {
    assert.match(new URL(OBJECT_URL).hostname, /\.invalid$/);
    assert.equal(new URL(OBJECT_URL).protocol, "https:");
  });
});
