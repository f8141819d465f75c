import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isPrintable, printable, show } from "../../src/_internal/show.ts";

describe("show()", () => {
  const cases: [string, unknown, string][] = [
    ["null", null, "null"],
    ["undefined", undefined, "undefined"],
    ["a string, quoted", "a b", '"a b"'],
    ["a string with a quote, escaped", 'a"b', '"a\\"b"'],
    ["a string with a line break, escaped", "a\nb", '"a\\nb"'],
    ["a number, quoted", -1, '"-1"'],
    ["NaN, quoted", NaN, '"NaN"'],
    ["a bigint, quoted", 10n, '"10"'],
    ["a boolean, quoted", false, '"false"'],
    ["a function, by kind", () => {}, "a function"],
    ["a symbol, by kind", Symbol("s"), "a symbol"],
    ["an array, by kind", [1, 2], "an array"],
    ["an object, by kind", { secret: "s3cret" }, "an object"],
    ["a class instance, by kind", new Map(), "an object"],
    [
      "a URL, by its href",
      new URL("https://example.com/a"),
      '"https://example.com/a"',
    ],
  ];
  for (const [label, value, expected] of cases) {
    it(`shows ${label}`, () => {
      assert.equal(show(value), expected);
    });
  }

  it("cuts a long string at 80 characters", () => {
    const long = "x".repeat(200);
    assert.equal(show(long), JSON.stringify(`${"x".repeat(80)}...`));
    assert.equal(show("y".repeat(80)), JSON.stringify("y".repeat(80)));
  });

  it("never prints an object's contents", () => {
    assert.doesNotMatch(show({ token: "eyJhbGciOi" }), /eyJ/);
    assert.doesNotMatch(show(["eyJhbGciOi"]), /eyJ/);
  });
});

describe("show() on awkward values", () => {
  it("masks a URL's user info and cuts a long URL", () => {
    const shown = show(
      new URL(`https://u:s3cret@example.com/${"a".repeat(200)}`),
    );
    assert.ok(!shown.includes("s3cret"));
    assert.ok(shown.length < 100);
  });

  it("describes a Proxy whose traps throw instead of throwing", () => {
    const hostile = new Proxy({}, {
      getPrototypeOf() {
        throw new Error("trap");
      },
    });
    assert.equal(show(hostile), "an object");
  });
});

describe("printable() and isPrintable()", () => {
  it("escapes controls, line separators and bidirectional controls, nothing else", () => {
    assert.equal(
      printable("a\r\nb\u001b[2J\u009b\u2028\u202e\u2066é ✓"),
      "a\\u000d\\u000ab\\u001b[2J\\u009b\\u2028\\u202e\\u2066é ✓",
    );
    assert.equal(printable("plain text: 1/2"), "plain text: 1/2");
  });

  it("tells a printable string from one that is not, every time (no regex state)", () => {
    for (let i = 0; i < 3; i++) {
      assert.equal(isPrintable("req-1 é ✓"), true);
      assert.equal(isPrintable("a\nb"), false);
      assert.equal(isPrintable("a\u0085"), false);
      assert.equal(isPrintable("\u2029"), false);
    }
  });
});
