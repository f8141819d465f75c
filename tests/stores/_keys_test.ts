import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { flatKey, HASHED_KEY, hashKey } from "../../src/stores/_keys.ts";

// SHA-256 test vectors (FIPS 180-2), base64url without padding.
const SHA256_ABC = "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0";
const SHA256_EMPTY = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";

describe("hashKey()", () => {
  it("is the SHA-256 of the key's UTF-8 bytes, base64url without padding", async () => {
    assert.equal(await hashKey("abc"), SHA256_ABC);
    assert.equal(await hashKey(""), SHA256_EMPTY);
  });

  it("is 43 characters of [A-Za-z0-9_-] whatever the key: a token or a huge key is never stored", async () => {
    for (
      const key of [
        "a",
        "eyJhbGciOi.eyJzdWIi.c2ln",
        "ключ 🔑",
        "x".repeat(100_000),
      ]
    ) {
      const hashed = await hashKey(key);
      assert.match(hashed, /^[A-Za-z0-9_-]{43}$/);
    }
  });

  it("tells keys apart, case and Unicode normalisation included", async () => {
    const keys = ["jti-1", "jti-2", "JTI-1", "caf\u00e9", "cafe\u0301"];
    const hashes = await Promise.all(keys.map(hashKey));
    assert.equal(new Set(hashes).size, keys.length);
    assert.equal(await hashKey("jti-1"), hashes[0]);
  });

  it("refuses a key that is not a string, rather than hash its String()", async () => {
    for (const key of [undefined, null, 1, { toString: () => "abc" }]) {
      await assert.rejects(hashKey(key as never), {
        name: "TypeError",
        message: "A store key must be a string",
      });
    }
  });
});

describe("flatKey()", () => {
  it("is <prefix>:<space>:<sha-256>", async () => {
    assert.equal(
      await flatKey("mcp-authz", "replay", "abc"),
      `mcp-authz:replay:${SHA256_ABC}`,
    );
    assert.equal(
      await flatKey("app:1", "cache", "abc"),
      `app:1:cache:${SHA256_ABC}`,
    );
  });

  it("keeps the replay and cache spaces apart for one key", async () => {
    assert.notEqual(
      await flatKey("p", "replay", "k"),
      await flatKey("p", "cache", "k"),
    );
  });

  it("refuses a key that is not a string", async () => {
    await assert.rejects(flatKey("p", "cache", 5 as never), TypeError);
  });
});

describe("HASHED_KEY", () => {
  it("matches <space>:<sha-256> for both spaces", async () => {
    assert.ok(HASHED_KEY.test(`replay:${await hashKey("k")}`));
    assert.ok(HASHED_KEY.test(`cache:${await hashKey("k")}`));
  });

  it("refuses anything else: another space, a prefix, a wrong length or alphabet, a line break", () => {
    for (
      const key of [
        `other:${SHA256_ABC}`,
        `mcp-authz:cache:${SHA256_ABC}`,
        `cache:${SHA256_ABC}A`,
        `cache:${SHA256_ABC.slice(1)}`,
        `cache:${SHA256_ABC.slice(1)}+`,
        `cache:${SHA256_ABC.slice(1)}=`,
        `cache:${SHA256_ABC}\n`,
        `Cache:${SHA256_ABC}`,
        SHA256_ABC,
        "",
      ]
    ) {
      assert.equal(HASHED_KEY.test(key), false, JSON.stringify(key));
    }
  });
});
