// authzenCheck's options (src/authzen/_options.ts): unknown keys and bad
// values refused at construction, with a message that says what to write.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { authzenCheck } from "../../src/authzen/mod.ts";

const base = { pdp: "https://pdp.example.com" };

function refused(options: unknown, message: RegExp) {
  assert.throws(
    () => authzenCheck(options as never),
    (error) => error instanceof TypeError && message.test(error.message),
    JSON.stringify(options),
  );
}

describe("authzenCheck options", () => {
  it("refuses unknown options, naming the closest and the allowed ones", () => {
    refused(
      { ...base, timeout: 5 },
      /Unknown authzenCheck option "timeout".*expected one of "pdp", "headers", "fetch", "timeoutMs"/,
    );
    refused(
      { ...base, timoutMs: 5 },
      /did you mean "timeoutMs"\?/,
    );
    refused(
      { ...base, cache: { ttl: 5 } },
      /Unknown authzenCheck "cache" option "ttl".*"ttlMs", "maxEntries"/,
    );
    refused(undefined, /authzenCheck expects an options object with at least/);
    refused("https://pdp.example.com", /expects an options object/);
  });

  it("refuses a PDP URL without TLS, or with a query, fragment or credentials", () => {
    for (
      const [pdp, message] of [
        ["http://pdp.example.com", /must use https/],
        ["https://pdp.example.com/?tenant=1", /must not have a query/],
        ["https://pdp.example.com/#x", /must not have a fragment/],
        ["https://user:pw@pdp.example.com", /must not contain credentials/],
        ["not-a-url", /must be an absolute URL/],
        [42, /must be a URL or a string/],
        [undefined, /must be a URL or a string/],
      ] as const
    ) {
      refused({ pdp }, message);
    }
    // Never the password, whatever the message.
    assert.throws(
      () => authzenCheck({ pdp: "https://user:hunter2@pdp.example.com" }),
      (error) => error instanceof Error && !error.message.includes("hunter2"),
    );
    for (
      const pdp of [
        "http://127.0.0.1:3592",
        "http://localhost:3592",
        "https://pdp.example.com/tenant1/",
        new URL("https://pdp.example.com"),
      ]
    ) {
      assert.doesNotThrow(() => authzenCheck({ pdp }));
    }
  });

  it("refuses invalid numbers, functions, headers and subject settings", () => {
    for (
      const [bad, message] of [
        [{ timeoutMs: 0 }, /"timeoutMs" must be a finite number/],
        [{ timeoutMs: "5" }, /"timeoutMs" must be a finite number/],
        [{ batchSize: 1.5 }, /"batchSize" must be an integer/],
        [{ concurrency: -1 }, /"concurrency" must be an integer/],
        [{ cache: { ttlMs: -1 } }, /"cache.ttlMs" must be/],
        [
          { cache: { maxEntries: 0.5 } },
          /"cache.maxEntries" must be an integer/,
        ],
        [{ cache: true }, /"cache" expects \{ ttlMs, maxEntries \} or false/],
        [{ fetch: "fetch" }, /"fetch" must be a function/],
        [{ now: 5 }, /"now" must be a function/],
        [{ subject: {} }, /"subject" must be a function/],
        [{ action: 1 }, /"action" must be a function/],
        [{ resource: [] }, /"resource" must be a function/],
        [{ context: "x" }, /"context" must be a function/],
        [{ headers: "x" }, /"headers" must be a Headers.*got a string/],
        [{ headers: { "bad name": "x" } }, /"headers" must be a Headers/],
        [{ subjectClaim: "" }, /"subjectClaim" must be a non-empty string/],
        [{ subjectClaim: false }, /is false, so there is no default subject/],
      ] as const
    ) {
      refused({ ...base, ...bad }, message);
    }
  });

  it("never echoes a header value it refuses", () => {
    assert.throws(
      () =>
        authzenCheck({
          ...base,
          headers: "Bearer pdp-secret" as never,
        }),
      (error) =>
        error instanceof TypeError && !error.message.includes("pdp-secret"),
    );
  });

  it("accepts subjectClaim: false with a subject function, and cache: false", () => {
    assert.doesNotThrow(() =>
      authzenCheck({
        ...base,
        subjectClaim: false,
        subject: () => ({ type: "service", id: "batch-job" }),
        cache: false,
      })
    );
  });
});
