// src/dev/_store.ts: the bounded, expiring map behind codes, transactions
// and refresh tokens.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ExpiringStore } from "../../src/dev/_store.ts";

interface Entry {
  readonly expiresAt: number;
  readonly value: string;
}

describe("ExpiringStore", () => {
  it("forgets an entry once it expires", () => {
    let now = 1000;
    const store = new ExpiringStore<Entry>(10, () => now);
    store.set("a", { expiresAt: 2000, value: "A" });
    assert.equal(store.get("a")?.value, "A");
    now = 2000;
    assert.equal(store.get("a"), undefined);
    now = 1000;
    assert.equal(store.get("a"), undefined, "removed, not hidden");
  });

  it("keeps at most max entries: expired ones go first, then the oldest", () => {
    let now = 1000;
    const store = new ExpiringStore<Entry>(2, () => now);
    store.set("old", { expiresAt: 5000, value: "old" });
    store.set("short", { expiresAt: 1500, value: "short" });
    now = 1600;
    store.set("new", { expiresAt: 5000, value: "new" });
    assert.equal(store.get("old")?.value, "old", "the expired one made room");
    store.set("newer", { expiresAt: 5000, value: "newer" });
    assert.equal(store.get("old"), undefined, "then the oldest");
    assert.equal(store.get("new")?.value, "new");
    assert.equal(store.get("newer")?.value, "newer");
  });

  it("deletes one entry, or every entry a test selects", () => {
    const store = new ExpiringStore<Entry>(10, () => 0);
    for (const key of ["a", "b", "c"]) {
      store.set(key, { expiresAt: 1, value: key === "c" ? "keep" : "drop" });
    }
    store.delete("a");
    assert.equal(store.get("a"), undefined);
    store.deleteWhere((entry) => entry.value === "drop");
    assert.equal(store.get("b"), undefined);
    assert.equal(store.get("c")?.value, "keep");
  });
});
