import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sleep, withDeadline } from "../../src/_internal/deadline.ts";

const never = (): Promise<never> => new Promise<never>(() => {});

describe("withDeadline()", () => {
  it("settles with the operation's value when it finishes in time", async () => {
    let timedOut = false;
    const value = await withDeadline(
      () => Promise.resolve("done"),
      1_000,
      () => (timedOut = true),
    );
    assert.equal(value, "done");
    assert.equal(timedOut, false);
  });

  it("rejects with the operation's own error, not the timeout's", async () => {
    const failure = new Error("store down");
    await assert.rejects(
      withDeadline(() => Promise.reject(failure), 1_000, () => "timeout"),
      (error) => error === failure,
    );
  });

  it("turns a synchronous throw of the operation into a rejection", async () => {
    const failure = new Error("thrown before any promise");
    const pending = withDeadline(
      () => {
        throw failure;
      },
      1_000,
      () => "timeout",
    );
    assert.ok(pending instanceof Promise);
    await assert.rejects(pending, (error) => error === failure);
  });

  it("rejects with what onTimeout makes when the operation never settles", async () => {
    const marker = new Error("deadline passed");
    await assert.rejects(
      withDeadline(never, 5, () => marker),
      (error) => error === marker,
    );
  });

  it("rejects with a non-Error value of onTimeout as it is", async () => {
    await assert.rejects(
      withDeadline(never, 5, () => "late"),
      (error) => error === "late",
    );
  });

  it("ignores the late result of an operation that missed its deadline", async () => {
    let finish: (value: string) => void = () => {};
    const operation = () =>
      new Promise<string>((resolve) => (finish = resolve));
    const pending = withDeadline(operation, 5, () => new Error("timed out"));
    await assert.rejects(pending, /timed out/);
    finish("too late");
    await sleep(0);
  });

  it("never calls onTimeout once the operation has settled (its timer is cleared)", async () => {
    let calls = 0;
    await withDeadline(() => Promise.resolve(1), 5, () => calls++);
    await assert.rejects(
      withDeadline(() => Promise.reject(new Error("x")), 5, () => calls++),
    );
    await sleep(30);
    assert.equal(calls, 0);
  });
});

describe("sleep()", () => {
  it("resolves with undefined after the timers due before it", async () => {
    const order: string[] = [];
    setTimeout(() => order.push("timer 0"), 0);
    const result = await sleep(20).then((value) => {
      order.push("sleep 20");
      return value;
    });
    assert.equal(result, undefined);
    assert.deepEqual(order, ["timer 0", "sleep 20"]);
  });

  it("does not resolve synchronously", async () => {
    let resolved = false;
    const pending = sleep(0).then(() => (resolved = true));
    await Promise.resolve();
    assert.equal(resolved, false);
    await pending;
    assert.equal(resolved, true);
  });
});
