import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { VerifierUnavailableError } from "../../src/errors.ts";
import {
  guarded,
  RETRY_AFTER_SECONDS,
  storeSettings,
  unavailable,
} from "../../src/stores/_guard.ts";

const OWNER = "TestStore";

function settings(options: unknown) {
  return storeSettings(OWNER, options, ["client"], 250);
}

describe("storeSettings()", () => {
  it("defaults: prefix mcp-authz, the adapter's timeout, Date.now", () => {
    const read = settings({ client: {} });
    assert.equal(read.prefix, "mcp-authz");
    assert.equal(read.timeoutMs, 250);
    assert.equal(read.now, Date.now);
    assert.ok(Object.isFrozen(read));
  });

  it("reads prefix, timeoutMs and now", () => {
    const read = settings({ prefix: "app:v2", timeoutMs: 1, now: () => 42 });
    assert.equal(read.prefix, "app:v2");
    assert.equal(read.timeoutMs, 1);
    assert.equal(read.now(), 42);
  });

  it("refuses an unknown key, naming the closest and every allowed one", () => {
    assert.throws(() => settings({ client: {}, timeout: 5 }), {
      name: "TypeError",
      message:
        'Unknown TestStore option "timeout" (did you mean "timeoutMs"?), expected one of "client", "prefix", "timeoutMs", "now"',
    });
  });

  it("refuses what is not an options object, naming the adapter's own options", () => {
    for (
      const [options, shown] of [[undefined, "undefined"], [null, "null"], [
        "x",
        '"x"',
      ]]
    ) {
      assert.throws(
        () => storeSettings(OWNER, options, ["namespace", "shards"], 1),
        {
          name: "TypeError",
          message:
            `TestStore expects an options object with "namespace" and "shards", got ${shown}`,
        },
      );
    }
  });

  it("accepts a prefix of 1 to 64 printable ASCII characters", () => {
    for (
      const prefix of ["a", "x".repeat(64), "~!#$%&'()*+,-./:;<=>?@[]^_`{|}"]
    ) {
      assert.equal(settings({ prefix }).prefix, prefix);
    }
  });

  it("refuses a prefix with a space, a control or non-ASCII character, or over 64 characters", () => {
    for (
      const prefix of [
        "a b",
        "a\nb",
        "a\tb",
        "préfixe",
        "x".repeat(65),
        "a\u0000",
      ]
    ) {
      assert.throws(() => settings({ prefix }), {
        name: "TypeError",
        message: new RegExp(
          '^TestStore option "prefix" must be 1 to 64 printable ASCII characters without spaces, got ',
        ),
      }, JSON.stringify(prefix));
    }
  });

  it("refuses a prefix that is not a non-empty string", () => {
    for (const prefix of ["", 5, null]) {
      assert.throws(() => settings({ prefix }), {
        name: "TypeError",
        message: /^TestStore option "prefix" must be a non-empty string, got /,
      });
    }
  });

  it("refuses a timeout under 1 ms or not a finite number", () => {
    for (const timeoutMs of [0, 0.5, -1, Number.NaN, Infinity, "100"]) {
      assert.throws(() => settings({ timeoutMs }), {
        name: "TypeError",
        message:
          /^TestStore option "timeoutMs" must be a finite number of milliseconds of at least 1, got /,
      });
    }
  });

  it("refuses a now that is not a function, or performance.now", () => {
    assert.throws(() => settings({ now: 5 }), {
      name: "TypeError",
      message: /^TestStore option "now"/,
    });
    assert.throws(() => settings({ now: performance.now }), {
      name: "TypeError",
      message: /performance\.now counts from the start of the process/,
    });
  });

  it("makes a clock reading anything but a finite number fail as unavailable, never a NaN TTL", () => {
    for (const reading of [Number.NaN, Infinity, "1", undefined]) {
      const read = settings({ now: () => reading as number });
      assert.throws(() => read.now(), VerifierUnavailableError);
    }
  });
});

describe("unavailable()", () => {
  it("is a VerifierUnavailableError naming the store, with a 2 s retry hint and the cause", () => {
    const cause = new Error("ECONNREFUSED");
    const error = unavailable(OWNER, "unavailable", cause);
    assert.ok(error instanceof VerifierUnavailableError);
    assert.equal(error.message, "TestStore unavailable");
    assert.equal(RETRY_AFTER_SECONDS, 2);
    assert.equal(error.retryAfter, 2);
    assert.equal(error.cause, cause);
    assert.equal(unavailable(OWNER, "x").cause, undefined);
  });
});

describe("guarded()", () => {
  it("answers the operation's value", async () => {
    assert.equal(
      await guarded(OWNER, 1_000, () => Promise.resolve("OK")),
      "OK",
    );
  });

  it("turns a timeout into a VerifierUnavailableError that says so", async () => {
    await assert.rejects(
      guarded(OWNER, 5, () => new Promise(() => {})),
      (error: unknown) =>
        error instanceof VerifierUnavailableError &&
        error.message === "TestStore timed out after 5 ms" &&
        error.retryAfter === RETRY_AFTER_SECONDS &&
        error.cause === undefined,
    );
  });

  it("turns any failure into a VerifierUnavailableError carrying it as the cause", async () => {
    for (
      const failure of [
        new Error("READONLY You can't write against a read only replica"),
        new TypeError("client.set is not a function"),
        "a string",
        undefined,
      ]
    ) {
      await assert.rejects(
        guarded(OWNER, 1_000, () => Promise.reject(failure)),
        (error: unknown) =>
          error instanceof VerifierUnavailableError &&
          error.message === "TestStore unavailable" &&
          error.retryAfter === RETRY_AFTER_SECONDS &&
          error.cause === failure,
      );
    }
  });

  it("turns a synchronous throw into a rejection, never an escape", async () => {
    const failure = new Error("sync");
    const pending = guarded(OWNER, 1_000, () => {
      throw failure;
    });
    await assert.rejects(
      pending,
      (error: unknown) =>
        error instanceof VerifierUnavailableError && error.cause === failure,
    );
  });

  it("lets a VerifierUnavailableError of the operation through unchanged", async () => {
    const own = new VerifierUnavailableError("Clock unreadable");
    await assert.rejects(
      guarded(OWNER, 1_000, () => Promise.reject(own)),
      (error: unknown) => error === own,
    );
  });
});
