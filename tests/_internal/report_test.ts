import { describe, it } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import { reportSafely, swallow } from "../../src/_internal/report.ts";

describe("reportSafely()", () => {
  it("calls the reporter with the arguments, without a receiver", () => {
    const calls: unknown[][] = [];
    const receivers: unknown[] = [];
    reportSafely(
      function (this: unknown, ...args: unknown[]) {
        receivers.push(this);
        calls.push(args);
      },
      "a",
      1,
    );
    assert.deepEqual(calls, [["a", 1]]);
    assert.deepEqual(receivers, [undefined]);
  });

  it("swallows whatever the reporter throws", () => {
    const result = reportSafely(() => {
      throw new Error("logger down");
    });
    assert.equal(result, undefined);
    reportSafely(() => {
      throw "a string";
    });
  });

  it("swallows a rejection of an async reporter: no unhandled rejection", async () => {
    let called = false;
    reportSafely(async () => {
      called = true;
      await Promise.resolve();
      throw new Error("logger down");
    });
    assert.equal(called, true);
    // Give the rejection time to surface as unhandled if it were not caught.
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it("survives a reporter returning a value whose then getter throws", () => {
    reportSafely(() => ({
      get then() {
        throw new Error("hostile");
      },
    }));
  });

  it("handles the rejection of another realm's promise, a subclass whose catch throws, and a thenable", async () => {
    class Sneaky<T> extends Promise<T> {
      override catch(): never {
        throw new Error("no catch here");
      }
    }
    reportSafely(() => vm.runInNewContext("Promise.reject(new Error('x'))"));
    reportSafely(() => Sneaky.reject(new Error("subclass")));
    reportSafely(() => ({
      then: (_: unknown, reject: (e: unknown) => void) => reject("thenable"),
    }));
    swallow(Promise.reject(new Error("swallowed")));
    swallow(undefined);
    swallow(42);
    // Unhandled, any of them would fail this test (and end a Node process).
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
});
