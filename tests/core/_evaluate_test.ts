import { describe, it, mock } from "node:test";
import assert from "node:assert/strict";
import {
  carriedReporter,
  type ErrorReporter,
  evaluateAll,
  evaluateCheck,
  isAuthorizationError,
  isThenable,
  toCheckList,
  warnOnError,
} from "../../src/core/_evaluate.ts";
import { AuthContext, seeded } from "../../src/core/context.ts";
import {
  type AuthCheck,
  AuthorizationError,
  InsufficientScopeError,
} from "../../mod.ts";
import { ctxFor, tool } from "../_helpers.ts";

/** A reporter that records every (error, check) it is given. */
function reports(): { seen: [unknown, AuthCheck][]; report: ErrorReporter } {
  const seen: [unknown, AuthCheck][] = [];
  return { seen, report: (error, check) => seen.push([error, check]) };
}

const yes: AuthCheck = () => true;
const no: AuthCheck = () => false;

describe("evaluateCheck()", () => {
  it("answers a synchronous check with a boolean, not a promise", () => {
    const { report } = reports();
    assert.equal(evaluateCheck(yes, ctxFor([]), report), true);
    assert.equal(evaluateCheck(no, ctxFor([]), report), false);
  });

  it("allows only on exactly true", () => {
    const { report } = reports();
    for (const value of [1, "true", {}, [], null, undefined, 0n]) {
      const check = (() => value) as unknown as AuthCheck;
      assert.equal(evaluateCheck(check, ctxFor([]), report), false);
    }
  });

  it("returns a promise only when the check returned a thenable", async () => {
    const { report } = reports();
    const pending = evaluateCheck(
      () => Promise.resolve(true),
      ctxFor([]),
      report,
    );
    assert.ok(pending instanceof Promise);
    assert.equal(await pending, true);
    const thenable = { then: (resolve: (v: unknown) => void) => resolve(true) };
    const custom = evaluateCheck(
      () => thenable as unknown as Promise<boolean>,
      ctxFor([]),
      report,
    );
    assert.ok(custom instanceof Promise);
    assert.equal(await custom, true);
    assert.equal(
      await evaluateCheck(
        () => Promise.resolve("yes" as never),
        ctxFor([]),
        report,
      ),
      false,
    );
  });

  it("rethrows an AuthorizationError synchronously from a synchronous check", () => {
    const error = new InsufficientScopeError(["x"]);
    const { seen, report } = reports();
    assert.throws(
      () =>
        evaluateCheck(
          () => {
            throw error;
          },
          ctxFor([]),
          report,
        ),
      (e) => e === error,
    );
    assert.equal(seen.length, 0);
  });

  it("rejects with an AuthorizationError an async check rejected with", async () => {
    const error = new AuthorizationError("no");
    const { seen, report } = reports();
    await assert.rejects(
      Promise.resolve(
        evaluateCheck(() => Promise.reject(error), ctxFor([]), report),
      ),
      (e) => e === error,
    );
    assert.equal(seen.length, 0);
  });

  it("reports any other error to the reporter it is given, with the check, and denies", async () => {
    const error = new Error("db down");
    const failing: AuthCheck = () => {
      throw error;
    };
    const rejecting: AuthCheck = () => Promise.reject(error);
    const { seen, report } = reports();
    assert.equal(evaluateCheck(failing, ctxFor([]), report), false);
    assert.equal(await evaluateCheck(rejecting, ctxFor([]), report), false);
    assert.deepEqual(seen, [[error, failing], [error, rejecting]]);
  });

  it("denies and reports a check that is not a function", () => {
    const { seen, report } = reports();
    assert.equal(evaluateCheck("admin" as never, ctxFor([]), report), false);
    assert.ok(seen[0]![0] instanceof TypeError);
    assert.match(String(seen[0]![0]), /must be a function, got string/);
  });

  it("survives a reporter that throws", () => {
    const failing: AuthCheck = () => {
      throw new Error("x");
    };
    const report: ErrorReporter = () => {
      throw new Error("logger down");
    };
    assert.equal(evaluateCheck(failing, ctxFor([]), report), false);
  });

  it("passes the check the context it is given", () => {
    const ctx = ctxFor(["a"]);
    let seen: unknown;
    evaluateCheck((c) => (seen = c, true), ctx, reports().report);
    assert.equal(seen, ctx);
  });
});

describe("evaluateCheck() with hostile values", () => {
  it("denies a thenable whose then getter throws, reporting the error", () => {
    const error = new Error("getter");
    const hostile = {
      get then() {
        throw error;
      },
    };
    const { seen, report } = reports();
    assert.equal(
      evaluateCheck(() => hostile as never, ctxFor([]), report),
      false,
    );
    assert.equal(seen[0]![0], error);
  });

  it("denies a thenable whose then throws", async () => {
    const { seen, report } = reports();
    const hostile = {
      then() {
        throw new Error("then");
      },
    };
    assert.equal(
      await evaluateCheck(() => hostile as never, ctxFor([]), report),
      false,
    );
    assert.equal(seen.length, 1);
  });

  it("takes the first settlement of a thenable that settles twice", async () => {
    const { report } = reports();
    const twice = {
      then(resolve: (v: unknown) => void, reject: (e: unknown) => void) {
        resolve(false);
        resolve(true);
        reject(new AuthorizationError());
      },
    };
    assert.equal(
      await evaluateCheck(() => twice as never, ctxFor([]), report),
      false,
    );
  });

  it("masks a thrown Proxy whose traps throw", () => {
    const hostile = new Proxy({}, {
      getPrototypeOf() {
        throw new Error("trap");
      },
      get() {
        throw new Error("trap");
      },
    });
    const { seen, report } = reports();
    assert.equal(
      evaluateCheck(
        () => {
          throw hostile;
        },
        ctxFor([]),
        report,
      ),
      false,
    );
    assert.equal(seen[0]![0], hostile);
  });

  it("denies a value whose then is not a function", () => {
    const { report } = reports();
    assert.equal(
      evaluateCheck(() => ({ then: true }) as never, ctxFor([]), report),
      false,
    );
  });
});

describe("evaluateAll()", () => {
  it("allows an empty list, synchronously", () => {
    assert.equal(evaluateAll([], ctxFor([]), reports().report), true);
  });

  it("stays synchronous while every check is", () => {
    let calls = 0;
    const counted: AuthCheck = () => (calls++, true);
    const result = evaluateAll(
      [counted, counted, counted],
      ctxFor([]),
      () => {},
    );
    assert.equal(result, true);
    assert.equal(calls, 3);
  });

  it("stops at the first denial", () => {
    let calls = 0;
    const counted: AuthCheck = () => (calls++, true);
    assert.equal(
      evaluateAll([counted, no, counted], ctxFor([]), () => {}),
      false,
    );
    assert.equal(calls, 1);
  });

  it("goes async at the first thenable and runs the rest in order after it", async () => {
    const order: string[] = [];
    const result = evaluateAll(
      [
        () => (order.push("sync"), true),
        async () => {
          await Promise.resolve();
          order.push("async");
          return true;
        },
        () => (order.push("after"), true),
      ],
      ctxFor([]),
      () => {},
    );
    assert.ok(result instanceof Promise);
    assert.deepEqual(order, ["sync"]);
    assert.equal(await result, true);
    assert.deepEqual(order, ["sync", "async", "after"]);
  });

  it("does not run the rest after an async denial", async () => {
    let calls = 0;
    const result = await evaluateAll(
      [() => Promise.resolve(false), () => (calls++, true)],
      ctxFor([]),
      () => {},
    );
    assert.equal(result, false);
    assert.equal(calls, 0);
  });

  it("starts at the index it is given", () => {
    assert.equal(evaluateAll([no, yes], ctxFor([]), () => {}, 1), true);
  });

  it("reports a masked error to its reporter, naming the failing check", async () => {
    const error = new Error("x");
    const failing: AuthCheck = () => {
      throw error;
    };
    const failingLater: AuthCheck = () => Promise.reject(error);
    const { seen, report } = reports();
    assert.equal(evaluateAll([yes, failing, yes], ctxFor([]), report), false);
    assert.equal(
      await evaluateAll(
        [() => Promise.resolve(true), failingLater],
        ctxFor([]),
        report,
      ),
      false,
    );
    assert.deepEqual(seen, [[error, failing], [error, failingLater]]);
  });

  it("rethrows an AuthorizationError and runs nothing after it", () => {
    const error = new AuthorizationError();
    let calls = 0;
    assert.throws(
      () =>
        evaluateAll(
          [() => {
            throw error;
          }, () => (calls++, true)],
          ctxFor([]),
          () => {},
        ),
      (e) => e === error,
    );
    assert.equal(calls, 0);
  });

  it("denies and reports a non-function in the list", () => {
    const { seen, report } = reports();
    assert.equal(evaluateAll([yes, 7 as never], ctxFor([]), report), false);
    assert.equal(seen[0]![1], 7);
  });

  it("never reports to the default warning when given a reporter", () => {
    const warn = mock.method(console, "warn", () => {});
    try {
      evaluateAll(
        [() => {
          throw new Error("x");
        }],
        ctxFor([]),
        () => {},
      );
      assert.equal(warn.mock.callCount(), 0);
    } finally {
      warn.mock.restore();
    }
  });
});

describe("carriedReporter()", () => {
  it("is the default warning for a context built by hand", () => {
    assert.equal(carriedReporter(ctxFor([])), warnOnError);
  });

  it("is the reporter a context was seeded with", () => {
    const report: ErrorReporter = () => {};
    const ctx = AuthContext[seeded](
      { component: tool("t") },
      new Set(),
      report,
    );
    assert.equal(carriedReporter(ctx), report);
  });

  it("is the default warning for a value that is not an AuthContext", () => {
    assert.equal(carriedReporter({} as never), warnOnError);
    const hostile = new Proxy({}, {
      get() {
        throw new Error("trap");
      },
    });
    assert.equal(carriedReporter(hostile as never), warnOnError);
  });
});

describe("warnOnError()", () => {
  it("warns once, naming the check and passing the error", () => {
    const warn = mock.method(console, "warn", () => {});
    try {
      const error = new Error("x");
      warnOnError(error, function loadPolicy() {
        return true;
      });
      warnOnError(error, (() => true) as AuthCheck);
      const hostile = new Proxy(() => true, {
        get() {
          throw new Error("trap");
        },
      });
      warnOnError(error, hostile);
      const calls = warn.mock.calls.map((call) => call.arguments);
      assert.match(
        String(calls[0]![0]),
        /auth check "loadPolicy" failed; treated as denial/,
      );
      assert.equal(calls[0]![1], error);
      assert.match(String(calls[1]![0]), /"anonymous check"/);
      assert.match(String(calls[2]![0]), /"anonymous check"/);
    } finally {
      warn.mock.restore();
    }
  });
});

describe("isAuthorizationError()", () => {
  it("recognises the class and its subclasses only", () => {
    assert.equal(isAuthorizationError(new AuthorizationError()), true);
    assert.equal(isAuthorizationError(new InsufficientScopeError(["a"])), true);
    assert.equal(isAuthorizationError(new Error("x")), false);
    assert.equal(
      isAuthorizationError({
        name: "AuthorizationError",
        code: "ERR_AUTHORIZATION",
      }),
      false,
    );
  });

  it("is false for a Proxy whose getPrototypeOf throws", () => {
    const hostile = new Proxy({}, {
      getPrototypeOf() {
        throw new Error("trap");
      },
    });
    assert.equal(isAuthorizationError(hostile), false);
  });
});

describe("isThenable()", () => {
  it("is true for promises and objects or functions with a then method", () => {
    const fn = Object.assign(() => {}, { then() {} });
    assert.equal(isThenable(Promise.resolve()), true);
    assert.equal(isThenable({ then() {} }), true);
    assert.equal(isThenable(fn), true);
  });

  it("is false for anything else", () => {
    for (const value of [null, undefined, true, 1, "then", { then: 1 }, {}]) {
      assert.equal(isThenable(value), false);
    }
  });
});

describe("toCheckList()", () => {
  it("keeps a list and wraps anything else, a non-function included", () => {
    const list = [yes, no];
    assert.equal(toCheckList(list), list);
    assert.deepEqual(toCheckList(yes), [yes]);
    assert.deepEqual(toCheckList(undefined), [undefined]);
  });
});
