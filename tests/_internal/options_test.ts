import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  booleanOption,
  detached,
  functionOption,
  isRecord,
  label,
  numberOption,
  oneOfOption,
  optionsObject,
  refuseUnknownKeys,
  show,
  stringListOption,
  stringOption,
  urlOption,
} from "../../src/_internal/options.ts";
import { show as showItself } from "../../src/_internal/show.ts";

/** Asserts `fn` throws a TypeError whose message is exactly `message`. */
function throwsExactly(fn: () => unknown, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TypeError, `not a TypeError: ${error}`);
    assert.equal(error.message, message);
    return true;
  });
}

describe("show", () => {
  it("is the one printer of show.ts", () => {
    assert.equal(show, showItself);
  });
});

describe("isRecord()", () => {
  it("is true for any non-null, non-array object", () => {
    assert.equal(isRecord({}), true);
    assert.equal(isRecord(Object.create(null)), true);
    assert.equal(isRecord(new Map()), true);
  });

  it("is false for null, arrays, functions and primitives", () => {
    for (const value of [null, undefined, [], () => {}, "a", 1, true]) {
      assert.equal(isRecord(value), false);
    }
  });
});

describe("optionsObject()", () => {
  const allowed = ["layers", "scopeHierarchy", "onError"] as const;
  type Options = {
    layers?: unknown;
    scopeHierarchy?: unknown;
    onError?: unknown;
  };

  it("returns a frozen copy of the own options when every key is known", () => {
    const onError = () => {};
    const options = { layers: [], onError };
    const copy = optionsObject<Options>("Thing", options, [...allowed]);
    assert.notEqual(copy, options);
    assert.deepEqual({ ...copy }, options);
    assert.equal(copy.onError, onError);
    assert.ok(Object.isFrozen(copy));
    assert.deepEqual(
      { ...optionsObject<Options>("Thing", {}, [...allowed]) },
      {},
    );
  });

  it("refuses a value that is not an object, with the hint", () => {
    throwsExactly(
      () => optionsObject<Options>("Thing", 123 as never, [...allowed]),
      'Thing expects an options object, got "123"',
    );
    throwsExactly(
      () =>
        optionsObject<Options>(
          "Thing",
          null,
          [...allowed],
          "{ layers: [...] }",
        ),
      "Thing expects { layers: [...] }, got null",
    );
    for (const value of [undefined, [], "x", () => {}]) {
      assert.throws(
        () => optionsObject<Options>("Thing", value as never, [...allowed]),
        TypeError,
      );
    }
  });

  it("refuses a misspelt key, suggesting the closest allowed one", () => {
    throwsExactly(
      () =>
        optionsObject<Options>("Authorizer", { layer: [] } as never, [
          ...allowed,
        ]),
      'Unknown Authorizer option "layer" (did you mean "layers"?), expected one of "layers", "scopeHierarchy", "onError"',
    );
  });

  it("suggests regardless of case", () => {
    assert.throws(
      () =>
        optionsObject<Options>("Thing", { OnError: 1 } as never, [...allowed]),
      /\(did you mean "onError"\?\)/,
    );
    assert.throws(
      () =>
        optionsObject<Options>("Thing", { scopehierarchy: 1 } as never, [
          ...allowed,
        ]),
      /\(did you mean "scopeHierarchy"\?\)/,
    );
  });

  it("suggests nothing for a key close to no allowed one", () => {
    throwsExactly(
      () =>
        optionsObject<Options>("Thing", { debug: true } as never, [...allowed]),
      'Unknown Thing option "debug", expected one of "layers", "scopeHierarchy", "onError"',
    );
  });

  it("suggests only within a distance that grows with the key's length", () => {
    // Two edits away from a short name is still a likely typo...
    assert.throws(
      () => optionsObject("T", { lyer: 1 } as never, ["layers"] as never),
      /did you mean "layers"/,
    );
    // ...but not when the edits replace the whole key.
    assert.doesNotMatch(
      captured(() => optionsObject("T", { zz: 1 } as never, ["a"] as never)),
      /did you mean/,
    );
    // ...three is not.
    assert.doesNotMatch(
      captured(() =>
        optionsObject("T", { lay: 1 } as never, ["layers"] as never)
      ),
      /did you mean/,
    );
    // A long key tolerates more edits.
    assert.throws(
      () =>
        optionsObject(
          "T",
          { scopeHierarky: 1 } as never,
          ["scopeHierarchy"] as never,
        ),
      /did you mean "scopeHierarchy"/,
    );
  });

  it("refuses inherited options and unknown non-enumerable keys", () => {
    throwsExactly(
      () =>
        optionsObject<Options>("Thing", Object.create({ layers: [] }), [
          ...allowed,
        ]),
      "Thing expects an options object (a plain object), got an object inheriting its options (write them as its own keys)",
    );
    const hidden = Object.defineProperty({}, "layer", {
      value: [],
      enumerable: false,
    });
    assert.throws(
      () => optionsObject<Options>("Thing", hidden, [...allowed]),
      /Unknown Thing option "layer" \(did you mean "layers"\?\)/,
    );
    // Symbol keys are no option names: ignored.
    optionsObject<Options>("Thing", { [Symbol("x")]: 1 } as never, [
      ...allowed,
    ]);
  });

  it("quotes a key that needs escaping", () => {
    assert.throws(
      () => optionsObject("T", { 'a"\nb': 1 } as never, ["x"] as never),
      /Unknown T option "a\\"\\nb"/,
    );
  });
});

/** The message `fn` throws. */
function captured(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return String(error);
  }
  throw new Error("did not throw");
}

describe("refuseUnknownKeys()", () => {
  it("accepts an object with known keys only", () => {
    refuseUnknownKeys("T", { a: 1, b: 2 }, ["a", "b", "c"]);
  });

  it("names the first unknown key", () => {
    throwsExactly(
      () =>
        refuseUnknownKeys("T", { issuer: 1, verbose: 2, debug: 3 }, ["issuer"]),
      'Unknown T option "verbose", expected one of "issuer"',
    );
  });
});

describe("label()", () => {
  it("names the owner and the option", () => {
    assert.equal(label("JwtVerifier", "issuer"), 'JwtVerifier option "issuer"');
  });
});

describe("booleanOption()", () => {
  it("returns the fallback when unset, the value when a boolean", () => {
    assert.equal(booleanOption("T", "flag", undefined, true), true);
    assert.equal(booleanOption("T", "flag", false, true), false);
    assert.equal(booleanOption("T", "flag", true, false), true);
  });

  it("refuses anything else, even truthy-looking values", () => {
    throwsExactly(
      () => booleanOption("T", "flag", "false", true),
      'T option "flag" must be true or false, got "false"',
    );
    for (const value of [0, 1, null, "true"]) {
      assert.throws(() => booleanOption("T", "flag", value, true), TypeError);
    }
  });
});

describe("numberOption()", () => {
  it("returns the fallback when unset, the value when in bounds", () => {
    assert.equal(numberOption("T", "n", undefined, 5), 5);
    assert.equal(numberOption("T", "n", 0, 5), 0);
    assert.equal(numberOption("T", "n", 2.5, 5), 2.5);
    assert.equal(numberOption("T", "n", 3, 5, { min: 3, integer: true }), 3);
  });

  it("refuses below the minimum, non-finite, non-numbers", () => {
    throwsExactly(
      () => numberOption("T", "ttl", -1, 5, { unit: "seconds" }),
      'T option "ttl" must be a finite number of seconds of at least 0, got "-1"',
    );
    for (const value of [NaN, Infinity, "5", null]) {
      assert.throws(() => numberOption("T", "n", value, 5), TypeError);
    }
  });

  it("refuses a fraction when an integer is asked for", () => {
    throwsExactly(
      () => numberOption("T", "max", 1.5, 5, { min: 1, integer: true }),
      'T option "max" must be an integer of at least 1, got "1.5"',
    );
  });
});

describe("stringOption()", () => {
  it("returns undefined when unset, the string otherwise", () => {
    assert.equal(stringOption("T", "s", undefined), undefined);
    assert.equal(stringOption("T", "s", "x"), "x");
  });

  it("refuses an empty string and non-strings", () => {
    throwsExactly(
      () => stringOption("T", "issuer", ""),
      'T option "issuer" must be a non-empty string, got ""',
    );
    assert.throws(() => stringOption("T", "s", 1), TypeError);
    assert.throws(() => stringOption("T", "s", null), TypeError);
  });
});

describe("oneOfOption()", () => {
  const choices = ["layers", "always", "never"] as const;

  it("returns the fallback when unset, the choice otherwise", () => {
    assert.equal(
      oneOfOption("T", "mode", undefined, choices, "layers"),
      "layers",
    );
    assert.equal(oneOfOption("T", "mode", "never", choices, "layers"), "never");
  });

  it("refuses anything else, listing the choices", () => {
    throwsExactly(
      () => oneOfOption("T", "mode", "Always", choices, "layers"),
      'T option "mode" must be one of "layers", "always", "never", got "Always"',
    );
    assert.throws(
      () => oneOfOption("T", "m", true, choices, "layers"),
      TypeError,
    );
    assert.throws(
      () => oneOfOption("T", "m", null, choices, "layers"),
      TypeError,
    );
  });
});

describe("stringListOption()", () => {
  it("takes one string as a list of one, and copies a list", () => {
    assert.deepEqual(stringListOption("T", "aud", "a"), ["a"]);
    const list = ["a", "b"];
    const copy = stringListOption("T", "aud", list);
    assert.deepEqual(copy, list);
    assert.notEqual(copy, list);
  });

  it("refuses an empty list, an empty item, a non-string item and undefined", () => {
    throwsExactly(
      () => stringListOption("T", "aud", []),
      'T option "aud" must be a non-empty string or a non-empty list of them, got an array',
    );
    for (const value of [[""], ["a", 1], "", undefined, {}]) {
      assert.throws(() => stringListOption("T", "aud", value), TypeError);
    }
  });
});

describe("detached()", () => {
  it("calls the function without a receiver, passing arguments and result", () => {
    const receivers: unknown[] = [];
    const owner = {
      fn(this: unknown, a: number, b: number) {
        receivers.push(this);
        return a + b;
      },
    };
    const call = detached(owner.fn);
    assert.equal(call.call(owner, 1, 2), 3);
    assert.deepEqual(receivers, [undefined]);
  });
});

describe("functionOption()", () => {
  const fallback = () => "fallback";

  it("returns the fallback itself when unset", () => {
    assert.equal(functionOption("T", "now", undefined, fallback), fallback);
  });

  it("wraps a function so that it is called without a receiver", () => {
    const options = {
      now(this: unknown) {
        return this === undefined ? "detached" : "bound";
      },
    };
    const now = functionOption("T", "now", options.now, fallback);
    assert.notEqual(now, options.now);
    assert.equal(now.call(options), "detached");
  });

  it("passes arguments and returns the result", () => {
    const add = functionOption(
      "T",
      "add",
      (a: number, b: number) => a + b,
      (_a: number, _b: number) => 0,
    );
    assert.equal(add(2, 3), 5);
  });

  it("refuses anything but a function", () => {
    throwsExactly(
      () => functionOption("T", "fetch", "https://x", fallback),
      'T option "fetch" must be a function, got "https://x"',
    );
    assert.throws(() => functionOption("T", "f", null, fallback), TypeError);
  });
});

describe("urlOption()", () => {
  it("parses an https URL, or http on a loopback host", () => {
    assert.equal(
      urlOption("T", "issuer", "https://a.example/x").href,
      "https://a.example/x",
    );
    assert.equal(
      urlOption("T", "issuer", "http://localhost:1/").host,
      "localhost:1",
    );
  });

  it("names the owner and the option when it refuses", () => {
    assert.throws(
      () => urlOption("T", "issuer", "http://a.example/"),
      /^TypeError: T option "issuer" must use https/,
    );
    assert.throws(
      () => urlOption("T", "jwksUri", "https://a.example/#k"),
      /^TypeError: T option "jwksUri" must not have a fragment/,
    );
  });

  it("refuses a query only when told to", () => {
    urlOption("T", "u", "https://a.example/?q=1");
    assert.throws(
      () => urlOption("T", "u", "https://a.example/?q=1", { query: false }),
      /must not have a query/,
    );
  });
});

describe("numberOption()", () => {
  it("takes a value in range, or the fallback when unset", () => {
    assert.equal(numberOption("X", "n", undefined, 5), 5);
    assert.equal(numberOption("X", "n", 7, 5, { min: 1, max: 7 }), 7);
    assert.equal(numberOption("X", "n", 0.5, 5), 0.5);
  });

  it("names the range it refuses, with a maximum when there is one", () => {
    assert.throws(
      () => numberOption("X", "n", -1, 5, { integer: true, unit: "seconds" }),
      {
        name: "TypeError",
        message:
          'X option "n" must be an integer of seconds of at least 0, got "-1"',
      },
    );
    assert.throws(
      () => numberOption("X", "n", 61, 5, { min: 1, max: 60, integer: true }),
      {
        name: "TypeError",
        message: 'X option "n" must be an integer from 1 to 60, got "61"',
      },
    );
    for (const value of [Number.NaN, Infinity, "1", 1.5]) {
      assert.throws(
        () => numberOption("X", "n", value, 5, { integer: true, max: 10 }),
        TypeError,
      );
    }
  });
});
